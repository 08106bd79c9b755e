"""The PCS's records: the means a mairie holds, the operational directory."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.care.models import Site
from crise.db import TimestampMixin, VerificationMixin
from crise.extensions import db
from crise.mairies.models import Mairie

declare_object_type("moyen", "Moyen du PCS")
declare_object_type("contact", "Contact de l'annuaire")

# Who keeps the PCS: a mairie's crisis lead for its mairie, the cellule and the admin for
# all (and for the Ville's own entries, held by no mairie).
PCS_EDIT_ROLES = (Role.RESPONSABLE_CARE, Role.CELLULE, Role.ADMIN)

MOYEN_CATEGORIES = {"lits": "Lits de camp", "couvertures": "Couvertures",
                    "groupe": "Groupes électrogènes", "eau": "Eau (packs)",
                    "signaletique": "Signalétique", "autre": "Autre"}

FONCTIONS = {
    "astreinte_dsol": "Astreinte DSOL",
    "dpmp": "DPMP (sécurité, police municipale)",
    "ddct": "DDCT (logistique, mairies)",
    "scop": "SCOP",
    "cellule": "Cellule centrale de crise",
    "bailleur": "Bailleur social",
    "ehpad": "EHPAD",
    "association": "Association agréée de sécurité civile",
    "interprete": "Interprète",
    "prefecture": "Préfecture de police",
    "hopital": "Hôpital, CUMP",
    "elu": "Élu d'astreinte",
    "autre": "Autre",
}


def lit_le_pcs(user: User) -> bool:
    """Everyone who works the crises reads the PCS; an exercise's observer does not."""
    return not user.has_role(Role.OBSERVATEUR)


def tient_le_pcs(user: User) -> bool:
    """Whether the user keeps some of the PCS (their mairie's, or all of it)."""
    return user.has_role(*PCS_EDIT_ROLES)


def can_edit_pcs(user: User, mairie_id: int | None) -> bool:
    """Whether the user keeps the PCS records of this mairie (None: the Ville's own)."""
    if not user.has_role(*PCS_EDIT_ROLES):
        return False
    if mairie_id is None:
        return user.is_central
    return user.can_access_mairie(mairie_id)


class Moyen(VerificationMixin, TimestampMixin, db.Model):
    """Means a mairie holds for the night (cots, blankets, a generator), and where."""

    __tablename__ = "pcs_moyen"

    id: Mapped[int] = mapped_column(primary_key=True)
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    categorie: Mapped[str] = mapped_column(sa.String(20))
    libelle: Mapped[str] = mapped_column(sa.String(200))
    quantite: Mapped[int] = mapped_column(default=0)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_site.id",
                                                              ondelete="SET NULL"))
    lieu: Mapped[str] = mapped_column(sa.String(255), default="")

    mairie: Mapped[Mairie] = relationship()
    site: Mapped[Site | None] = relationship()

    @property
    def categorie_label(self) -> str:
        return MOYEN_CATEGORIES.get(self.categorie, self.categorie)

    @property
    def ou(self) -> str:
        if self.site is not None:
            return self.site.nom + (f" — {self.lieu}" if self.lieu else "")
        return self.lieu or "—"

    def can_view(self, user: User) -> bool:
        return user.can_access_mairie(self.mairie_id)

    def can_edit(self, user: User) -> bool:
        return can_edit_pcs(user, self.mairie_id)


class Contact(VerificationMixin, TimestampMixin, db.Model):
    """One line of the operational directory: a function, who holds it, how to reach them,
    when, and when it was last checked."""

    __tablename__ = "pcs_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the Ville's own directory (the cellule's), seen by every mairie.
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    fonction: Mapped[str] = mapped_column(sa.String(30))
    nom: Mapped[str] = mapped_column(sa.String(200))
    organisme: Mapped[str] = mapped_column(sa.String(200), default="")
    telephone: Mapped[str] = mapped_column(sa.String(40))
    telephone_2: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    horaires: Mapped[str] = mapped_column(sa.String(200), default="")
    notes: Mapped[str] = mapped_column(sa.String(500), default="")
    # What a search reads: names in any script without accents, the function, the digits.
    cle: Mapped[str] = mapped_column(sa.String(1200), default="")
    # The name without case, accents or punctuation: the same contact typed twice.
    nom_cle: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    actif: Mapped[bool] = mapped_column(default=True)

    mairie: Mapped[Mairie | None] = relationship()

    @property
    def fonction_label(self) -> str:
        return FONCTIONS.get(self.fonction, self.fonction)

    def can_view(self, user: User) -> bool:
        return self.mairie_id is None or user.can_access_mairie(self.mairie_id)

    def can_edit(self, user: User) -> bool:
        return can_edit_pcs(user, self.mairie_id)


# --- Fiches réflexes ------------------------------------------------------------------------

declare_object_type("fiche_reflexe", "Fiche réflexe")
# Who writes the fiches réflexes of the Ville: the cellule and the admin.
FICHE_EDIT_ROLES = (Role.CELLULE, Role.ADMIN)
# The fiche that gives its steps to every C.A.RE when it opens (crise.care asks for it).
FICHE_OUVERTURE_CARE = "ouverture-care"
TOUS_RISQUES = "tous"


def can_edit_fiches(user: User) -> bool:
    return user.has_role(*FICHE_EDIT_ROLES)


class FicheReflexe(TimestampMixin, db.Model):
    """What a role does in the first hour of a kind of crisis: a checklist, written and
    versioned in the application (every version kept in FicheVersion)."""

    __tablename__ = "pcs_fiche"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    titre: Mapped[str] = mapped_column(sa.String(200))
    # A type of event (crise.evenements.TypeEvenement) or « tous ».
    risque: Mapped[str] = mapped_column(sa.String(20), index=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    # [{"code": "scop", "texte": "Informer la SCOP…"}, …]: a code stays with its line from
    # version to version, so a tick keeps its meaning when the wording is mended.
    items: Mapped[list] = mapped_column(sa.JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    modifie_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    actif: Mapped[bool] = mapped_column(default=True)

    versions: Mapped[list["FicheVersion"]] = relationship(
        back_populates="fiche", order_by="FicheVersion.version.desc()",
        cascade="all, delete-orphan")

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in set(Role) else self.role


class FicheVersion(db.Model):
    """One version of a fiche as it was written: who, when, and what it said."""

    __tablename__ = "pcs_fiche_version"
    __table_args__ = (sa.UniqueConstraint("fiche_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(sa.ForeignKey("pcs_fiche.id", ondelete="CASCADE"))
    version: Mapped[int]
    titre: Mapped[str] = mapped_column(sa.String(200))
    risque: Mapped[str] = mapped_column(sa.String(20))
    role: Mapped[str] = mapped_column(sa.String(30))
    items: Mapped[list] = mapped_column(sa.JSON, default=list)
    auteur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    at: Mapped[datetime]

    fiche: Mapped[FicheReflexe] = relationship(back_populates="versions")


class CocheFiche(db.Model):
    """A line of a fiche réflexe ticked for an event: by whom, when, for which mairie (or
    the Ville, for the central roles)."""

    __tablename__ = "pcs_fiche_coche"
    __table_args__ = (sa.UniqueConstraint("evenement_id", "fiche_id", "item_code", "portee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    fiche_id: Mapped[int] = mapped_column(sa.ForeignKey("pcs_fiche.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(sa.String(40))
    # « m12 » (a mairie's id) or « ville »: each mairie ticks its own copy of the fiche.
    portee: Mapped[str] = mapped_column(sa.String(12))
    fiche_version: Mapped[int]
    fait_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    fait_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    fait_at: Mapped[datetime]


# --- Risks of Paris and the DICRIM ----------------------------------------------------------

declare_object_type("risque", "Risque majeur")


class Risque(VerificationMixin, TimestampMixin, db.Model):
    """A major risk of Paris, the arrondissements it concerns, what the Ville does and what
    the inhabitants should do: the short list the cellule keeps, printed per arrondissement
    as a DICRIM-style page."""

    __tablename__ = "pcs_risque"

    id: Mapped[int] = mapped_column(primary_key=True)
    titre: Mapped[str] = mapped_column(sa.String(200))
    # A type of event (crue, canicule…) when there is one: its exercises and fiches.
    type_evenement: Mapped[str] = mapped_column(sa.String(20), default="")
    arrondissements: Mapped[list] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    mesures_ville: Mapped[str] = mapped_column(sa.Text, default="")
    consignes: Mapped[str] = mapped_column(sa.Text, default="")
    ordre: Mapped[int] = mapped_column(default=0)
    actif: Mapped[bool] = mapped_column(default=True)

    @property
    def arrondissements_label(self) -> str:
        return ", ".join("1er" if a == 1 else f"{a}e" for a in sorted(self.arrondissements or []))

    def concerne(self, arrondissements) -> bool:
        return bool(set(self.arrondissements or []) & set(arrondissements))
