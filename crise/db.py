"""The database: the declarative base with a naming convention, the ``db`` handle (also
reached as ``crise.extensions.db``), and shared column and query helpers."""

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from crise.formatting import format_datetime
from crise.text import clean, clean_line

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime stored in UTC on every backend.

    SQLite has no time zone type: values come back naive and are read as UTC.
    Naive values are refused on the way in, so a local time can never be
    stored by mistake as if it were UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give a timezone-aware value")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


db = SQLAlchemy(model_class=Base)


def _clean_multiline(target, value, oldvalue, initiator):
    return clean(value)


def _clean_single_line(target, value, oldvalue, initiator):
    return clean_line(value)


@sa.event.listens_for(sa.orm.Mapper, "mapper_configured")
def _clean_string_columns(mapper, class_):
    """Every string column of every model refuses control characters, whichever code
    path sets it (a form, a service, the CLI): see crise.text."""
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        if isinstance(column_type, sa.String) and prop.key in class_.__dict__:
            # Short strings (names, addresses, reasons) hold one line; texts keep theirs.
            multiline = column_type.length is None or column_type.length >= 1000
            sa.event.listen(getattr(class_, prop.key), "set",
                            _clean_multiline if multiline else _clean_single_line,
                            retval=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# A record of the PCS (a site, a contact, a stock) not checked for this long is stale.
FRAICHEUR_JOURS = 183


class VerificationMixin:
    """A record someone must check on the ground from time to time (the PCS): when and by
    whom last, and a version that refuses an edit made over someone else's."""

    verifie_at: Mapped[datetime | None]
    verifie_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    modifie_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    version: Mapped[int] = mapped_column(default=1)

    def perime(self, now: datetime | None = None) -> bool:
        """Never checked, or not for six months."""
        return self.verifie_at is None or (now or utcnow()) - self.verifie_at > timedelta(
            days=FRAICHEUR_JOURS)

    def perime_avant(self, limite: datetime) -> bool:
        """Stale already, or by ``limite`` (the end of the month: what to check this month)."""
        return self.verifie_at is None or limite - self.verifie_at > timedelta(
            days=FRAICHEUR_JOURS)

    def noter_verification(self, qui, now: datetime | None = None) -> None:
        self.verifie_at, self.verifie_par_nom = now or utcnow(), str(qui)[:120]

    def conflit(self, quoi: str) -> str:
        """What an editor is told when someone else changed the record meanwhile."""
        return (f"{quoi} a été modifié par {self.modifie_par_nom or 'quelqu’un'} le "
                f"{format_datetime(self.updated_at)} pendant que vous le modifiiez : la fiche "
                "est affichée telle qu'elle est maintenant ; vos valeurs sont restées dans le "
                "formulaire, enregistrez de nouveau si elles valent toujours.")


def prendre(obj, version_vue: int | None = None) -> bool:
    """Take ``obj``'s row for this transaction (two edits pass one after the other), read
    it afresh, and tell whether it is still the version its editor saw."""
    cls = type(obj)
    db.session.execute(sa.update(cls).where(cls.id == obj.id).values(version=cls.version))
    db.session.refresh(obj)
    return version_vue is None or obj.version == version_vue


# The same thing created again within this time (Back, then send: the form's token is new)
# is the same thing, not a second one.
DOUBLON_DELAI_MINUTES = 15


def recent_twin(model, created_column, now: datetime, *conditions,
                minutes: int = DOUBLON_DELAI_MINUTES):
    """The most recent row of ``model`` created in the last few minutes that meets every
    condition (the same content as what is being created), or None."""
    since = now - timedelta(minutes=minutes)
    twin = db.session.scalar(sa.select(model).where(created_column >= since, *conditions)
                             .order_by(created_column.desc()).limit(1))
    if twin is not None:
        # For the view, which tells the user that nothing was created twice.
        twin.jumeau_retrouve = True
    return twin


def deja_fait(obj) -> bool:
    """Whether a service returned what an identical form had created a moment before
    (recent_twin) rather than something new."""
    return bool(getattr(obj, "jumeau_retrouve", False))


def diff(obj, fields: list[str], before: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed since ``before``."""
    changes = {}
    for name in fields:
        old, new = before.get(name), getattr(obj, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def snapshot(obj, fields: list[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return sorted(_jsonable(v) for v in value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def in_transaction(action, *, retry_conflict: bool = False):
    """Run a service call as one transaction, for the web and the CLI alike: commit what it
    did and return its result, or roll everything back and re-raise (a refusal, a crash).

    With ``retry_conflict``, a unique constraint hit at the same instant by a twin (two
    desks drawing the same short code, the same form sent twice in parallel) is run once
    more: the second run draws again, or finds what the twin wrote. Services flush and
    never commit nor roll back: this is the one place that does.
    """
    for attempt in (1, 2):
        try:
            result = action()
            db.session.commit()
            return result
        except sa.exc.IntegrityError:
            db.session.rollback()
            if not retry_conflict or attempt == 2:
                raise
        except BaseException:
            db.session.rollback()
            raise


@sa.event.listens_for(db.session, "after_commit")
def _commit_dans_la_requete(session) -> None:
    """Remember that this request wrote something for good: an error after that must not
    say « nothing was saved » (crise.__init__'s 500 page)."""
    from flask import g, has_request_context

    if has_request_context():
        g.commit_fait = True


# A row here lets the transaction that wrote it delete what the database otherwise keeps for
# good (the main courante, the audit trail): the retention purge, never the application's
# pages. On PostgreSQL « SET LOCAL crise.purge = 'on' » says the same.
purge = sa.Table("crise_purge", db.Model.metadata, sa.Column("jeton", sa.Integer,
                                                             nullable=False))


@contextmanager
def purge_autorisee():
    """Inside this block, the current transaction may delete main courante entries and audit
    entries (the database refuses it otherwise, whatever the route): for the retention."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL crise.purge = 'on'"))
        try:
            yield
        finally:
            db.session.execute(sa.text("SET LOCAL crise.purge = 'off'"))
    else:
        db.session.execute(purge.insert().values(jeton=1))
        try:
            yield
        finally:
            db.session.execute(purge.delete())
