from wtforms import (BooleanField, FieldList, FormField, HiddenField, IntegerField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import Length, NumberRange, Optional

from crise.care.models import (BESOIN_LABELS, CATEGORIE_LABELS, DESTINATION_LABELS, SEXE_LABELS,
                               SITE_CATEGORIES, SITE_EQUIPEMENTS, SITE_USAGES)
from crise.care.services import CAPACITE_MAX, FOYER_MAX, GROUPE_MAX, NOM_MAX
from crise.forms import (DateField, Form, FrenchFloatField, JetonMixin, MultiCheckboxField,
                         NotBlank, ParisDateTimeField, SubForm, choices, max_length_message)

BESOINS = list(BESOIN_LABELS.items())


class OuvertureForm(JetonMixin, Form):
    site = SelectField("Site", validators=[NotBlank("Choisissez le site.")])
    capacite = IntegerField("Capacité d'accueil (personnes)", validators=[
        Optional(), NumberRange(1, CAPACITE_MAX, f"Entre 1 et {CAPACITE_MAX} personnes.")],
        description="Vide : la capacité enregistrée pour le site.")
    responsable_nom = StringField("Responsable de permanence", validators=[
        NotBlank("Indiquez le responsable de permanence."),
        Length(max=NOM_MAX, message=max_length_message(NOM_MAX))])
    ouvert_at = ParisDateTimeField("Ouvert le", validators=[Optional()],
                                   description="Vide : maintenant.")
    cai = BooleanField("Comprend un Centre d'Accueil des Impliqués (CAI)")
    caf = BooleanField("Comprend un Centre d'Accueil des Familles (CAF)")


class SiteForm(Form):
    mairie = SelectField("Mairie", validators=[Optional()])
    version = HiddenField()
    nom = StringField("Nom du site", validators=[NotBlank("Donnez un nom au site."), Length(
        max=200, message=max_length_message(200))],
        description="Ex. : Gymnase Japy, salle des fêtes de la mairie…")
    categorie = SelectField("Type de bâtiment", choices=choices(SITE_CATEGORIES.items()),
                            default="equipement")
    adresse = StringField("Adresse", validators=[Optional(), Length(
        max=255, message=max_length_message(255))])
    arrondissement = SelectField("Arrondissement", validators=[Optional()])
    usages = MultiCheckboxField("Peut servir de", choices=choices(SITE_USAGES.items()),
                                default=["care"])
    capacite = IntegerField("Capacité assise (personnes accueillies)", validators=[
        Optional(), NumberRange(0, CAPACITE_MAX, f"Entre 0 et {CAPACITE_MAX} personnes.")])
    capacite_couchage = IntegerField("Capacité couchée (personnes pour la nuit)", validators=[
        Optional(), NumberRange(0, CAPACITE_MAX, f"Entre 0 et {CAPACITE_MAX} personnes.")])
    equipements = MultiCheckboxField("Accès et équipements",
                                     choices=choices(SITE_EQUIPEMENTS.items()))
    cles = StringField("Clés détenues par", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Qui ouvre le site la nuit : nom, fonction, téléphone.")
    latitude = FrenchFloatField("Latitude", validators=[Optional()],
                                description="Facultatif, pour la carte : ex. 48,8566.")
    longitude = FrenchFloatField("Longitude", validators=[Optional()],
                                 description="Ex. 2,3522.")
    actif = BooleanField("Site utilisable", default=True)
    verifie = BooleanField("J'ai vérifié ces informations aujourd'hui")


class MembreFoyerForm(SubForm):
    """One person of the household (a sub-form: the parent form carries the CSRF token)."""

    class Meta:
        locales = ["fr_FR", "fr"]

    nom = StringField("Nom", validators=[NotBlank("Indiquez le nom."), Length(
        max=NOM_MAX, message=max_length_message(NOM_MAX))],
        render_kw={"autocomplete": "off", "data-dup-nom": True})
    prenom = StringField("Prénom", validators=[Optional(), Length(
        max=NOM_MAX, message=max_length_message(NOM_MAX))],
        render_kw={"autocomplete": "off", "data-dup-prenom": True})
    categorie = SelectField("Catégorie", choices=choices(
        [("", "—")] + [(c.value, label) for c, label in CATEGORIE_LABELS.items()]),
        validators=[NotBlank("Choisissez la catégorie.")])
    date_naissance = DateField("Date de naissance", validators=[Optional()])
    age_estime = IntegerField("ou âge estimé", validators=[
        Optional(), NumberRange(0, 120, "Entre 0 et 120 ans.")])
    telephone = StringField("Téléphone", validators=[Optional(), Length(max=40)],
                            render_kw={"type": "tel", "autocomplete": "off"})


class EnregistrementForm(JetonMixin, Form):
    membres = FieldList(FormField(MembreFoyerForm), min_entries=1, max_entries=FOYER_MAX)
    taille_groupe = IntegerField("Taille du groupe arrivé", default=1, validators=[
        NotBlank("Indiquez la taille du groupe."),
        NumberRange(1, GROUPE_MAX, f"Entre 1 et {GROUPE_MAX}.")])
    adresse_actuelle = StringField("Adresse (du foyer)", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Reprise pour chaque membre du foyer.")
    besoins = MultiCheckboxField("Besoins", choices=choices(BESOINS))
    notes = TextAreaField("Notes", validators=[Optional(), Length(
        max=2000, message=max_length_message(2000))], render_kw={"rows": 2})
    jeton_papier = StringField("Code de la fiche papier", validators=[Optional(), Length(max=40)],
                               description="Si la personne a été accueillie sur une fiche "
                                           "papier : son badge imprimé reste valable.",
                               render_kw={"autocomplete": "off"})
    depasser_capacite = BooleanField("Enregistrer malgré la capacité atteinte")


class PersonneForm(Form):
    """The complete record, filled in when the queue allows."""

    nom = StringField("Nom", validators=[NotBlank("Indiquez le nom."), Length(
        max=NOM_MAX, message=max_length_message(NOM_MAX))])
    prenom = StringField("Prénom", validators=[Optional(), Length(
        max=NOM_MAX, message=max_length_message(NOM_MAX))])
    nom_usage = StringField("Nom d'usage", validators=[Optional(), Length(
        max=NOM_MAX, message=max_length_message(NOM_MAX))])
    categorie = SelectField("Catégorie", choices=choices(
        (c.value, label) for c, label in CATEGORIE_LABELS.items()),
        validators=[NotBlank("Choisissez la catégorie.")])
    sexe = SelectField("Sexe", choices=choices(
        [("", "Non renseigné"), *SEXE_LABELS.items()]), default="")
    date_naissance = DateField("Date de naissance", validators=[Optional()])
    age_estime = IntegerField("ou âge estimé", validators=[
        Optional(), NumberRange(0, 120, "Entre 0 et 120 ans.")])
    taille_groupe = IntegerField("Taille du groupe arrivé", validators=[
        NotBlank("Indiquez la taille du groupe."),
        NumberRange(1, GROUPE_MAX, f"Entre 1 et {GROUPE_MAX}.")])
    telephone = StringField("Téléphone", validators=[Optional(), Length(max=40)],
                            render_kw={"type": "tel"})
    email = StringField("E-mail", validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email"})
    adresse_actuelle = StringField("Adresse actuelle", validators=[Optional(), Length(
        max=255, message=max_length_message(255))])
    adresse_permanente = StringField("Adresse permanente", validators=[Optional(), Length(
        max=255, message=max_length_message(255))])
    langue = StringField("Langue parlée", validators=[Optional(), Length(max=80)])
    interprete = BooleanField("Besoin d'un interprète")
    nationalite = StringField("Nationalité", validators=[Optional(), Length(max=80)])
    sinus = StringField("Numéro SINUS (bracelet)", validators=[Optional(), Length(max=40)],
                        description="Scannez le bracelet ou tapez les 21 caractères.",
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    recherche_nom = StringField("Personne recherchée (pour un proche)", validators=[
        Optional(), Length(max=200, message=max_length_message(200))],
        description="Nom de la victime ou de la personne que ce proche recherche.")
    recherche_code = StringField("Code de sa fiche, si elle est enregistrée", validators=[
        Optional(), Length(max=40)], description="Dans ce C.A.RE ou un autre de l'événement.",
        render_kw={"autocomplete": "off"})
    besoins = MultiCheckboxField("Besoins", choices=choices(BESOINS))
    consent_recherche = BooleanField("Accepte d'être signalé(e) à ses proches qui le "
                                     "recherchent")
    consent_ciav = BooleanField("Accepte la transmission de ses coordonnées à la CIAV")
    consent_pav = BooleanField("Accepte d'être suivi(e) par une association d'aide aux "
                               "victimes (PAV)")
    consent_bailleur = BooleanField("Accepte que son dossier soit partagé avec le bailleur "
                                    "pour son relogement")
    # The consents as this form showed them (« recherche:1,ciav:0,… »).
    consentements_vus = HiddenField()
    motif_consentement = StringField(
        "Motif du retrait", validators=[Optional(), Length(
            max=500, message=max_length_message(500))],
        description="Si vous décochez un consentement : ce que la personne a dit. Consentement "
                    "recueilli oralement ; un consentement écrit se note sur sa fiche.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(
        max=2000, message=max_length_message(2000))], render_kw={"rows": 3})
    notes_medicales = TextAreaField("Notes médicales et psychologiques", validators=[
        Optional(), Length(max=2000, message=max_length_message(2000))],
        description="Données de santé : visibles du seul responsable de crise de la mairie.",
        render_kw={"rows": 3, "data-no-draft": ""})  # never kept in the browser


class ProcheForm(Form):
    nom = StringField("Nom de la personne recherchée", validators=[
        NotBlank("Indiquez le nom de la personne recherchée."), Length(max=NOM_MAX)],
        render_kw={"autocomplete": "off"})
    prenom = StringField("Prénom", validators=[
        NotBlank("Indiquez aussi le prénom."), Length(max=NOM_MAX)],
        render_kw={"autocomplete": "off"})
    date_naissance = DateField("Date de naissance (si connue)", validators=[Optional()])


class DepartForm(Form):
    destination = RadioField("Destination", choices=choices(
        (d.value, label) for d, label in DESTINATION_LABELS.items()),
                             validate_choice=False,
                             validators=[NotBlank("Indiquez la destination.")])
    detail = StringField("Précision", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Ex. : hôtel, adresse du proche, hôpital…")


class FermetureForm(Form):
    destination = SelectField("Destination des personnes encore présentes", choices=choices(
        [("", "— Aucune : plus personne n'est présent —")]
        + [(d.value, label) for d, label in DESTINATION_LABELS.items()]),
        validators=[Optional()])
