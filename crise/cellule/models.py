"""The Cellule Centrale de Crise: its activation, its decisions, the points de situation and
the meetings. The main courante it keeps is stored below every feature that writes in it
(crise.evenements.journal) and re-exported here."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.auth.models import Role, User
from crise.db import TimestampMixin, utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.evenements.journal import (PRIORITE_LABELS, SUPPORT_LABELS,  # noqa: F401
                                     TYPE_LABELS, EntreeMainCourante)
from crise.mairies.models import Mairie

CELLULE_ROLES = (Role.CELLULE, Role.ADMIN)


def can_use_cellule(user: User) -> bool:
    """Whether the user sits in the cellule centrale (its pages, its main courante)."""
    return user.has_role(*CELLULE_ROLES)


# Who reads the cellule of an exercise event without sitting in it: the animateur follows the
# players' main courante, decisions and points de situation, and writes nothing there.
CELLULE_READ_ROLES = (Role.ANIMATEUR,)


def can_read_cellule(user: User, evenement) -> bool:
    return can_use_cellule(user) or (user.has_role(*CELLULE_READ_ROLES)
                                     and evenement.exercice)


# The directions of the Ville that receive decisions, and the role that answers for each.
DIRECTIONS = {
    "DSOL": "DSOL — solidarités", "DLH": "DLH — logement et habitat",
    "DPMP": "DPMP — prévention et protection",
    "DDCT": "DDCT — démocratie, citoyens et territoires", "DICOM": "DICOM — communication",
    "DPE": "DPE — propreté et eau", "DVD": "DVD — voirie et déplacements",
    "DASCO": "DASCO — affaires scolaires",
}
DIRECTION_ROLES = {"DSOL": Role.DSOL, "DLH": Role.DLH}
ETAT_LABELS = {"": "Pas encore d'application", "en_cours": "En cours",
               "appliquee": "Appliquée", "impossible": "Impossible"}


class ActivationCellule(db.Model):
    """The cellule activated for an event, from when to when, and who sits in it."""

    __tablename__ = "cellule_activation"

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    activee_at: Mapped[datetime] = mapped_column(default=utcnow)
    activee_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    desactivee_at: Mapped[datetime | None]
    desactivee_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # How often each mairie sends a point de situation, in minutes (4 hours by default).
    rythme_minutes: Mapped[int] = mapped_column(default=240, server_default="240")

    evenement: Mapped[Evenement] = relationship()
    activee_par: Mapped[User | None] = relationship(foreign_keys=[activee_par_id])
    membres: Mapped[list["MembreCellule"]] = relationship(
        back_populates="activation", order_by="MembreCellule.id", cascade="all, delete-orphan")

    @property
    def active(self) -> bool:
        return self.desactivee_at is None


class MembreCellule(db.Model):
    __tablename__ = "cellule_membre"

    id: Mapped[int] = mapped_column(primary_key=True)
    activation_id: Mapped[int] = mapped_column(sa.ForeignKey("cellule_activation.id"),
                                               index=True)
    nom: Mapped[str] = mapped_column(sa.String(120))
    direction: Mapped[str] = mapped_column(sa.String(120), default="")
    fonction: Mapped[str] = mapped_column(sa.String(120), default="")
    depuis_at: Mapped[datetime] = mapped_column(default=utcnow)
    jusqu_at: Mapped[datetime | None]

    activation: Mapped[ActivationCellule] = relationship(back_populates="membres")


DECISION_STATUTS = {"en_vigueur": "En vigueur", "close": "Close (appliquée)",
                    "annulee": "Annulée", "remplacee": "Remplacée par une version modifiée"}


class Decision(TimestampMixin, db.Model):
    __tablename__ = "cellule_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    texte: Mapped[str] = mapped_column(sa.Text)
    echeance_at: Mapped[datetime | None]
    prise_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reunion_id: Mapped[int | None]
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # « en_vigueur » until the cellule closes it (done), cancels it, or replaces it with an
    # amended version (a new decision, « remplace_id »): a new step, never an edit.
    statut: Mapped[str] = mapped_column(sa.String(12), default="en_vigueur",
                                        server_default="en_vigueur")
    statut_at: Mapped[datetime | None]
    statut_motif: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    remplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cellule_decision.id"))

    evenement: Mapped[Evenement] = relationship()
    prise_par: Mapped[User | None] = relationship()
    remplace: Mapped["Decision | None"] = relationship(remote_side=[id])
    destinataires: Mapped[list["DestinataireDecision"]] = relationship(
        back_populates="decision", order_by="DestinataireDecision.id",
        cascade="all, delete-orphan")

    @property
    def en_vigueur(self) -> bool:
        return self.statut == "en_vigueur"

    @property
    def statut_label(self) -> str:
        return DECISION_STATUTS.get(self.statut, self.statut)

    def can_view(self, user: User) -> bool:
        """The cellule, and each addressee (a mairie, a direction), for a visible event."""
        return self.evenement.can_view(user) and (
            can_read_cellule(user, self.evenement)
            or any(d.peut_repondre(user) for d in self.destinataires))

    def en_retard(self, dest: "DestinataireDecision", now: datetime) -> bool:
        return self.en_vigueur and self.echeance_at is not None and now > self.echeance_at \
            and dest.etat not in ("appliquee", "impossible")

    def compte_tardif(self, dest: "DestinataireDecision") -> bool:
        """The addressee reported after the deadline."""
        return self.echeance_at is not None and dest.etat_at is not None and \
            dest.etat_at > self.echeance_at

    def progres(self, now: datetime | None = None) -> dict:
        now = now or utcnow()
        dests = self.destinataires
        return {"total": len(dests),
                "pris_connaissance": sum(1 for d in dests if d.pris_connaissance_at),
                "appliquee": sum(1 for d in dests if d.etat == "appliquee"),
                "impossible": sum(1 for d in dests if d.etat == "impossible"),
                "en_retard": sum(1 for d in dests if self.en_retard(d, now))}


class DestinataireDecision(db.Model):
    """One addressee of a decision (a mairie or a direction) and how far it has got."""

    __tablename__ = "cellule_destinataire"
    __table_args__ = (sa.UniqueConstraint("decision_id", "mairie_id", "direction"),
                      sa.Index("ix_cellule_destinataire_mairie", "mairie_id", "etat"))

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("cellule_decision.id"), index=True)
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"))
    direction: Mapped[str] = mapped_column(sa.String(16), default="")
    pris_connaissance_at: Mapped[datetime | None]
    pris_connaissance_par_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"))
    etat: Mapped[str] = mapped_column(sa.String(16), default="")
    etat_at: Mapped[datetime | None]
    etat_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    motif: Mapped[str] = mapped_column(sa.String(500), default="")
    # The cellule's last reminder, and how many (each is also in the main courante).
    relance_at: Mapped[datetime | None]
    relances: Mapped[int] = mapped_column(default=0, server_default="0")

    decision: Mapped[Decision] = relationship(back_populates="destinataires")
    mairie: Mapped[Mairie | None] = relationship()
    pris_connaissance_par: Mapped[User | None] = relationship(
        foreign_keys=[pris_connaissance_par_id])
    etat_par: Mapped[User | None] = relationship(foreign_keys=[etat_par_id])

    @property
    def libelle(self) -> str:
        return self.mairie.nom_court if self.mairie else DIRECTIONS.get(self.direction,
                                                                        self.direction)

    @property
    def etat_label(self) -> str:
        return ETAT_LABELS.get(self.etat, self.etat)

    def peut_repondre(self, user: User) -> bool:
        """The addressee itself, or the cellule recording what a direction said by phone."""
        if self.mairie_id is not None:
            return user.mairie_id == self.mairie_id and user.has_role(
                Role.RESPONSABLE_CARE, Role.AGENT_ACCUEIL)
        role = DIRECTION_ROLES.get(self.direction)
        return (role is not None and user.has_role(role)) or user.has_role(*CELLULE_ROLES)


class PointSituation(db.Model):
    """A mairie's situation report to the cellule; each report is a new row, never edited."""

    __tablename__ = "cellule_point_situation"
    __table_args__ = (sa.Index("ix_cellule_point_situation_fil", "evenement_id", "mairie_id",
                               "envoye_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"))
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"))
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    envoye_at: Mapped[datetime] = mapped_column(default=utcnow)
    situation: Mapped[str] = mapped_column(sa.Text, default="")
    mesures: Mapped[str] = mapped_column(sa.Text, default="")
    besoins: Mapped[str] = mapped_column(sa.Text, default="")
    texte_libre: Mapped[str] = mapped_column(sa.Text, default="")
    # The figures the application filled in when it was sent (C.A.RE, people, requests…).
    chiffres: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    evenement: Mapped[Evenement] = relationship()
    mairie: Mapped[Mairie] = relationship()
    auteur: Mapped[User | None] = relationship()

    def can_view(self, user: User) -> bool:
        """The cellule, and the mairie that sent it."""
        return self.evenement.can_view(user) and (
            can_read_cellule(user, self.evenement) or user.mairie_id == self.mairie_id)


REUNION_LABELS = {"suivi": "Réunion de suivi", "synthese": "Réunion de synthèse"}


class Reunion(TimestampMixin, db.Model):
    """A follow-up or synthesis meeting of the cellule, its agenda and its minutes."""

    __tablename__ = "cellule_reunion"
    __table_args__ = (sa.Index("ix_cellule_reunion_prochaine", "evenement_id", "debut_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"))
    type: Mapped[str] = mapped_column(sa.String(12), default="suivi")
    debut_at: Mapped[datetime]
    lieu: Mapped[str] = mapped_column(sa.String(200), default="")
    planifiee_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The minutes: who attended, what was said, and the agenda as it stood.
    tenue_at: Mapped[datetime | None]
    participants: Mapped[str] = mapped_column(sa.Text, default="")
    mairies_presentes: Mapped[list] = mapped_column(sa.JSON, default=list)
    compte_rendu: Mapped[str] = mapped_column(sa.Text, default="")
    ordre_du_jour: Mapped[list] = mapped_column(sa.JSON, default=list)

    evenement: Mapped[Evenement] = relationship()
    decisions: Mapped[list[Decision]] = relationship(
        primaryjoin="Reunion.id == foreign(Decision.reunion_id)", order_by="Decision.id",
        viewonly=True)

    versions: Mapped[list["VersionCompteRendu"]] = relationship(
        back_populates="reunion", order_by="VersionCompteRendu.id")

    @property
    def type_label(self) -> str:
        return REUNION_LABELS.get(self.type, self.type)

    def __str__(self):
        return f"{self.type_label} du {self.debut_at:%d/%m/%Y}"


class VersionCompteRendu(db.Model):
    """Each saving of a meeting's minutes, kept: a correction never erases what was
    written before (who wrote what, and when)."""

    __tablename__ = "cellule_compte_rendu_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    reunion_id: Mapped[int] = mapped_column(sa.ForeignKey("cellule_reunion.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    auteur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    participants: Mapped[str] = mapped_column(sa.Text, default="")
    mairies_presentes: Mapped[list] = mapped_column(sa.JSON, default=list)
    texte: Mapped[str] = mapped_column(sa.Text, default="")

    reunion: Mapped[Reunion] = relationship(back_populates="versions")
