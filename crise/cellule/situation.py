"""Points de situation: what each mairie reports, its figures filled in by the application,
the board of the mairies (up to date, late, missing) and the consolidated synthesis."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.auth.models import Role, User
from crise.care.comptes import personnes_par_mairie
from crise.care.models import CATEGORIE_LABELS, CentreAccueil
from crise.cellule.models import CELLULE_ROLES, ActivationCellule, PointSituation
from crise.cellule.services import activation_of
from crise import signals
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.hebergement.models import DossierHebergement
from crise.hebergement.demandes import foyers_sans_dossier_par_mairie
from crise.hebergement.services import couvert, nuit_en_cours
from crise.scop.models import DemandeScop, StatutDemande
from crise.signals import Fait, annoncer
from crise.mairies.models import Mairie
from crise.text import clean, clean_data

TEXTE_MAX = 4000
RYTHMES = {60: "toutes les heures", 120: "toutes les 2 heures", 240: "toutes les 4 heures",
           360: "toutes les 6 heures", 720: "toutes les 12 heures", 1440: "une fois par jour"}
POINT_ROLES = (Role.RESPONSABLE_CARE,)


def can_send_point(user: User, evenement: Evenement) -> bool:
    """A mairie concerned by the event reports its situation (its responsable de crise)."""
    return user.has_role(*POINT_ROLES) and user.mairie_id in evenement.mairie_ids


def chiffres(evenement: Evenement, mairie_ids: list[int] | None = None,
             now: datetime | None = None) -> dict[int, dict]:
    """Per mairie: C.A.RE open, people present by catégorie, SCOP requests pending,
    households without a solution tonight. Four grouped queries for all mairies at once."""
    ids = mairie_ids if mairie_ids is not None else [m.id for m in evenement.mairies]
    result = {mid: {"care_ouverts": 0, "presents": {c.value: 0 for c in CATEGORIE_LABELS},
                    "presents_total": 0, "demandes_en_attente": 0, "foyers_sans_solution": 0}
              for mid in ids}
    if not ids:
        return result
    for mid, n in db.session.execute(
            sa.select(CentreAccueil.mairie_id, sa.func.count()).where(
                CentreAccueil.evenement_id == evenement.id, CentreAccueil.ferme_at.is_(None),
                CentreAccueil.mairie_id.in_(ids)).group_by(CentreAccueil.mairie_id)):
        result[mid]["care_ouverts"] = n
    # Counts kept by the database (crise.care.comptes), not the event's people one by one.
    for mid, categorie, present, n in personnes_par_mairie(evenement.id)[0]:
        if present and mid in result and n:
            result[mid]["presents"][categorie] += n
            result[mid]["presents_total"] += n
    finals = [StatutDemande.TERMINEE, StatutDemande.REFUSEE, StatutDemande.ANNULEE]
    for mid, n in db.session.execute(
            sa.select(DemandeScop.mairie_id, sa.func.count()).where(
                DemandeScop.evenement_id == evenement.id, DemandeScop.statut.not_in(finals),
                DemandeScop.mairie_id.in_(ids)).group_by(DemandeScop.mairie_id)):
        result[mid]["demandes_en_attente"] = n
    nuit = nuit_en_cours(now)
    for mid, n in db.session.execute(
            sa.select(DossierHebergement.mairie_id, sa.func.count()).where(
                DossierHebergement.evenement_id == evenement.id,
                DossierHebergement.clos.is_(False), ~couvert(nuit),
                DossierHebergement.mairie_id.in_(ids)).group_by(DossierHebergement.mairie_id)):
        result[mid]["foyers_sans_solution"] = n
    # Households that asked for a roof at the desk and have no dossier yet count too.
    for mid, n in foyers_sans_dossier_par_mairie(evenement, ids).items():
        result[mid]["foyers_sans_solution"] += n
    return result


@dataclass
class PointData:
    situation: str = ""
    mesures: str = ""
    besoins: str = ""
    texte_libre: str = ""


def point_simule(evenement: Evenement, mairie: Mairie, situation: str, source: str, *,
                 now: datetime | None = None) -> PointSituation:
    """A point de situation an exercise's inject brings in the name of a mairie the animation
    plays (late, incomplete: what the cellule must deal with). Marked as simulated: it never
    counts as what a player did."""
    if not evenement.exercice:
        raise ServiceError("Seul un exercice reçoit des points de situation simulés.")
    now = now or utcnow()
    situation = clean(situation or "").strip()[:TEXTE_MAX]
    point = PointSituation(evenement_id=evenement.id, mairie_id=mairie.id, envoye_at=now,
                           situation=situation, texte_libre=f"Point simulé — {source}"[:TEXTE_MAX],
                           chiffres=chiffres(evenement, [mairie.id], now)[mairie.id])
    db.session.add(point)
    db.session.flush()
    annoncer(signals.point_situation_recu, Fait(
        f"Point de situation de la {mairie.nom} reçu (simulé) : {situation[:300]}", now,
        evenement.id, "point_situation", point.id, None, mairie.id, {"simule": True}))
    return point


def envoyer(actor: User, evenement: Evenement, data: PointData, *, jeton: str | None = None,
            now: datetime | None = None) -> tuple[PointSituation, bool]:
    """The mairie's point de situation, for its own territory only."""
    now = now or utcnow()
    if not actor.has_role(*POINT_ROLES) or actor.mairie_id is None:
        raise ServiceError("Le point de situation est envoyé par le responsable de crise d'une "
                           "mairie, pour son territoire.")
    if actor.mairie_id not in evenement.mairie_ids:
        raise ServiceError("Cet événement ne concerne pas votre mairie.")
    if jeton:  # after who may: a token says nothing to someone who may not send it
        existing = db.session.scalar(sa.select(PointSituation).where(
            PointSituation.jeton_creation == jeton))
        if existing is not None and existing.auteur_id == actor.id:
            return existing, False
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos.")
    clean_data(data, multiline=("situation", "mesures", "besoins", "texte_libre"))
    fields = {name: (getattr(data, name) or "").strip() for name in
              ("situation", "mesures", "besoins", "texte_libre")}
    if not fields["situation"]:
        raise ServiceError("Décrivez la situation sur votre territoire.", field="situation")
    for name, value in fields.items():
        if len(value) > TEXTE_MAX:
            raise ServiceError(f"{TEXTE_MAX} caractères au maximum.", field=name)
    twin = recent_twin(PointSituation, PointSituation.envoye_at, now,
                       PointSituation.evenement_id == evenement.id,
                       PointSituation.mairie_id == actor.mairie_id,
                       *(getattr(PointSituation, name) == value for name, value in fields.items()))
    if twin is not None:
        return twin, False  # sent again a moment ago (Back, then send): one point
    point = PointSituation(evenement_id=evenement.id, mairie_id=actor.mairie_id,
                           auteur_id=actor.id, envoye_at=now, jeton_creation=jeton or None,
                           chiffres=chiffres(evenement, [actor.mairie_id], now)[actor.mairie_id],
                           **fields)
    db.session.add(point)
    db.session.flush()
    annoncer(signals.point_situation_recu, Fait(
        f"Point de situation de la {actor.mairie.nom} reçu : {fields['situation'][:300]}",
        now, evenement.id, "point_situation", point.id, actor, actor.mairie_id))
    db.session.flush()
    return point, True


def definir_rythme(actor: User, activation: ActivationCellule, minutes: int) -> None:
    if not actor.has_role(*CELLULE_ROLES):
        raise ServiceError("Réservé à la cellule centrale de crise.")
    if minutes not in RYTHMES:
        raise ServiceError("Choisissez un rythme.", field="rythme")
    activation.rythme_minutes = minutes
    annoncer(signals.rythme_change, Fait(f"Rythme des points de situation : {RYTHMES[minutes]}",
                                         utcnow(), activation.evenement_id, acteur=actor))
    db.session.flush()


@dataclass
class LignePoints:
    mairie: object
    dernier: PointSituation | None
    etat: str  # « attendu » (nothing due yet), « a_jour », « en_retard », « manquant »
    attendu_at: datetime | None
    # Needs said in earlier points and not repeated in the last one: still to check.
    besoins_precedents: list = None

    @property
    def etat_label(self) -> str:
        return {"attendu": "Premier point attendu", "a_jour": "À jour",
                "en_retard": "En retard", "manquant": "Manquant"}[self.etat]

    @property
    def alerte(self) -> bool:
        return self.etat in ("en_retard", "manquant")


def etat_des_points(evenement: Evenement, now: datetime | None = None) -> list[LignePoints]:
    """One line per mairie of the event: its last point and whether it is due."""
    now = now or utcnow()
    activation = activation_of(evenement)
    rythme = timedelta(minutes=activation.rythme_minutes if activation else 240)
    depuis = activation.activee_at if activation else evenement.created_at
    last = sa.select(PointSituation.mairie_id, sa.func.max(PointSituation.id).label("id")).where(
        PointSituation.evenement_id == evenement.id).group_by(
        PointSituation.mairie_id).subquery()
    derniers = {p.mairie_id: p for p in db.session.scalars(
        sa.select(PointSituation).join(last, last.c.id == PointSituation.id))}
    lignes = []
    for mairie in sorted(evenement.mairies, key=lambda m: m.ordre):
        point = derniers.get(mairie.id)
        if point is None:
            attendu = depuis + rythme
            etat = "attendu" if now <= attendu else "manquant"  # nothing was due before
        else:
            attendu = point.envoye_at + rythme
            etat = "a_jour" if now <= attendu else "en_retard"
        lignes.append(LignePoints(mairie, point, etat, attendu))
    return lignes


def synthese(evenement: Evenement, now: datetime | None = None) -> dict:
    """The last point of every mairie with the figures of now, and the totals."""
    now = now or utcnow()
    lignes = etat_des_points(evenement, now)
    actuels = chiffres(evenement, [ligne.mairie.id for ligne in lignes], now)
    # The last point replaces the situation, not the needs said before: those not repeated
    # stay in sight until a mairie says them met.
    points = db.session.scalars(sa.select(PointSituation).where(
        PointSituation.evenement_id == evenement.id).order_by(PointSituation.id)).all()
    for ligne in lignes:
        dernier = (ligne.dernier.besoins or "").strip() if ligne.dernier else ""
        vus, ligne.besoins_precedents = {dernier}, []
        for point in points:
            besoins = (point.besoins or "").strip()
            if point.mairie_id == ligne.mairie.id and point is not ligne.dernier \
                    and besoins and besoins not in vus:
                vus.add(besoins)
                ligne.besoins_precedents.append(point)
    totaux = {"care_ouverts": 0, "presents_total": 0, "demandes_en_attente": 0,
              "foyers_sans_solution": 0,
              "presents": {c.value: 0 for c in CATEGORIE_LABELS}}
    for figures in actuels.values():
        for key in ("care_ouverts", "presents_total", "demandes_en_attente",
                    "foyers_sans_solution"):
            totaux[key] += figures[key]
        for categorie, n in figures["presents"].items():
            totaux["presents"][categorie] = totaux["presents"].get(categorie, 0) + n
    return {"lignes": lignes, "chiffres": actuels, "totaux": totaux, "at": now}
