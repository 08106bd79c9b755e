"""Backups and a restore that is tested (issue 13 §6): `crise sauvegarde` copies the
database (SQLite's online backup API, pg_dump on PostgreSQL), and `crise restaurer` puts it
into a new database, where the people registered before the backup are found again."""

import secrets
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil, Personne
from crise.errors import ServiceError
from crise.extensions import db
from crise.sauvegarde import restaurer


@contextmanager
def base_neuve(database_url, tmp_path):
    """An empty database of the same kind: a replacement server."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield "sqlite:///" + str(tmp_path / "restauree.sqlite3")
        return
    nom = f"crise_restauree_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{nom}"'))
    try:
        yield url.set(database=nom).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)'))
        admin.dispose()


def _enregistrer(app, agent, centre, nom):
    with app.app_context():
        care.enregistrer(db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id),
                         [care.PersonneData(nom=nom, prenom="Сергей", categorie="sinistre")])
        db.session.commit()


def test_a_backup_restored_into_a_new_database_holds_everyone(app, runner, database_url,
                                                             tmp_path, create_user,
                                                             create_centre):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    _enregistrer(app, agent, centre, "Иванов")
    result = runner.invoke(args=["sauvegarde", "--vers", str(tmp_path / "sauvegardes")])
    assert result.exit_code == 0, result.output
    fichier = next((tmp_path / "sauvegardes").iterdir())
    assert "Sauvegarde écrite" in result.output and fichier.stat().st_size > 0
    assert fichier.stat().st_mode & 0o777 == 0o600  # every person's data: its owner only
    _enregistrer(app, agent, centre, "Après la sauvegarde")
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "sauvegarde")).startswith("Sauvegarde de la base")
    with base_neuve(database_url, tmp_path) as url:
        restaurer(url, fichier)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            noms = conn.execute(sa.select(Personne.__table__.c.nom)).scalars().all()
            comptes = conn.execute(sa.select(sa.func.count()).select_from(
                User.__table__)).scalar()
        engine.dispose()
    assert noms == ["Иванов"] and comptes >= 1


def test_the_cli_restores_only_when_told_and_refuses_a_file_that_is_not_a_backup(
        app, runner, tmp_path):
    faux = tmp_path / "pas-une-sauvegarde.sqlite3"
    faux.write_bytes(b"ceci n'est pas une base")
    result = runner.invoke(args=["restaurer", str(faux)])
    assert result.exit_code != 0 and "relancez avec --oui" in result.output
    with app.app_context():
        url = app.config["SQLALCHEMY_DATABASE_URI"]
    if sa.engine.make_url(url).get_backend_name() == "sqlite":
        with pytest.raises(ServiceError, match="n'est pas une sauvegarde"):
            restaurer("sqlite:///" + str(tmp_path / "cible.sqlite3"), faux)
    with pytest.raises(ServiceError, match="introuvable"):
        restaurer(url, tmp_path / "absent.dump")
