"""What the data protection keeps: the retention rules set by the administrator, the legal
holds that suspend them for an event."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.care.models import Personne
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db

declare_object_type("conservation", "Conservation des données")
declare_object_type("gel_juridique", "Gel juridique")
declare_object_type("demande_droits", "Demande d'exercice des droits")

# Who sets the rules and the holds, and reads what the retention would do: the administrator
# (the Ville's DPO works through them).
RGPD_ROLES = (Role.ADMIN,)


def gere_la_protection(user: User) -> bool:
    return user.has_role(*RGPD_ROLES)


@dataclass(frozen=True)
class Regle:
    """One kind of personal data, how long it is kept by default and within which bounds,
    and why (the text it comes from)."""

    code: str
    libelle: str
    apres: str  # what the delay counts from
    defaut: int
    minimum: int
    maximum: int
    fondement: str
    effet: str


REGLES = (
    Regle("notes", "Notes médicales, psychologiques et remarques (événement réel)",
          "après la clôture de l'événement", 30, 0, 730,
          "Données de santé (RGPD art. 9) : minimisation ; Sahana Eden retire les états "
          "médicaux 30 jours après la fermeture du centre.",
          "Les notes des personnes et des orientations sont effacées."),
    Regle("identites", "Identités des personnes accueillies (événement réel)",
          "après le dernier contact, l'événement clos", 730, 30, 730,
          "Référentiel CNIL accompagnement social et médico-social (délibération 2023-095) : "
          "2 ans après le dernier contact.",
          "Nom, prénom, date de naissance (gardée en âge), coordonnées, adresses, nationalité, "
          "SINUS et badge sont retirés ; catégorie, sexe, âge, langue, besoins, passages et "
          "orientations restent pour les statistiques."),
    Regle("hebergement", "Dossiers d'hébergement et de relogement",
          "après la dernière nuit hébergée ou la clôture du dossier", 730, 30, 730,
          "Référentiel CNIL accompagnement social : 2 ans après le dernier contact.",
          "Notes, journal, motifs, secteur souhaité et adresses sont effacés ; nuits, "
          "personnes et solutions restent comptées."),
    Regle("exercices", "Données saisies pendant un exercice",
          "après la clôture de l'exercice", 30, 1, 365,
          "Données d'entraînement : rien ne justifie de les garder au-delà du RETEX.",
          "Les personnes et dossiers de l'exercice sont anonymisés comme ci-dessus."),
    Regle("audit", "Journal d'audit (traces d'accès et de connexion)",
          "après son écriture", 365, 180, 1095,
          "Recommandation CNIL sur la journalisation : 6 mois à 1 an, jusqu'à 3 ans si "
          "justifié.",
          "Les entrées les plus anciennes sont supprimées (la chaîne repart d'une ancre), "
          "ainsi que les sessions closes et les compteurs de connexion échus."),
)
REGLES_PAR_CODE = {r.code: r for r in REGLES}


class RegleConservation(db.Model):
    """A rule's delay as the administrator set it (absent: its default)."""

    __tablename__ = "rgpd_regle"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    jours: Mapped[int]
    modifie_at: Mapped[datetime] = mapped_column(default=utcnow)
    modifie_par_nom: Mapped[str] = mapped_column(sa.String(254), default="")


class GelJuridique(db.Model):
    """A legal hold on an event (a judicial request): nothing of it is anonymised, deleted
    or purged from the trail while it stands."""

    __tablename__ = "rgpd_gel"

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    motif: Mapped[str] = mapped_column(sa.String(500))
    pose_at: Mapped[datetime] = mapped_column(default=utcnow)
    pose_par_nom: Mapped[str] = mapped_column(sa.String(254), default="")
    leve_at: Mapped[datetime | None]
    leve_par_nom: Mapped[str] = mapped_column(sa.String(254), default="")
    leve_motif: Mapped[str] = mapped_column(sa.String(500), default="")

    evenement: Mapped[Evenement] = relationship()

    @property
    def actif(self) -> bool:
        return self.leve_at is None


# Who answers a person's request (access, rectification): the administrator for every
# mairie, a mairie's crisis lead for the people its C.A.RE received.
DROITS_ROLES = (Role.ADMIN, Role.RESPONSABLE_CARE)

TYPES_DEMANDE = {"acces": "Droit d'accès", "rectification": "Droit de rectification"}


def traite_les_droits(user: User) -> bool:
    return user.has_role(*DROITS_ROLES)


demande_personne = sa.Table(
    "rgpd_demande_personne", db.Model.metadata,
    sa.Column("demande_id", sa.ForeignKey("rgpd_demande.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("personne_id", sa.ForeignKey("care_personne.id"), primary_key=True))


class DemandeDroits(db.Model):
    """A person's request to exercise their rights, answered within one month (GDPR art. 12):
    who asked and when, the records found to be theirs, when and how it was answered."""

    __tablename__ = "rgpd_demande"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(16), default="acces")
    demandeur: Mapped[str] = mapped_column(sa.String(200))
    recue_le: Mapped[date]
    echeance: Mapped[date]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The mairie that answers (None: the Ville's DPO, through the administrator).
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    creee_at: Mapped[datetime] = mapped_column(default=utcnow)
    creee_par_nom: Mapped[str] = mapped_column(sa.String(254), default="")
    repondue_le: Mapped[date | None]
    repondue_par_nom: Mapped[str] = mapped_column(sa.String(254), default="")
    reponse: Mapped[str] = mapped_column(sa.String(500), default="")
    # The form's single-use token: the same request sent twice (Back, a retry) is one.
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    personnes: Mapped[list["Personne"]] = relationship(secondary=demande_personne,
                                                       order_by="Personne.id")

    @property
    def type_label(self) -> str:
        return TYPES_DEMANDE.get(self.type, self.type)

    def en_retard(self, jour: date) -> bool:
        return self.repondue_le is None and jour > self.echeance

    def can_view(self, user: User) -> bool:
        if not traite_les_droits(user):
            return False
        return user.is_central or self.mairie_id == user.mairie_id
