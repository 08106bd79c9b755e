"""The audit trail, written by services (never by views by hand)."""

from datetime import datetime, timedelta
from typing import Any, Iterable

import sqlalchemy as sa

from crise.audit.models import Action, AuditEntry, AuditPersonne
from crise.db import utcnow
from crise.extensions import db
from crise.text import normalise_code


def _vus(personnes: Iterable) -> dict[int, str]:
    """People as (id → short code), from records (anything with ``id`` and ``code_court``)
    or (id, code) pairs; the audit names no module above it."""
    vus = {}
    for personne in personnes or ():
        if isinstance(personne, tuple):
            vus[int(personne[0])] = str(personne[1] or "")[:16]
        else:
            vus[personne.id] = (getattr(personne, "code_court", "") or "")[:16]
    return vus


def record(actor, action: Action, object_type: str, object_id: Any = None, *,
           summary: str = "", changes: dict | None = None,
           mairie_id: int | None = None, evenement_id: int | None = None,
           personnes: Iterable = ()) -> AuditEntry:
    """Append one entry to the audit trail; flushed with the change it describes.
    ``personnes``: the people whose data the action showed or touched."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None) or "",
        action=str(action),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary[:500],
        changes=changes or None,
        mairie_id=mairie_id,
        evenement_id=evenement_id,
        personnes=[AuditPersonne(personne_id=pid, code=code)
                   for pid, code in _vus(personnes).items()],
    )
    db.session.add(entry)
    return entry


VIEW_DEDUP_WINDOW = timedelta(minutes=10)


def record_view(actor, object_type: str, object_id: Any, *, summary: str = "",
                mairie_id: int | None = None, evenement_id: int | None = None,
                personnes: Iterable = (), now: datetime | None = None) -> AuditEntry | None:
    """Record that ``actor`` viewed personal data: a record, or a page, a board, a file
    listing ``personnes``. Grouped per viewer and object over 10 minutes: reloading a page
    (or a board refreshing itself) writes nothing more, unless it shows people this viewer
    was not yet recorded seeing there — they get an entry of their own.
    """
    now = now or utcnow()
    vus = _vus(personnes)
    recent = sa.select(AuditEntry.id).where(
        AuditEntry.actor_id == getattr(actor, "id", None),
        AuditEntry.action == Action.VIEW,
        AuditEntry.object_type == object_type,
        AuditEntry.object_id == (None if object_id is None else str(object_id)),
        AuditEntry.at >= now - VIEW_DEDUP_WINDOW)
    if db.session.scalar(recent.limit(1)) is not None:
        if not vus:
            return None
        deja = set(db.session.scalars(sa.select(AuditPersonne.personne_id).where(
            AuditPersonne.entry_id.in_(recent))))
        vus = {pid: code for pid, code in vus.items() if pid not in deja}
        if not vus:
            return None
    entry = record(actor, Action.VIEW, object_type, object_id, summary=summary,
                   mairie_id=mairie_id, evenement_id=evenement_id, personnes=vus.items())
    entry.at = now
    return entry


def search_query(*, actor_email: str = "", action: str = "", object_type: str = "",
                 since: datetime | None = None, until: datetime | None = None,
                 personne: str = "", mairie_id: int | None = None):
    """A select of audit entries, newest first, for the admin screen. ``personne``: a
    person's short code — every entry that showed or touched them."""
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if personne:
        code = normalise_code(personne)[:16]
        ids = sa.select(AuditPersonne.personne_id).where(AuditPersonne.code == code)
        query = query.where(sa.or_(
            AuditEntry.id.in_(sa.select(AuditPersonne.entry_id).where(
                AuditPersonne.code == code)),
            sa.and_(AuditEntry.object_type == "personne",
                    AuditEntry.object_id.in_(sa.select(sa.cast(
                        ids.subquery().c.personne_id, sa.String))))))
    if mairie_id:
        query = query.where(AuditEntry.mairie_id == mairie_id)
    if actor_email:
        query = query.where(AuditEntry.actor_email.ilike(f"%{actor_email.strip()}%"))
    if action:
        query = query.where(AuditEntry.action == action)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return query


def history(object_type: str, object_id: Any, *, limit: int = 50) -> list[AuditEntry]:
    """The changes made to one object, newest first (consultations left out)."""
    return db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id),
            AuditEntry.action != Action.VIEW)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)).all()
