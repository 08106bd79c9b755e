"""The shapes of Paris for a map drawn by the server (no tiles, no internet): the 20
arrondissements from the Ville's open data (ODbL, see data/README.md), projected, simplified
to what 800 px can show, as SVG paths; the mairies' outlines (Paris Centre is the 1st to the
4th together); the Seine as the limits between the two banks. Computed once per process."""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SOURCE = Path(__file__).parent / "data" / "paris-arrondissements.geojson"
ATTRIBUTION = "© Ville de Paris — données ouvertes, ODbL"
LARGEUR = 800  # the drawing's width in SVG units (px at 100 %)
MARGE = 12
TOLERANCE_M = 5  # Douglas–Peucker: invisible at 1 px ≈ 20 m
# The river: the limits between the arrondissements of the two banks.
RIVES = ((5, 4), (5, 12), (6, 1), (7, 1), (7, 8), (7, 16), (13, 12), (15, 16))
_LAT0 = 48.8566
_M_PAR_DEGRE = 111_320.0


@dataclass(frozen=True)
class Arrondissement:
    numero: int
    nom: str  # « Louvre », « Batignolles-Monceau »
    chemin: str  # SVG path data
    centre: tuple[float, float]  # where its label goes (SVG units)
    points: tuple  # the simplified outline, projected


@dataclass(frozen=True)
class Fond:
    """Everything the map draws under the marks."""

    largeur: int
    hauteur: int
    arrondissements: dict  # numero → Arrondissement
    seine: tuple[str, ...]  # SVG path data of the river's lines
    echelle_1km: float  # how many SVG units one kilometre is
    projeter: object  # (lon, lat) → (x, y)


def _metres(lon: float, lat: float) -> tuple[float, float]:
    return (lon * math.cos(math.radians(_LAT0)) * _M_PAR_DEGRE, -lat * _M_PAR_DEGRE)


def _simplifier(points: list, tolerance: float) -> list:
    """Douglas–Peucker, iterative (a ring of a thousand points needs no recursion)."""
    if len(points) < 3:
        return points
    garder = [False] * len(points)
    garder[0] = garder[-1] = True
    pile = [(0, len(points) - 1)]
    while pile:
        debut, fin = pile.pop()
        (x1, y1), (x2, y2) = points[debut], points[fin]
        dx, dy = x2 - x1, y2 - y1
        longueur = math.hypot(dx, dy) or 1e-9
        pire, indice = 0.0, None
        for i in range(debut + 1, fin):
            x, y = points[i]
            d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / longueur
            if d > pire:
                pire, indice = d, i
        if indice is not None and pire > tolerance:
            garder[indice] = True
            pile.extend(((debut, indice), (indice, fin)))
    return [p for p, k in zip(points, garder) if k]


def _simplifier_anneau(anneau: list, tolerance: float) -> list:
    """A closed ring (last point = first) simplified in two halves, cut at its farthest
    point from the start: Douglas–Peucker needs two distinct ends."""
    k = max(range(len(anneau)), key=lambda i: math.dist(anneau[0], anneau[i]))
    return _simplifier(anneau[:k + 1], tolerance) + _simplifier(anneau[k:], tolerance)[1:]


def _chemin(points, ferme: bool = True) -> str:
    corps = " L".join(f"{x:.1f} {y:.1f}" for x, y in points)
    return f"M{corps}{' Z' if ferme else ''}"


def _centre(points) -> tuple[float, float]:
    """The centroid of a ring (area-weighted), where a label sits."""
    aire = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        c = x1 * y2 - x2 * y1
        aire += c
        cx += (x1 + x2) * c
        cy += (y1 + y2) * c
    if abs(aire) < 1e-9:
        return points[0]
    return (cx / (3 * aire), cy / (3 * aire))


def _chainer(segments: set) -> list[list]:
    """Join undirected segments into polylines."""
    voisins: dict = {}
    for a, b in segments:
        voisins.setdefault(a, []).append(b)
        voisins.setdefault(b, []).append(a)
    vus, lignes = set(), []
    extremites = [p for p, v in voisins.items() if len(v) == 1] + list(voisins)
    for depart in extremites:
        ligne, courant = [depart], depart
        while True:
            suivant = next((n for n in voisins[courant]
                            if frozenset((courant, n)) not in vus), None)
            if suivant is None:
                break
            vus.add(frozenset((courant, suivant)))
            ligne.append(suivant)
            courant = suivant
        if len(ligne) > 1:
            lignes.append(ligne)
    return lignes


@lru_cache(maxsize=1)
def fond() -> Fond:
    donnees = json.loads(SOURCE.read_text(encoding="utf-8"))
    anneaux = {f["properties"]["c_ar"]: ([tuple(p) for p in f["geometry"]["coordinates"][0]],
                                         f["properties"]["l_aroff"])
               for f in donnees["features"]}
    tous = [_metres(*p) for anneau, _ in anneaux.values() for p in anneau]
    xmin, xmax = min(x for x, _ in tous), max(x for x, _ in tous)
    ymin, ymax = min(y for _, y in tous), max(y for _, y in tous)
    echelle = (LARGEUR - 2 * MARGE) / (xmax - xmin)
    hauteur = round((ymax - ymin) * echelle + 2 * MARGE)

    def vers_svg(x: float, y: float) -> tuple[float, float]:
        return (MARGE + (x - xmin) * echelle, MARGE + (y - ymin) * echelle)

    def projeter(lon: float, lat: float) -> tuple[float, float]:
        return vers_svg(*_metres(lon, lat))

    arrondissements = {}
    for numero, (anneau, nom) in sorted(anneaux.items()):
        metres = [_metres(*p) for p in anneau]
        if metres[0] == metres[-1]:
            metres = metres[:-1]
        simple = [vers_svg(*p) for p in _simplifier_anneau(metres + metres[:1],
                                                            TOLERANCE_M)][:-1]
        arrondissements[numero] = Arrondissement(numero, nom, _chemin(simple),
                                                 _centre(simple), tuple(simple))
    # The Seine: the edges two arrondissements of opposite banks share.
    aretes = {n: {frozenset(s) for s in zip(a, a[1:])} for n, (a, _) in anneaux.items()}
    segments = set()
    for gauche, droite in RIVES:
        for arete in aretes[gauche] & aretes[droite]:
            if len(arete) == 2:  # a point repeated in a ring is no edge
                segments.add(tuple(sorted(arete)))
    seine = []
    for ligne in _chainer(segments):
        points = [vers_svg(*_metres(*p)) for p in ligne]
        seine.append(_chemin(_simplifier(points, TOLERANCE_M * echelle), ferme=False))
    return Fond(LARGEUR, hauteur, arrondissements, tuple(seine), 1000 * echelle, projeter)


def centre_mairie(arrondissements: list[int]) -> tuple[float, float]:
    """Where a mairie's marks gather: the centre of its arrondissement, or of the four of
    Paris Centre together."""
    f = fond()
    points = [f.arrondissements[n].centre for n in arrondissements]
    return (sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points))


def longueur_seine_km() -> float:
    f = fond()
    total = 0.0
    for chemin in f.seine:
        points = [tuple(map(float, p.strip().split())) for p in chemin[1:].split("L")]
        total += sum(math.dist(a, b) for a, b in zip(points, points[1:]))
    return total / f.echelle_1km


def dedans(numero: int, x: float, y: float) -> bool:
    """Whether a point of the drawing is inside an arrondissement (ray casting)."""
    points = fond().arrondissements[numero].points
    interieur = False
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            interieur = not interieur
    return interieur


def _marge(numero: int, x: float, y: float) -> float:
    """How far a point is from its arrondissement's outline (its nearest vertex or edge)."""
    points = fond().arrondissements[numero].points
    meilleur = math.inf
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / ((dx * dx + dy * dy) or 1e-9)))
        meilleur = min(meilleur, math.hypot(x - x1 - t * dx, y - y1 - t * dy))
    return meilleur


# Where the marks of the two arrondissements with a wood gather: near their mairie, in the
# town, not in the Bois de Vincennes or de Boulogne (longitude, latitude).
POLES = {12: (2.3950, 48.8390), 16: (2.2750, 48.8620)}


@lru_cache(maxsize=None)
def pole(numero: int) -> tuple[float, float]:
    """A point well inside the arrondissement (the centroid when it is, else the point of a
    grid farthest from the outline): where its marks gather."""
    if numero in POLES:
        point = fond().projeter(*POLES[numero])
        if dedans(numero, *point):
            return point
    a = fond().arrondissements[numero]
    if dedans(numero, *a.centre) and _marge(numero, *a.centre) > 12:
        return a.centre
    xs, ys = [p[0] for p in a.points], [p[1] for p in a.points]
    candidats = [(min(xs) + (max(xs) - min(xs)) * i / 24, min(ys) + (max(ys) - min(ys)) * j / 24)
                 for i in range(1, 24) for j in range(1, 24)]
    return max((p for p in candidats if dedans(numero, *p)),
               key=lambda p: _marge(numero, *p), default=a.centre)


@lru_cache(maxsize=None)
def places(numero: int) -> tuple[tuple[float, float], ...]:
    """Where marks without a position of their own go, inside the arrondissement and clear
    of its outline: rings around its pole, the nearest first, leaving the pole itself (and
    the arrondissement's indicators around it) free."""
    cx, cy = pole(numero)
    trouvees = []
    for rayon in (30, 42, 54, 66, 22, 15):
        for k in range(12):
            angle = math.radians(15 + 30 * k + rayon)
            x, y = cx + rayon * math.cos(angle), cy + rayon * math.sin(angle)
            if dedans(numero, x, y) and _marge(numero, x, y) >= 7:
                trouvees.append((x, y))
    return tuple(trouvees) or ((cx + 14, cy + 14),)


def pres_du_pole(numero: int, dx: float, dy: float) -> tuple[float, float]:
    """A point at (dx, dy) from the arrondissement's pole, brought nearer until inside."""
    cx, cy = pole(numero)
    for f in (1, 0.7, 0.45, 0.25, 0):
        if dedans(numero, cx + dx * f, cy + dy * f):
            return (cx + dx * f, cy + dy * f)
    return (cx, cy)
