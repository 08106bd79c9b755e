"""The RETEX's charts, laid out once and drawn three ways: SVG in the page, vector shapes in
the PDF (reportlab), a PNG in the DOCX (Pillow). A chart is a list of shapes (rectangles,
lines, texts) in points, origin top left; each backend only draws them.

Three charts: the expected actions met / late / missed per objective, the delays against
their targets, the activity per hour (registrations and main courante).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from html import escape

from crise.formatting import format_duree, to_paris

VERT, ORANGE, ROUGE, GRIS, BLEU, ENCRE = ("#2e7d32", "#ef8f00", "#c62828", "#9e9e9e",
                                          "#1f5fa8", "#1b1b1b")
LARGEUR = 520


@dataclass
class Forme:
    genre: str  # « rect », « ligne », « texte »
    x: float
    y: float
    w: float = 0
    h: float = 0
    couleur: str = ENCRE
    texte: str = ""
    taille: float = 8
    ancre: str = "start"  # « start », « middle », « end »
    pointille: bool = False


@dataclass
class Graphique:
    titre: str
    description: str  # said to screen readers and written under the PNG
    largeur: float
    hauteur: float
    formes: list = field(default_factory=list)
    legende: list = field(default_factory=list)  # [(colour, label)]

    def rect(self, x, y, w, h, couleur):
        self.formes.append(Forme("rect", x, y, max(w, 0), max(h, 0), couleur))

    def ligne(self, x1, y1, x2, y2, couleur=ENCRE, pointille=False):
        self.formes.append(Forme("ligne", x1, y1, x2, y2, couleur, pointille=pointille))

    def texte(self, x, y, texte, taille=8, ancre="start", couleur=ENCRE):
        self.formes.append(Forme("texte", x, y, texte=texte, taille=taille, ancre=ancre,
                                 couleur=couleur))


def _court(texte: str, n: int) -> str:
    return texte if len(texte) <= n else texte[:n - 1] + "…"


def attendus_par_objectif(objectifs) -> Graphique | None:
    """Stacked bars: per objective, the expected actions met, met late, missed, pending."""
    series = [("réalisée", VERT, "Réalisées"), ("réalisée en retard", ORANGE, "En retard"),
              ("manquée", ROUGE, "Manquées"), ("en attente", GRIS, "En attente")]
    lignes = [o for o in objectifs if sum(o.attendus.values())]
    if not lignes:
        return None
    maximum = max(sum(o.attendus.values()) for o in lignes)
    gauche, barre = 150, LARGEUR - 150 - 40
    g = Graphique("Actions attendues par objectif",
                  "; ".join(f"{o.id} : " + ", ".join(f"{o.attendus[k]} {label.lower()}"
                                                    for k, _, label in series if o.attendus[k])
                            for o in lignes),
                  LARGEUR, 20 + 22 * len(lignes) + 4,
                  legende=[(c, label) for _, c, label in series])
    for i, objectif in enumerate(lignes):
        y = 20 + 22 * i
        g.texte(gauche - 6, y + 11, _court(f"{objectif.id} {objectif.libelle}", 30), 7.5, "end")
        x = gauche
        for cle, couleur, _ in series:
            n = objectif.attendus[cle]
            if n:
                w = barre * n / maximum
                g.rect(x, y, w, 15, couleur)
                if w >= 12:
                    g.texte(x + w / 2, y + 11, str(n), 7.5, "middle", "#ffffff")
                x += w
    return g


def delais_contre_cibles(delais, limite: int = 24) -> Graphique | None:
    """Horizontal bars: each measured delay, the target as a dashed mark; the ones furthest
    over their target first."""
    avec = [d for d in delais if d.cible is not None and d.cible.total_seconds() > 0]
    if not avec:
        return None

    def ecart(d):
        if d.mesure is None:
            return float("inf")
        return d.mesure / d.cible

    avec = sorted(avec, key=ecart, reverse=True)[:limite]
    maximum = max(max((d.mesure or d.cible) for d in avec), max(d.cible for d in avec))
    maximum = maximum * 1.1 or timedelta(minutes=1)
    gauche, barre = 210, LARGEUR - 210 - 60
    g = Graphique("Délais mesurés et objectifs",
                  "; ".join(d.phrase for d in avec), LARGEUR, 20 + 20 * len(avec) + 4,
                  legende=[(VERT, "Dans l'objectif"), (ROUGE, "Hors objectif ou non réalisé"),
                           (ENCRE, "Objectif (trait)")])
    for i, d in enumerate(avec):
        y = 20 + 20 * i
        g.texte(gauche - 6, y + 10, _court(d.libelle, 44), 7, "end")
        objectif = f"(objectif {format_duree(d.cible)})"
        if d.mesure is None:
            g.texte(gauche + 2, y + 10, f"non réalisé {objectif}", 7, couleur=ROUGE)
        else:
            w = barre * (d.mesure / maximum)
            g.rect(gauche, y + 1, w, 12, VERT if d.mesure <= d.cible else ROUGE)
            g.texte(gauche + w + 3, y + 10, f"{format_duree(d.mesure)} {objectif}", 7)
        x = gauche + barre * (d.cible / maximum)
        g.ligne(x, y - 1, x, y + 15, ENCRE, pointille=True)
    return g


def _regrouper(activite, pas: int) -> list:
    """Hours grouped ``pas`` by ``pas`` (a long event: a bar per 2, 6… hours)."""
    groupes = []
    for i in range(0, len(activite), pas):
        tranche = activite[i:i + pas]
        groupes.append((tranche[0][0], sum(e for _, e, _ in tranche),
                        sum(m for _, _, m in tranche)))
    return groupes


BARRES_MAX = 96


def activite_par_heure(activite) -> Graphique | None:
    """Vertical bars per hour (per few hours for a long event, never more than 96 bars):
    registrations, and main courante entries beside them."""
    if not activite:
        return None
    pas = next(p for p in (1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168, 10 ** 6)
               if len(activite) / p <= BARRES_MAX)
    activite = _regrouper(activite, pas)
    maximum = max(max(e, m) for _, e, m in activite) or 1
    bas, haut, gauche = 150, 130, 36
    pas_x = (LARGEUR - gauche - 10) / len(activite)
    titre = "Activité par heure" if pas == 1 else f"Activité par tranche de {pas} h"
    g = Graphique(titre,
                  "; ".join(f"{to_paris(h).strftime('%d/%m %Hh')} : {e} enregistrement(s), "
                            f"{m} entrée(s) de main courante" for h, e, m in activite if e or m),
                  LARGEUR, bas + 16,
                  legende=[(BLEU, "Personnes enregistrées"), (GRIS, "Entrées de main courante")])
    g.ligne(gauche, bas, LARGEUR - 10, bas)
    g.texte(gauche - 4, bas - haut + 4, str(maximum), 7, "end")
    g.texte(gauche - 4, bas, "0", 7, "end")
    etiquettes = max(1, len(activite) // 8)
    for i, (heure, enregistres, ecrites) in enumerate(activite):
        x = gauche + i * pas_x
        w = max(pas_x / 2 - 0.5, 0.5)
        g.rect(x, bas - haut * enregistres / maximum, w, haut * enregistres / maximum, BLEU)
        g.rect(x + w, bas - haut * ecrites / maximum, w, haut * ecrites / maximum, GRIS)
        if i % etiquettes == 0:
            g.texte(x, bas + 11, to_paris(heure).strftime("%d/%m %Hh"), 6.5)
    return g


def graphiques(brouillon) -> list[Graphique]:
    return [g for g in (attendus_par_objectif(brouillon.objectifs),
                        delais_contre_cibles(brouillon.delais),
                        activite_par_heure(brouillon.activite)) if g is not None]


# --- Backends ------------------------------------------------------------------------------

def _hauteur_totale(g: Graphique) -> float:
    return g.hauteur + (14 if g.legende else 0)


def _legende(g: Graphique):
    """(x, y, colour, label) of each legend entry, under the chart."""
    x, y = 10, g.hauteur + 4
    for couleur, label in g.legende:
        yield x, y, couleur, label
        x += 16 + 5.2 * len(label)


def svg(g: Graphique) -> str:
    h = _hauteur_totale(g)
    parts = [f'<svg viewBox="0 0 {g.largeur:.0f} {h:.0f}" role="img" '
             f'aria-label="{escape(g.titre)} : {escape(g.description[:1500])}" '
             'class="retex-graphique" xmlns="http://www.w3.org/2000/svg">']
    for f in g.formes:
        if f.genre == "rect":
            parts.append(f'<rect x="{f.x:.1f}" y="{f.y:.1f}" width="{f.w:.1f}" '
                         f'height="{f.h:.1f}" fill="{f.couleur}"/>')
        elif f.genre == "ligne":
            dash = ' stroke-dasharray="3 2"' if f.pointille else ""
            parts.append(f'<line x1="{f.x:.1f}" y1="{f.y:.1f}" x2="{f.w:.1f}" y2="{f.h:.1f}" '
                         f'stroke="{f.couleur}" stroke-width="1.2"{dash}/>')
        else:
            parts.append(f'<text x="{f.x:.1f}" y="{f.y:.1f}" font-size="{f.taille}" '
                         f'text-anchor="{f.ancre}" fill="{f.couleur}">{escape(f.texte)}</text>')
    for x, y, couleur, label in _legende(g):
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="8" fill="{couleur}"/>'
                     f'<text x="{x + 13}" y="{y + 7.5}" font-size="7.5">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def dessin(g: Graphique, largeur: float):
    """A reportlab Drawing ``largeur`` points wide (vector, in the PDF)."""
    from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
    from reportlab.lib import colors

    from crise.pdftext import FONT

    echelle = largeur / g.largeur
    h = _hauteur_totale(g)
    d = Drawing(largeur, h * echelle)
    groupe = Group()
    groupe.transform = (echelle, 0, 0, -echelle, 0, h * echelle)  # y down, as laid out

    def texte(x, y, chaine, taille, ancre, couleur):
        s = String(0, 0, chaine, fontName=FONT, fontSize=taille, textAnchor=ancre,
                   fillColor=colors.HexColor(couleur))
        g2 = Group(s)
        g2.transform = (1, 0, 0, -1, x, y)  # text upright again
        groupe.add(g2)

    for f in g.formes:
        if f.genre == "rect":
            groupe.add(Rect(f.x, f.y, f.w, f.h, fillColor=colors.HexColor(f.couleur),
                            strokeColor=None))
        elif f.genre == "ligne":
            groupe.add(Line(f.x, f.y, f.w, f.h, strokeColor=colors.HexColor(f.couleur),
                            strokeWidth=1.2, strokeDashArray=[3, 2] if f.pointille else None))
        else:
            texte(f.x, f.y, f.texte, f.taille, f.ancre, f.couleur)
    for x, y, couleur, label in _legende(g):
        groupe.add(Rect(x, y, 10, 8, fillColor=colors.HexColor(couleur), strokeColor=None))
        texte(x + 13, y + 7.5, label, 7.5, "start", ENCRE)
    d.add(groupe)
    return d


def png(g: Graphique, echelle: float = 3.0) -> bytes:
    """The chart as a PNG (the DOCX), drawn by Pillow at ``echelle`` pixels per point."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from crise.pdftext import FONT_DIR

    h = _hauteur_totale(g)
    image = Image.new("RGB", (int(g.largeur * echelle), int(h * echelle)), "white")
    draw = ImageDraw.Draw(image)
    polices = {}

    def police(taille):
        if taille not in polices:
            polices[taille] = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"),
                                                 int(taille * echelle))
        return polices[taille]

    def texte(x, y, chaine, taille, ancre, couleur):
        anchor = {"start": "ls", "middle": "ms", "end": "rs"}[ancre]
        draw.text((x * echelle, y * echelle), chaine, fill=couleur, font=police(taille),
                  anchor=anchor)

    for f in g.formes:
        if f.genre == "rect":
            if f.w > 0 and f.h > 0:
                draw.rectangle([f.x * echelle, f.y * echelle, (f.x + f.w) * echelle,
                                (f.y + f.h) * echelle], fill=f.couleur)
        elif f.genre == "ligne":
            draw.line([f.x * echelle, f.y * echelle, f.w * echelle, f.h * echelle],
                      fill=f.couleur, width=max(int(1.2 * echelle), 1))
        else:
            texte(f.x, f.y, f.texte, f.taille, f.ancre, f.couleur)
    for x, y, couleur, label in _legende(g):
        draw.rectangle([x * echelle, y * echelle, (x + 10) * echelle, (y + 8) * echelle],
                       fill=couleur)
        texte(x + 13, y + 7.5, label, 7.5, "start", ENCRE)
    sortie = io.BytesIO()
    image.save(sortie, "PNG", optimize=False)
    return sortie.getvalue()
