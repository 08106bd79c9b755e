"""A roof tonight (DSOL) and after (DLH): one dossier per household of a C.A.RE.

A dossier belongs to the household's référent (the first member registered); its solutions
are dated stays (from ``du`` to ``au``, the morning they leave: nights = au − du). Extending,
ending or moving changes a stay's dates and is written in the dossier's journal, which is
never edited. « Sans solution ce soir »: an open dossier that no stay covers tonight.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.care.models import CentreAccueil, Personne
from crise.care.services.personnes import membres_du_foyer
from crise.db import TimestampMixin, utcnow
from crise.evenements.models import Evenement
from crise.extensions import db

declare_object_type("hebergement", "Dossier d'hébergement")
declare_object_type("hebergement_evenement", "Hébergement d'un événement")
declare_object_type("hebergement_liste", "Liste d'hébergement")
declare_object_type("hebergement_modification", "Formulaire d'un dossier d'hébergement")
declare_object_type("hebergement_ouverture", "Ouverture d'un dossier d'hébergement")

# Who records needs and finds a roof: DSOL, and the mairie for its own C.A.RE.
HEBERGEMENT_EDIT_ROLES = (Role.DSOL, Role.RESPONSABLE_CARE, Role.AGENT_ACCUEIL, Role.ADMIN)
# (The animateur reads the housing of exercise events only.)
HEBERGEMENT_VIEW_ROLES = HEBERGEMENT_EDIT_ROLES + (Role.DLH, Role.CELLULE, Role.ANIMATEUR)
# Who evaluates rehousing; who may ask for it.
RELOGEMENT_EDIT_ROLES = (Role.DLH, Role.ADMIN)
RELOGEMENT_ASK_ROLES = (Role.DLH, Role.DSOL, Role.RESPONSABLE_CARE, Role.ADMIN)
HEBERGEMENT_EXPORT_ROLES = (Role.DSOL, Role.DLH, Role.RESPONSABLE_CARE, Role.CELLULE,
                            Role.ADMIN)
# The directions whose work is housing: their home page leads them to tonight's board.
HEBERGEMENT_AGENT_ROLES = (Role.DSOL, Role.DLH)


def is_housing_agent(user: User) -> bool:
    return user.has_role(*HEBERGEMENT_AGENT_ROLES)


def can_view_housing(user: User) -> bool:
    return user.has_role(*HEBERGEMENT_VIEW_ROLES)


def can_house(user: User) -> bool:
    """Whether the user records housing needs and the roofs found (DSOL, the mairie)."""
    return user.has_role(*HEBERGEMENT_EDIT_ROLES)


def can_export_housing(user: User) -> bool:
    return user.has_role(*HEBERGEMENT_EXPORT_ROLES)


def can_ask_rehousing(user: User) -> bool:
    return user.has_role(*RELOGEMENT_ASK_ROLES)


def can_assess_rehousing(user: User) -> bool:
    """Whether the user evaluates rehousing requests (the DLH)."""
    return user.has_role(*RELOGEMENT_EDIT_ROLES)

BESOINS_HEBERGEMENT = {
    "pmr": "Mobilité réduite", "materiel_medical": "Matériel médical",
    "animaux": "Animaux", "grossesse": "Grossesse", "nourrisson": "Nourrisson",
}
HABITABLE_LABELS = {"non": "Non habitable", "inconnu": "Pas encore évalué",
                    "oui": "Habitable"}


class TypeSolution(enum.StrEnum):
    HOTEL = "hotel"
    CENTRE = "centre_urgence"
    GYMNASE = "gymnase"
    PROCHE = "proche"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return {"hotel": "Hôtel", "centre_urgence": "Centre d'hébergement d'urgence",
                "gymnase": "Gymnase", "proche": "Chez un proche", "autre": "Autre"}[self.value]


class StatutRelogement(enum.StrEnum):
    A_EVALUER = "a_evaluer"
    EN_COURS = "en_cours"
    PROPOSITION = "proposition"
    RELOGE = "reloge"
    SANS_SUITE = "sans_suite"

    @property
    def label(self) -> str:
        return {"a_evaluer": "À évaluer", "en_cours": "En cours",
                "proposition": "Proposition faite", "reloge": "Relogé",
                "sans_suite": "Sans suite"}[self.value]


class DossierHebergement(TimestampMixin, db.Model):
    __tablename__ = "hebergement_dossier"
    __table_args__ = (sa.Index("ix_hebergement_dossier_file", "evenement_id", "clos",
                               "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"))
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id"))
    referent_id: Mapped[int] = mapped_column(sa.ForeignKey("care_personne.id"), unique=True)
    # Counted from the household when the dossier is opened, corrected by the agent.
    nb_personnes: Mapped[int] = mapped_column(default=1)
    nb_enfants: Mapped[int] = mapped_column(default=0)
    logement_habitable: Mapped[str] = mapped_column(sa.String(8), default="inconnu")
    besoins: Mapped[list] = mapped_column(sa.JSON, default=list)
    animaux_detail: Mapped[str] = mapped_column(sa.String(255), default="")
    nb_nuits: Mapped[int] = mapped_column(default=1)
    secteur_souhaite: Mapped[str] = mapped_column(sa.String(255), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    clos: Mapped[bool] = mapped_column(default=False)
    clos_at: Mapped[datetime | None]
    clos_motif: Mapped[str] = mapped_column(sa.String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # When the retention emptied its notes, journal and addresses (crise.rgpd).
    anonymise_at: Mapped[datetime | None]

    evenement: Mapped[Evenement] = relationship()
    centre: Mapped[CentreAccueil] = relationship()
    referent: Mapped[Personne] = relationship()
    created_by: Mapped[User | None] = relationship()
    solutions: Mapped[list["Solution"]] = relationship(
        back_populates="dossier", order_by="Solution.du, Solution.id",
        cascade="all, delete-orphan")
    journal: Mapped[list["JournalHebergement"]] = relationship(
        back_populates="dossier", order_by="JournalHebergement.id",
        cascade="all, delete-orphan")
    relogement: Mapped["Relogement | None"] = relationship(back_populates="dossier")

    @property
    def membres(self) -> list[Personne]:
        return membres_du_foyer(self.referent)

    @property
    def besoins_labels(self) -> list[str]:
        return [BESOINS_HEBERGEMENT[b] for b in self.besoins or [] if b in BESOINS_HEBERGEMENT]

    @property
    def habitable_label(self) -> str:
        return HABITABLE_LABELS.get(self.logement_habitable, "")

    def solution_pour(self, nuit: date) -> "Solution | None":
        return next((s for s in self.solutions if s.du <= nuit < s.au), None)

    def can_view(self, user: User) -> bool:
        return user.has_role(*HEBERGEMENT_VIEW_ROLES) and user.can_access_mairie(
            self.mairie_id) and (user.voit_le_reel or self.evenement.exercice)

    def can_edit(self, user: User) -> bool:
        return user.has_role(*HEBERGEMENT_EDIT_ROLES) and user.can_access_mairie(self.mairie_id)


class Solution(TimestampMixin, db.Model):
    """A stay: the household sleeps there from ``du`` until the morning of ``au``."""

    __tablename__ = "hebergement_solution"
    __table_args__ = (sa.Index("ix_hebergement_solution_nuit", "dossier_id", "du", "au"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergement_dossier.id"))
    type: Mapped[str] = mapped_column(sa.String(16))
    lieu: Mapped[str] = mapped_column(sa.String(200))
    adresse: Mapped[str] = mapped_column(sa.String(255), default="")
    du: Mapped[date]
    au: Mapped[date]
    # au − du, kept with the dates so that totals are one SQL sum on any database.
    nuits: Mapped[int] = mapped_column(default=0)
    # The people housed in this stay: a change of the household's size ends the stay the
    # night before and continues it with the new count, so past nights keep theirs.
    nb_personnes: Mapped[int] = mapped_column(default=1, server_default="1")
    chambres: Mapped[int | None]
    lits: Mapped[int | None]
    trouve_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    termine: Mapped[bool] = mapped_column(default=False)
    fin_motif: Mapped[str] = mapped_column(sa.String(255), default="")

    dossier: Mapped[DossierHebergement] = relationship(back_populates="solutions")
    trouve_par: Mapped[User | None] = relationship()

    @property
    def type_label(self) -> str:
        return TypeSolution(self.type).label

    def set_dates(self, du: date, au: date) -> None:
        self.du, self.au, self.nuits = du, au, (au - du).days

    @property
    def nuitees(self) -> int:
        return self.nuits * self.nb_personnes


class JournalHebergement(db.Model):
    """What happened to a dossier (opened, housed, extended, ended, moved…): append-only."""

    __tablename__ = "hebergement_journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergement_dossier.id"),
                                            index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    texte: Mapped[str] = mapped_column(sa.String(1000))

    dossier: Mapped[DossierHebergement] = relationship(back_populates="journal")
    auteur: Mapped[User | None] = relationship()


class Relogement(TimestampMixin, db.Model):
    """The DLH's evaluation of a household's rehousing request."""

    __tablename__ = "hebergement_relogement"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergement_dossier.id"),
                                            unique=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    statut: Mapped[str] = mapped_column(sa.String(16), default=StatutRelogement.A_EVALUER)
    demande_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    dossier: Mapped[DossierHebergement] = relationship(back_populates="relogement")
    demande_par: Mapped[User | None] = relationship()
    notes: Mapped[list["NoteRelogement"]] = relationship(
        back_populates="relogement", order_by="NoteRelogement.id",
        cascade="all, delete-orphan")

    @property
    def statut_label(self) -> str:
        return StatutRelogement(self.statut).label


class NoteRelogement(db.Model):
    """A dated note of the DLH, with the status it set: never edited."""

    __tablename__ = "hebergement_relogement_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    relogement_id: Mapped[int] = mapped_column(sa.ForeignKey("hebergement_relogement.id"),
                                               index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    statut: Mapped[str] = mapped_column(sa.String(16), default="")
    texte: Mapped[str] = mapped_column(sa.String(2000), default="")

    relogement: Mapped[Relogement] = relationship(back_populates="notes")
    auteur: Mapped[User | None] = relationship()

    @property
    def statut_label(self) -> str:
        return StatutRelogement(self.statut).label if self.statut else ""
