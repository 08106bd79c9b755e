"""« crise »: crisis-management toolkit for the Ville de Paris and its mairies."""

import ipaddress
import os
import secrets
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, render_template, session
from werkzeug.routing import IntegerConverter

from crise.config import Defaults
from crise.http import CleanRequest

PACKAGE_DIR = Path(__file__).resolve().parent


class ConfigurationError(RuntimeError):
    pass


class IdentifiantConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config=None):
    """The application. ``test_config`` may carry INSTANCE_PATH (tests keep theirs apart)."""
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.request_class = CleanRequest
    # A record id in a URL is a database integer: a longer number typed by hand is a page
    # that does not exist (404), not a database error.
    app.url_map.converters["int"] = IdentifiantConverter
    load_config(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_request_hooks(app)
    return app


def load_config(app, test_config=None):
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name in ("SECRET_KEY", "CRISE_ENV"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("CRISE_DPO_CONTACT"):
        app.config["CRISE_DPO_CONTACT"] = os.environ["CRISE_DPO_CONTACT"]
    if os.environ.get("CRISE_PROXIES_DE_CONFIANCE"):
        app.config["PROXIES_DE_CONFIANCE"] = os.environ["CRISE_PROXIES_DE_CONFIANCE"].split(",")
    if test_config:
        app.config.from_mapping(test_config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "crise.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A file on this host: no connection to test before each use (a round trip on a
        # server; SQLite has none to lose).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items()
            if k != "pool_pre_ping"}

    # The session cookie travels only over HTTPS in production (the documented reverse
    # proxy); CRISE_COOKIE_SECURE=0 for a server reached without one (a laptop on its own).
    # instance/config.py may say SESSION_COOKIE_SECURE = False as well.
    secure = os.environ.get("CRISE_COOKIE_SECURE")
    if secure in ("0", "1"):
        app.config["SESSION_COOKIE_SECURE"] = secure == "1"
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["CRISE_ENV"] == "production"

    for proxy in app.config.get("PROXIES_DE_CONFIANCE") or ():
        try:
            ipaddress.ip_network(str(proxy).strip(), strict=False)
        except ValueError:
            raise ConfigurationError(
                f"CRISE_PROXIES_DE_CONFIANCE : « {proxy} » n'est ni une adresse ni un réseau "
                "(exemples : 10.0.0.2, 10.0.0.0/24).") from None

    if not app.config.get("SECRET_KEY"):
        if app.config["CRISE_ENV"] == "production":
            raise ConfigurationError(
                "SECRET_KEY n'est pas définie : en production, exportez SECRET_KEY (ou "
                "définissez-la dans instance/config.py) ; sur un poste de développement, "
                "lancez avec CRISE_ENV=development."
            )
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def normalise_database_url(uri: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def _instance_secret_key(instance: Path) -> str:
    """A random key generated once for development and kept in instance/."""
    path = instance / "secret_key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _sqlite_pragmas(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # FULL, not NORMAL: in WAL mode NORMAL may lose the last committed transactions on a
    # power cut or an OS crash (SQLite's documentation) — a C.A.RE on one laptop. Its cost
    # is in benchmarks/bench_care.py (registration).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


if not sa.event.contains(sa.engine.Engine, "connect", _sqlite_pragmas):
    sa.event.listen(sa.engine.Engine, "connect", _sqlite_pragmas)


def register_extensions(app):
    from flask_migrate import Migrate

    from crise.extensions import csrf, db, login_manager

    db.init_app(app)

    @app.before_request
    def rien_a_relire_apres_un_commit():
        # A request's objects hold what it read and wrote: a commit need not make it read
        # them all again (the user, the record it just registered). Registered before every
        # other hook; set back after the request (a test's own session goes on as usual).
        from flask import g

        session = db.session()
        g.expiration_avant = session.expire_on_commit
        session.expire_on_commit = False

    @app.teardown_request
    def relire_apres_un_commit(_error=None):
        from flask import g

        db.session().expire_on_commit = g.pop("expiration_avant", True)
    Migrate().init_app(app, db, directory=str(PACKAGE_DIR / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = "Votre session a expiré : reconnectez-vous."
    # "basic", not "strong": a desk tablet whose 4G address changes must not be logged out
    # mid-registration. Stolen sessions are bounded by the 30-minute inactivity limit and
    # by the session token, rotated on password change and when the account is disabled.
    login_manager.session_protection = "basic"


def register_blueprints(app):
    import importlib

    from crise import (audit, auth, care, carte, cellule, evenements, exercices, hebergement,
                       main, pcs, retex, rgpd, scop)

    for package in (auth, audit, evenements, care, scop, hebergement, cellule, exercices,
                    retex, pcs, carte, rgpd):
        for module in package.BRANCHEMENTS:
            importlib.import_module(f"{package.__name__}.{module}")
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(evenements.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(care.bp)
    app.register_blueprint(scop.bp)
    app.register_blueprint(hebergement.bp)
    app.register_blueprint(cellule.bp)
    app.register_blueprint(exercices.bp)
    app.register_blueprint(retex.bp)
    app.register_blueprint(pcs.bp)
    app.register_blueprint(carte.bp)
    app.register_blueprint(rgpd.bp)


def register_errorhandlers(app):
    from flask_wtf.csrf import CSRFError

    messages = {
        400: ("Requête invalide", "La demande envoyée n'a pas pu être comprise."),
        403: ("Accès refusé", "Votre rôle ou votre mairie ne vous donne pas accès à cette page."),
        404: ("Page introuvable", "Cette page n'existe pas, ou vous n'y avez pas accès."),
        405: ("Action impossible", "Cette action n'est pas permise à cette adresse."),
        413: ("Envoi trop volumineux", "Les données envoyées dépassent la taille permise. "
                                       "Rien n'a été enregistré."),
        429: ("Trop de tentatives", "Trop de tentatives en peu de temps. Patientez quelques "
                                    "minutes avant de réessayer."),
        500: ("Erreur interne", "Une erreur inattendue s'est produite. Rien n'a été enregistré "
                                "par la dernière action ; réessayez, puis prévenez l'administrateur "
                                "si le problème continue."),
    }

    def render(code, title=None, text=None):
        default_title, default_text = messages[code]
        return render_template("errors/error.html", code=code, title=title or default_title,
                               text=text or default_text), code

    def handle_csrf(error):
        from flask import flash, redirect, request, url_for
        from flask_login import current_user

        if request.endpoint == "auth.login":
            flash("La page de connexion avait expiré : connectez-vous à nouveau.", "info")
            return redirect(url_for("auth.login", next=request.args.get("next")))
        if request.method == "POST" and not current_user.is_authenticated:
            from crise.auth.views import retour_au_formulaire

            return retour_au_formulaire()
        return render(400, "Formulaire expiré",
                      "Le formulaire a expiré ou n'est pas valide (jeton de sécurité manquant). "
                      "Rechargez la page et recommencez : rien n'a été enregistré.")

    def handle_500(error):
        from flask import g, request

        from crise.extensions import db
        db.session.rollback()
        if request.method == "POST" and g.get("commit_fait") and g.get("enregistre"):
            # The error came after the view committed what it said it saved (a counter
            # committed on its own does not count): it exists, say so and where.
            texte, url = g.enregistre
            return render_template(
                "errors/error.html", code=500, title="Enregistré, mais la page suivante "
                "n'a pas pu s'afficher",
                text=f"{texte} : c'est bien enregistré. Ne renvoyez pas le formulaire. Une "
                "erreur s'est produite ensuite ; prévenez l'administrateur si elle revient.",
                lien=url), 500
        return render(500)

    app.register_error_handler(CSRFError, handle_csrf)
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda error, code=code: render(code))
    app.register_error_handler(500, handle_500)


def register_template_helpers(app):
    from crise import formatting
    from crise.auth.models import Role
    from crise.http import draft_scope, query_args

    app.jinja_env.filters["dt"] = formatting.format_datetime
    app.jinja_env.filters["date_fr"] = formatting.format_date
    app.jinja_env.filters["ago"] = formatting.format_ago
    app.jinja_env.filters["duree"] = formatting.format_duree
    app.jinja_env.globals["now_paris"] = formatting.now_paris
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["query_args"] = query_args
    app.jinja_env.globals["draft_scope"] = draft_scope


def register_commands(app):
    from crise import cli

    cli.register(app)


def register_request_hooks(app):
    @app.before_request
    def session_cookie_dies_with_the_browser():
        # Inactivity, the absolute lifetime and the logout are the server's business
        # (crise.auth.sessions): the cookie itself is gone when the browser closes. Set only
        # when it was not so: setting it marks the session changed, and every answer would
        # then write the cookie it was sent, so a board's refresh sent before a post and
        # answered after it would erase what the post put there (its message).
        if session.permanent:
            session.permanent = False

    @app.before_request
    def commits_of_the_view_only():
        # Registered last: loading the user (which notes the session's use) has committed
        # already; from here on, a commit is the view's own (see crise.db).
        from flask import g

        g.commit_fait = False

    @app.after_request
    def security_headers(response):
        from flask import g, request

        if request.cookies.get("crise_auto"):  # a page reloading itself: said once
            response.delete_cookie("crise_auto", samesite="Strict")
        # Every page an account sees may hold personal data: no cache keeps it. (The user
        # as already loaded for this request: loading it here could start over.)
        user = g.get("_login_user")
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), "
            "usb=(), interest-cohort=()")
        if app.config["CRISE_ENV"] == "production":
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        )
        return response
