from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Length, Optional

from crise.auth.models import ROLE_LABELS
from crise.forms import Form, choices, REQUIRED, NotBlank, max_length_message


def role_choices():
    return choices([("", "— Choisir un rôle —")] + [(r.value, label)
                                                   for r, label in ROLE_LABELS.items()])


def mairie_choices(mairies):
    return choices([("", "— Aucune (rôle central) —")] + [(m.code, m.nom) for m in mairies])


class LoginForm(Form):
    email = EmailField("Adresse e-mail", validators=[NotBlank(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Mot de passe", validators=[NotBlank(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class UserForm(Form):
    nom = StringField("Nom et prénom", validators=[Optional(), Length(
        max=120, message=max_length_message(120))])
    role = SelectField("Rôle", validators=[NotBlank("Choisissez un rôle.")])
    mairie = SelectField("Mairie d'arrondissement", validators=[Optional()],
                         description="Obligatoire pour les agents d'accueil et les responsables "
                                     "de crise d'une mairie ; ignorée pour les rôles centraux.")

    def set_choices(self, mairies):
        self.role.choices = role_choices()
        self.mairie.choices = mairie_choices(mairies)


class UserCreateForm(UserForm):
    email = EmailField("Adresse e-mail", validators=[NotBlank(), Length(
        max=254, message=max_length_message(254))])


class UserEditForm(UserForm):
    actif = BooleanField("Compte actif", description="Un compte désactivé ne peut plus se "
                                                     "connecter ; ses sessions sont fermées.")


class PasswordChangeForm(Form):
    current_password = PasswordField("Mot de passe actuel", validators=[NotBlank()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField("Nouveau mot de passe", validators=[NotBlank()],
                             render_kw={"autocomplete": "new-password"},
                             description="12 caractères au moins.")
    confirm = PasswordField("Confirmer le nouveau mot de passe", validators=[
        NotBlank(), EqualTo("password", message="Les deux mots de passe ne correspondent pas.")],
        render_kw={"autocomplete": "new-password"})


__all__ = ["LoginForm", "UserCreateForm", "UserEditForm", "PasswordChangeForm", "REQUIRED"]
