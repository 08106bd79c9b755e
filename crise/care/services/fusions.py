"""Merging two records of the same person (never automatic), and undoing it."""

from datetime import date, datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import (Destination, Fusion, Orientation, Passage,
                               Personne, PersonneCle, StatutOrientation)
from crise.care.services.presence import close_passage
from crise.care.services.recherche import index_keys
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db

__all__ = ["MERGE_FIELDS", "annuler_fusion", "fusionner", "fusions_of"]


# Fields the kept record takes from the other when it has none of its own.
MERGE_FIELDS = ("prenom", "nom_usage", "sexe", "date_naissance", "age_estime", "telephone",
                "telephone_chiffres", "email", "adresse_actuelle", "adresse_permanente",
                "langue", "nationalite", "recherche_nom", "notes", "notes_medicales", "sinus")


def fusions_of(personne: Personne) -> list[Fusion]:
    """The merges a record took part in, kept or absorbed, newest first."""
    return db.session.scalars(sa.select(Fusion).where(
        sa.or_(Fusion.gardee_id == personne.id, Fusion.absorbee_id == personne.id))
        .order_by(Fusion.at.desc())).all()


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _from_json(name: str, value):
    if name == "date_naissance" and value:
        return date.fromisoformat(value)
    return value


def fusionner(actor: User, gardee: Personne, absorbee: Personne,
              now: datetime | None = None) -> Fusion:
    """Merge ``absorbee`` into ``gardee`` (never automatic; undoable with annuler_fusion)."""
    now = now or utcnow()
    for personne in (gardee, absorbee):
        if not personne.can_merge(actor):
            raise ServiceError("Seul un responsable de crise fusionne des fiches.")
    if gardee.id == absorbee.id:
        raise ServiceError("Choisissez deux fiches différentes.", field="code")
    if gardee.evenement_id != absorbee.evenement_id:
        raise ServiceError("Les deux fiches doivent appartenir au même événement.",
                           field="code")
    if gardee.fusionne_dans_id or absorbee.fusionne_dans_id:
        raise ServiceError("Une de ces fiches est déjà fusionnée.", field="code")
    avant = {}
    for name in MERGE_FIELDS:
        mine, theirs = getattr(gardee, name), getattr(absorbee, name)
        if not mine and theirs:
            avant[name] = _json_value(mine)
            if name == "sinus":
                absorbee.sinus = None  # one SINUS number per person of the event
                db.session.flush()
            setattr(gardee, name, theirs)
    if absorbee.besoins:
        avant["besoins"] = list(gardee.besoins or [])
        gardee.besoins = sorted(set(gardee.besoins or []) | set(absorbee.besoins))
    moved = db.session.scalars(sa.select(Orientation).where(
        Orientation.personne_id == absorbee.id,
        Orientation.statut.in_([StatutOrientation.ATTENTE, StatutOrientation.EN_COURS]))).all()
    for orientation in moved:
        orientation.personne_id = gardee.id
    fusion = Fusion(gardee=gardee, gardee_id=gardee.id, absorbee=absorbee,
                    absorbee_id=absorbee.id, at=now, par_id=actor.id,
                    avant={**avant, "_orientations": [o.id for o in moved]},
                    absorbee_present=absorbee.present)
    if absorbee.present:
        close_passage(actor, absorbee, Destination.AUTRE,
                      f"Fiche fusionnée dans {gardee.code_court}", now)
    absorbee.fusionne_dans_id = gardee.id
    db.session.add(fusion)
    db.session.flush()
    db.session.execute(sa.delete(PersonneCle).where(PersonneCle.personne_id == absorbee.id))
    index_keys(gardee)
    for personne, text in ((gardee, f"Fiche {absorbee.code_court} fusionnée dans celle-ci"),
                           (absorbee, f"Fusionnée dans la fiche {gardee.code_court}")):
        record(actor, Action.UPDATE, "personne", personne.id, summary=text,
               personnes=[personne], mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    return fusion


def annuler_fusion(actor: User, fusion: Fusion, now: datetime | None = None) -> None:
    """Undo a merge: both records as they were, the absorbed one back in the lists."""
    now = now or utcnow()
    gardee, absorbee = fusion.gardee, fusion.absorbee
    if not gardee.can_merge(actor):
        raise ServiceError("Seul un responsable de crise annule une fusion.")
    if fusion.annulee_at is not None:
        raise ServiceError("Cette fusion est déjà annulée.")
    avant = dict(fusion.avant)
    orientation_ids = avant.pop("_orientations", [])
    if "sinus" in avant:
        absorbee_sinus = gardee.sinus
        gardee.sinus = None
        db.session.flush()
        absorbee.sinus = absorbee_sinus
    for name, value in avant.items():
        if name != "sinus":
            setattr(gardee, name, _from_json(name, value))
    for orientation in db.session.scalars(sa.select(Orientation).where(
            Orientation.id.in_(orientation_ids))):
        orientation.personne_id = absorbee.id
    absorbee.fusionne_dans_id = None
    if fusion.absorbee_present and absorbee.centre.ouvert:
        absorbee.passages.append(Passage(centre_id=absorbee.centre_id, arrivee_at=now))
        absorbee.present = True
    fusion.annulee_at, fusion.annulee_par_id = now, actor.id
    db.session.flush()
    index_keys(gardee)
    index_keys(absorbee)
    for personne in (gardee, absorbee):
        record(actor, Action.UPDATE, "personne", personne.id,
               summary=f"Fusion annulée ({gardee.code_court} / {absorbee.code_court})",
               personnes=[personne], mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
