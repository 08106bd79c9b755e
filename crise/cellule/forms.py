from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crise.cellule.models import (DIRECTIONS, PRIORITE_LABELS, REUNION_LABELS, SUPPORT_LABELS,
                                  TYPE_LABELS)
from crise.cellule.services import TEXTE_MAX
from crise.forms import (MultiCheckboxField, Form, JetonMixin, NotBlank, ParisDateTimeField, choices,
                         max_length_message)


class EntreeForm(Form):
    type = SelectField("Type", choices=choices(TYPE_LABELS.items()), default="information")
    priorite = SelectField("Priorité", choices=choices(PRIORITE_LABELS.items()),
                           default="normale")
    fait_at = ParisDateTimeField("Heure du fait", validators=[Optional()],
                                 description="Vide : maintenant. L'heure d'écriture est "
                                             "enregistrée à part.")
    source = StringField("Source", validators=[Optional(), Length(
        max=200, message=max_length_message(200))],
        description="Qui a donné l'information : PP, SCOP, mairie du 11e, DSOL…")
    support = SelectField("Support", choices=choices(
        [("", "—")] + [(k, v) for k, v in SUPPORT_LABELS.items() if k != "application"]),
        validators=[Optional()])
    objet = SelectField("Concerne", validators=[Optional()], validate_choice=False)
    texte = TextAreaField("Texte", validators=[
        NotBlank("Écrivez le contenu de l'entrée."),
        Length(max=TEXTE_MAX, message=max_length_message(TEXTE_MAX))], render_kw={"rows": 3})


class BarrerForm(Form):
    motif = StringField("Motif", validators=[
        NotBlank("Indiquez pourquoi l'entrée est barrée."),
        Length(max=500, message=max_length_message(500))])


class MembreCelluleForm(Form):
    nom = StringField("Nom", validators=[NotBlank("Indiquez le nom du membre."),
                                         Length(max=120)])
    direction = StringField("Direction représentée", validators=[Optional(), Length(max=120)])
    fonction = StringField("Fonction", validators=[Optional(), Length(max=120)])


class DecisionForm(JetonMixin, Form):
    texte = TextAreaField("Décision", validators=[
        NotBlank("Écrivez la décision."),
        Length(max=TEXTE_MAX, message=max_length_message(TEXTE_MAX))], render_kw={"rows": 3})
    echeance_at = ParisDateTimeField("Échéance", validators=[Optional()],
                                     description="Heure de Paris à laquelle elle doit être "
                                                 "appliquée.")
    toutes_mairies = BooleanField("Toutes les mairies concernées par l'événement")
    mairies = MultiCheckboxField("Mairies", validate_choice=False)
    directions = MultiCheckboxField("Directions", choices=choices(DIRECTIONS.items()))


class CompteForm(Form):
    etat = RadioField("Application", choices=choices(
        [("appliquee", "Appliquée"), ("en_cours", "En cours"), ("impossible", "Impossible")]),
        validators=[NotBlank("Choisissez où en est l'application.")])
    motif = StringField("Motif / précision", validators=[Optional(), Length(
        max=500, message=max_length_message(500))],
        description="Obligatoire si la décision ne peut pas être appliquée.")
    destinataire = HiddenField()


class PointForm(JetonMixin, Form):
    situation = TextAreaField("Situation sur le territoire", validators=[
        NotBlank("Décrivez la situation sur votre territoire."),
        Length(max=4000, message=max_length_message(4000))], render_kw={"rows": 4})
    mesures = TextAreaField("Mesures prises localement", validators=[Optional(), Length(
        max=4000, message=max_length_message(4000))], render_kw={"rows": 3})
    besoins = TextAreaField("Besoins", validators=[Optional(), Length(
        max=4000, message=max_length_message(4000))], render_kw={"rows": 3})
    texte_libre = TextAreaField("Autres informations", validators=[Optional(), Length(
        max=4000, message=max_length_message(4000))], render_kw={"rows": 2})


class ReunionForm(Form):
    type = SelectField("Type", choices=choices(REUNION_LABELS.items()), default="suivi")
    debut_at = ParisDateTimeField("Date et heure", validators=[
        NotBlank("Indiquez l'heure de la réunion.")])
    lieu = StringField("Lieu ou audioconférence", validators=[Optional(), Length(
        max=200, message=max_length_message(200))])


class CompteRenduForm(Form):
    participants = TextAreaField("Participants", validators=[Optional(), Length(max=5000)],
                                 description="Une personne par ligne (nom, direction).",
                                 render_kw={"rows": 4})
    mairies = MultiCheckboxField("Mairies présentes", validate_choice=False)
    compte_rendu = TextAreaField("Compte rendu", validators=[
        NotBlank("Écrivez le compte rendu."), Length(max=20000)], render_kw={"rows": 6})
