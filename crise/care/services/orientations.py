"""Orientations to the C.A.RE's support cells (psychological, material, legal, housing):
sending a person, moving them on a cell's board, the boards themselves."""

from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import (CelluleSoutien, CentreAccueil, Orientation, Personne,
                               StatutOrientation)
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db

__all__ = ["ORIENTATION_MOVES", "attente_par_cellule_soutien", "changer_orientation",
           "orientations_of", "orienter", "file_cellule_soutien"]


# Allowed moves on a cell's board; anything else is refused.
ORIENTATION_MOVES = {
    StatutOrientation.ATTENTE: {StatutOrientation.EN_COURS, StatutOrientation.ANNULE},
    StatutOrientation.EN_COURS: {StatutOrientation.TERMINE, StatutOrientation.ATTENTE},
}


def orienter(actor: User, personne: Personne, cellule: str, *, note: str = "",
             now: datetime | None = None) -> Orientation:
    """Send a person to a support cell; one open orientation per person and cell."""
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas orienter cette personne.")
    if cellule not in set(CelluleSoutien):
        raise ServiceError("Cellule inconnue.", field="cellule")
    if not personne.present:
        raise ServiceError("Cette personne est partie : enregistrez d'abord son retour.")
    note = (note or "").strip()
    if len(note) > 255:
        raise ServiceError("255 caractères au maximum.", field="note")
    existing = db.session.scalar(sa.select(Orientation).where(
        Orientation.personne_id == personne.id, Orientation.cellule == cellule,
        Orientation.statut.in_([StatutOrientation.ATTENTE, StatutOrientation.EN_COURS])))
    if existing is not None:
        raise ServiceError(f"Déjà orienté(e) vers la {CelluleSoutien(cellule).label.lower()}.",
                           field="cellule")
    orientation = Orientation(personne=personne, personne_id=personne.id,
                              centre_id=personne.centre_id, cellule=cellule, note=note,
                              oriente_at=now or utcnow(), oriente_par_id=actor.id)
    db.session.add(orientation)
    db.session.flush()
    record(actor, Action.UPDATE, "personne", personne.id,
           summary=f"Orienté(e) vers : {CelluleSoutien(cellule).label}",
           personnes=[personne], mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    return orientation


def orientations_of(personne: Personne) -> list[Orientation]:
    """Every orientation of a person, in the order they were made."""
    return db.session.scalars(sa.select(Orientation).where(
        Orientation.personne_id == personne.id).order_by(Orientation.oriente_at)).all()


def changer_orientation(actor: User, orientation: Orientation, statut: str,
                        now: datetime | None = None) -> Orientation:
    """Move an orientation on its board: taken, done, back to waiting, cancelled."""
    now = now or utcnow()
    personne = orientation.personne
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette orientation.")
    allowed = ORIENTATION_MOVES.get(StatutOrientation(orientation.statut), set())
    if statut not in allowed:
        raise ServiceError(f"Impossible : cette orientation est « "
                           f"{orientation.statut_label.lower()} ».")
    orientation.statut = statut
    if statut == StatutOrientation.EN_COURS:
        orientation.pris_at, orientation.pris_par_id = now, actor.id
    elif statut == StatutOrientation.ATTENTE:
        orientation.pris_at, orientation.pris_par_id = None, None
    else:
        orientation.termine_at = now
    record(actor, Action.UPDATE, "personne", personne.id,
           summary=f"{orientation.cellule_label} : {orientation.statut_label.lower()}",
           personnes=[personne], mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return orientation


def file_cellule_soutien(centre: CentreAccueil, cellule: str, *, termines: int = 20) -> dict:
    """A cell's board: waiting (oldest first), being seen, last ones done."""
    base = sa.select(Orientation).where(Orientation.centre_id == centre.id,
                                        Orientation.cellule == cellule)
    return {
        "attente": db.session.scalars(base.where(
            Orientation.statut == StatutOrientation.ATTENTE).order_by(
            Orientation.oriente_at)).all(),
        "en_cours": db.session.scalars(base.where(
            Orientation.statut == StatutOrientation.EN_COURS).order_by(
            Orientation.pris_at)).all(),
        "termine": db.session.scalars(base.where(
            Orientation.statut == StatutOrientation.TERMINE).order_by(
            Orientation.termine_at.desc()).limit(termines)).all(),
    }


def attente_par_cellule_soutien(centre: CentreAccueil) -> dict[str, int]:
    rows = db.session.execute(sa.select(Orientation.cellule, sa.func.count(Orientation.id)).where(
        Orientation.centre_id == centre.id, Orientation.statut == StatutOrientation.ATTENTE)
        .group_by(Orientation.cellule))
    counts = {c.value: 0 for c in CelluleSoutien}
    counts.update(dict(rows.all()))
    return counts
