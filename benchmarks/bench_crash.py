"""Crash figures (issue 16): the load of bench_charge.py (32 desks registering like a
browser) against gunicorn, and at a random moment kill -9 of the master and every worker at
once; gunicorn is started again on the same port and the desks go on — a desk whose POST
got no answer sends it again once the server is back, as an agent presses « Renvoyer ».
Three times. Prints, for each, the registrations acknowledged, those lost (acknowledged
but not in the database: must be 0), duplicated (must be 0), half-written (a record
without its passage or its search keys: must be 0), and the boards' counts that differ from
a count of the rows (kept by triggers in the same transactions: must be 0).

Environment: BENCH_CHARGE_GUICHETS (32), BENCH_CRASH_SECONDES per round (20),
DATABASE_URL (PostgreSQL through scripts/with-postgres.sh; SQLite in a temp folder else).
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _charge  # noqa: E402
from _common import report  # noqa: E402

GUICHETS = int(os.environ.get("BENCH_CHARGE_GUICHETS", "32"))
SECONDES = float(os.environ.get("BENCH_CRASH_SECONDES", "20"))
MANCHES = 3


def manche(numero: int, url: str, env: dict, guichets: list[dict], rng: random.Random):
    port = _charge.port_libre()
    serveurs = [_charge.Serveur("wsgi:app", env, port=port)]
    mesures = {}

    def pendant(debut, fin):
        tue_a = rng.uniform(3, max(4, SECONDES - 8))
        time.sleep(max(0.0, debut + tue_a - time.monotonic()))
        serveurs[-1].tuer()
        mesures["tue_a_s"] = round(tue_a, 1)
        arret = time.monotonic()
        serveurs.append(_charge.Serveur("wsgi:app", env, port=port))
        mesures["redemarrage_s"] = round(time.monotonic() - arret, 1)
        time.sleep(max(0.0, fin - time.monotonic()))

    try:
        tours, _ = _charge.charger("application", [{**g, "port": port} for g in guichets],
                                   SECONDES, f"k{numero}-", relancer=True, pendant=pendant)
    finally:
        for serveur in serveurs:
            serveur.arreter()
    acquittes = [t for t in tours if t[3]]
    controle = _charge.verifier(url, "application", acquittes)
    report("crash.manche", manche=numero, guichets=GUICHETS, secondes=SECONDES,
           acquittes=len(acquittes), coupures=sum(1 for t in tours if t[4] == "coupure"),
           erreurs_5xx=sum(1 for t in tours if t[5] >= 500), **mesures, **controle,
           cible_perdus_doubles_demi_ecrits=0)
    return controle


def main():
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tempfile.mkdtemp(prefix='crise-crash-')}/crise.sqlite3")
    guichets = _charge.preparer_application(url, GUICHETS)
    env = _charge.env_serveur(url)
    rng = random.Random(16)
    perdus = 0
    for numero in range(1, MANCHES + 1):
        controle = manche(numero, url, env, guichets, rng)
        perdus += controle["perdus"]
    # Doubles and half-written records: the database as the three rounds left it.
    totaux = {"perdus": perdus, "doubles": controle["doubles"],
              "demi_ecrits": controle["demi_ecrits"], "comptes_faux": controle["comptes_faux"]}
    report("crash.synthese", manches=MANCHES,
           base="postgresql" if url.startswith("postgresql") else "sqlite", **totaux,
           cible=0)


if __name__ == "__main__":
    main()
