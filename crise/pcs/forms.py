from flask_wtf.file import FileField
from wtforms import (BooleanField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import Length, NumberRange, Optional

from crise.forms import Form, MultiCheckboxField, NotBlank, choices, max_length_message
from crise.pcs.annuaire import NOM_MAX, NOTES_MAX, TEXTE_MAX
from crise.pcs.models import FONCTIONS, MOYEN_CATEGORIES
from crise.pcs.moyens import QUANTITE_MAX


class ContactForm(Form):
    annuaire = SelectField("Annuaire", validators=[Optional()],
                           description="Celui d'une mairie, ou celui de la Ville (vu de toutes).")
    version = HiddenField()
    fonction = SelectField("Fonction", choices=choices([("", "— Choisir —")] + list(
        FONCTIONS.items())), validators=[NotBlank("Choisissez la fonction.")])
    nom = StringField("Nom (personne ou service)", validators=[
        NotBlank("Indiquez le nom (une personne ou un service)."),
        Length(max=NOM_MAX, message=max_length_message(NOM_MAX))])
    organisme = StringField("Organisme", validators=[Optional(), Length(
        max=TEXTE_MAX, message=max_length_message(TEXTE_MAX))],
        description="Ex. : Paris Habitat, EHPAD Les Lilas, Protection civile Paris Seine.")
    telephone = StringField("Téléphone", validators=[NotBlank(
        "Indiquez un numéro de téléphone : c'est ce qu'on cherche la nuit.")],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    telephone_2 = StringField("Autre téléphone", validators=[Optional()],
                              render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField("Courriel", validators=[Optional(), Length(
        max=TEXTE_MAX, message=max_length_message(TEXTE_MAX))])
    horaires = StringField("Joignable", validators=[Optional(), Length(
        max=TEXTE_MAX, message=max_length_message(TEXTE_MAX))],
        description="Ex. : 24 h/24 ; lun.-ven. 9 h-18 h ; astreinte le week-end.")
    notes = StringField("Notes", validators=[Optional(), Length(
        max=NOTES_MAX, message=max_length_message(NOTES_MAX))],
        description="Langues d'un interprète, capacité d'un EHPAD, code d'accès…")
    actif = BooleanField("Dans l'annuaire", default=True)
    verifie = BooleanField("J'ai vérifié ce contact aujourd'hui")


class ImportForm(Form):
    annuaire = SelectField("Annuaire où importer", validators=[Optional()])
    fichier = FileField("Fichier CSV")


class MoyenForm(Form):
    mairie = SelectField("Mairie", validators=[Optional()])
    version = HiddenField()
    categorie = SelectField("Catégorie", choices=choices([("", "— Choisir —")] + list(
        MOYEN_CATEGORIES.items())), validators=[NotBlank("Choisissez la catégorie.")])
    libelle = StringField("Désignation", validators=[Optional(), Length(
        max=200, message=max_length_message(200))], description="Vide : la catégorie.")
    quantite = IntegerField("Quantité", validators=[
        NotBlank("Indiquez la quantité."),
        NumberRange(0, QUANTITE_MAX, f"Entre 0 et {QUANTITE_MAX}.")])
    site_id = SelectField("Stocké au site", validators=[Optional()])
    lieu = StringField("Précision du lieu", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Ex. : local 2, sous-sol ; ou l'adresse si ce n'est pas un site.")
    verifie = BooleanField("J'ai vérifié ce stock aujourd'hui")


class CocheForm(Form):
    """A tick of a fiche réflexe's line (the CSRF token; the line and state in the button)."""


class FicheForm(Form):
    version = HiddenField()
    titre = StringField("Titre", validators=[NotBlank("Donnez un titre à la fiche."), Length(
        max=200, message=max_length_message(200))])
    risque = SelectField("Risque", validators=[NotBlank("Choisissez le risque.")])
    role = SelectField("Pour qui", validators=[NotBlank("Choisissez le rôle.")])
    texte = TextAreaField("Les actions, une par ligne", validators=[
        NotBlank("Écrivez au moins une action, une par ligne.")],
        render_kw={"rows": 12},
        description="Une ligne par action, dans l'ordre où on les fait. Une ligne inchangée "
                    "garde ses coches dans les événements en cours.")


class RisqueForm(Form):
    version = HiddenField()
    titre = StringField("Risque", validators=[NotBlank("Donnez un nom au risque."), Length(
        max=200, message=max_length_message(200))])
    type_evenement = SelectField("Type d'événement correspondant", validators=[Optional()],
                                 description="Relie le risque à ses exercices et fiches réflexes.")
    arrondissements = MultiCheckboxField("Arrondissements concernés")
    description = TextAreaField("Ce qui peut arriver", validators=[Optional()],
                                render_kw={"rows": 4})
    mesures_ville = TextAreaField("Ce que fait la Ville", validators=[Optional()],
                                  render_kw={"rows": 4})
    consignes = TextAreaField("Ce que doivent faire les habitants", validators=[
        NotBlank("Dites aux habitants ce qu'ils doivent faire : c'est l'objet du DICRIM.")],
        render_kw={"rows": 4})
    actif = BooleanField("Dans la liste", default=True)
