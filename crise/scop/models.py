"""SCOP requests: one row per request, and an append-only history of every step."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.auth.models import Role, User
from crise.db import TimestampMixin, utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import Mairie


class TypeDemande(enum.StrEnum):
    SIGNALEMENT = "signalement"
    VPU = "vpu"
    UMIP = "umip"

    @property
    def label(self) -> str:
        return {"signalement": "Signalement", "vpu": "VPU — prestations d'urgence",
                "umip": "UMIP — soutien psychologique"}[self.value]


class Urgence(enum.StrEnum):
    """How urgent; the SCOP queue sorts by this, then by age."""

    IMMEDIATE = "immediate"
    HEURE = "heure"
    JOURNEE = "journee"

    @property
    def label(self) -> str:
        return {"immediate": "Immédiate", "heure": "Dans l'heure",
                "journee": "Dans la journée"}[self.value]

    @property
    def rang(self) -> int:
        return {"immediate": 0, "heure": 1, "journee": 2}[self.value]


class StatutDemande(enum.StrEnum):
    NOUVELLE = "nouvelle"
    PRISE_EN_COMPTE = "prise_en_compte"
    ENGAGEE = "engagee"
    SUR_PLACE = "sur_place"
    TERMINEE = "terminee"
    REFUSEE = "refusee"
    ANNULEE = "annulee"
    CONTRE_PROPOSITION = "contre_proposition"

    @property
    def label(self) -> str:
        return STATUT_LABELS[self]

    @property
    def final(self) -> bool:
        return self in STATUTS_FINAUX


# Where a request ends: nothing moves it any more.
STATUTS_FINAUX = (StatutDemande.TERMINEE, StatutDemande.REFUSEE, StatutDemande.ANNULEE)

STATUT_LABELS = {
    StatutDemande.NOUVELLE: "Nouvelle",
    StatutDemande.PRISE_EN_COMPTE: "Prise en compte",
    StatutDemande.ENGAGEE: "Engagée",
    StatutDemande.SUR_PLACE: "Sur place",
    StatutDemande.TERMINEE: "Terminée",
    StatutDemande.REFUSEE: "Refusée",
    StatutDemande.ANNULEE: "Annulée",
    StatutDemande.CONTRE_PROPOSITION: "Contre-proposition",
}

S = StatutDemande
# Moves the SCOP may make; anything else (terminée → engagée…) is refused.
SCOP_MOVES = {
    S.NOUVELLE: {S.PRISE_EN_COMPTE, S.REFUSEE},
    S.PRISE_EN_COMPTE: {S.ENGAGEE, S.REFUSEE, S.CONTRE_PROPOSITION},
    # Engagée → engagée: the arrival is revised (a delay, a breakdown), with the reason.
    S.ENGAGEE: {S.ENGAGEE, S.SUR_PLACE, S.TERMINEE},
    S.SUR_PLACE: {S.TERMINEE},
    S.CONTRE_PROPOSITION: set(),  # waits for the mairie's answer
}
# The mairie cancels what is not finished yet.
CANCELLABLE = {S.NOUVELLE, S.PRISE_EN_COMPTE, S.ENGAGEE, S.CONTRE_PROPOSITION}

MAIRIE_ROLES_DEMANDE = (Role.RESPONSABLE_CARE, Role.ADMIN)
SCOP_ROLES = (Role.SCOP, Role.ADMIN)
SCOP_VIEW_ROLES = (Role.SCOP, Role.CELLULE, Role.RESPONSABLE_CARE, Role.AGENT_ACCUEIL,
                   Role.ANIMATEUR, Role.ADMIN)  # the animateur: exercise events only


def can_ask_scop(user) -> bool:
    """Whether the user sends the mairie's requests to the SCOP (VPU, UMIP, signalement)."""
    return user.has_role(*MAIRIE_ROLES_DEMANDE)


def can_view_scop(user) -> bool:
    """Whether the user sees an event's requests to the SCOP (a mairie: its own)."""
    return user.has_role(*SCOP_VIEW_ROLES)


def can_work_scop_queue(user) -> bool:
    """Whether the user works the SCOP's queue (takes, engages, closes requests)."""
    return user.has_role(*SCOP_ROLES)


class DemandeScop(TimestampMixin, db.Model):
    __tablename__ = "scop_demande"
    __table_args__ = (sa.Index("ix_scop_demande_queue", "statut", "urgence_rang", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(16))
    urgence: Mapped[str] = mapped_column(sa.String(16))
    urgence_rang: Mapped[int] = mapped_column(default=1)
    statut: Mapped[str] = mapped_column(sa.String(24), default=StatutDemande.NOUVELLE)
    # What is asked: VPU items and quantities, UMIP people and contact, signalement text.
    contenu: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    nb_personnes: Mapped[int | None]
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_centre.id"))
    lieu: Mapped[str] = mapped_column(sa.String(255), default="")
    demandeur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    operateur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reference_scop: Mapped[str] = mapped_column(sa.String(64), default="")
    arrivee_estimee_at: Mapped[datetime | None]
    prise_at: Mapped[datetime | None]
    engagee_at: Mapped[datetime | None]
    sur_place_at: Mapped[datetime | None]
    close_at: Mapped[datetime | None]
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Optimistic lock: a change made on a stale copy (another operator acted) is refused.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    evenement: Mapped[Evenement] = relationship()
    mairie: Mapped[Mairie] = relationship()
    operateur: Mapped[User | None] = relationship(foreign_keys=[operateur_id])
    demandeur: Mapped[User | None] = relationship(foreign_keys=[demandeur_id])
    etapes: Mapped[list["EtapeDemande"]] = relationship(
        back_populates="demande", order_by="EtapeDemande.id", cascade="all, delete-orphan")

    @property
    def type_label(self) -> str:
        return TypeDemande(self.type).label

    @property
    def statut_label(self) -> str:
        return StatutDemande(self.statut).label

    @property
    def contre_proposition_texte(self) -> str:
        """What the SCOP proposes instead, while the mairie has to answer."""
        return next((e.texte for e in reversed(self.etapes)
                     if e.vers == StatutDemande.CONTRE_PROPOSITION != e.de), "")

    @property
    def urgence_label(self) -> str:
        return Urgence(self.urgence).label

    @property
    def ouverte(self) -> bool:
        return not StatutDemande(self.statut).final

    def can_view(self, user: User) -> bool:
        return user.can_access_mairie(self.mairie_id) and user.has_role(*SCOP_VIEW_ROLES) \
            and (user.voit_le_reel or self.evenement.exercice)


class EtapeDemande(db.Model):
    """One step of a request's history: never edited, never deleted."""

    __tablename__ = "scop_etape"

    id: Mapped[int] = mapped_column(primary_key=True)
    demande_id: Mapped[int] = mapped_column(sa.ForeignKey("scop_demande.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    de: Mapped[str] = mapped_column(sa.String(24), default="")
    vers: Mapped[str] = mapped_column(sa.String(24), default="")
    texte: Mapped[str] = mapped_column(sa.String(1000), default="")
    donnees: Mapped[dict | None] = mapped_column(sa.JSON)

    demande: Mapped[DemandeScop] = relationship(back_populates="etapes")
    auteur: Mapped[User | None] = relationship()

    @property
    def vers_label(self) -> str:
        return StatutDemande(self.vers).label if self.vers else ""
