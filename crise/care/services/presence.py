"""Who is at a C.A.RE now: the counts, a departure (with its destination), a return."""

from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care import noms
from crise.care.models import (Categorie, CentreAccueil, Destination, Orientation, Passage,
                               Personne, StatutOrientation)
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db

__all__ = ["close_passage", "depart", "present_counts", "present_people", "present_totals",
           "presents_sous_verrou",
           "retour"]


def present_totals(centre_ids: list[int]) -> dict[int, int]:
    """{centre id: people present} for several centres in one query."""
    if not centre_ids:
        return {}
    rows = db.session.execute(sa.select(Personne.centre_id, sa.func.count(Personne.id)).where(
        Personne.centre_id.in_(centre_ids), Personne.present.is_(True)).group_by(
        Personne.centre_id))
    return {centre_id: n for centre_id, n in rows}


def present_people(centre: CentreAccueil) -> list[Personne]:
    return noms.in_alphabetical_order(db.session.scalars(sa.select(Personne).where(
        Personne.centre_id == centre.id, Personne.present.is_(True))))


def present_counts(centre: CentreAccueil) -> dict[str, int]:
    """People present now, by catégorie, with the total."""
    rows = db.session.execute(sa.select(Personne.categorie, sa.func.count(Personne.id)).where(
        Personne.centre_id == centre.id, Personne.present.is_(True)).group_by(
        Personne.categorie)).all()
    counts = {c.value: 0 for c in Categorie}
    counts.update({categorie: n for categorie, n in rows})
    counts["total"] = sum(n for _, n in rows)
    return counts


def presents_sous_verrou(centre: CentreAccueil) -> int:
    """The people present, counted once the centre's row is taken for this transaction:
    two desks registering for the last place pass one after the other, the second counts
    the first's arrival (a row lock on PostgreSQL; on SQLite this first write takes the
    database's write lock, and the reads that follow see every commit before it)."""
    db.session.execute(sa.update(CentreAccueil).where(CentreAccueil.id == centre.id)
                       .values(capacite=CentreAccueil.capacite))
    return present_counts(centre)["total"]


def close_passage(actor, personne: Personne, destination: str, detail: str, now: datetime):
    passage = personne.dernier_passage
    passage.depart_at, passage.destination = now, destination
    passage.destination_detail, passage.depart_par_id = detail[:255], actor.id
    personne.present = False
    # Whoever was still waiting for a support cell has gone: the cell stops waiting for
    # them (a person being seen stays on the board, marked as gone).
    waiting = db.session.scalars(sa.select(Orientation).where(
        Orientation.personne_id == personne.id,
        Orientation.statut == StatutOrientation.ATTENTE)).all()
    for orientation in waiting:
        orientation.statut, orientation.termine_at = StatutOrientation.ANNULE, now
        orientation.note = ((orientation.note + " — ") if orientation.note else "") + \
            f"annulée : départ du C.A.RE ({Destination(destination).label})"
        orientation.note = orientation.note[:255]


def depart(actor: User, personne: Personne, *, destination: str, detail: str = "",
           now: datetime | None = None) -> Passage:
    now = now or utcnow()
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette personne.")
    if not personne.present:
        raise ServiceError("Cette personne est déjà partie.")
    if destination not in set(Destination):
        raise ServiceError("Indiquez la destination.", field="destination")
    if len(detail or "") > 255:
        raise ServiceError("255 caractères au maximum.", field="detail")
    close_passage(actor, personne, destination, (detail or "").strip(), now)
    record(actor, Action.UPDATE, "personne", personne.id,
           summary=f"Départ : {Destination(destination).label}", personnes=[personne],
           mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return personne.dernier_passage


def retour(actor: User, personne: Personne, *, depasser_capacite: bool = False,
           now: datetime | None = None) -> Passage:
    """A person who left comes back: a new passage, same record and badge."""
    now = now or utcnow()
    if not personne.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cette personne.")
    if personne.present:
        raise ServiceError("Cette personne est déjà présente.")
    centre = personne.centre
    if not centre.ouvert:
        raise ServiceError("Ce C.A.RE est fermé.")
    present = presents_sous_verrou(centre)
    if present >= centre.capacite:
        if not depasser_capacite:
            raise ServiceError(f"Capacité atteinte : {present} présent(s) pour "
                               f"{centre.capacite} places. Confirmez le dépassement.",
                               field="depasser_capacite")
        record(actor, Action.UPDATE, "centre", centre.id,
               summary=f"Dépassement de capacité accepté : {present + 1} présents pour "
                       f"{centre.capacite} places",
               mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    passage = Passage(centre_id=personne.centre_id, arrivee_at=now)
    personne.passages.append(passage)
    personne.present = True
    record(actor, Action.UPDATE, "personne", personne.id, summary="Retour au C.A.RE",
           personnes=[personne], mairie_id=personne.mairie_id, evenement_id=personne.evenement_id)
    db.session.flush()
    return passage
