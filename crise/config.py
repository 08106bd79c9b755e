"""Configuration defaults.

Order of precedence (last wins): these defaults, ``instance/config.py``, the
environment (``SECRET_KEY``, ``DATABASE_URL``, ``CRISE_ENV``), then the
``test_config`` mapping given to :func:`crise.create_app`.
"""

from datetime import timedelta


class Defaults:
    # "production" unless told otherwise: a server started by gunicorn without
    # a SECRET_KEY must refuse to start rather than run with a guessable one.
    CRISE_ENV = "production"
    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/crise.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Sessions expire after 30 minutes without activity (the cookie is
    # re-signed on every request; Flask checks its age on the server).
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    # Besides inactivity, a session ends after a desk shift whatever its use (a declared
    # wall display after a week); the server knows each one (crise.auth.sessions).
    SESSION_DUREE_MAX = timedelta(hours=12)
    SESSION_DUREE_MUR = timedelta(days=7)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = None  # None: in production only (see create_app)
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "crise_session"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    # No form of this application sends more than a few kilobytes (no file uploads yet): a
    # 50 MB anonymous post must not be read into memory.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds the token
    # Failed logins are throttled per account, per address and per known browser, in the
    # database (crise.auth.limites). The address is the connection's, unless it comes from
    # one of these reverse proxies (addresses or networks; env CRISE_PROXIES_DE_CONFIANCE,
    # comma-separated): then the proxy's X-Forwarded-For names the client.
    # The loopback by default: the README's proxy runs on the same host, and no remote
    # client connects from it.
    PROXIES_DE_CONFIANCE: list[str] = ["127.0.0.1", "::1"]
    # Who the people received write to about their data (the Ville's DPO): printed in the
    # processing register (crise.rgpd.registre). Env CRISE_DPO_CONTACT.
    CRISE_DPO_CONTACT = ""
    # The display time zone: datetimes are stored in UTC.
    TIMEZONE = "Europe/Paris"
    MIN_PASSWORD_LENGTH = 12
    AUDIT_PAGE_SIZE = 50
    # Live boards (support cells…) fetch themselves again this often.
    BOARD_REFRESH_SECONDS = 10
    # The cellule's boards come again whole this often (unless someone is typing in them).
    PAGE_REFRESH_SECONDS = 60
