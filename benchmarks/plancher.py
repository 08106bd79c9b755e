"""The floor the load benchmark compares with: the same three requests a desk makes (a form
with a hidden token, a POST that inserts one row and redirects, the row's page), done by the
bare minimum — a WSGI function and the database driver, no framework, no session, no
template. Served by the same gunicorn settings as the application:

    BARE_DATABASE=/tmp/x.sqlite3 gunicorn --pythonpath benchmarks plancher:app
    BARE_DATABASE=postgresql://… (psycopg's form)

SQLite is opened as the application opens it (WAL, synchronous=FULL, busy_timeout).
"""

import os
import secrets
import threading

CIBLE = os.environ.get("BARE_DATABASE", "")
_local = threading.local()
FORMULAIRE = ('<!doctype html><title>Plancher</title><form method="post" action="/inserer">'
              '<input type="hidden" name="jeton" value="{}"><input name="nom">'
              '<button>Enregistrer</button></form>')


def _connexion():
    conn = getattr(_local, "conn", None)
    if conn is None:
        if CIBLE.startswith("postgresql"):
            import psycopg

            conn = psycopg.connect(CIBLE)
        else:
            import sqlite3

            conn = sqlite3.connect(CIBLE, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA synchronous=FULL")
        _local.conn = conn
    return conn


def preparer() -> None:
    """The one table (called by the benchmark before starting the server)."""
    conn = _connexion()
    if CIBLE.startswith("postgresql"):
        conn.execute("CREATE TABLE IF NOT EXISTS plancher (id SERIAL PRIMARY KEY, "
                     "nom VARCHAR(200) NOT NULL, jeton VARCHAR(40) NOT NULL)")
        conn.commit()
    else:
        conn.execute("CREATE TABLE IF NOT EXISTS plancher (id INTEGER PRIMARY KEY, "
                     "nom VARCHAR(200) NOT NULL, jeton VARCHAR(40) NOT NULL)")


def _inserer(nom: str, jeton: str) -> int:
    conn = _connexion()
    if CIBLE.startswith("postgresql"):
        ident = conn.execute("INSERT INTO plancher (nom, jeton) VALUES (%s, %s) RETURNING id",
                             (nom, jeton)).fetchone()[0]
        conn.commit()
        return ident
    return conn.execute("INSERT INTO plancher (nom, jeton) VALUES (?, ?)", (nom, jeton)).lastrowid


def _lire(ident: int) -> str | None:
    conn = _connexion()
    marque = "%s" if CIBLE.startswith("postgresql") else "?"
    ligne = conn.execute(f"SELECT nom FROM plancher WHERE id = {marque}", (ident,)).fetchone()
    if CIBLE.startswith("postgresql"):
        conn.commit()
    return ligne[0] if ligne else None


def app(environ, start_response):
    from urllib.parse import parse_qs

    chemin, methode = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if methode == "GET" and chemin == "/formulaire":
        corps, statut, entetes = FORMULAIRE.format(secrets.token_urlsafe(16)), "200 OK", []
    elif methode == "POST" and chemin == "/inserer":
        taille = int(environ.get("CONTENT_LENGTH") or 0)
        champs = parse_qs(environ["wsgi.input"].read(taille).decode())
        ident = _inserer(champs["nom"][0], champs["jeton"][0])
        corps, statut, entetes = "", "303 See Other", [("Location", f"/fiche/{ident}")]
    elif methode == "GET" and chemin.startswith("/fiche/"):
        nom = _lire(int(chemin.rsplit("/", 1)[1]))
        corps, statut, entetes = (f"<!doctype html><h1>{nom}</h1>", "200 OK", []) if nom else (
            "", "404 Not Found", [])
    else:
        corps, statut, entetes = "", "404 Not Found", []
    donnees = corps.encode()
    start_response(statut, [("Content-Type", "text/html; charset=utf-8"),
                            ("Content-Length", str(len(donnees))), *entetes])
    return [donnees]
