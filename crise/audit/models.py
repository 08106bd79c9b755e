import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.db import utcnow
from crise.extensions import db


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    VIEW = "view"
    EXPORT = "export"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.CREATE: "Création",
    Action.UPDATE: "Modification",
    Action.VIEW: "Consultation",
    Action.EXPORT: "Export",
    Action.DELETE: "Suppression",
    Action.LOGIN: "Connexion",
    Action.LOGIN_FAILED: "Échec de connexion",
    Action.LOGOUT: "Déconnexion",
}


# What an entry is about, as shown to the administrator. Each module declares its own
# (declare_object_type, beside its models); the accounts, below the audit, are named here.
OBJECT_LABELS = {"user": "Compte", "audit": "Journal d'audit",
                 "sauvegarde": "Sauvegarde de la base"}


def declare_object_type(code: str, label: str) -> None:
    """Name, for the audit screen, the records a module writes entries about."""
    OBJECT_LABELS[code] = label


class AuditEntry(db.Model):
    """Who created, changed, exported or viewed what, and when. Never updated."""

    __tablename__ = "audit_entry"
    # Also answers « did this viewer see this object a moment ago » (every record opened)
    # from the index alone, whatever the viewer's history.
    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id",
                               "actor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The account is kept by id and, in case it is renamed, by its e-mail at the time.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"))
    evenement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evenement.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    # The chain (crise.audit.chaine): each entry, once sealed, carries its place in the chain
    # and a print of itself and of the print before it; a removed or altered entry breaks
    # it. The database refuses any other change to an entry, and deletions but the purge.
    rang: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    empreinte: Mapped[str | None] = mapped_column(sa.String(64))
    # The people whose data this read or change showed or touched (a record, a board's
    # rows, a search's results, an export's lines).
    personnes: Mapped[list["AuditPersonne"]] = relationship(
        cascade="all, delete-orphan", lazy="raise")

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.object_type, self.object_type)

    @property
    def action_label(self) -> str:
        try:
            return Action(self.action).label
        except ValueError:
            return self.action


class AuditPersonne(db.Model):
    """One person seen or changed by an audit entry: by id and by short code (a code the
    administrator types to ask « who saw this person? »), never by name. No foreign key:
    the trail outlives what it describes."""

    __tablename__ = "audit_personne"
    __table_args__ = (sa.Index("ix_audit_personne_personne", "personne_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("audit_entry.id", ondelete="CASCADE"), primary_key=True)
    personne_id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), default="", index=True)


class AuditAncre(db.Model):
    """Where the chain starts again after a purge of its oldest entries (the audit's own
    retention rule): the last purged entry's place and print. Append-only, like the trail."""

    __tablename__ = "audit_ancre"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    rang: Mapped[int] = mapped_column(sa.BigInteger)
    empreinte: Mapped[str] = mapped_column(sa.String(64))
    nombre: Mapped[int] = mapped_column(default=0)


class AuditSceau(db.Model):
    """The head of the chain after each sealing (place and print): removing the newest
    entries, which no later entry points to, is detected against it. Append-only; the
    sealing command also prints it, for a copy outside the database (the timer's log)."""

    __tablename__ = "audit_sceau"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    rang: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    empreinte: Mapped[str] = mapped_column(sa.String(64))
