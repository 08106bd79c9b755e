"""The RETEX of an event (exercise or real crisis) and its plan d'actions.

A RETEX keeps only what people write: the text sections and the préconisations, each with
every version (who, when, what). What the records say (chronologie, delays, ratings) is
generated again each time it is shown (crise.retex.brouillon), so it is never stale.

The actions outlive the RETEX they come from: one plan d'actions across every exercise and
real crisis, each action with its owner (a Ville direction or a mairie), its due date, its
status and the history of every change, and the later runs that re-tested it.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import Mairie

declare_object_type("retex", "RETEX")
declare_object_type("retex_action", "Action du plan d'actions")


class Retex(db.Model):
    """The written part of an event's retour d'expérience (one per event)."""

    __tablename__ = "retex"

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), unique=True)
    ouvert_at: Mapped[datetime] = mapped_column(default=utcnow)
    ouvert_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    ouvert_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    # Raised by every change of a section or a préconisation: a download or a page that
    # saw revision n knows when someone wrote in between.
    revision: Mapped[int] = mapped_column(default=0)
    modifie_at: Mapped[datetime | None]
    modifie_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")

    evenement: Mapped[Evenement] = relationship()


class SectionRetex(db.Model):
    """A text section people write (synthèse, points forts and axes of an objective…)."""

    __tablename__ = "retex_section"
    __table_args__ = (sa.UniqueConstraint("retex_id", "cle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retex_id: Mapped[int] = mapped_column(sa.ForeignKey("retex.id", ondelete="CASCADE"))
    cle: Mapped[str] = mapped_column(sa.String(90))
    texte: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    modifie_at: Mapped[datetime] = mapped_column(default=utcnow)
    modifie_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    modifie_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")


class Preconisation(db.Model):
    """A constat and what is recommended; zero or more actions of the plan come from it."""

    __tablename__ = "retex_preconisation"
    __table_args__ = (sa.UniqueConstraint("retex_id", "numero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retex_id: Mapped[int] = mapped_column(sa.ForeignKey("retex.id", ondelete="CASCADE"))
    numero: Mapped[int]
    objectif: Mapped[str] = mapped_column(sa.String(64), default="")
    constat: Mapped[str] = mapped_column(sa.Text, default="")
    texte: Mapped[str] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)
    retiree: Mapped[bool] = mapped_column(default=False)
    modifie_at: Mapped[datetime] = mapped_column(default=utcnow)
    modifie_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    modifie_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    actions: Mapped[list["ActionPlan"]] = relationship(
        back_populates="preconisation", order_by="ActionPlan.id")


class VersionRetex(db.Model):
    """Every version of a section or a préconisation, as it was written: never rewritten."""

    __tablename__ = "retex_version"
    __table_args__ = (sa.UniqueConstraint("retex_id", "objet", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retex_id: Mapped[int] = mapped_column(sa.ForeignKey("retex.id", ondelete="CASCADE"))
    objet: Mapped[str] = mapped_column(sa.String(100))  # « section:synthese », « preco:3 »
    libelle: Mapped[str] = mapped_column(sa.String(300), default="")
    version: Mapped[int]
    contenu: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    par_nom: Mapped[str] = mapped_column(sa.String(120), default="")


# --- The plan d'actions ------------------------------------------------------------------

class Element(enum.StrEnum):
    """The capability element an action improves (the POETE of HSEEP)."""

    PLANIFICATION = "planification"
    ORGANISATION = "organisation"
    EQUIPEMENT = "equipement"
    FORMATION = "formation"
    EXERCICE = "exercice"

    @property
    def label(self) -> str:
        return {"planification": "Planification", "organisation": "Organisation",
                "equipement": "Équipement", "formation": "Formation",
                "exercice": "Exercice"}[self.value]


class StatutAction(enum.StrEnum):
    A_LANCER = "a_lancer"
    EN_COURS = "en_cours"
    REALISEE = "realisee"
    ABANDONNEE = "abandonnee"

    @property
    def label(self) -> str:
        return {"a_lancer": "À lancer", "en_cours": "En cours", "realisee": "Réalisée",
                "abandonnee": "Abandonnée"}[self.value]

    @property
    def ouvert(self) -> bool:
        return self in (StatutAction.A_LANCER, StatutAction.EN_COURS)


STATUTS_OUVERTS = (StatutAction.A_LANCER, StatutAction.EN_COURS)

# The Ville's directions that own actions, and the central roles that act for them.
DIRECTIONS = {
    "SG": "Secrétariat général — cellule centrale de crise",
    "DSOL": "DSOL — Direction des solidarités",
    "DLH": "DLH — Direction du logement et de l'habitat",
    "DPMP": "DPMP — Police municipale et prévention (SCOP)",
    "DDCT": "DDCT — Démocratie, citoyen·nes et territoires",
    "DCPA": "DCPA — Constructions publiques et architecture",
    "DRH": "DRH — Ressources humaines (formation)",
    "DICOM": "DICOM — Information et communication",
}
DIRECTION_DU_ROLE = {Role.CELLULE: "SG", Role.DSOL: "DSOL", Role.DLH: "DLH",
                     Role.SCOP: "DPMP"}


class ActionPlan(db.Model):
    """An action of the plan d'actions: what, who, by when, and where it stands."""

    __tablename__ = "retex_action"
    __table_args__ = (sa.Index("ix_retex_action_statut_echeance", "statut", "echeance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retex_id: Mapped[int] = mapped_column(sa.ForeignKey("retex.id"), index=True)
    preconisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("retex_preconisation.id"), index=True)
    # Copied from the event, so that the plan is filtered without a join.
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    type_risque: Mapped[str] = mapped_column(sa.String(32), index=True)
    exercice: Mapped[bool] = mapped_column(default=False)
    constat: Mapped[str] = mapped_column(sa.Text, default="")
    action: Mapped[str] = mapped_column(sa.Text)
    element: Mapped[str] = mapped_column(sa.String(16))
    porteur_direction: Mapped[str] = mapped_column(sa.String(16), default="", index=True)
    porteur_mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"),
                                                          index=True)
    echeance: Mapped[date]
    statut: Mapped[str] = mapped_column(sa.String(16), default=StatutAction.A_LANCER)
    preuve: Mapped[str] = mapped_column(sa.Text, default="")
    motif: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    modifie_at: Mapped[datetime] = mapped_column(default=utcnow)
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    retex: Mapped[Retex] = relationship()
    preconisation: Mapped[Preconisation | None] = relationship(back_populates="actions")
    evenement: Mapped[Evenement] = relationship()
    porteur_mairie: Mapped[Mairie | None] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def porteur(self) -> str:
        if self.porteur_mairie is not None:
            return self.porteur_mairie.nom
        return DIRECTIONS.get(self.porteur_direction, self.porteur_direction)

    @property
    def porteur_code(self) -> str:
        """« dir:DSOL » or « mairie:15e »: the owner as the forms and filters name it."""
        if self.porteur_mairie is not None:
            return f"mairie:{self.porteur_mairie.code}"
        return f"dir:{self.porteur_direction}"

    @property
    def statut_label(self) -> str:
        return StatutAction(self.statut).label

    @property
    def element_label(self) -> str:
        return Element(self.element).label

    @property
    def ouverte(self) -> bool:
        return StatutAction(self.statut).ouvert

    def en_retard(self, today: date) -> bool:
        return self.ouverte and self.echeance < today


class HistoriqueAction(db.Model):
    """One change of an action: who, when, and each field before and after."""

    __tablename__ = "retex_action_historique"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("retex_action.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    quoi: Mapped[str] = mapped_column(sa.String(40))  # « créée », « modifiée », « re-testée »
    changements: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {field: [old, new]}


class Retest(db.Model):
    """A later run that re-tests an action, through one of its grid items or expected
    actions: its result is read from that run's records (« re-testée dans … : P »)."""

    __tablename__ = "retex_retest"
    __table_args__ = (sa.UniqueConstraint("action_id", "exercice_id", "cible"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("retex_action.id", ondelete="CASCADE"),
                                           index=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id"), index=True)
    cible: Mapped[str] = mapped_column(sa.String(80))  # « grille:GO-3 », « attendu:ATT-4 »
    libelle: Mapped[str] = mapped_column(sa.String(300), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    par_nom: Mapped[str] = mapped_column(sa.String(120), default="")

    action: Mapped[ActionPlan] = relationship()
