from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from crise.forms import DateField, Form, JetonMixin, NotBlank, choices, max_length_message
from crise.rgpd.models import REGLES, TYPES_DEMANDE


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


class DemandeForm(JetonMixin, Form):
    type = SelectField("Droit exercé", choices=choices(TYPES_DEMANDE.items()),
                       validators=[NotBlank("Choisissez le droit exercé.")])
    demandeur = StringField("Demandeur", description="Son nom tel qu'il l'a donné, et s'il "
                            "agit pour un proche.", validators=[
                                NotBlank("Indiquez qui fait la demande."),
                                Length(max=200, message=max_length_message(200))])
    recue_le = DateField("Reçue le", validators=[NotBlank("Indiquez la date de réception.")])
    notes = TextAreaField("Notes", description="Comment l'identité a été vérifiée, ce qui est "
                          "demandé précisément.", validators=[
                              Optional(), Length(max=2000, message=max_length_message(2000))])


class ReponseDroitsForm(Form):
    reponse = TextAreaField("Réponse donnée", description="Comment, et à qui : remise en main "
                            "propre, courrier, courriel ; pour une rectification, ce qui a été "
                            "corrigé.", validators=[
                                NotBlank("Indiquez comment la réponse a été donnée."),
                                Length(max=500, message=max_length_message(500))])
