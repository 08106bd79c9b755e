"""Shared form helpers: French messages, Paris-local date-times, service errors."""

import re
import secrets
from datetime import datetime

import wtforms
import wtforms.meta
from flask_wtf import FlaskForm
from wtforms import DateField as WTFormsDateField
from wtforms import DateTimeLocalField, FieldList, FormField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from crise.db import in_transaction
from crise.errors import ServiceError
from crise.formatting import from_paris_local, to_paris
from crise.text import clean, clean_line

REQUIRED = "Ce champ est obligatoire."
JETON_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def choices(pairs) -> list[SelectChoice]:
    """Select/radio options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(wtforms.SelectMultipleField):
    """A list of checkboxes (mairies concerned, needs, directions)."""

    widget = wtforms.widgets.ListWidget(prefix_label=False)
    option_widget = wtforms.widgets.CheckboxInput()


class JetonMixin:
    """A hidden « jeton » drawn when the form is shown: the same form sent twice (double
    click, a retry on a weak network) creates one record."""

    jeton = wtforms.HiddenField()

    def new_jeton(self):
        if not self.jeton.data:
            self.jeton.data = secrets.token_urlsafe(24)

    def validate_jeton(self, field):
        # Drawn by new_jeton: anything else was not sent by this application's page.
        if field.data and not JETON_RE.fullmatch(field.data):
            field.data = None
            self.form_errors.append("Ce formulaire n'est pas valide (jeton altéré) : rechargez "
                                    "la page et recommencez. Rien n'a été enregistré.")
            raise ValidationError("Jeton de formulaire invalide.")


class CleanTextMeta:
    """Every text typed or pasted loses its control characters before validation (a
    vertical tab from Word, a NUL byte); one-line fields stay on one line."""

    def bind_field(self, form, unbound_field, options):
        if issubclass(unbound_field.field_class, (FieldList, FormField)):
            return unbound_field.bind(form=form, **options)  # their own fields are cleaned
        cleaner = clean if issubclass(unbound_field.field_class, TextAreaField) else clean_line
        filters = [cleaner, *unbound_field.kwargs.get("filters", ())]
        return unbound_field.bind(form=form, **{**options, "filters": filters})


class SubForm(wtforms.Form):
    """A group of fields inside a Form (a household member, the articles of a request)."""

    class Meta(CleanTextMeta, wtforms.meta.DefaultMeta):
        pass


class Form(FlaskForm):
    """Base of every form: WTForms' own messages in French (« Choix non valide »…)."""

    class Meta(CleanTextMeta):
        locales = ["fr_FR", "fr"]

        def get_translations(self, form):
            # Flask-WTF would look for Flask-Babel; WTForms ships French itself.
            return super(FlaskForm.Meta, self).get_translations(form)


def max_length_message(n: int) -> str:
    return f"{n} caractères au maximum."


# Dates a person may mean: 0001-01-01 (a year typed as « 1 ») cannot even be converted to
# UTC, and 9999 is a typo. Births go back to 1900; plans, a few decades ahead.
YEAR_MIN, YEAR_MAX = 1900, 2100
YEAR_MESSAGE = f"Date hors limites : l'année doit être comprise entre {YEAR_MIN} et {YEAR_MAX}."


class DateField(WTFormsDateField):
    """A date whose year is plausible (see YEAR_MIN, YEAR_MAX)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not YEAR_MIN <= self.data.year <= YEAR_MAX:
            self.data = None
            raise ValueError(YEAR_MESSAGE)


class ParisDateTimeField(DateTimeLocalField):
    """A datetime-local input read as Paris time; ``data`` is aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            self.raw_data = valuelist
            return
        try:
            naive = datetime.strptime(valuelist[0].strip()[:16], "%Y-%m-%dT%H:%M")
        except ValueError:
            self.data = None
            raise ValueError("Date ou heure invalide (format attendu : jj/mm/aaaa hh:mm).")
        if not YEAR_MIN <= naive.year <= YEAR_MAX:
            self.data = None
            raise ValueError(YEAR_MESSAGE)
        self.data = from_paris_local(naive)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        local = to_paris(self.data)
        return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def _find_field(form, path: str):
    """A field by name, also inside FieldLists: « membres-1-nom » → form.membres[1].nom."""
    field = getattr(form, path, None)
    if field is not None or "-" not in path:
        return field
    head, rest = path.split("-", 1)
    container = getattr(form, head, None)
    if container is not None and hasattr(container, "form") and not hasattr(
            container, "entries"):  # a FormField: « articles-eau » → form.articles.eau
        return _find_field(container.form, rest)
    head, index, rest = path.split("-", 2) if path.count("-") >= 2 else (path, None, None)
    container = getattr(form, head, None)
    if container is None or index is None or not index.isdigit():
        return None
    try:
        entry = container[int(index)]
    except (IndexError, TypeError):
        return None
    return _find_field(entry.form, rest) if hasattr(entry, "form") else None


def apply_service_error(form, error) -> None:
    """Show a ServiceError next to its field, or with the form's general errors."""
    field = _find_field(form, error.field) if error.field else None
    if field is not None and not hasattr(field, "form"):  # a group of fields: said above them
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


class NotBlank:
    """Required, and not only spaces."""

    def __init__(self, message=REQUIRED):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if field.process_errors:
            raw = (field.raw_data or [""])[0]
            if raw is None or not str(raw).strip():
                # Nothing typed in a number or date field: say it is required, not invalid.
                field.errors[:] = []
                raise StopValidation(self.message)
            # The value could not be read (an impossible date…): that message says it.
            raise StopValidation()
        data = field.data
        if data is None or (isinstance(data, str) and not data.strip()) or (
                isinstance(data, (list, tuple)) and not data):
            raise StopValidation(self.message)  # 0 is a value: NumberRange judges it


def _run(action, on_refusal, retry_conflict: bool = False):
    """Call a service for a view as one transaction (crise.db.in_transaction); report a
    refusal. Returns (True, result) or (False, None)."""
    try:
        result = in_transaction(action, retry_conflict=retry_conflict)
    except ServiceError as error:
        on_refusal(error)
        return False, None
    return True, result


def submit(form, action, *, retry_conflict: bool = False):
    """A validated form's service call: (True, result) once committed, or (False, None)
    with the refusal shown next to its field and nothing written."""
    return _run(action, lambda error: apply_service_error(form, error), retry_conflict)


def perform(action, success=None, *, retry_conflict: bool = False) -> bool:
    """A button's service call: on refusal roll back and flash why; else commit.

    ``success`` is the message to flash, or a function of the action's result giving it.
    """
    from flask import flash

    ok, result = _run(action, lambda error: flash(error.message, "error"), retry_conflict)
    if ok and success:
        flash(success(result) if callable(success) else success, "success")
    return ok


def version_vue(form) -> int:
    """The version of the record the form was shown with (its hidden « version »): -1 when
    it is missing or not a number, which no record has."""
    texte = form.version.data or ""
    return int(texte) if str(texte).isdigit() else -1


def statut_du_formulaire(form, obj) -> int:
    """After a refused post: 409 when the record changed since the form was shown (it is
    shown as it is now), else 200; the form then carries the current version, so that
    sending again is a deliberate choice. What was typed stays in the form."""
    from crise.extensions import db

    if obj is None or not form.is_submitted():
        return 200
    db.session.refresh(obj)
    statut = 409 if str(obj.version) != str(form.version.data or "") else 200
    form.version.data = obj.version
    return statut


class FrenchFloatField(wtforms.FloatField):
    """A number typed the French way (« 0,5 ») or the other (« 0.5 »). A text field with a
    decimal keypad: a browser's number field in French turns « 0,5 » into « 05 »."""

    widget = wtforms.widgets.TextInput()

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist])
        if self.data is not None and self.data != self.data:  # NaN
            self.data = None
            raise ValueError("Un nombre, par exemple 1, 2 ou 0,5.")

    def _value(self):
        return f"{self.data:g}".replace(".", ",") if self.data is not None else \
            super()._value()
