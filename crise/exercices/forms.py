from flask_wtf.file import FileField
from wtforms import (HiddenField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import Length, Optional

from crise.exercices.livraisons import MESSAGE_MAX, TITRE_MAX
from crise.exercices.models import Livraison
from crise.forms import (Form, FrenchFloatField, JetonMixin, MultiCheckboxField, NotBlank,
                         choices)


class ChargerForm(Form):
    fichier = FileField("Fichier de scénario (YAML)")


class ChronogrammeForm(Form):
    """A spreadsheet chronogramme added to the scenario being previewed."""

    source = TextAreaField()
    nom_fichier = HiddenField()
    csv = FileField("Chronogramme (CSV)")


class LancerForm(JetonMixin, Form):
    source = TextAreaField()  # the scenario's text, carried from the preview (multi-line)
    nom_fichier = HiddenField()
    titre = StringField("Titre de l'exercice", validators=[Optional(), Length(max=200)],
                        description="Par défaut : le titre du scénario.")
    joueurs = MultiCheckboxField("Joueurs", coerce=int, validate_choice=False)


class SautForm(JetonMixin, Form):
    vers = StringField("Aller à", validators=[NotBlank(), Length(max=40)],
                       description="Un moment du scénario (J+3 08:00, T+50h) ou une durée "
                                   "(PT6H, P1D).")
    motif = StringField("Motif", validators=[Optional(), Length(max=500)])


class PauseForm(Form):
    motif = StringField("Motif de la pause", validators=[Optional(), Length(max=500)])


class CadenceForm(Form):
    cadence = FrenchFloatField("Vitesse (× le plan)", validators=[NotBlank()],
                         description="1 : la vitesse prévue ; 2 : deux fois plus vite ; "
                                     "0,5 : deux fois moins vite.")


class JoueursForm(Form):
    joueurs = MultiCheckboxField("Nommer d'autres joueurs", coerce=int, validate_choice=False)


class LibreForm(Form):
    # (Sent twice, it is one inject: envoyer_libre finds its twin of the last minutes.)
    de = StringField("De (acteur simulé)", validators=[Optional(), Length(max=300)])
    canal = SelectField("Canal", choices=choices(
        (k, v) for k, v in Livraison.CANAL_LABELS.items() if k), default="telephone")
    roles = MultiCheckboxField("Destinataires (rôles)", validate_choice=False)
    mairies = MultiCheckboxField("Mairies", validate_choice=False)
    titre = StringField("Titre", validators=[NotBlank(), Length(max=TITRE_MAX)])
    message = TextAreaField("Message", validators=[NotBlank(), Length(max=MESSAGE_MAX)])


class ValidationForm(Form):
    issue = RadioField("Constat", choices=choices([("atteint", "Action réalisée"),
                                                   ("manque", "Action manquée")]),
                       validators=[NotBlank("Choisissez : réalisée ou manquée.")])
    commentaire = TextAreaField("Commentaire", validators=[NotBlank(), Length(max=1000)])


class NoteForm(Form):
    texte = TextAreaField("Note d'animation", validators=[NotBlank(), Length(max=5000)])


class ObservateurForm(Form):
    observateur = SelectField("Observateur", validators=[NotBlank("Choisissez un compte.")],
                              validate_choice=False)
    objectifs = MultiCheckboxField("Objectifs observés (aucun coché : tous)",
                                   validate_choice=False)
    mairies = MultiCheckboxField("Mairies observées (aucune cochée : toutes)",
                                 validate_choice=False)


class NoteObservationForm(Form):
    texte = TextAreaField("Note", validators=[NotBlank(), Length(max=5000)])
    objectif = SelectField("Objectif", validate_choice=False)
    mairie = SelectField("Mairie", validate_choice=False)
    inject = SelectField("Inject", validate_choice=False)
