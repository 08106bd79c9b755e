"""Load figures (issue 16): N desks (32 by default, over 8 mairies and 16 C.A.RE) each loop
« open the form → register → open the record » like a browser, against the application under
gunicorn as the README starts it, then the same client against the floor (a WSGI function
and the driver, benchmarks/plancher.py) under the same gunicorn settings; twice each,
alternating. Prints, as JSON lines, registrations per second, latencies, the server's CPU
per registration, the ratio to the floor, 5xx and errors, and checks that every
acknowledged registration is in the database exactly once and whole.

Environment: BENCH_CHARGE_GUICHETS (32), BENCH_CHARGE_SECONDES per phase (20),
DATABASE_URL (PostgreSQL through scripts/with-postgres.sh; SQLite in a temp folder else),
BENCH_CHARGE_INSTANCES (1; 2 = two gunicorn instances on two ports, as two hosts on one
PostgreSQL would be, each desk speaking to one of them).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _charge  # noqa: E402
from _common import report  # noqa: E402

GUICHETS = int(os.environ.get("BENCH_CHARGE_GUICHETS", "32"))
SECONDES = float(os.environ.get("BENCH_CHARGE_SECONDES", "20"))
INSTANCES = int(os.environ.get("BENCH_CHARGE_INSTANCES", "1"))
CIBLE_CPU_MS, CIBLE_RATIO = 8, 0.2


def quantile(valeurs, q):
    valeurs = sorted(valeurs)
    if not valeurs:
        return 0.0
    return valeurs[min(len(valeurs) - 1, max(0, int(round(q * len(valeurs))) - 1))]


def phase(cible: str, env: dict, guichets: list[dict], etiquette: str, pg: bool) -> dict:
    application = cible == "application"
    serveurs = [_charge.Serveur("wsgi:app" if application else "plancher:app", env,
                                chemin=None if application else str(Path(__file__).parent))
                for _ in range(INSTANCES)]
    try:
        mesures = {}

        def pendant(debut, fin):
            time.sleep(max(0.0, debut - time.monotonic()))
            mesures["cpu"] = sum(s.cpu_s() for s in serveurs)
            mesures["pg"] = _charge.cpu_postgresql() if pg else 0.0
            time.sleep(max(0.0, fin - time.monotonic()))
            mesures["cpu"] = sum(s.cpu_s() for s in serveurs) - mesures["cpu"]
            mesures["pg"] = (_charge.cpu_postgresql() - mesures["pg"]) if pg else 0.0
            mesures["memoire"] = [m for s in serveurs for m in s.memoire_workers_mo()]

        # Desk i speaks to instance i % INSTANCES (a load balancer's round robin).
        les_guichets = [{**g, "port": serveurs[i % len(serveurs)].port}
                        for i, g in enumerate(guichets)]
        tours, _ = _charge.charger(cible, les_guichets, SECONDES, etiquette, pendant=pendant)
        erreurs = "".join(s.erreurs() for s in serveurs)
    finally:
        for serveur in serveurs:
            serveur.arreter()
    acquittes = [t for t in tours if t[3]]
    reussis = [t for t in tours if not t[4]]
    n = len(acquittes)
    return {
        "tours": tours, "acquittes": acquittes,
        "par_seconde": round(n / SECONDES, 1),
        "tour_ms": [round(quantile([t[0] for t in reussis], q), 1) for q in (0.5, 0.95, 0.99)],
        "post_ms": [round(quantile([t[1] for t in acquittes], q), 1)
                    for q in (0.5, 0.95, 0.99)],
        "cpu_ms": round(mesures["cpu"] * 1000 / max(n, 1), 2),
        "pg_cpu_ms": round(mesures["pg"] * 1000 / max(n, 1), 2),
        "erreurs_5xx": sum(1 for t in tours if t[5] >= 500),
        "erreurs": sum(1 for t in tours if t[4]),
        "memoire_mo": mesures["memoire"], "journal": erreurs[:300],
    }


def bases() -> tuple[str, str, bool]:
    url = os.environ.get("DATABASE_URL")
    dossier = Path(tempfile.mkdtemp(prefix="crise-charge-"))
    if url:
        return url, url.replace("postgresql+psycopg://", "postgresql://"), True
    return (f"sqlite:///{dossier}/crise.sqlite3", str(dossier / "plancher.sqlite3"), False)


def main():
    url, plancher, pg = bases()
    guichets = _charge.preparer_application(url, GUICHETS)
    os.environ["BARE_DATABASE"] = plancher
    import plancher as plancher_app  # noqa: PLC0415

    plancher_app.CIBLE = plancher
    plancher_app.preparer()
    env = _charge.env_serveur(url, BARE_DATABASE=plancher)
    resultats = {"application": [], "plancher": []}
    for tour in (1, 2):
        for cible in ("application", "plancher"):
            r = phase(cible, env, guichets, f"{cible[0]}{tour}-", pg)
            resultats[cible].append(r)
            report(f"charge.{cible}", guichets=GUICHETS, instances=INSTANCES, tour=tour,
                   secondes=SECONDES, par_seconde=r["par_seconde"],
                   tour_p50_p95_p99_ms=r["tour_ms"], post_p50_p95_p99_ms=r["post_ms"],
                   cpu_serveur_ms=r["cpu_ms"],
                   **({"cpu_postgresql_ms": r["pg_cpu_ms"]} if pg else {}),
                   erreurs_5xx=r["erreurs_5xx"], erreurs=r["erreurs"],
                   memoire_workers_mo=r["memoire_mo"], **({"journal": r["journal"]}
                                                         if r["journal"] else {}))
    app = sum(r["par_seconde"] for r in resultats["application"]) / 2
    nu = sum(r["par_seconde"] for r in resultats["plancher"]) / 2
    cpu = sum(r["cpu_ms"] for r in resultats["application"]) / 2
    cpu_nu = sum(r["cpu_ms"] for r in resultats["plancher"]) / 2
    controle = _charge.verifier(url, "application", [t for r in resultats["application"]
                                             for t in r["acquittes"]])
    controle_nu = _charge.verifier("sqlite:///" + plancher if not pg else url, "plancher",
                           [t for r in resultats["plancher"] for t in r["acquittes"]])
    report("charge.synthese", guichets=GUICHETS, instances=INSTANCES,
           base="postgresql" if pg else "sqlite",
           enregistrements_par_seconde=round(app, 1), plancher_par_seconde=round(nu, 1),
           ratio=round(app / nu, 3) if nu else None, cible_ratio=CIBLE_RATIO,
           cpu_serveur_ms_par_enregistrement=round(cpu, 2), cible_cpu_ms=CIBLE_CPU_MS,
           cpu_plancher_ms=round(cpu_nu, 2),
           perdus=controle["perdus"], doubles=controle["doubles"],
           demi_ecrits=controle["demi_ecrits"], comptes_faux=controle["comptes_faux"],
           plancher_perdus=controle_nu["perdus"], cible_perdus_doubles=0)


if __name__ == "__main__":
    main()
