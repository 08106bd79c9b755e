"""The event's dashboard: people taken in charge, C.A.RE, arrivals and presence over time,
SCOP requests and their delays, housing. Charts are drawn as SVG on the server (no CDN)."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from crise.care.comptes import SEUIL, compacter, flux_par_heure, personnes_par_mairie, presents_avant
from crise.care.models import CATEGORIE_LABELS, CentreAccueil
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.formatting import to_paris
from crise.hebergement.services import nuit_en_cours, totaux
from crise.scop.models import DemandeScop, StatutDemande, TypeDemande
from crise.scop.services import delais_moyens

HEURES_MAX = 72  # the charts show at most the last three days, hour by hour


def heure_sql(column):
    """The hour an instant falls in, in SQL (the RETEX counts by hour with it too)."""
    if db.engine.dialect.name == "postgresql":
        # A literal, not a bound parameter: GROUP BY must repeat the very same expression.
        # Paris is a whole number of hours from UTC: the hours are the same ones.
        return sa.func.date_trunc(sa.literal_column("'hour'"), column)
    # SQLite keeps « YYYY-MM-DD HH:MM:SS » text in UTC: its first 13 characters are the hour.
    return sa.func.substr(column, 1, 13)


def compte_par_heure(rows) -> dict[str, int]:
    """{« YYYY-MM-DD HH » in UTC: count}, whatever the database gave as the hour."""
    result = {}
    for hour, n in rows:
        if hasattr(hour, "astimezone"):
            hour = hour.astimezone(timezone.utc).strftime("%Y-%m-%d %H")
        result[hour] = result.get(hour, 0) + n
    return result


@dataclass
class Barre:
    x: float
    y: float
    largeur: float
    hauteur: float
    valeur: int
    libelle: str


@dataclass
class Graphe:
    """A chart ready for the template: bars or a polyline in a 600 × 160 box."""

    barres: list
    points: str
    maximum: int
    premier: str
    dernier: str
    largeur: int = 600
    hauteur: int = 160
    # Values on the axes: counts up the side, hours along the bottom.
    graduations_y: list = None
    graduations_x: list = None


def _graphe(heures: list[datetime], valeurs: list[int]) -> Graphe:
    largeur, hauteur = 600, 160
    maximum = max(valeurs or [0])
    echelle = maximum or 1
    n = max(len(valeurs), 1)
    pas = largeur / n
    barres, points = [], []
    for i, (heure, valeur) in enumerate(zip(heures, valeurs)):
        h = hauteur * valeur / echelle
        local = to_paris(heure)
        barres.append(Barre(round(i * pas + 1, 1), round(hauteur - h, 1),
                            round(max(pas - 2, 1), 1), round(h, 1), valeur,
                            f"{local:%d/%m %Hh} : {valeur}"))
        points.append(f"{round(i * pas + pas / 2, 1)},{round(hauteur - h, 1)}")
    fmt = "%d/%m %Hh"
    # The middle value only when it falls on a whole number: labels sit on their lines.
    ys = [maximum, maximum // 2, 0] if maximum and maximum % 2 == 0 else [maximum, 0]
    steps = sorted({round(i * (len(heures) - 1) / 4) for i in range(5)}) if heures else []
    xs = [to_paris(heures[i]).strftime(fmt) for i in steps]
    return Graphe(barres, " ".join(points), maximum,
                  to_paris(heures[0]).strftime(fmt) if heures else "",
                  to_paris(heures[-1]).strftime(fmt) if heures else "", largeur, hauteur,
                  ys, xs)


def tableau_de_bord(evenement: Evenement, now: datetime | None = None) -> dict:
    now = now or utcnow()
    mairies = sorted(evenement.mairies, key=lambda m: m.ordre)
    par_mairie = {m.id: {c.value: 0 for c in CATEGORIE_LABELS} for m in mairies}
    presents = 0
    # Counts kept by the database (crise.care.comptes): a city-wide event is not counted
    # person by person at each display.
    comptes, a_replier = personnes_par_mairie(evenement.id)
    for mairie_id, categorie, present, n in comptes:
        row = par_mairie.setdefault(mairie_id, {c.value: 0 for c in CATEGORIE_LABELS})
        row[categorie] = row.get(categorie, 0) + (n or 0)
        presents += (n or 0) if present else 0
    par_categorie = {c.value: sum(v[c.value] for v in par_mairie.values())
                     for c in CATEGORIE_LABELS}
    centres = db.session.execute(sa.select(
        sa.func.count(), sa.func.count(CentreAccueil.ferme_at)).where(
        CentreAccueil.evenement_id == evenement.id)).one()

    # Arrivals and departures per hour; people present at the end of each hour.
    debut = max(evenement.survenu_at, now - timedelta(hours=HEURES_MAX))
    debut = debut.replace(minute=0, second=0, microsecond=0)
    cle_debut = debut.astimezone(timezone.utc).strftime("%Y-%m-%d %H")
    flux, lignes = flux_par_heure(evenement.id, cle_debut)
    a_replier += lignes
    arrivees = {heure: a for heure, (a, _) in flux.items()}
    departs = {heure: d for heure, (_, d) in flux.items()}
    # People who arrived before the window and had not left by then.
    deja_la = presents_avant(evenement.id, cle_debut)
    heures, arr, pres = [], [], []
    courant, present = debut, deja_la
    while courant <= now:
        key = courant.astimezone(timezone.utc).strftime("%Y-%m-%d %H")
        present += arrivees.get(key, 0) - departs.get(key, 0)
        heures.append(courant)
        arr.append(arrivees.get(key, 0))
        pres.append(max(present, 0))
        courant += timedelta(hours=1)

    demandes = db.session.scalars(sa.select(DemandeScop).where(
        DemandeScop.evenement_id == evenement.id)).all()
    finals = {StatutDemande.TERMINEE, StatutDemande.REFUSEE, StatutDemande.ANNULEE}
    scop = {"total": len(demandes),
            "en_attente": sum(1 for d in demandes if d.statut not in finals),
            "par_type": {t.label: sum(1 for d in demandes if d.type == t) for t in TypeDemande},
            "delais": delais_moyens(demandes)}
    if a_replier > SEUIL:
        compacter(lots=4)  # the next display reads folded totals
    return {"par_mairie": par_mairie, "mairies": mairies, "par_categorie": par_categorie,
            "total": sum(par_categorie.values()), "presents": presents,
            "centres_total": centres[0] or 0, "centres_ouverts": (centres[0] or 0)
            - (centres[1] or 0), "arrivees": _graphe(heures, arr),
            "presence": _graphe(heures, pres), "scop": scop,
            "hebergement": totaux(None, evenement, nuit_en_cours(now)), "at": now}
