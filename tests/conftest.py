"""Fixtures: the app on a real database (SQLite file, or PostgreSQL via DATABASE_URL),
the test client and CLI runner, login helpers and ``create_*`` factories; helpers that
read generated PDFs back (render, decode_qr, pdf_text)."""

import os
import re
import subprocess
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.serving import make_server

from crise import create_app, signals
from crise.auth import services as auth_services
from crise.auth.models import ActeurSysteme, Role, User
from crise.care.pdf import BADGE_H, BADGE_W, COLUMNS, MARGIN_X, MARGIN_Y, PAGE_W, ROWS
from crise.db import utcnow
from crise.evenements import services as ev_services
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import mairie_by_code
from crise.mairies.services import load_mairies

PASSWORD = "mot-de-passe-de-test"
# Who acts when a test sets things up: not a person, named in the audit trail.
TESTS = ActeurSysteme("tests")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """One database per test session, built with the real migrations."""
    url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "crise-test.sqlite3"))
    app = create_app(_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import upgrade

        with db.engine.begin() as conn:
            db.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        db.engine.dispose()
    return url


def _config(url, instance_path, **extra):
    return {
        "TESTING": True,
        "CRISE_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance_path),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        **extra,
    }


def _empty_database():
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # The main courante refuses deletion but for a purge (see crise_purge).
            conn.execute(sa.text("INSERT INTO crise_purge (jeton) VALUES (1)"))
            for table in tables:
                if table.name != "crise_purge":
                    conn.execute(table.delete())
            conn.execute(sa.text("DELETE FROM crise_purge"))
            # Deleting people and passages wrote lines of change to their counts (the
            # triggers of crise.care.comptes), whatever order the tables went in.
            for table in ("care_compte_delta", "care_flux_delta"):
                conn.execute(sa.text(f"DELETE FROM {table}"))


def _prepare(app):
    with app.app_context():
        _empty_database()
        load_mairies()
        db.session.commit()


@pytest.fixture
def app_config():
    """Override in a test module to change the configuration of ``app``."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    app = create_app(_config(database_url, tmp_path / "instance", **app_config))
    _prepare(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_user(app):
    """create_user(role="admin", mairie=None, email=None, password=PASSWORD, actif=True)."""
    counter = iter(range(1, 10_000))

    def factory(role=Role.ADMIN, mairie=None, email=None, password=PASSWORD, actif=True,
                nom=""):
        role = Role(role)
        if mairie is None and role.is_mairie_role:
            mairie = "11e"
        email = email or f"{role.value}.{next(counter)}@paris.test"
        with app.app_context():
            user, _ = auth_services.creer_compte(
                TESTS, email=email, role=role, nom=nom or email.split("@")[0],
                mairie=mairie_by_code(mairie) if mairie else None, password=password)
            user.actif = actif
            db.session.commit()
            db.session.refresh(user)
            user.mairie  # load it before detaching
            db.session.expunge(user)
        return user

    return factory


@pytest.fixture
def create_evenement(app, create_user):
    """create_evenement(titre=..., mairies=("11e",), exercice=False, source="scop", by=None)."""

    def factory(titre="Incendie rue de la Roquette", mairies=("11e",), exercice=False,
                source="scop", type="incendie", by=None, survenu_at=None, **fields):
        with app.app_context():
            actor = db.session.get(User, by.id) if by else db.session.scalar(
                sa.select(User).where(User.role == Role.ADMIN).limit(1))
            if actor is None:
                actor = db.session.get(User, create_user(Role.ADMIN).id)
            data = ev_services.EvenementData(
                titre=titre, type=type, survenu_at=survenu_at or utcnow() - timedelta(hours=1),
                source_information=source, exercice=exercice,
                mairies=[mairie_by_code(code) for code in mairies], **fields)
            evenement, _ = ev_services.declarer_evenement(actor, data)
            db.session.commit()
            db.session.refresh(evenement)
            evenement.mairies  # loaded before detaching
            db.session.expunge(evenement)
        return evenement

    return factory


@pytest.fixture
def create_site(app):
    """create_site(mairie="11e", nom=..., capacite=50)."""

    def factory(mairie="11e", nom="Gymnase Japy", adresse="2 rue Japy, 75011 Paris",
                capacite=50):
        from crise.care.models import Site

        with app.app_context():
            site = Site(mairie_id=mairie_by_code(mairie).id, nom=nom, adresse=adresse,
                        capacite=capacite)
            db.session.add(site)
            db.session.commit()
            db.session.refresh(site)
            db.session.expunge(site)
        return site

    return factory


@pytest.fixture
def create_centre(app, create_user, create_evenement, create_site):
    """create_centre(mairie="11e", capacite=50, evenement=None, exercice=False)."""

    def factory(mairie="11e", capacite=50, evenement=None, exercice=False, by=None,
                nom="Gymnase Japy"):
        from crise.care import services as care_services
        from crise.care.models import CentreAccueil, Site

        evenement = evenement or create_evenement(mairies=(mairie,), exercice=exercice)
        site = create_site(mairie=mairie, capacite=capacite, nom=nom)
        by = by or create_user("responsable_care", mairie=mairie)
        with app.app_context():
            centre, _ = care_services.ouvrir_centre(
                db.session.get(User, by.id), db.session.get(Evenement, evenement.id),
                site=db.session.get(Site, site.id), capacite=capacite,
                responsable_nom="Claire Dupont")
            db.session.commit()
            centre = db.session.get(CentreAccueil, centre.id)
            centre.evenement, centre.mairie
            db.session.expunge(centre)
        return centre

    return factory


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password=PASSWORD, follow_redirects=False):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/auth/connexion", data={"email": email, "password": password},
                                 follow_redirects=follow_redirects)

    def logout(self):
        return self._client.post("/auth/deconnexion")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(create_user, auth):
    """login_as(role, mairie=None): create an account of that role and log it in."""

    def do(role=Role.ADMIN, mairie=None, **kwargs):
        user = create_user(role, mairie=mairie, **kwargs)
        response = auth.login(user)
        assert response.status_code == 302, "login failed"
        return user

    return do


def get_db_object(app, model, object_id):
    with app.app_context():
        obj = db.session.get(model, object_id)
        if obj is not None:
            db.session.expunge(obj)
        return obj


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


# --- Browser tests: a live server and Debian's chromium -----------------------------------


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    """The app served on a free local port, CSRF on, sharing the test database."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("live-instance"),
                             WTF_CSRF_ENABLED=True, BOARD_REFRESH_SECONDS=1,
                             PAGE_REFRESH_SECONDS=2))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright's pages open relative URLs on the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The browser of a Paris desk: French locale, Paris time, a laptop screen."""
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris",
            "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--lang=fr-FR"]}


__all__ = ["PASSWORD", "get_db_object", "count", "csrf_token_from", "Evenement"]


@pytest.fixture
def faits():
    """Every fait announced (crise.signals) during the test, as (signal name, fait)."""
    seen = []

    def receiver(fait, signal):
        seen.append((signal, fait))

    signals.tout.connect(receiver)
    yield seen
    signals.tout.disconnect(receiver)


# --- PDFs read back as a printer and a phone would --------------------------------------


def render(pdf: bytes, tmp_path, page=1, dpi=150):
    path = tmp_path / "badges.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(tmp_path / "page")], check=True)
    return tmp_path / "page.png"


def _zbar(png) -> set[str]:
    result = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True,
                            text=True)
    return {line for line in result.stdout.splitlines() if line}


def decode_qr(png) -> list[str]:
    """Every QR code of a rendered page, as a phone held over each badge would read it.

    zbar scanning a whole sheet of eight now and then misses one code that it reads alone
    (about 1 in 1,000 at 150 dpi): the page is also cut along the badge grid and each badge
    read on its own, so a test fails only when a badge really does not scan.
    """
    found = _zbar(png)
    with Image.open(png) as page:
        scale = page.width / PAGE_W
        for row in range(ROWS):
            for column in range(COLUMNS):
                left, top = MARGIN_X + column * BADGE_W, MARGIN_Y + row * BADGE_H
                cell = page.crop((round(left * scale), round(top * scale),
                                  round((left + BADGE_W) * scale),
                                  round((top + BADGE_H) * scale)))
                cell_png = png.with_name(f"badge-{row}-{column}.png")
                cell.save(cell_png)
                found |= _zbar(cell_png)
    return sorted(found)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def ecriture_en_cours() -> bool:
    """Whether the current transaction has written (SQLite: it holds the only writer's lock,
    every desk waits for it). A document is built before its audit entry is written."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as autre:
            autre.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                autre.exec_driver_sql("BEGIN IMMEDIATE")
            except sa.exc.OperationalError:
                return True
            autre.rollback()
        return False
    return db.session.scalar(sa.text("SELECT pg_current_xact_id_if_assigned()")) is not None


def construit_sans_ecrire(fonction, constats: list):
    """``fonction`` wrapped: it notes, each time it is called, whether a write was pending."""
    def enveloppe(*args, **kwargs):
        constats.append(ecriture_en_cours())
        return fonction(*args, **kwargs)
    return enveloppe
