from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, NumberRange

from crise.forms import Form, NotBlank, max_length_message
from crise.rgpd.models import REGLES


class ConservationForm(Form):
    """One delay per rule, in days (fields ``jours_<code>``)."""

    def jours(self) -> dict[str, int]:
        return {r.code: getattr(self, f"jours_{r.code}").data for r in REGLES}


for _regle in REGLES:
    setattr(ConservationForm, f"jours_{_regle.code}", IntegerField(
        _regle.libelle, description=f"En jours, {_regle.apres} (de {_regle.minimum} à "
                                    f"{_regle.maximum}).",
        validators=[NotBlank("Indiquez un nombre de jours."),
                    NumberRange(_regle.minimum, _regle.maximum,
                                f"De {_regle.minimum} à {_regle.maximum} jours.")]))


class GelForm(Form):
    evenement = SelectField("Événement", validators=[NotBlank("Choisissez l'événement.")])
    motif = TextAreaField(
        "Motif", description="La réquisition ou la demande : son auteur, sa date, sa référence.",
        validators=[NotBlank("Indiquez le motif du gel."), Length(max=500,
                                                                  message=max_length_message(500))])


class LeverGelForm(Form):
    motif = TextAreaField("Motif de la levée", validators=[
        NotBlank("Indiquez pourquoi le gel est levé."),
        Length(max=500, message=max_length_message(500))])
