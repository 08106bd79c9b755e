import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.db import TimestampMixin
from crise.http import get_for_user_or_404
from crise.extensions import db
from crise.mairies.models import Mairie

declare_object_type("evenement", "Événement")


class TypeEvenement(enum.StrEnum):
    INCENDIE = "incendie"
    EXPLOSION = "explosion"
    EFFONDREMENT = "effondrement"
    CRUE = "crue"
    CANICULE = "canicule"
    ATTENTAT = "attentat"
    ACCIDENT = "accident"
    POLLUTION = "pollution"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]


TYPE_LABELS = {
    TypeEvenement.INCENDIE: "Incendie",
    TypeEvenement.EXPLOSION: "Explosion",
    TypeEvenement.EFFONDREMENT: "Effondrement",
    TypeEvenement.CRUE: "Crue / inondation",
    TypeEvenement.CANICULE: "Canicule",
    TypeEvenement.ATTENTAT: "Attentat",
    TypeEvenement.ACCIDENT: "Accident",
    TypeEvenement.POLLUTION: "Pollution",
    TypeEvenement.AUTRE: "Autre",
}


class Statut(enum.StrEnum):
    EN_COURS = "en_cours"
    CLOS = "clos"

    @property
    def label(self) -> str:
        return {"en_cours": "En cours", "clos": "Clos"}[self.value]


class SourceInformation(enum.StrEnum):
    """How the mairie learned of the event (F.3.13, « circuits d'information »)."""

    SCOP = "scop"
    VILLE = "ville"
    EXTERIEUR = "exterieur"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    SourceInformation.SCOP: "La SCOP (DPMP)",
    SourceInformation.VILLE: "Une autre entité de la Ville (élus, services, équipements…)",
    SourceInformation.EXTERIEUR: "Une entité extérieure (commissariat, opérateur de réseau, "
                                 "réseaux sociaux…)",
}

# Who may declare an event. An animateur declares exercises only.
CREATE_ROLES = (Role.RESPONSABLE_CARE, Role.SCOP, Role.CELLULE, Role.ANIMATEUR, Role.ADMIN)
EDIT_ROLES = CREATE_ROLES


def can_declare(user: User) -> bool:
    """Whether the user may declare an event (an exercise only, for an animateur)."""
    return user.has_role(*CREATE_ROLES)

evenement_mairie = sa.Table(
    "evenement_mairie",
    db.Model.metadata,
    sa.Column("evenement_id", sa.ForeignKey("evenement.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("mairie_id", sa.ForeignKey("mairie.id"), primary_key=True, index=True),
)


class Evenement(TimestampMixin, db.Model):
    """A crisis or incident, real or exercise: every record of the tool hangs on one."""

    __tablename__ = "evenement"
    __table_args__ = (sa.Index("ix_evenement_statut_survenu", "statut", "survenu_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    titre: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[str] = mapped_column(sa.String(32))
    survenu_at: Mapped[datetime]
    fin_at: Mapped[datetime | None]
    lieu: Mapped[str] = mapped_column(sa.String(255), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    statut: Mapped[str] = mapped_column(sa.String(16), default=Statut.EN_COURS)
    clos_at: Mapped[datetime | None]
    exercice: Mapped[bool] = mapped_column(default=False, index=True)
    source_information: Mapped[str] = mapped_column(sa.String(16))
    source_detail: Mapped[str] = mapped_column(sa.String(255), default="")
    scop_informee_at: Mapped[datetime | None]
    scop_informee_contact: Mapped[str] = mapped_column(sa.String(200), default="")
    scop_informee_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # A random token carried by the creation form: the same form sent twice
    # creates one event, not two.
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    mairies: Mapped[list[Mairie]] = relationship(secondary=evenement_mairie,
                                                 order_by=Mairie.ordre, lazy="selectin")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    scop_informee_par: Mapped[User | None] = relationship(foreign_keys=[scop_informee_par_id])

    def __repr__(self):
        return f"<Evenement {self.id} {self.titre!r}>"

    def __str__(self):
        return self.titre

    @property
    def type_label(self) -> str:
        return TypeEvenement(self.type).label

    @property
    def statut_label(self) -> str:
        return Statut(self.statut).label

    @property
    def source_label(self) -> str:
        return SourceInformation(self.source_information).label

    @property
    def en_cours(self) -> bool:
        return self.statut == Statut.EN_COURS

    @property
    def scop_non_informee(self) -> bool:
        """F.3.13: a mairie told by anyone but the SCOP must inform the SCOP at once."""
        return self.source_information != SourceInformation.SCOP and self.scop_informee_at is None

    @property
    def mairie_ids(self) -> set[int]:
        return {m.id for m in self.mairies}

    # Permissions
    def can_view(self, user: User) -> bool:
        if not user.voit_evenement(self.exercice):
            return False
        if user.is_central:
            return True
        return user.mairie_id is not None and user.mairie_id in self.mairie_ids

    def can_edit(self, user: User) -> bool:
        if not self.can_view(user) or not user.has_role(*EDIT_ROLES):
            return False
        if user.has_role(Role.ANIMATEUR):
            return self.exercice
        return True


def can_create_evenement(user: User) -> bool:
    return user.has_role(*CREATE_ROLES)


def get_evenement_or_404(evenement_id: int, user: User, *, edit: bool = False) -> Evenement:
    """The event, if the user may see it (404 otherwise) and, with ``edit``, change it (403)."""
    return get_for_user_or_404(Evenement, evenement_id, user, check="can_edit" if edit else None)


class ClotureMairie(db.Model):
    """A mairie's agreement to close a shared event: the event closes when every one of its
    mairies has agreed (or when a central role closes it)."""

    __tablename__ = "evenement_cloture_mairie"

    evenement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evenement.id", ondelete="CASCADE"), primary_key=True)
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), primary_key=True)
    at: Mapped[datetime]
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
