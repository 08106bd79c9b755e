"""Scenario time as facilitators write it: ISO 8601 durations (« PT3H », « P4D »), and
moments relative to the scenario's start (« T+26h », « T+0h30 », « J+1 », « J+1 08:00 ») or
absolute (« 2027-01-20T08:00:00+01:00 »).

« J » is the scenario's first day: « J+1 08:00 » is the next day at 08:00, Paris time.
Every function raises ValueError with a French message on what it cannot read.
"""

import re
from datetime import date, datetime, time, timedelta

from crise.formatting import PARIS

# At most six digits a number: a year of minutes is 525,600; more would overflow a date.
_DUREE = re.compile(r"^P(?:(?P<j>\d{1,6})D)?(?:T(?:(?P<h>\d{1,6})H)?(?:(?P<m>\d{1,6})M)?"
                    r"(?:(?P<s>\d{1,6})S)?)?$")
_T = re.compile(r"^T\+(?P<h>\d{1,6})h(?P<m>\d{1,2})?$")
_J = re.compile(r"^J\+(?P<j>\d{1,4})(?: (?P<hh>\d{1,2}):(?P<mm>\d{2}))?$")
DUREE_MAX = timedelta(days=366)


def parse_duree(texte) -> timedelta:
    """« PT3H » → 3 hours; « P4D » → 4 days; « P1DT2H30M » → 26 h 30."""
    match = _DUREE.match(str(texte).strip())
    if not match or not any(match.groupdict().values()) or str(texte).strip().endswith("T"):
        raise ValueError(f"durée illisible « {texte} » : écrivez-la comme PT3H, PT30M, P4D "
                         "ou P1DT2H")
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    duree = timedelta(days=parts["j"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    if duree > DUREE_MAX:
        raise ValueError(f"durée trop longue « {texte} » : un an au plus")
    return duree


def parse_moment(texte, t0: datetime) -> datetime:
    """A moment of the story: relative to ``t0`` (the scenario's start) or absolute."""
    raw = texte.isoformat() if isinstance(texte, (datetime, date)) else str(texte).strip()
    if match := _T.match(raw):
        minutes = int(match["m"] or 0)
        if minutes >= 60:
            raise ValueError(f"moment illisible « {texte} » : les minutes vont de 0 à 59")
        return t0 + timedelta(hours=int(match["h"]), minutes=minutes)
    if match := _J.match(raw):
        jour = t0.astimezone(PARIS).date() + timedelta(days=int(match["j"]))
        if match["hh"] is None:
            return t0 + timedelta(days=int(match["j"]))
        heure, minute = int(match["hh"]), int(match["mm"])
        if heure > 23 or minute > 59:
            raise ValueError(f"heure impossible dans « {texte} »")
        return datetime.combine(jour, time(heure, minute), tzinfo=PARIS)
    try:
        moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise ValueError(f"moment illisible « {texte} » : écrivez T+26h, T+0h30, J+1, "
                         "J+1 08:00 ou une date complète") from None
    if moment.tzinfo is None:
        raise ValueError(f"« {texte} » : précisez le fuseau (+01:00 en hiver, +02:00 en été)")
    return moment


def format_relatif(moment: datetime, t0: datetime) -> str:
    """« J+2 08:00 » for a moment of the story, as the facilitators read it."""
    jours = (moment.astimezone(PARIS).date() - t0.astimezone(PARIS).date()).days
    return f"J+{jours} {moment.astimezone(PARIS):%H:%M}" if jours >= 0 else \
        moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
