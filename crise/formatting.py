"""Display helpers: datetimes are stored in UTC and shown in Europe/Paris."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def to_paris(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(PARIS)


def from_paris_local(value: datetime | None) -> datetime | None:
    """A naive datetime typed by a user in Paris, as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(timezone.utc)


def format_datetime(value: datetime | None) -> str:
    local = to_paris(value)
    return local.strftime("%d/%m/%Y %H:%M") if local else "—"


def fin_du_mois(now: datetime) -> datetime:
    """The last instant of ``now``'s month in Paris (what must be checked « this month »)."""
    local = to_paris(now)
    suivant = (local.replace(day=28) + timedelta(days=4)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0)
    return suivant.astimezone(timezone.utc) - timedelta(microseconds=1)


def format_date(value: datetime | None) -> str:
    local = to_paris(value)
    return local.strftime("%d/%m/%Y") if local else "—"


def format_ago(value: datetime | None, now: datetime | None = None) -> str:
    """« il y a 3 h 05 » — how long ago, for queues and warnings."""
    if value is None:
        return "—"
    now = now or datetime.now(timezone.utc)
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 0:
        return "à venir"
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"il y a {hours} h {rest:02d}"
    return f"il y a {hours // 24} jours"


def format_duree(value: timedelta | None) -> str:
    """« 50 s », « 12 min », « 1 h 05 », « 2 j 3 h » — a delay, rounded to the nearest
    minute (never down to « 0 min »)."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds() + 0.5), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = (seconds + 30) // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d}"
    return f"{hours // 24} j {hours % 24} h"


def exercice_label(text: str, exercice: bool, *, sep: str = " — ") -> str:
    """« EXERCICE — Crue de la Seine »: what an exercise prints, shows and names its files
    with, so that nothing from an exercise is ever taken for the real thing."""
    return f"EXERCICE{sep}{text}" if exercice else text


def file_stamp(value: datetime) -> str:
    """« 20261124-2305 »: when a file was made, in Paris time, for its name."""
    return to_paris(value).strftime("%Y%m%d-%H%M")


def now_paris() -> str:
    """The current time in Paris, « 14:05:09 »."""
    return datetime.now(PARIS).strftime("%H:%M:%S")
