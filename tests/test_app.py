"""The app factory, configuration, database setup and error pages."""

import sqlalchemy as sa
import pytest

from crise import ConfigurationError, create_app, normalise_database_url
from crise.extensions import db
from tests.conftest import PASSWORD


def test_config_from_test_config(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"


def test_production_without_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CRISE_ENV", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_development_generates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CRISE_ENV", "development")
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(first.config["SECRET_KEY"]) >= 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_config_then_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nAUDIT_PAGE_SIZE = 7\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["AUDIT_PAGE_SIZE"] == 7
    monkeypatch.setenv("SECRET_KEY", "from-environment")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == "from-environment"


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/crise.sqlite3"


def test_database_url_from_environment_uses_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/crise")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/crise"
    assert normalise_database_url("postgres://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_database_engine_settings(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.engine.dialect.driver == "psycopg"
            return
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000


def test_migrations_match_the_models(app):
    """A model changed without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_404_page_in_french(client, login_as):
    login_as("admin")
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_500_page_in_french_and_rolls_back(app, client, login_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    login_as("admin")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Erreur interne" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/auth/connexion")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_static_assets_are_local(client):
    html = client.get("/auth/connexion").get_data(as_text=True)
    assert "/static/css/crise.css" in html
    assert "http://" not in html and "https://" not in html
    for asset in ("/static/css/crise.css", "/static/css/print.css", "/static/js/crise.js"):
        with client.get(asset) as response:
            assert response.status_code == 200


def test_delays_are_shown_honestly():
    from datetime import timedelta

    from crise.formatting import format_duree

    assert format_duree(timedelta(seconds=50)) == "50 s"
    assert format_duree(timedelta(seconds=89)) == "1 min"
    assert format_duree(timedelta(seconds=150)) == "3 min"  # 2 min 30 s, to the nearest
    assert format_duree(timedelta(minutes=65, seconds=40)) == "1 h 06"
    assert format_duree(timedelta(hours=50)) == "2 j 2 h"


def test_text_loses_the_marks_that_would_display_it_reversed():
    from crise.text import clean, clean_line

    # A right-to-left override pasted in a name or a title.
    assert clean_line("Dans la tour\u202e ruot") == "Dans la tour ruot"
    assert clean("a\u2066b\u2069c\u202ad\u202c") == "abcd"
    # What scripts need stays: Persian's zero-width non-joiner, the RLM mark.
    assert clean_line("می\u200cخواهم \u200fשלום") == "می\u200cخواهم \u200fשלום"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_every_post_route_refuses_a_forged_request(app, client, create_user, app_config):
    """CSRF on every POST: enumerated from the application, so that a new route is covered
    the day it is written. Logged in as an administrator (every route within reach), a post
    without the form's token is refused before anything is done."""
    import re as _re

    user = create_user("admin")
    page = client.get("/auth/connexion").get_data(as_text=True)
    token = _re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/connexion", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token}).status_code == 302
    acceptees = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("auth.login", "static"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = _re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{arg}>", "1", url)
        response = client.post(url, data={"texte": "forgé", "motif": "forgé"})
        if response.status_code != 400:
            acceptees.append(f"{url} → {response.status_code}")
    assert acceptees == []


def test_a_record_id_too_long_for_the_database_is_a_missing_page(client, login_as):
    login_as("cellule")
    for url in ("/pcs/annuaire/99999999999999999999", "/care/sites/99999999999999999999",
                "/evenements/99999999999999999999", "/carte/evenements/2147483648"):
        assert client.get(url).status_code == 404, url
