"""Meetings of the cellule: scheduled, their agenda built from what is open, their minutes."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.auth.models import User
from crise.cellule.models import (CELLULE_ROLES, REUNION_LABELS, Decision, Reunion,
                                  VersionCompteRendu)
from crise import signals
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.signals import Fait, annoncer
from crise.formatting import format_datetime


def _check(actor: User) -> None:
    if not actor.has_role(*CELLULE_ROLES):
        raise ServiceError("Réservé à la cellule centrale de crise.")


def planifier(actor: User, evenement: Evenement, *, type: str, debut_at: datetime | None,
              lieu: str = "", now: datetime | None = None) -> Reunion:
    now = now or utcnow()
    _check(actor)
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos.")
    if type not in REUNION_LABELS:
        raise ServiceError("Choisissez le type de réunion.", field="type")
    if debut_at is None:
        raise ServiceError("Indiquez l'heure de la réunion.", field="debut_at")
    if debut_at < now - timedelta(minutes=5):
        raise ServiceError("Cette heure est passée : une réunion se planifie à venir.",
                           field="debut_at")
    existing = db.session.scalar(sa.select(Reunion).where(
        Reunion.evenement_id == evenement.id, Reunion.type == type,
        Reunion.debut_at == debut_at))
    if existing is not None:
        return existing  # the same meeting planned again (Back, then send): one meeting
    reunion = Reunion(evenement_id=evenement.id, type=type, debut_at=debut_at,
                      lieu=(lieu or "").strip()[:200], planifiee_par_id=actor.id,
                      created_at=now, updated_at=now)
    db.session.add(reunion)
    db.session.flush()
    annoncer(signals.reunion_planifiee, Fait(
        f"{reunion.type_label} planifiée le {format_datetime(debut_at)}"
        + (f" — {reunion.lieu}" if reunion.lieu else ""), now, evenement.id, "reunion",
        reunion.id, actor))
    db.session.flush()
    return reunion


def prochaine(evenement: Evenement, now: datetime | None = None) -> Reunion | None:
    """The next meeting not held yet (one that started less than 2 hours ago counts)."""
    now = now or utcnow()
    return db.session.scalar(sa.select(Reunion).where(
        Reunion.evenement_id == evenement.id, Reunion.tenue_at.is_(None),
        Reunion.debut_at >= now - timedelta(hours=2)).order_by(Reunion.debut_at).limit(1))


def reunions(evenement: Evenement):
    return sa.select(Reunion).where(Reunion.evenement_id == evenement.id).order_by(
        Reunion.debut_at.desc())


def ordre_du_jour(evenement: Evenement, now: datetime | None = None) -> list[str]:
    """What is open: overdue decisions, late reports, requests at the SCOP, no roof tonight."""
    from crise.cellule.situation import chiffres, etat_des_points

    now = now or utcnow()
    points = []
    for decision in db.session.scalars(sa.select(Decision).where(
            Decision.evenement_id == evenement.id, Decision.echeance_at.is_not(None),
            Decision.echeance_at < now).order_by(Decision.echeance_at)):
        retard = [d.libelle for d in decision.destinataires if decision.en_retard(d, now)]
        if retard:
            points.append(f"Décision n° {decision.id} en retard ({', '.join(retard)}) : "
                          f"{decision.texte[:150]}")
    for decision in db.session.scalars(sa.select(Decision).where(
            Decision.evenement_id == evenement.id, Decision.statut == "en_vigueur")):
        impossibles = [d.libelle for d in decision.destinataires if d.etat == "impossible"]
        if impossibles:
            points.append(f"Décision n° {decision.id} impossible à appliquer pour "
                          f"{', '.join(impossibles)} : {decision.texte[:150]}")
    lignes = etat_des_points(evenement, now)
    late = [ligne.mairie.nom_court for ligne in lignes if ligne.alerte]
    if late:
        points.append(f"Points de situation en retard ou manquants : {', '.join(late)}")
    figures = chiffres(evenement, [ligne.mairie.id for ligne in lignes], now)
    demandes = sum(f["demandes_en_attente"] for f in figures.values())
    if demandes:
        points.append(f"{demandes} demande(s) en attente à la SCOP")
    foyers = sum(f["foyers_sans_solution"] for f in figures.values())
    if foyers:
        points.append(f"{foyers} foyer(s) sans solution d'hébergement ce soir")
    return points


def compte_rendu(actor: User, reunion: Reunion, *, participants: str, mairies: list,
                 texte: str, now: datetime | None = None) -> Reunion:
    """Record who attended and what was said; the agenda is kept as it stood."""
    now = now or utcnow()
    _check(actor)
    participants = (participants or "").strip()
    if not participants and not mairies:
        raise ServiceError("Indiquez qui a participé.", field="participants")
    texte = (texte or "").strip()
    if not texte:
        raise ServiceError("Écrivez le compte rendu.", field="compte_rendu")
    if reunion.debut_at > now:
        raise ServiceError(f"La réunion n'a pas encore commencé (prévue le "
                           f"{format_datetime(reunion.debut_at)}) : son compte rendu s'écrit "
                           "une fois qu'elle a lieu.", field="compte_rendu")
    premiere = reunion.tenue_at is None
    if premiere:
        reunion.ordre_du_jour = ordre_du_jour(reunion.evenement, now)
        reunion.tenue_at = now
    elif (participants, texte, [m.code for m in mairies]) == (
            reunion.participants, reunion.compte_rendu, reunion.mairies_presentes):
        return reunion  # nothing changed: no new version
    reunion.participants, reunion.compte_rendu = participants[:5000], texte[:20000]
    reunion.mairies_presentes = [m.code for m in mairies]
    reunion.versions.append(VersionCompteRendu(
        at=now, auteur_id=actor.id, auteur_nom=actor.nom or actor.email,
        participants=reunion.participants, mairies_presentes=reunion.mairies_presentes,
        texte=reunion.compte_rendu))
    annoncer(signals.compte_rendu_ecrit, Fait(
        f"{reunion}: compte rendu " + ("enregistré" if premiere else "complété"), now,
        reunion.evenement_id, "reunion", reunion.id, actor))
    db.session.flush()
    return reunion
