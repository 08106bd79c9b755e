from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crise.evenements.models import SOURCE_LABELS, TYPE_LABELS
from crise.evenements.services import (CONTACT_MAX, DESCRIPTION_MAX, LIEU_MAX,
                                       SOURCE_DETAIL_MAX, TITRE_MAX)
from crise.forms import (Form, JetonMixin, MultiCheckboxField, NotBlank, ParisDateTimeField,
                         choices, max_length_message)


class EvenementForm(JetonMixin, Form):
    titre = StringField("Titre", validators=[
        NotBlank("Donnez un titre à l'événement."),
        Length(max=TITRE_MAX, message=max_length_message(TITRE_MAX))],
        description="Ex. : « Incendie rue de la Roquette ».",
        render_kw={"maxlength": TITRE_MAX, "autofocus": True})
    type = SelectField("Type", choices=choices([("", "— Choisir —")] + [
        (t.value, label) for t, label in TYPE_LABELS.items()]),
        validators=[NotBlank("Choisissez le type d'événement.")])
    survenu_at = ParisDateTimeField("Survenu le", validators=[
        NotBlank("Indiquez la date et l'heure de survenue.")],
        description="Heure de Paris.")
    fin_at = ParisDateTimeField("Fin (si connue)", validators=[Optional()])
    lieu = StringField("Lieu", validators=[Optional(), Length(
        max=LIEU_MAX, message=max_length_message(LIEU_MAX))],
        description="Adresse ou secteur.", render_kw={"maxlength": LIEU_MAX})
    mairies = MultiCheckboxField("Mairies concernées", validators=[
        NotBlank("Cochez au moins une mairie concernée.")])
    source_information = RadioField("La mairie a été informée par", choices=choices(
        (s.value, label) for s, label in SOURCE_LABELS.items()), validate_choice=False,
        validators=[NotBlank("Indiquez comment la mairie a été informée.")])
    source_detail = StringField("Précision sur la source", validators=[Optional(), Length(
        max=SOURCE_DETAIL_MAX, message=max_length_message(SOURCE_DETAIL_MAX))],
        description="Ex. : commissariat du 11e, gardien d'immeuble, élu…",
        render_kw={"maxlength": SOURCE_DETAIL_MAX})
    description = TextAreaField("Description", validators=[Optional(), Length(
        max=DESCRIPTION_MAX, message=f"La description ne doit pas dépasser {DESCRIPTION_MAX} "
                                     f"caractères.")],
        render_kw={"rows": 6, "maxlength": DESCRIPTION_MAX})
    exercice = BooleanField("Exercice", description="Un exercice n'est jamais compté avec les "
                                                    "crises réelles ; ses pages portent la "
                                                    "mention EXERCICE. Non modifiable ensuite.")

    def set_choices(self, mairies):
        self.mairies.choices = choices((m.code, m.nom_court) for m in mairies)


class ScopInformeeForm(Form):
    contact = StringField("Personne prévenue à la SCOP", validators=[
        NotBlank("Indiquez qui a été prévenu à la SCOP."),
        Length(max=CONTACT_MAX, message=max_length_message(CONTACT_MAX))],
        description="Nom de l'opérateur, ou numéro appelé.",
        render_kw={"maxlength": CONTACT_MAX})
    informed_at = ParisDateTimeField("Prévenue le", validators=[
        NotBlank("Indiquez quand la SCOP a été prévenue.")])
