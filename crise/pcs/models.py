"""The PCS's records: the means a mairie holds, the operational directory."""

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
    actif: Mapped[bool] = mapped_column(default=True)

    mairie: Mapped[Mairie | None] = relationship()

    @property
    def fonction_label(self) -> str:
        return FONCTIONS.get(self.fonction, self.fonction)

    def can_view(self, user: User) -> bool:
        return self.mairie_id is None or user.can_access_mairie(self.mairie_id)

    def can_edit(self, user: User) -> bool:
        return can_edit_pcs(user, self.mairie_id)
