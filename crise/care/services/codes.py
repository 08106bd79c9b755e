"""The numbers that identify a person: the badge token in the QR code, the short code read
aloud, the SINUS number, the phone number as digits. Looked up in every way they are typed."""

import re
import secrets

import sqlalchemy as sa

from crise.care.models import JetonPapier, Personne
from crise.extensions import db
from crise.text import normalise_code

__all__ = ["CODE_ALPHABET", "SINUS_RE", "code_matches", "find_in_event", "new_badge_token",
           "new_code_court", "normalise_code", "normalise_sinus", "phone_digits"]

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed fast


def new_badge_token() -> str:
    """The opaque token printed in the QR code: random, never personal data."""
    return secrets.token_urlsafe(16)


def new_code_court() -> str:
    """A short human-readable code, « K7M-4QX »: unique, checked against the database."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        code = f"{raw[:3]}-{raw[3:]}"
        # A record's or a printed paper sheet's: one question.
        if not db.session.scalar(sa.select(
                sa.exists().where(Personne.code_court == code)
                | sa.exists().where(JetonPapier.code_court == code))):
            return code


SINUS_RE = re.compile(r"^[A-Z]{2}[0-9]{3}[A-Z0-9]{4}[0-9]{4}(TR|HP)[0-9]{6}$")


def phone_digits(value: str | None) -> str:
    """« +33 6 12 34 56 78 » and « 06.12.34.56.78 » both become « 0612345678 »."""
    digits = "".join(c for c in (value or "") if c.isdigit())
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def normalise_sinus(value: str | None) -> str:
    """A SINUS number as typed or scanned, without spaces or dashes, in capitals."""
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()


def find_in_event(evenement_id: int, code: str) -> Personne | None:
    """A person of the event by short code or badge token (no scope: used to link records)."""
    return db.session.scalar(sa.select(Personne).where(
        Personne.evenement_id == evenement_id, code_matches(code)))


def code_matches(code: str):
    """The condition matching a badge token, or a short code typed in any case or spacing."""
    return sa.or_(Personne.badge_token == (code or "").strip(),
                  Personne.code_court == normalise_code(code))
