import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.db import TimestampMixin
from crise.extensions import db
from crise.mairies.models import Mairie


class Role(enum.StrEnum):
    AGENT_ACCUEIL = "agent_accueil"
    RESPONSABLE_CARE = "responsable_care"
    DSOL = "dsol"
    DLH = "dlh"
    SCOP = "scop"
    CELLULE = "cellule"
    ANIMATEUR = "animateur"
    OBSERVATEUR = "observateur"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_mairie_role(self) -> bool:
        return self in MAIRIE_ROLES


ROLE_LABELS = {
    Role.AGENT_ACCUEIL: "Agent d'accueil C.A.RE",
    Role.RESPONSABLE_CARE: "Responsable de crise de la mairie",
    Role.DSOL: "DSOL — hébergement d'urgence",
    Role.DLH: "DLH — relogement",
    Role.SCOP: "Opérateur SCOP",
    Role.CELLULE: "Cellule centrale de crise",
    Role.ANIMATEUR: "Animateur d'exercice",
    Role.OBSERVATEUR: "Observateur d'exercice",
    Role.ADMIN: "Administrateur",
}

# Accounts of a mairie d'arrondissement: they belong to one mairie and only see its people.
MAIRIE_ROLES = frozenset({Role.AGENT_ACCUEIL, Role.RESPONSABLE_CARE})
# Central roles see every mairie.
CENTRAL_ROLES = frozenset(set(Role) - MAIRIE_ROLES)
# Roles that see exercises only: an animateur reads what the players do in an exercise event
# (its C.A.RE, SCOP requests, cellule, housing), and no real event nor anyone in it.
EXERCICE_ONLY_ROLES = frozenset({Role.ANIMATEUR, Role.OBSERVATEUR})
# Roles that see no event at all: an observer reaches only the grid and notes of the runs
# they are named for (crise.exercices), never an event's records.
SANS_EVENEMENT_ROLES = frozenset({Role.OBSERVATEUR})

# The events table, named without importing the events (a higher package): the scope rule
# below keeps an exercise-only account to the records of exercise events.
_evenement = sa.table("evenement", sa.column("id"), sa.column("exercice", sa.Boolean))
_EVENEMENTS_EXERCICE = sa.select(_evenement.c.id).where(_evenement.c.exercice.is_(True))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ActeurSysteme:
    """Not a person: the application itself, or someone at its command line. Named in the
    audit trail (« système », « cli »), never logged in, in no mairie, with no role."""

    nom: str
    id = None
    mairie_id = None
    role = None

    @property
    def email(self) -> str:
        return self.nom

    def has_role(self, *roles) -> bool:
        return False

    def __str__(self) -> str:
        return self.nom


SYSTEME = ActeurSysteme("système")
LIGNE_DE_COMMANDE = ActeurSysteme("cli")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    nom: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[str] = mapped_column(sa.String(32))
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    actif: Mapped[bool] = mapped_column(default=True)
    # Rotated when the password changes or the account is disabled: every
    # session opened before then stops working at its next request.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True,
                                               default=new_session_token)
    last_login_at: Mapped[datetime | None]

    mairie: Mapped[Mairie | None] = relationship(lazy="joined")

    def __repr__(self):
        return f"<User {self.email} {self.role}>"

    def __str__(self):
        return self.nom or self.email

    # Flask-Login
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.actif

    # Roles and scope
    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role_enum]

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_central(self) -> bool:
        return self.role in CENTRAL_ROLES

    def perimetre(self, mairie_column, evenement_column=None):
        """The condition that keeps a query to what this account may see, given the column
        that holds a record's mairie (and its event's): everything for the central roles,
        its own mairie for the others; for an exercise-only role (the animateur), only the
        records of exercise events, and nothing where the query names no event. The one
        place the scope of a query is written."""
        mairie = sa.true() if self.is_central else mairie_column == self.mairie_id
        if self.voit_le_reel:
            return mairie
        if evenement_column is None or self.role in SANS_EVENEMENT_ROLES:
            return sa.false()
        return sa.and_(mairie, evenement_column.in_(_EVENEMENTS_EXERCICE))

    def perimetre_evenements(self, exercice_column):
        """The events this account may see at all: every one, the exercises only (the
        animateur), or none (the observer)."""
        if self.role in SANS_EVENEMENT_ROLES:
            return sa.false()
        return sa.true() if self.voit_le_reel else exercice_column.is_(True)

    @property
    def voit_le_reel(self) -> bool:
        return self.role not in EXERCICE_ONLY_ROLES

    def voit_evenement(self, exercice: bool) -> bool:
        """Whether the account may see an event (and its records), given whether it is an
        exercise."""
        if self.role in SANS_EVENEMENT_ROLES:
            return False
        return bool(exercice) or self.voit_le_reel

    def can_access_mairie(self, mairie_id: int | None) -> bool:
        """Whether this account may see records of the given mairie."""
        if self.is_central:
            return True
        return mairie_id is not None and mairie_id == self.mairie_id

    def can_view(self, user: "User") -> bool:
        return user.is_admin or user.id == self.id

    def can_edit(self, user: "User") -> bool:
        return user.is_admin


class SessionCompte(db.Model):
    """A session opened by logging in, known to the server: logging out, an absolute
    lifetime, inactivity, a password change or an administrator ends it, whatever the
    browser still holds. The cookie carries only its random key."""

    __tablename__ = "auth_session"
    __table_args__ = (sa.Index("ix_auth_session_user_ouverte", "user_id", "fermee_at"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    ouverte_at: Mapped[datetime]
    vue_at: Mapped[datetime]  # the last request its user made (not a board's own refresh)
    fermee_at: Mapped[datetime | None]
    fermee_motif: Mapped[str] = mapped_column(sa.String(60), default="")
    adresse: Mapped[str] = mapped_column(sa.String(64), default="")
    navigateur: Mapped[str] = mapped_column(sa.String(200), default="")
    # A declared wall display (a board on the cellule's wall): its refreshes count as use.
    mur: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class LimiteTentatives(db.Model):
    """One throttle counter (failed logins of an account or from an address, a browser's
    failed logins, relatives' enquiries of an agent…), kept in the database so that every
    worker and every host counts together (crise.auth.limites)."""

    __tablename__ = "auth_limite"

    cle: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    nombre: Mapped[int] = mapped_column(default=0)
    premier_at: Mapped[datetime]
    dernier_at: Mapped[datetime]
    attente_jusqua: Mapped[datetime | None]
    # The account concerned, when there is one (what an administrator lifts for it).
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    libelle: Mapped[str] = mapped_column(sa.String(160), default="")
