"""Sessions known to the server (OWASP ASVS V3): a session is a row, the cookie carries its
random key. Logging out, the absolute lifetime (a desk shift), 30 minutes without use, a
password change, a disabled account or an administrator end it on the server, whatever the
browser kept: a cookie copied before the logout opens nothing after it.

A board's own refresh (a fetch every 10 s, the cellule's pages reloading themselves) is not
use: only a declared wall display keeps its session alive that way.
"""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from crise.auth.models import SessionCompte, User
from crise.db import utcnow
from crise.extensions import db

# The last use is written at most this often (not one write per request).
NOTER_TOUTES = timedelta(seconds=60)
MOTIFS = {"deconnexion": "Déconnexion", "duree": "Durée maximale atteinte",
          "inactivite": "Inactivité", "mot_de_passe": "Mot de passe changé",
          "desactive": "Compte désactivé", "admin": "Fermée par un administrateur"}


def ouvrir(user: User, *, adresse: str = "", navigateur: str = "",
           now: datetime | None = None) -> SessionCompte:
    now = now or utcnow()
    session = SessionCompte(id=secrets.token_urlsafe(32), user_id=user.id, ouverte_at=now,
                            vue_at=now, adresse=adresse[:64], navigateur=navigateur[:200])
    db.session.add(session)
    db.session.flush()
    return session


def duree_max(session: SessionCompte) -> timedelta:
    config = current_app.config
    return config["SESSION_DUREE_MUR"] if session.mur else config["SESSION_DUREE_MAX"]


def valider(cle: str | None, user: User, *, automatique: bool = False,
            now: datetime | None = None, lue: SessionCompte | None = None
            ) -> SessionCompte | None:
    """The user's open session of key ``cle``, its use noted; None (and the session closed)
    when it has ended or outlived its limits. ``lue``: that session, already read."""
    now = now or utcnow()
    session = lue if lue is not None and lue.id == cle else (
        db.session.get(SessionCompte, cle) if cle else None)
    if session is None or session.user_id != user.id or session.fermee_at is not None:
        return None
    if now - session.ouverte_at > duree_max(session):
        fermer(session, "duree", now=now)
        return None
    if now - session.vue_at > current_app.config["PERMANENT_SESSION_LIFETIME"]:
        fermer(session, "inactivite", now=now)
        return None
    if (not automatique or session.mur) and now - session.vue_at >= NOTER_TOUTES:
        session.vue_at = now
    return session


def fermer(session: SessionCompte, motif: str, *, now: datetime | None = None) -> None:
    if session.fermee_at is None:
        session.fermee_at, session.fermee_motif = now or utcnow(), motif
        db.session.flush()


def fermer_toutes(user: User, motif: str, *, sauf: str | None = None,
                  now: datetime | None = None) -> int:
    """End every open session of ``user`` (but ``sauf``, the one acting); how many."""
    condition = [SessionCompte.user_id == user.id, SessionCompte.fermee_at.is_(None)]
    if sauf:
        condition.append(SessionCompte.id != sauf)
    result = db.session.execute(sa.update(SessionCompte).where(*condition).values(
        fermee_at=now or utcnow(), fermee_motif=motif))
    return result.rowcount


def ouvertes(user: User, now: datetime | None = None) -> list[SessionCompte]:
    """The sessions of ``user`` still open (those past their limits are not listed)."""
    now = now or utcnow()
    return [s for s in db.session.scalars(sa.select(SessionCompte).where(
        SessionCompte.user_id == user.id, SessionCompte.fermee_at.is_(None))
        .order_by(SessionCompte.vue_at.desc()))
        if now - s.ouverte_at <= duree_max(s)
        and now - s.vue_at <= current_app.config["PERMANENT_SESSION_LIFETIME"]]
