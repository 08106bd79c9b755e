"""Backups and their restore, both tested (tests/test_sauvegarde.py).

SQLite: SQLite's online backup API copies the database page by page while the desks keep
registering (a consistent snapshot, WAL included), into a temporary file that is checked
(``PRAGMA integrity_check``) before it takes its final name. PostgreSQL: ``pg_dump`` in its
custom format, restored by ``pg_restore``.

A restore goes into the database the configuration names, which should be a new one (a
replacement server) or one whose application is stopped: it replaces everything in it.
"""

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from crise.errors import ServiceError
from crise.formatting import file_stamp


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ServiceError("Cette base SQLite n'est pas un fichier : rien à sauvegarder.")
    return Path(url.database)


def _libpq(url: sa.engine.URL) -> tuple[str, dict]:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name), and their
    environment: the password goes through PGPASSWORD, never on a command line that
    « ps » shows to every user of the server."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _outil(nom: str) -> str:
    chemin = shutil.which(nom)
    if chemin is None:
        raise ServiceError(f"{nom} est introuvable : installez le client PostgreSQL "
                           "(paquet Debian postgresql-client) de la version du serveur.")
    return chemin


def nom_par_defaut(url: str, dossier: Path, now: datetime) -> Path:
    suffixe = ".sqlite3" if sa.engine.make_url(url).get_backend_name() == "sqlite" else ".dump"
    return dossier / f"crise-{file_stamp(now)}{suffixe}"


def sauvegarder(url: str, destination: Path) -> Path:
    """A consistent copy of the database at ``url`` in ``destination``; its path."""
    parsed = sa.engine.make_url(url)
    # Every person's data is in it: readable by its owner alone, from its first byte.
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    provisoire = destination.with_name(destination.name + ".partiel")
    provisoire.unlink(missing_ok=True)
    os.close(os.open(provisoire, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(provisoire, 0o600)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{_sqlite_path(parsed)}?mode=ro", uri=True)
        copie = sqlite3.connect(provisoire)
        try:
            with copie:
                source.backup(copie, pages=1024)
            verdict = copie.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copie.close()
            source.close()
        if verdict != "ok":
            provisoire.unlink(missing_ok=True)
            raise ServiceError(f"La copie n'est pas intègre ({verdict}) : recommencez.")
    else:
        cible, env = _libpq(parsed)
        resultat = subprocess.run(
            [_outil("pg_dump"), "--format=custom", "--no-owner", "--file", str(provisoire),
             "--dbname", cible], capture_output=True, text=True, env=env)
        if resultat.returncode != 0:
            provisoire.unlink(missing_ok=True)
            raise ServiceError("pg_dump a échoué : " + resultat.stderr.strip()[:500])
    provisoire.replace(destination)
    return destination


def restaurer(url: str, source: Path) -> None:
    """Put the backup ``source`` into the database at ``url`` (everything in it replaced)."""
    if not source.is_file():
        raise ServiceError(f"Sauvegarde introuvable : {source}")
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        sauvegarde = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            verdict = sauvegarde.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise ServiceError(f"Cette sauvegarde n'est pas intègre ({verdict}).")
            cible = sqlite3.connect(_sqlite_path(parsed))
            try:
                with cible:
                    sauvegarde.backup(cible)
            finally:
                cible.close()
        except sqlite3.DatabaseError as error:
            raise ServiceError(f"Ce fichier n'est pas une sauvegarde SQLite : {error}") from None
        finally:
            sauvegarde.close()
        return
    cible, env = _libpq(parsed)
    resultat = subprocess.run(
        [_outil("pg_restore"), "--clean", "--if-exists", "--no-owner", "--exit-on-error",
         "--dbname", cible, str(source)], capture_output=True, text=True, env=env)
    if resultat.returncode != 0:
        raise ServiceError("pg_restore a échoué : " + resultat.stderr.strip()[:500])
