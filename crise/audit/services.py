"""The audit trail, written by services (never by views by hand)."""

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from crise.audit.models import Action, AuditEntry
from crise.db import utcnow
from crise.extensions import db


def record(actor, action: Action, object_type: str, object_id: Any = None, *,
           summary: str = "", changes: dict | None = None,
           mairie_id: int | None = None, evenement_id: int | None = None) -> AuditEntry:
    """Append one entry to the audit trail; flushed with the change it describes."""
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
    )
    db.session.add(entry)
    return entry


VIEW_DEDUP_WINDOW = timedelta(minutes=10)


def record_view(actor, object_type: str, object_id: Any, *, summary: str = "",
                mairie_id: int | None = None, evenement_id: int | None = None,
                now: datetime | None = None) -> AuditEntry | None:
    """Record that ``actor`` viewed personal data; one entry per object per 10 minutes.

    Reloading a page (or the desk's auto-refresh) must not bury the trail under
    identical lines, while every distinct consultation stays visible.
    """
    now = now or utcnow()
    recent = db.session.scalar(
        sa.select(AuditEntry.id).where(
            AuditEntry.actor_id == getattr(actor, "id", None),
            AuditEntry.action == Action.VIEW,
            AuditEntry.object_type == object_type,
            AuditEntry.object_id == str(object_id),
            AuditEntry.at >= now - VIEW_DEDUP_WINDOW).limit(1))
    if recent is not None:
        return None
    entry = record(actor, Action.VIEW, object_type, object_id, summary=summary,
                   mairie_id=mairie_id, evenement_id=evenement_id)
    entry.at = now
    return entry


def search_query(*, actor_email: str = "", action: str = "", object_type: str = "",
           since: datetime | None = None, until: datetime | None = None):
    """A select of audit entries, newest first, for the admin screen."""
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
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
