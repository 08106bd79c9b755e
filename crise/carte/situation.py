"""What the situation map shows: for an event, the arrondissements concerned, the C.A.RE
open with people present and capacity, the SCOP requests in progress, the households
without a solution tonight and the late points de situation, per mairie; for the PCS, the
sites by kind and capacity. Each mark says what it is in words and links to its page; the
counts come from a few grouped queries whatever the size of the event."""

import math
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import url_for

from crise.auth.models import User
from crise.care.models import CentreAccueil, Personne, Site, can_view_people
from crise.carte import geometrie
from crise.cellule.situation import etat_des_points
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.hebergement.comptes import sans_solution_par_mairie
from crise.hebergement.services import nuit_en_cours
from crise.mairies.models import Mairie
from crise.scop.models import STATUTS_FINAUX, DemandeScop

# Where each indicator of a mairie sits around its centre (SVG units), its figure inside
# its shape; the C.A.RE go on rings further out, their figures beside them.
DECALAGES = {"scop": (-16, 12), "sans_solution": (16, 12), "point": (0, -16)}


@dataclass
class Marque:
    """One mark: a shape (``forme``) at (x, y), a short text beside it, the words a screen
    reader and a printed legend give, and where a click goes."""

    forme: str  # carre (C.A.RE, site), triangle (SCOP), rond (households), losange (point)
    x: float
    y: float
    texte: str
    titre: str
    url: str | None = None
    alerte: bool = False
    approx: bool = False  # no position of its own: placed inside its arrondissement
    taille: float = 7.0
    dedans: bool = False  # the text inside the shape (a mairie's indicators)


@dataclass
class Carte:
    fond: geometrie.Fond
    titre: str
    concernes: set = field(default_factory=set)  # arrondissements hatched
    marques: list = field(default_factory=list)
    lignes: list = field(default_factory=list)  # the same, as a table (what prints)
    resume: dict = field(default_factory=dict)
    at: datetime | None = None


def _arrondissement(mairie: Mairie, site: Site | None = None) -> int:
    """Where a record of the mairie is drawn: its site's arrondissement, else the mairie's
    (the 3e for Paris Centre: the middle of the four)."""
    if site is not None and site.arrondissement in mairie.arrondissements:
        return site.arrondissement
    return mairie.arrondissements[0] if len(mairie.arrondissements) == 1 else 3


def _position(site: Site | None, mairie: Mairie, rang: int) -> tuple[float, float, bool]:
    """(x, y, approximative): a site's own position, else one of the places kept inside
    its arrondissement (the mark then says it is approximate)."""
    if site is not None and site.latitude is not None and site.longitude is not None:
        return (*geometrie.fond().projeter(site.longitude, site.latitude), False)
    places = geometrie.places(_arrondissement(mairie, site))
    return (*places[rang % len(places)], True)


def carte_evenement(actor: User, evenement: Evenement, now: datetime | None = None) -> Carte:
    now = now or utcnow()
    carte = Carte(geometrie.fond(), f"Situation — {evenement.titre}", at=now)
    mairies = {m.id: m for m in evenement.mairies
               if actor.is_central or m.id == actor.mairie_id}
    for mairie in evenement.mairies:
        carte.concernes.update(mairie.arrondissements)

    # The C.A.RE open, with their people present (one grouped count).
    centres = db.session.scalars(sa.select(CentreAccueil).where(
        CentreAccueil.evenement_id == evenement.id, CentreAccueil.ferme_at.is_(None),
        CentreAccueil.mairie_id.in_(list(mairies))).order_by(CentreAccueil.mairie_id,
                                                             CentreAccueil.id)
        .options(sa.orm.selectinload(CentreAccueil.site))).all()
    presents = dict(db.session.execute(
        sa.select(Personne.centre_id, sa.func.count()).where(
            Personne.evenement_id == evenement.id, Personne.present.is_(True))
        .group_by(Personne.centre_id)).all())
    rangs: dict[int, int] = {}
    voit_les_gens = can_view_people(actor)
    for centre in centres:
        mairie = mairies[centre.mairie_id]
        numero = _arrondissement(mairie, centre.site)
        rang = rangs[numero] = rangs.get(numero, -1) + 1
        x, y, approx = _position(centre.site, mairie, rang)
        n = presents.get(centre.id, 0)
        plein = n >= centre.capacite
        titre = (f"C.A.RE {centre.nom} ({mairies[centre.mairie_id].nom_court}) : {n} présent(s)"
                 f" pour {centre.capacite} places" + (" — complet" if plein else ""))
        carte.marques.append(Marque("carre", x, y, f"{n}/{centre.capacite}", titre + (
            " (position approximative)" if approx else ""), url_for(
            "care.centre", centre_id=centre.id) if voit_les_gens else None, alerte=plein,
            approx=approx))
        carte.lignes.append(("C.A.RE", mairies[centre.mairie_id].nom_court, titre))

    # SCOP requests in progress, per mairie.
    scop = dict(db.session.execute(
        sa.select(DemandeScop.mairie_id, sa.func.count()).where(
            DemandeScop.evenement_id == evenement.id,
            DemandeScop.statut.not_in([s.value for s in STATUTS_FINAUX]),
            DemandeScop.mairie_id.in_(list(mairies))).group_by(DemandeScop.mairie_id)).all())
    sans_solution = sans_solution_par_mairie(evenement, nuit_en_cours(now))
    points = {ligne.mairie.id: ligne for ligne in etat_des_points(evenement, now)}
    for mairie_id, mairie in sorted(mairies.items(), key=lambda kv: kv[1].ordre):
        numero = _arrondissement(mairie)

        def pres(indicateur: str) -> tuple[float, float]:
            return geometrie.pres_du_pole(numero, *DECALAGES[indicateur])

        if scop.get(mairie_id):
            titre = f"{mairie.nom_court} : {scop[mairie_id]} demande(s) à la SCOP en cours"
            carte.marques.append(Marque("triangle", *pres("scop"), str(scop[mairie_id]),
                                        titre, url_for("evenements.detail",
                                                       evenement_id=evenement.id) + "#scop-title",
                                        taille=10, dedans=True))
            carte.lignes.append(("SCOP", mairie.nom_court, titre))
        if sans_solution.get(mairie_id):
            titre = f"{mairie.nom_court} : {sans_solution[mairie_id]} foyer(s) sans solution ce soir"
            carte.marques.append(Marque("rond", *pres("sans_solution"), str(sans_solution[mairie_id]),
                                        titre, url_for("hebergement.listes",
                                                       evenement_id=evenement.id),
                                        alerte=True, taille=10, dedans=True))
            carte.lignes.append(("Hébergement", mairie.nom_court, titre))
        ligne = points.get(mairie_id)
        if ligne is not None and ligne.alerte:
            titre = f"{mairie.nom_court} : point de situation {ligne.etat_label.lower()}"
            carte.marques.append(Marque("losange", *pres("point"), "!", titre, url_for(
                "cellule.points" if actor.is_central else "cellule.point",
                evenement_id=evenement.id), alerte=True, taille=9, dedans=True))
            carte.lignes.append(("Point de situation", mairie.nom_court, titre))
    carte.resume = {
        "C.A.RE ouverts": len(centres), "Présents": sum(presents.get(c.id, 0) for c in centres),
        "Demandes SCOP en cours": sum(scop.values()),
        "Foyers sans solution ce soir": sum(v for k, v in sans_solution.items() if k in mairies),
        "Points en retard": sum(1 for k, ligne in points.items() if k in mairies and ligne.alerte)}
    return carte


def carte_pcs(actor: User, usage: str = "") -> Carte:
    """The sites de repli in the user's scope, by kind and capacity."""
    carte = Carte(geometrie.fond(), "Sites de repli du PCS", at=utcnow())
    query = sa.select(Site).join(Mairie).where(Site.actif.is_(True),
                                               actor.perimetre(Site.mairie_id))
    if usage in ("care", "frais", "hebergement"):
        query = query.where(getattr(Site, f"usage_{usage}").is_(True))
    rangs: dict[int, int] = {}
    for site in db.session.scalars(query.order_by(Mairie.ordre, Site.nom)):
        numero = _arrondissement(site.mairie, site)
        rang = rangs[numero] = rangs.get(numero, -1) + 1
        x, y, approx = _position(site, site.mairie, rang)
        # The figure the filter asks about: beds for housing, seats otherwise.
        couchage = usage == "hebergement" or (not usage and site.usage_hebergement
                                              and not site.usage_care)
        forme = "rond" if couchage else "losange" if site.usage_frais and \
            not site.usage_care else "carre"
        capacite = site.capacite_couchage if couchage else site.capacite
        titre = (f"{site.nom} ({site.mairie.nom_court}) : {', '.join(site.usages)} — "
                 f"{site.capacite if site.capacite is not None else '?'} assis, "
                 f"{site.capacite_couchage if site.capacite_couchage is not None else '?'} "
                 "couchés" + (f" — {', '.join(site.equipements)}" if site.equipements else "")
                 + (" — fiche à vérifier" if site.perime() else "")
                 + (" (position approximative)" if approx else ""))
        texte = (str(capacite) if capacite is not None else "?") + (" !" if site.perime()
                                                                     else "")
        carte.marques.append(Marque(forme, x, y, texte, titre, url_for("care.site",
                                                                      site_id=site.id),
                                    approx=approx,
                                    taille=5 + min(6, math.sqrt(capacite or 0) / 4)))
        carte.lignes.append((", ".join(site.usages), site.mairie.nom_court, titre))
    carte.resume = {"Sites": len(carte.marques)}
    return carte
