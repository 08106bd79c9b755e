"""The mairie's three ways to reach the SCOP, and the SCOP's own forms."""

from wtforms import (FormField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import Length, NumberRange, Optional

from crise.forms import (Form, JetonMixin, NotBlank, ParisDateTimeField, SubForm, choices,
                         max_length_message)
from crise.scop.models import Urgence
from crise.scop.services import QUANTITE_MAX, UMIP_PUBLICS, VPU_ARTICLES


def _quantite(label):
    return IntegerField(label, validators=[Optional(), NumberRange(
        0, QUANTITE_MAX, f"Entre 0 et {QUANTITE_MAX}.")], render_kw={
        "inputmode": "numeric", "min": 0, "max": QUANTITE_MAX})


class DemandeForm(JetonMixin, Form):
    urgence = RadioField("Urgence", choices=choices((u.value, u.label) for u in Urgence),
                         validators=[NotBlank("Indiquez l'urgence.")], default=Urgence.HEURE)


class LieuMixin:
    centre = SelectField("Où", validators=[Optional()])
    lieu = StringField("Autre lieu (adresse)", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Si ce n'est pas un C.A.RE de l'événement.")


class SignalementForm(DemandeForm):
    texte = TextAreaField("Ce qui se passe", validators=[
        NotBlank("Décrivez ce qui est signalé."),
        Length(max=2000, message=max_length_message(2000))], render_kw={"rows": 4},
        description="Nature, adresse, nombre de personnes touchées, ce qui est déjà fait.")
    source = StringField("Qui a informé la mairie", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Ex. : commissariat du 11e, un habitant, les pompiers sur place.")


ArticlesForm = type("ArticlesForm", (SubForm,), {
    "Meta": type("Meta", (), {"locales": ["fr_FR", "fr"]}),
    **{code: _quantite(label) for code, label in VPU_ARTICLES.items()}})


class VpuForm(LieuMixin, DemandeForm):
    articles = FormField(ArticlesForm, label="Articles et quantités")
    autre_detail = StringField("Précision pour « Autre »", validators=[Optional(), Length(
        max=255, message=max_length_message(255))])
    nb_personnes = IntegerField("Nombre de personnes concernées", validators=[
        NotBlank("Indiquez le nombre de personnes concernées."),
        NumberRange(1, QUANTITE_MAX, f"Entre 1 et {QUANTITE_MAX}.")])
    contact = StringField("Contact sur place qui recevra le VPU (nom et téléphone)",
                          validators=[NotBlank("Indiquez un contact sur place (nom et "
                                               "téléphone)."),
                                      Length(max=255, message=max_length_message(255))])


class UmipForm(LieuMixin, DemandeForm):
    nature = TextAreaField("Nature de l'événement", validators=[Optional(), Length(
        max=500, message=max_length_message(500))], render_kw={"rows": 2})
    impliques = _quantite(UMIP_PUBLICS["impliques"])
    proches = _quantite(UMIP_PUBLICS["proches"])
    enfants = _quantite(UMIP_PUBLICS["enfants"])
    agents = _quantite(UMIP_PUBLICS["agents"])
    contact = StringField("Contact sur place (nom et téléphone)", validators=[
        NotBlank("Indiquez un contact sur place (nom et téléphone)."),
        Length(max=255, message=max_length_message(255))])


FORMS = {"signalement": SignalementForm, "vpu": VpuForm, "umip": UmipForm}


class StatutForm(Form):
    vers = RadioField("Nouvel état", validate_choice=False,
                      validators=[NotBlank("Choisissez le nouvel état.")])
    arrivee_estimee_at = ParisDateTimeField("Arrivée estimée", validators=[Optional()],
                                            description="Obligatoire pour « Engagée » ; "
                                                        "pour réviser l'arrivée d'un moyen "
                                                        "engagé, choisissez « Engagée » à "
                                                        "nouveau et dites pourquoi.")
    texte = TextAreaField("Message à la mairie", validators=[Optional(), Length(
        max=1000, message=max_length_message(1000))], render_kw={"rows": 2},
        description="Obligatoire pour un refus (la raison) ou une contre-proposition "
                    "(ex. : 40 couvertures au lieu de 80).")
    version = HiddenField()


class NoteForm(Form):
    reference = StringField("Référence SCOP", validators=[Optional(), Length(
        max=64, message=max_length_message(64))])
    texte = TextAreaField("Note", validators=[Optional(), Length(
        max=1000, message=max_length_message(1000))], render_kw={"rows": 2})
    version = HiddenField()


class ReponseForm(Form):
    texte = StringField("Commentaire", validators=[Optional(), Length(
        max=500, message=max_length_message(500))])
    version = HiddenField()
