from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Optional

from crise.forms import DateField, Form, JetonMixin, NotBlank


class SectionForm(Form):
    texte = TextAreaField("Texte")
    version = HiddenField()


class PreconisationForm(JetonMixin, Form):
    objectif = SelectField("Objectif", validate_choice=False)
    constat = TextAreaField("Constat")
    texte = TextAreaField("Préconisation")
    version = HiddenField()


class ActionForm(JetonMixin, Form):
    # Every field said at once (not one refusal per send), and marked as required.
    action = TextAreaField("Action à mener", validators=[NotBlank("Écrivez l'action à mener.")])
    element = SelectField("Élément de capacité", validate_choice=False, validators=[
        NotBlank("Choisissez l'élément de capacité.")])
    porteur = SelectField("Porteur", validate_choice=False, validators=[
        NotBlank("Choisissez qui porte l'action : une direction de la Ville ou une mairie.")])
    echeance = DateField("Échéance", validators=[NotBlank("Donnez une échéance.")])


class SuiviForm(Form):
    statut = SelectField("Statut", validate_choice=False)
    echeance = DateField("Échéance", validators=[Optional()])
    preuve = TextAreaField("Preuve de réalisation")
    motif = TextAreaField("Motif d'abandon")
    porteur = SelectField("Porteur", validate_choice=False)
    action = TextAreaField("Action à mener")
    element = SelectField("Élément de capacité", validate_choice=False)
    version = HiddenField()


class RetestForm(Form):
    cible = SelectField("Re-testée par", validate_choice=False)
