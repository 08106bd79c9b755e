"""The C.A.RE desk: sites, centres, the opening checklist, people, households, passages."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.db import TimestampMixin, VerificationMixin, utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import Mairie

declare_object_type("site", "Site")
declare_object_type("centre", "C.A.RE")
declare_object_type("personne", "Personne")
declare_object_type("recherche_proche", "Question d'un proche")
declare_object_type("personne_modification", "Formulaire d'une fiche")
declare_object_type("recherche", "Recherche au C.A.RE")
declare_object_type("suggestions", "Doublons proposés pendant la saisie")
declare_object_type("doublons_evenement", "Doublons à revoir")
declare_object_type("fusion", "Comparaison avant fusion")
declare_object_type("consentement", "Consentement")
declare_object_type("cellule_soutien", "Tableau d'une cellule de soutien")

# Who works with the people registered at a C.A.RE (within their scope).
# (The animateur reads the people of exercise events only: User.perimetre.)
PERSON_VIEW_ROLES = (Role.AGENT_ACCUEIL, Role.RESPONSABLE_CARE, Role.DSOL, Role.DLH,
                     Role.CELLULE, Role.ANIMATEUR, Role.ADMIN)
PERSON_EDIT_ROLES = (Role.AGENT_ACCUEIL, Role.RESPONSABLE_CARE, Role.DSOL, Role.ADMIN)
# Medical and psychological notes are special-category data (GDPR art. 9): only the
# mairie's crisis lead, who coordinates the cellule médico-psychologique, reads them.
MEDICAL_NOTES_ROLES = (Role.RESPONSABLE_CARE,)
# Who may export the nominative lists for the Préfecture de Police and the CIAV.
EXPORT_ROLES = (Role.RESPONSABLE_CARE, Role.DSOL, Role.CELLULE, Role.ADMIN)
# Who opens, closes and runs a centre, and edits the mairie's list of sites.
CENTRE_MANAGE_ROLES = (Role.RESPONSABLE_CARE, Role.ADMIN)


class Categorie(enum.StrEnum):
    SINISTRE = "sinistre"
    IMPLIQUE = "implique"
    PROCHE = "proche"

    @property
    def label(self) -> str:
        return CATEGORIE_LABELS[self]


CATEGORIE_LABELS = {
    Categorie.SINISTRE: "Sinistré",
    Categorie.IMPLIQUE: "Impliqué",
    Categorie.PROCHE: "Proche",
}


class Destination(enum.StrEnum):
    DOMICILE = "domicile"
    HEBERGEMENT = "hebergement"
    PROCHE = "proche"
    HOPITAL = "hopital"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return DESTINATION_LABELS[self]


DESTINATION_LABELS = {
    Destination.DOMICILE: "Retour à domicile",
    Destination.HEBERGEMENT: "Hébergement d'urgence",
    Destination.PROCHE: "Chez un proche",
    Destination.HOPITAL: "Hôpital",
    Destination.AUTRE: "Autre",
}

SEXE_LABELS = {"F": "Femme", "M": "Homme", "X": "Autre"}

BESOIN_LABELS = {
    "hebergement": "Hébergement", "vetements": "Vêtements", "alimentation": "Alimentation",
    "soutien_psy": "Soutien psychologique", "aide_juridique": "Aide juridique",
    "medicaments": "Médicaments", "animal": "Animal",
}

def can_view_people(user: User) -> bool:
    """Whether the user's role sees the people taken in charge (in its scope)."""
    return user.has_role(*PERSON_VIEW_ROLES)


def can_manage_centres(user: User) -> bool:
    """Whether the user opens and closes C.A.RE and keeps the sites (a responsable de crise,
    the admin): the menu and the sites' pages ask this, never the role names."""
    return user.has_role(*CENTRE_MANAGE_ROLES)


# The fiche réflexe d'ouverture: what the team does when a C.A.RE opens (F.3.13).
ETAPES_OUVERTURE = [
    ("scop", "Informer la SCOP de l'ouverture du C.A.RE"),
    ("dpmp", "Demander à la DPMP la sécurisation du centre"),
    ("ddct", "Logistique d'armement du centre avec la DDCT (tables, chaises, eau, fléchage)"),
    ("signaletique", "Installer la signalétique et l'accueil à l'entrée"),
    ("dsol", "Organiser le recensement avec la DSOL (en lien avec la Préfecture de Police)"),
    ("umip", "Évaluer le besoin de soutien psychologique et demander l'UMIP via la SCOP"),
    ("info_public", "Informer le public : DDCT-3975 et DICOM"),
]


# What a site is, and what it can be used for on the night (the PCS).
SITE_CATEGORIES = {"gymnase": "Gymnase", "ecole": "École", "salle_fetes": "Salle des fêtes",
                   "mairie": "Mairie", "equipement": "Autre équipement municipal"}
SITE_USAGES = {"care": "C.A.RE", "frais": "Salle rafraîchie",
               "hebergement": "Hébergement (lits)"}
SITE_EQUIPEMENTS = {"pmr": "Accessible PMR", "animaux": "Animaux acceptés",
                    "climatise": "Climatisé", "groupe_electrogene": "Groupe électrogène",
                    "cuisine": "Cuisine"}


class Site(VerificationMixin, TimestampMixin, db.Model):
    """A building of a mairie where a C.A.RE, a cooled room or a shelter can be opened: the
    sites de repli of the PCS. Capacities, access and equipment as last checked."""

    __tablename__ = "care_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    nom: Mapped[str] = mapped_column(sa.String(200))
    adresse: Mapped[str] = mapped_column(sa.String(255), default="")
    # Seated: how many people it takes in (a C.A.RE, a cooled room); lying: for the night.
    capacite: Mapped[int | None]
    capacite_couchage: Mapped[int | None]
    categorie: Mapped[str] = mapped_column(sa.String(20), default="equipement")
    arrondissement: Mapped[int | None]
    usage_care: Mapped[bool] = mapped_column(default=True)
    usage_frais: Mapped[bool] = mapped_column(default=False)
    usage_hebergement: Mapped[bool] = mapped_column(default=False)
    pmr: Mapped[bool] = mapped_column(default=False)
    animaux: Mapped[bool] = mapped_column(default=False)
    climatise: Mapped[bool] = mapped_column(default=False)
    groupe_electrogene: Mapped[bool] = mapped_column(default=False)
    cuisine: Mapped[bool] = mapped_column(default=False)
    cles: Mapped[str] = mapped_column(sa.String(255), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    actif: Mapped[bool] = mapped_column(default=True)

    mairie: Mapped[Mairie] = relationship()

    @property
    def categorie_label(self) -> str:
        return SITE_CATEGORIES.get(self.categorie, self.categorie)

    @property
    def usages(self) -> list[str]:
        return [label for code, label in SITE_USAGES.items() if getattr(self, f"usage_{code}")]

    @property
    def equipements(self) -> list[str]:
        return [label for code, label in SITE_EQUIPEMENTS.items() if getattr(self, code)]

    def can_view(self, user: User) -> bool:
        return user.can_access_mairie(self.mairie_id)

    def can_edit(self, user: User) -> bool:
        return self.can_view(user) and user.has_role(*CENTRE_MANAGE_ROLES)


class CentreAccueil(TimestampMixin, db.Model):
    """A C.A.RE opened by a mairie for an event."""

    __tablename__ = "care_centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_site.id"))
    # The site as it was at opening: a later edit of the site does not rewrite history.
    nom: Mapped[str] = mapped_column(sa.String(200))
    adresse: Mapped[str] = mapped_column(sa.String(255), default="")
    capacite: Mapped[int]
    responsable_nom: Mapped[str] = mapped_column(sa.String(120))
    cai: Mapped[bool] = mapped_column(default=False)
    caf: Mapped[bool] = mapped_column(default=False)
    ouvert_at: Mapped[datetime]
    ouvert_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    ferme_at: Mapped[datetime | None]
    ferme_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    evenement: Mapped[Evenement] = relationship()
    mairie: Mapped[Mairie] = relationship()
    site: Mapped[Site | None] = relationship()
    ouvert_par: Mapped[User | None] = relationship(foreign_keys=[ouvert_par_id])
    ferme_par: Mapped[User | None] = relationship(foreign_keys=[ferme_par_id])
    etapes: Mapped[list["EtapeOuverture"]] = relationship(
        back_populates="centre", order_by="EtapeOuverture.ordre", cascade="all, delete-orphan")

    def __str__(self):
        return self.nom

    @property
    def ouvert(self) -> bool:
        return self.ferme_at is None

    def can_view(self, user: User) -> bool:
        return user.can_access_mairie(self.mairie_id) and (
            user.voit_le_reel or self.evenement.exercice)

    def can_manage(self, user: User) -> bool:
        return self.can_view(user) and user.has_role(*CENTRE_MANAGE_ROLES)

    def can_view_people(self, user: User) -> bool:
        """Whether the user may see who is at this C.A.RE (its lists, boards, searches)."""
        return self.can_view(user) and can_view_people(user)

    def can_register(self, user: User) -> bool:
        return self.can_view(user) and user.has_role(*PERSON_EDIT_ROLES)

    def can_export(self, user: User) -> bool:
        return self.can_view(user) and user.has_role(*EXPORT_ROLES)


class EtapeOuverture(db.Model):
    """One line of the fiche réflexe d'ouverture; a tick records who and when."""

    __tablename__ = "care_etape"
    __table_args__ = (sa.UniqueConstraint("centre_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(32))
    libelle: Mapped[str] = mapped_column(sa.String(255))
    ordre: Mapped[int]
    fait_at: Mapped[datetime | None]
    fait_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    centre: Mapped[CentreAccueil] = relationship(back_populates="etapes")
    fait_par: Mapped[User | None] = relationship()


class Foyer(db.Model):
    """A household registered together: members share the address and are housed together."""

    __tablename__ = "care_foyer"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    membres: Mapped[list["Personne"]] = relationship(back_populates="foyer",
                                                     order_by="Personne.id")


DEMANDE_TOIT = """CAST(besoins AS VARCHAR) LIKE '%"hebergement"%'"""


class Personne(TimestampMixin, db.Model):
    """A sinistré, impliqué or proche received at a C.A.RE. Never a victim."""

    __tablename__ = "care_personne"
    __table_args__ = (  # Covers the count of people present by catégorie (the desk's figures, the
                      # capacity check of every registration): the rows are not read.
                      sa.Index("ix_care_personne_centre_present", "centre_id", "present",
                               "categorie"),
                      # Counts by mairie and catégorie (dashboard, points de situation)
                      # read from this index alone.
                      sa.Index("ix_care_personne_comptes", "evenement_id", "mairie_id",
                               "categorie", "present", "fusionne_dans_id"),
                      # Doubles by how the name sounds; with the creation time, the form
                      # sent again after Back (the twin check of every registration) reads
                      # only the last minutes' rows of a name thousands share in a flood.
                      sa.Index("ix_care_personne_identite", "evenement_id", "cle_identite",
                               "created_at"),
                      # Only the people who asked for a roof: households without a
                      # dossier are counted on every board without reading the others.
                      sa.Index("ix_care_personne_demande_toit", "evenement_id", "present",
                               "fusionne_dans_id", "mairie_id", "foyer_id",
                               sqlite_where=sa.text(DEMANDE_TOIT),
                               postgresql_where=sa.text(DEMANDE_TOIT)))

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id"))
    # Copied from the centre: every query is scoped by event and mairie without a join.
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"), index=True)
    foyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_foyer.id"), index=True)
    categorie: Mapped[str] = mapped_column(sa.String(16))
    nom: Mapped[str] = mapped_column(sa.String(120))
    prenom: Mapped[str] = mapped_column(sa.String(120), default="")
    nom_usage: Mapped[str] = mapped_column(sa.String(120), default="")
    sexe: Mapped[str] = mapped_column(sa.String(1), default="")
    date_naissance: Mapped[date | None]
    age_estime: Mapped[int | None]
    telephone: Mapped[str] = mapped_column(sa.String(40), default="")
    # The phone's digits only, for searching whatever the spacing typed.
    telephone_chiffres: Mapped[str] = mapped_column(sa.String(40), default="", index=True,
                                                    server_default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    adresse_actuelle: Mapped[str] = mapped_column(sa.String(255), default="")
    adresse_permanente: Mapped[str] = mapped_column(sa.String(255), default="")
    langue: Mapped[str] = mapped_column(sa.String(80), default="")
    interprete: Mapped[bool] = mapped_column(default=False)
    nationalite: Mapped[str] = mapped_column(sa.String(80), default="")
    sinus: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    recherche_nom: Mapped[str] = mapped_column(sa.String(200), default="")
    recherche_personne_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("care_personne.id"))
    besoins: Mapped[list] = mapped_column(sa.JSON, default=list)
    consent_recherche: Mapped[bool] = mapped_column(default=False)
    consent_ciav: Mapped[bool] = mapped_column(default=False)
    consent_pav: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    consent_bailleur: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    notes_medicales: Mapped[str] = mapped_column(sa.Text, default="")
    taille_groupe: Mapped[int] = mapped_column(default=1)
    badge_token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    code_court: Mapped[str] = mapped_column(sa.String(12), unique=True)
    present: Mapped[bool] = mapped_column(default=True)
    # A record merged into another: kept for history and undo, out of lists and searches.
    fusionne_dans_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_personne.id"))
    # How the name sounds, in any script (noms.identity_key): records of one event
    # that share it are suspected doubles, listed for the responsables to review.
    cle_identite: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # When the retention removed what identifies this person (crise.rgpd): the record stays
    # for the statistics, nameless.
    anonymise_at: Mapped[datetime | None]

    centre: Mapped[CentreAccueil] = relationship()
    foyer: Mapped[Foyer | None] = relationship(back_populates="membres")
    recherche_personne: Mapped["Personne | None"] = relationship(
        remote_side=[id], foreign_keys=[recherche_personne_id])
    passages: Mapped[list["Passage"]] = relationship(
        back_populates="personne", order_by="Passage.arrivee_at",
        cascade="all, delete-orphan")

    def __str__(self):
        return self.nom_complet

    @property
    def nom_complet(self) -> str:
        return " ".join(part for part in (self.nom.upper(), self.prenom) if part)

    @property
    def categorie_label(self) -> str:
        return Categorie(self.categorie).label

    @property
    def sexe_label(self) -> str:
        return SEXE_LABELS.get(self.sexe or "", "")

    @staticmethod
    def besoin_condition(code: str):
        """The condition « has this need » on the stored list of needs (JSON), for queries
        of other modules: they ask the record, never read its storage."""
        # The pattern written into the statement (not bound): the partial index of the
        # people asking for a roof (ix_care_personne_demande_toit) is chosen only for the
        # very condition it was built with.
        return sa.cast(Personne.besoins, sa.String).like(
            sa.bindparam(None, f'%"{code}"%', literal_execute=True))

    @property
    def dernier_passage(self) -> "Passage | None":
        return self.passages[-1] if self.passages else None

    def can_view(self, user: User) -> bool:
        return user.has_role(*PERSON_VIEW_ROLES) and user.can_access_mairie(self.mairie_id) \
            and (user.voit_le_reel or self.centre.evenement.exercice)

    def can_edit(self, user: User) -> bool:
        # An anonymised record (crise.rgpd) keeps its figures: nobody fills it in again.
        return user.has_role(*PERSON_EDIT_ROLES) and user.can_access_mairie(self.mairie_id) \
            and self.anonymise_at is None

    def can_merge(self, user: User) -> bool:
        """Only a responsable de crise merges records, and only records in their scope."""
        return user.has_role(*CENTRE_MANAGE_ROLES) and self.can_edit(user)

    def can_see_medical(self, user: User) -> bool:
        return user.has_role(*MEDICAL_NOTES_ROLES) and user.can_access_mairie(self.mairie_id)

    @property
    def sinus_affiche(self) -> str:
        """« FR 075 PPOL 2026 TR 000123 »: the 21 characters in their groups."""
        s = self.sinus or ""
        if len(s) != 21:
            return s
        return " ".join((s[:2], s[2:5], s[5:9], s[9:13], s[13:15], s[15:]))


class Passage(db.Model):
    """One stay at the centre: arrival, and departure with its destination."""

    __tablename__ = "care_passage"
    # Arrivals and departures hour by hour (dashboard) read from this index alone.
    __table_args__ = (sa.Index("ix_care_passage_chrono", "centre_id", "arrivee_at",
                               "depart_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    personne_id: Mapped[int] = mapped_column(
        sa.ForeignKey("care_personne.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id"), index=True)
    arrivee_at: Mapped[datetime]
    depart_at: Mapped[datetime | None]
    destination: Mapped[str] = mapped_column(sa.String(16), default="")
    destination_detail: Mapped[str] = mapped_column(sa.String(255), default="")
    depart_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    personne: Mapped[Personne] = relationship(back_populates="passages")

    @property
    def destination_label(self) -> str:
        return Destination(self.destination).label if self.destination else ""


class PersonneCle(db.Model):
    """Search keys of a person (normalised, phonetic, one-typo variants), indexed by event."""

    __tablename__ = "care_personne_cle"
    # Both cover the ranking (person and weight read from the index, never the table): a
    # word as common as a prénom matches thousands of keys in a city-wide event, and the
    # mairie's own index reads only that mairie's (benchmarks/bench_echelle.py).
    __table_args__ = (sa.Index("ix_care_personne_cle_lookup", "evenement_id", "cle",
                               "personne_id", "poids"),
                      sa.Index("ix_care_personne_cle_mairie", "evenement_id", "mairie_id",
                               "cle", "personne_id", "poids"))

    personne_id: Mapped[int] = mapped_column(
        sa.ForeignKey("care_personne.id", ondelete="CASCADE"), primary_key=True)
    cle: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"))
    # Copied from the person: a mairie-scoped search needs no join.
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"))
    poids: Mapped[int] = mapped_column(default=1)


class CelluleSoutien(enum.StrEnum):
    """The support cells of a C.A.RE (F.3.13), and the DSOL for emergency housing."""

    MEDICO_PSY = "medico_psy"
    MATERIELLE = "materielle"
    ADMIN_JURIDIQUE = "admin_juridique"
    HEBERGEMENT = "hebergement"

    @property
    def label(self) -> str:
        return CELLULE_SOUTIEN_LABELS[self]


CELLULE_SOUTIEN_LABELS = {
    CelluleSoutien.MEDICO_PSY: "Cellule médico-psychologique",
    CelluleSoutien.MATERIELLE: "Cellule matérielle",
    CelluleSoutien.ADMIN_JURIDIQUE: "Cellule administrative et juridique",
    CelluleSoutien.HEBERGEMENT: "DSOL — hébergement d'urgence",
}


class StatutOrientation(enum.StrEnum):
    ATTENTE = "attente"
    EN_COURS = "en_cours"
    TERMINE = "termine"
    ANNULE = "annule"

    @property
    def label(self) -> str:
        return {"attente": "En attente", "en_cours": "Reçu(e)", "termine": "Terminé",
                "annule": "Annulé"}[self.value]


class Orientation(db.Model):
    """A person sent to a support cell: waiting, being seen, done."""

    __tablename__ = "care_orientation"
    __table_args__ = (sa.Index("ix_care_orientation_board", "centre_id", "cellule", "statut"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    personne_id: Mapped[int] = mapped_column(
        sa.ForeignKey("care_personne.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id"))
    cellule: Mapped[str] = mapped_column(sa.String(24))
    statut: Mapped[str] = mapped_column(sa.String(16), default=StatutOrientation.ATTENTE)
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    oriente_at: Mapped[datetime] = mapped_column(default=utcnow)
    oriente_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    pris_at: Mapped[datetime | None]
    pris_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    termine_at: Mapped[datetime | None]

    personne: Mapped[Personne] = relationship()
    pris_par: Mapped[User | None] = relationship(foreign_keys=[pris_par_id])

    @property
    def cellule_label(self) -> str:
        return CelluleSoutien(self.cellule).label

    @property
    def statut_label(self) -> str:
        return StatutOrientation(self.statut).label

    @property
    def active(self) -> bool:
        return self.statut in (StatutOrientation.ATTENTE, StatutOrientation.EN_COURS)


class Fusion(db.Model):
    """Two records of the same person merged by a responsable; undoable."""

    __tablename__ = "care_fusion"

    id: Mapped[int] = mapped_column(primary_key=True)
    gardee_id: Mapped[int] = mapped_column(sa.ForeignKey("care_personne.id"), index=True)
    absorbee_id: Mapped[int] = mapped_column(sa.ForeignKey("care_personne.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # {field: value of the kept record before the merge}, to put back on undo.
    avant: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    absorbee_present: Mapped[bool] = mapped_column(default=False)
    annulee_at: Mapped[datetime | None]
    annulee_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    gardee: Mapped[Personne] = relationship(foreign_keys=[gardee_id])
    absorbee: Mapped[Personne] = relationship(foreign_keys=[absorbee_id])


class DoublonEcarte(db.Model):
    """Two records a responsable checked and found to be two different people: the pair
    leaves the queue of suspected doubles."""

    __tablename__ = "care_doublon_ecarte"

    personne_a_id: Mapped[int] = mapped_column(sa.ForeignKey("care_personne.id"),
                                               primary_key=True)
    personne_b_id: Mapped[int] = mapped_column(sa.ForeignKey("care_personne.id"),
                                               primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class JetonPapier(db.Model):
    """A badge token pre-printed on a paper intake sheet, for when the network fails."""

    __tablename__ = "care_jeton_papier"

    token: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    code_court: Mapped[str] = mapped_column(sa.String(12), unique=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("care_centre.id"), index=True)
    imprime_at: Mapped[datetime] = mapped_column(default=utcnow)
    imprime_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    personne_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_personne.id"))


# The purposes a person consents to, one by one (Primero's consent per purpose): the record's
# ``consent_<code>`` says where it stands now, ``Consentement`` how it got there.
FINALITES = {
    "recherche": "Être signalé(e) aux proches qui le recherchent",
    "ciav": "Transmission de ses coordonnées à la CIAV",
    "pav": "Suivi par une association d'aide aux victimes (PAV)",
    "bailleur": "Partage avec le bailleur pour son relogement",
}
MODES_CONSENTEMENT = {"oral": "Oral, à l'accueil", "ecrit": "Écrit, signé",
                      "interet_vital": "Intérêt vital (RGPD art. 9-2-c), sans consentement"}
# Who may pass over a missing consent when a life is at stake, with a reason: those who
# decide on the spot for the person (crisis lead, DSOL for a bed, the cellule, the admin).
INTERET_VITAL_ROLES = (Role.RESPONSABLE_CARE, Role.DSOL, Role.CELLULE, Role.ADMIN)


def peut_invoquer_interet_vital(user: User) -> bool:
    return user.has_role(*INTERET_VITAL_ROLES)


class Consentement(db.Model):
    """One step of a person's consent to one purpose: given (and how), refused, withdrawn
    (with its reason), or passed over for vital interest (with its reason). Never edited."""

    __tablename__ = "care_consentement"

    id: Mapped[int] = mapped_column(primary_key=True)
    personne_id: Mapped[int] = mapped_column(
        sa.ForeignKey("care_personne.id", ondelete="CASCADE"), index=True)
    finalite: Mapped[str] = mapped_column(sa.String(16))
    donne: Mapped[bool]
    mode: Mapped[str] = mapped_column(sa.String(16), default="oral")
    motif: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    par_nom: Mapped[str] = mapped_column(sa.String(254), default="")

    @property
    def finalite_label(self) -> str:
        return FINALITES.get(self.finalite, self.finalite)

    @property
    def mode_label(self) -> str:
        return MODES_CONSENTEMENT.get(self.mode, self.mode)
