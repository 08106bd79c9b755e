from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from crise.forms import (DateField, Form, JetonMixin, MultiCheckboxField, NotBlank, choices,
                         max_length_message)
from crise.hebergement.models import (BESOINS_HEBERGEMENT, HABITABLE_LABELS, StatutRelogement,
                                      TypeSolution)
from crise.hebergement.services import NUITS_MAX, PERSONNES_MAX, PLACES_MAX


class DossierForm(JetonMixin, Form):
    logement_habitable = RadioField("Le logement est-il habitable ?", choices=choices(
        HABITABLE_LABELS.items()), default="inconnu",
        validators=[NotBlank("Indiquez si le logement est habitable.")])
    nb_personnes = IntegerField("Personnes à héberger", validators=[
        NotBlank("Indiquez le nombre de personnes."),
        NumberRange(1, PERSONNES_MAX, f"Entre 1 et {PERSONNES_MAX}.")],
        render_kw={"inputmode": "numeric"})
    nb_enfants = IntegerField("dont enfants (moins de 18 ans)", validators=[
        Optional(), NumberRange(0, PERSONNES_MAX, f"Entre 0 et {PERSONNES_MAX}.")],
        render_kw={"inputmode": "numeric"})
    besoins = MultiCheckboxField("Besoins particuliers", choices=choices(
        BESOINS_HEBERGEMENT.items()))
    animaux_detail = StringField("Animaux (lesquels)", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Ex. : un chien de taille moyenne, un chat.")
    nb_nuits = IntegerField("Nuits nécessaires (estimation)", default=1, validators=[
        NotBlank("Indiquez le nombre de nuits."),
        NumberRange(1, NUITS_MAX, f"Entre 1 et {NUITS_MAX}.")], render_kw={"inputmode": "numeric"})
    secteur_souhaite = StringField("Secteur souhaité", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Ex. : près de l'école des enfants (11e), du travail…")
    notes = TextAreaField("Notes", validators=[Optional(), Length(
        max=2000, message=max_length_message(2000))], render_kw={"rows": 3})


def _places(label):
    return IntegerField(label, validators=[Optional(), NumberRange(
        0, PLACES_MAX, f"Entre 0 et {PLACES_MAX}.")], render_kw={"inputmode": "numeric"})


class SolutionForm(Form):
    type = RadioField("Solution", choices=choices((t.value, t.label) for t in TypeSolution),
                      validators=[NotBlank("Choisissez le type de solution.")])
    lieu = StringField("Lieu", validators=[
        NotBlank("Indiquez le lieu (nom de l'hôtel, du centre, du proche…)."),
        Length(max=200, message=max_length_message(200))])
    adresse = StringField("Adresse", validators=[Optional(), Length(
        max=255, message=max_length_message(255))])
    du = DateField("Du (soir d'arrivée)", validators=[NotBlank("Indiquez la date d'arrivée.")])
    au = DateField("Au (matin du départ)", validators=[NotBlank("Indiquez la date de départ.")])
    chambres = _places("Chambres")
    lits = _places("Lits / places")


class ProlongerForm(Form):
    au = DateField("Nouvelle date de départ", validators=[
        NotBlank("Indiquez la nouvelle date de départ.")])


class TerminerForm(Form):
    le = DateField("Départ le (matin)", validators=[NotBlank("Indiquez la date de départ.")])
    motif = StringField("Motif", validators=[Optional(), Length(
        max=255, message=max_length_message(255))],
        description="Ex. : retour au domicile, hébergé chez un proche.")


class ClotureForm(Form):
    motif = StringField("Motif de clôture", validators=[
        NotBlank("Indiquez pourquoi le dossier est clos (ex. : retour au domicile)."),
        Length(max=255, message=max_length_message(255))])


class RelogementForm(Form):
    texte = TextAreaField("Situation (pour la DLH)", validators=[Optional(), Length(
        max=2000, message=max_length_message(2000))], render_kw={"rows": 2})


class NoteRelogementForm(Form):
    statut = SelectField("Statut", choices=choices(
        [("", "— Inchangé —")] + [(s.value, s.label) for s in StatutRelogement]),
        validators=[Optional()])
    texte = TextAreaField("Note datée", validators=[Optional(), Length(
        max=2000, message=max_length_message(2000))], render_kw={"rows": 3})
