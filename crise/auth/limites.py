"""Throttles that hold across workers and hosts (OWASP ASVS V2.2; the OWASP « device
cookie » scheme against online guessing).

Every counter is a row of ``auth_limite`` in the application's own database, incremented
by one atomic upsert: four gunicorn workers, or several hosts on one PostgreSQL, count
together. Nothing is kept in a process's memory.

Logins are counted three ways:

- per **account** (the e-mail typed, known or not, so that an unknown address behaves
  exactly like a known one): after 5 failures from browsers the account has never logged in
  from, each further try must wait, 30 s, then 1, 2, 4, 8 min, at most 15 min;
- per **address** (the browser's, read through a trusted proxy only, see
  ``crise.http.adresse_client``): 10 failures, then the same growing waits;
- per **poste**: a browser where the account has already logged in carries a signed cookie
  (« poste connu ») that names it. Its tries are counted for that browser only: an attacker
  slowed on the account, or a proxy's address slowed by a neighbour, does not lock the owner
  out of their own desk during a crisis. An administrator lifts any wait at once (page of
  the account, or ``crise users debloquer``).

A try that must wait is refused before the password is looked at: it teaches nothing.
"""

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.dialects import postgresql, sqlite

from crise.auth.models import LimiteTentatives, User
from crise.db import UTCDateTime, utcnow
from crise.extensions import db


@dataclass(frozen=True)
class Regle:
    prefixe: str
    libelle: str
    seuil: int  # tries counted before any wait
    oubli: timedelta  # the count starts again after this long without a counted try
    premiere_attente: timedelta = timedelta(seconds=30)  # doubled at each further try
    plafond: timedelta = timedelta(minutes=15)
    # A quota (so many per window, from the first), rather than failures forgotten after a
    # quiet time: the wait then lasts until the window ends.
    quota: bool = False

    def cle(self, valeur: str) -> str:
        return f"{self.prefixe}:{valeur}"[:100]

    def attente_apres(self, nombre: int, premier_at: datetime, now: datetime
                      ) -> timedelta | None:
        if nombre < self.seuil:
            return None
        if self.quota:
            return max(premier_at + self.oubli - now, timedelta(seconds=1))
        return min(self.plafond, self.premiere_attente * 2 ** min(nombre - self.seuil, 16))


CONNEXION_COMPTE = Regle("compte", "Connexions au compte depuis des postes inconnus", 5,
                         timedelta(hours=1))
CONNEXION_ADRESSE = Regle("adresse", "Connexions depuis l'adresse", 10, timedelta(hours=1))
CONNEXION_POSTE = Regle("poste", "Connexions au compte depuis un poste connu", 10,
                        timedelta(hours=1))
MOT_DE_PASSE_ACTUEL = Regle("motdepasse", "Mot de passe actuel (Mon compte)", 5,
                            timedelta(hours=1))
PROCHE = Regle("proche", "Recherches pour un proche", 30, timedelta(hours=1), quota=True)


class LimiteAtteinte(Exception):
    def __init__(self, attente: timedelta):
        super().__init__(attente)
        self.attente = attente


def duree_lisible(attente: timedelta) -> str:
    secondes = max(1, round(attente.total_seconds()))
    if secondes < 60:
        return f"{secondes} s"
    minutes = -(-secondes // 60)
    return f"{minutes} min"


def attente(regle: Regle, cle: str, now: datetime | None = None) -> timedelta | None:
    """How long a try counted under ``cle`` must still wait (None: it may go)."""
    now = now or utcnow()
    jusqua = db.session.scalar(sa.select(LimiteTentatives.attente_jusqua).where(
        LimiteTentatives.cle == cle))
    return jusqua - now if jusqua is not None and jusqua > now else None


def compter(regle: Regle, cle: str, *, now: datetime | None = None, user_id: int | None = None,
            libelle: str = "", attente: bool = True) -> tuple[int, timedelta | None]:
    """Count one try under ``cle`` (one statement, whatever runs at the same time): how many
    are counted now, and the wait it imposes on the next. ``attente`` False: the wait is
    not written now but by ``sanctionner`` once the try turned out to be a failure (a
    login counted, then checked outside the lock: a success still being checked must not
    leave a wait behind)."""
    now = now or utcnow()
    table = LimiteTentatives.__table__
    maintenant = sa.literal(now, UTCDateTime())
    repere = table.c.premier_at if regle.quota else table.c.dernier_at
    oublie = repere < sa.literal(now - regle.oubli, UTCDateTime())
    dialecte = sqlite if db.engine.dialect.name == "sqlite" else postgresql
    insertion = dialecte.insert(table).values(
        cle=cle, nombre=1, premier_at=now, dernier_at=now, attente_jusqua=None,
        user_id=user_id, libelle=libelle[:160])
    upsert = insertion.on_conflict_do_update(index_elements=[table.c.cle], set_={
        "nombre": sa.case((oublie, 1), else_=table.c.nombre + 1),
        "premier_at": sa.case((oublie, maintenant), else_=table.c.premier_at),
        "dernier_at": maintenant,
        "attente_jusqua": sa.case((oublie, sa.null()), else_=table.c.attente_jusqua),
        "user_id": sa.func.coalesce(insertion.excluded.user_id, table.c.user_id),
        "libelle": insertion.excluded.libelle,
    }).returning(table.c.nombre, table.c.premier_at)
    nombre, premier_at = db.session.execute(upsert).one()
    premier_at = UTCDateTime().process_result_value(premier_at, db.engine.dialect)
    if attente:
        return nombre, sanctionner(regle, cle, nombre, now, premier_at)
    return nombre, regle.attente_apres(nombre, premier_at, now)


def sanctionner(regle: Regle, cle: str, nombre: int, now: datetime,
                premier_at: datetime | None = None) -> timedelta | None:
    """Write the wait ``nombre`` tries impose under ``cle`` (never shortening a longer one
    written by a request that counted earlier and arrives later); the wait, or None."""
    if premier_at is None:
        premier_at = db.session.scalar(sa.select(LimiteTentatives.premier_at).where(
            LimiteTentatives.cle == cle)) or now
    attendre = regle.attente_apres(nombre, premier_at, now)
    if attendre is not None:
        table = LimiteTentatives.__table__
        jusqua = sa.literal(now + attendre, UTCDateTime())
        db.session.execute(sa.update(table).where(table.c.cle == cle).values(
            attente_jusqua=sa.case((table.c.attente_jusqua > jusqua, table.c.attente_jusqua),
                                   else_=jusqua)))
    return attendre


def decompter(cle: str) -> None:
    """Take one counted try back (it turned out to be a success)."""
    table = LimiteTentatives.__table__
    db.session.execute(sa.update(table).where(table.c.cle == cle, table.c.nombre > 0)
                       .values(nombre=table.c.nombre - 1))


def effacer(*cles: str) -> None:
    if cles:
        db.session.execute(sa.delete(LimiteTentatives).where(LimiteTentatives.cle.in_(cles)))


def en_cours(*, user: User | None = None, now: datetime | None = None
             ) -> list[LimiteTentatives]:
    """The counters that make someone wait now (of one account, or all), longest first."""
    now = now or utcnow()
    query = sa.select(LimiteTentatives).where(LimiteTentatives.attente_jusqua > now)
    if user is not None:
        query = query.where(LimiteTentatives.user_id == user.id)
    return list(db.session.scalars(query.order_by(LimiteTentatives.attente_jusqua.desc())))


def lever(*, user: User | None = None, cle: str | None = None) -> int:
    """An administrator lifts the waits of an account (every counter naming it), or one
    counter: how many were lifted."""
    query = sa.delete(LimiteTentatives)
    if user is not None:
        query = query.where(LimiteTentatives.user_id == user.id)
    elif cle is not None:
        query = query.where(LimiteTentatives.cle == cle)
    else:
        return 0
    return db.session.execute(query).rowcount


# --- Keys ------------------------------------------------------------------------------


def cle_compte(email: str) -> str:
    """An account's key, from the e-mail as typed (normalised), known or not: no raw
    attacker-chosen string as a key, and an unknown address counted like a known one."""
    empreinte = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:40]
    return CONNEXION_COMPTE.cle(empreinte)


def cle_adresse(adresse: str) -> str:
    """An address's key; an IPv6 client is counted by its /64 (one subscriber's block)."""
    try:
        ip = ipaddress.ip_address(adresse)
    except ValueError:
        return CONNEXION_ADRESSE.cle(adresse[:60] or "inconnue")
    if ip.version == 6:
        if ip.ipv4_mapped:
            return CONNEXION_ADRESSE.cle(str(ip.ipv4_mapped))
        return CONNEXION_ADRESSE.cle(str(ipaddress.ip_network(f"{ip}/64", strict=False)))
    return CONNEXION_ADRESSE.cle(str(ip))


# --- « Postes connus » (the OWASP device cookie) -----------------------------------------

COOKIE_POSTES = "crise_postes"
POSTES_MAX = 20
POSTES_DUREE = timedelta(days=180)


def _signeur() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="crise-postes")


def empreinte_session(user: User) -> str:
    """A short print of the account's session token, which a password change, a reset or
    a disabling renews: a poste known before that is known no more."""
    return hashlib.sha256((user.session_token or "").encode()).hexdigest()[:12]


def postes_connus(valeur: str | None) -> dict[int, tuple[str, str]]:
    """The accounts this browser has logged in with (account id → (the browser's nonce, the
    account's print then)), from its signed cookie; nothing when the cookie is absent,
    forged or too old."""
    if not valeur:
        return {}
    try:
        entrees = _signeur().loads(valeur, max_age=int(POSTES_DUREE.total_seconds()))
        return {int(uid): (str(nonce)[:40], str(empreinte)[:12])
                for uid, nonce, empreinte in entrees[:POSTES_MAX]}
    except (BadData, TypeError, ValueError):
        return {}


def cookie_postes(connus: dict[int, tuple[str, str]], user: User) -> str:
    """The cookie's new value once ``user`` logged in here: this browser is now (still) a
    known poste for it, the most recent first."""
    nonce = connus[user.id][0] if user.id in connus else secrets.token_urlsafe(16)
    entrees = [[user.id, nonce, empreinte_session(user)]] + [
        [uid, n, e] for uid, (n, e) in connus.items() if uid != user.id]
    return _signeur().dumps(entrees[:POSTES_MAX])
