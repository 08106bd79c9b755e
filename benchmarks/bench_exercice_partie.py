"""A run at scale (issue 11): a 72-hour scenario compressed 24× (three hours of play), 500
injects over the 17 mairies, 200 players. Prints, as JSON lines:

- the delivery lag (from an inject's due time to its row in the players' inbox) with the
  ``tick`` every second and every half second: the wait for the next tick plus the time the
  tick took to deliver (targets: p95 ≤ 1 s);
- a tick with nothing due (target ≤ 10 ms), and one inbox read for a player;
- the animateur's console page once every inject is out (target p95 ≤ 150 ms).

The run's clock is driven by ``now`` (the services take it): the three hours are stepped
through in a few seconds, the work of each tick is timed for real.
"""

import gc
import math
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import percentiles, report, throwaway_app, timed  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from crise.auth.models import LIGNE_DE_COMMANDE, Role, User  # noqa: E402
from crise.auth.services import creer_compte  # noqa: E402
from crise.db import utcnow  # noqa: E402
from crise.exercices import livraisons, services  # noqa: E402
from crise.exercices.plan import plan_de  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.mairies.data import MAIRIES  # noqa: E402

INJECTS, PLAYERS, HOURS, FACTEUR = 500, 200, 72, 24
PASSWORD = "bench-Animation-2027"


def scenario_yaml(codes: list[str]) -> str:
    rng = random.Random(11)
    lines = ["schema: crise-exercice/1", "id: bench-72h", 'titre: "Banc : 72 h en 3 h"',
             "type_evenement: crue", "format: cadre", "horloge:",
             "  t0_scenario: 2027-01-18T08:00:00+01:00",
             f"  segments: [{{reel: PT{HOURS // FACTEUR}H, facteur: {FACTEUR}}}]",
             "objectifs: [{id: OBJ-1, libelle: Accueillir}]", "participants:",
             "  roles: [cellule, scop, dsol, responsable_care, agent_accueil]",
             f"  mairies: [{', '.join(codes)}]",
             "  simules: [{id: pp, libelle: Préfecture de police}]", "injects:"]
    for i in range(INJECTS):
        minutes = rng.randrange(0, HOURS * 60 - 1)
        code = codes[i % len(codes)]
        roles = ["responsable_care", "agent_accueil"] if i % 3 else ["cellule", "scop", "dsol"]
        lines += [f"  - id: INJ-{i:03d}", f'    quand: {{t: "T+{minutes // 60}h{minutes % 60:02d}"}}',
                  "    de: pp", f"    a: {{roles: [{', '.join(roles)}], mairies: [{code}]}}",
                  f'    titre: "Message {i} pour le {code}"',
                  '    message: "Point de situation demandé, familles à accueillir."']
        if i % 5 == 0:  # one inject in five expects an action
            lines.append(f"    attendus: [ATT-{i:03d}]")
    lines.append("attendus:")
    for i in range(0, INJECTS, 5):
        lines.append(f"  - {{id: ATT-{i:03d}, acteur: {{role: responsable_care, mairie: "
                     f"{codes[i % len(codes)]}}}, action: Répondre, delai: PT2H, temps: reel, "
                     "validation: auto, observable: {type: point-situation-recu, filtre: "
                     f"{{mairie: {codes[i % len(codes)]}}}}}}}")
    return "\n".join(lines) + "\n"


def players(codes: list[str]) -> list[User]:
    """200 accounts: in every mairie a responsable and agents; the central roles."""
    from werkzeug.security import generate_password_hash

    mairies = dict(db.session.execute(sa.text("SELECT code, id FROM mairie")).all())
    digest = generate_password_hash(PASSWORD)
    users = []
    central = [Role.CELLULE] * 5 + [Role.SCOP] * 4 + [Role.DSOL] * 4
    for n, role in enumerate(central):
        users.append(User(email=f"c{n}@bench.test", nom=f"Central {n}", role=role,
                          password_hash=digest))
    n = 0
    while len(users) < PLAYERS:
        code = codes[n % len(codes)]
        role = Role.RESPONSABLE_CARE if n < len(codes) * 2 else Role.AGENT_ACCUEIL
        users.append(User(email=f"m{n}@bench.test", nom=f"Mairie {n}", role=role,
                          mairie_id=mairies[code], password_hash=digest))
        n += 1
    db.session.add_all(users)
    db.session.commit()
    return users


def main():
    app = throwaway_app()
    codes = [code for code, _, _ in MAIRIES]
    source = scenario_yaml(codes)
    with app.app_context():
        joueurs = players(codes)
        nombre, dernier = len(joueurs), joueurs[-1].id
        animateur, _ = creer_compte(LIGNE_DE_COMMANDE, email="anim@bench.test",
                                    role=Role.ANIMATEUR, nom="Animateur",
                                    password=PASSWORD)
        db.session.commit()
        debex = utcnow()
        exercice, _ = services.lancer(animateur, source, joueurs, now=debex)
        services.debex(animateur, exercice, now=debex)
        db.session.commit()
        exercice_id = exercice.id
        plan = plan_de(source)
        dus = sorted(debex + plan.horloge.reel_pour(d.moment)[0] / exercice.cadence
                     for d in plan.declencheurs.values())
    report("exercices: run set up", injects=INJECTS, players=nombre,
           mairies=len(codes), scenario_hours=HOURS, speed=FACTEUR)

    for periode in (1.0, 0.5):
        with app.app_context():
            db.session.execute(sa.text("DELETE FROM exercice_attendu"))
            db.session.execute(sa.text("DELETE FROM exercice_destinataire"))
            db.session.execute(sa.text("DELETE FROM exercice_livraison"))
            db.session.commit()
            exercice = db.session.get(services.Exercice, exercice_id)
            # The timer is not in phase with the DEBEX: its ticks fall anywhere.
            phase = 0.37 * periode
            ticks = sorted({debex + timedelta(seconds=phase + math.ceil(
                ((d - debex).total_seconds() - phase) / periode) * periode) for d in dus})
            lags, i = [], 0
            for tick in ticks:
                started = time.perf_counter()
                livrees = livraisons.avancer(exercice, now=tick)
                db.session.commit()
                work = time.perf_counter() - started
                for _ in livrees:
                    lags.append(((tick - dus[i]).total_seconds() + work) * 1000)
                    i += 1
            assert i == INJECTS, (i, INJECTS)
        report(f"exercices: delivery lag, tick every {periode:g} s",
               percentiles(lags), delivered=len(lags), target_p95_ms=1000)

    with app.app_context():
        exercice = db.session.get(services.Exercice, exercice_id)
        fin = debex + timedelta(hours=HOURS // FACTEUR, minutes=1)
        report("exercices: a tick with nothing due",
               timed(lambda: livraisons.avancer(exercice, now=fin), repeat=200, warmup=5),
               target_ms=10)
        joueur = db.session.get(User, dernier)
        report("exercices: a player's inbox (unread count and last 20)",
               timed(lambda: (livraisons.non_lus(joueur), db.session.scalars(
                   livraisons.boite_query(joueur).limit(20)).all()), repeat=100, warmup=5))

    # As wsgi.py does once the app is loaded: what lives as long as the process is frozen
    # out of the collector's walk (else a full collection, one page in ten, costs 120 ms).
    gc.collect()
    gc.freeze()
    client = app.test_client()
    client.post("/auth/connexion", data={"email": "anim@bench.test", "password": PASSWORD})
    assert client.get(f"/exercices/{exercice_id}").status_code == 200
    if "--profil" in sys.argv:
        import cProfile
        import pstats

        cProfile.runctx("for _ in range(10): client.get(f'/exercices/{exercice_id}')",
                        globals(), locals(), "/tmp/console.prof")
        pstats.Stats("/tmp/console.prof").sort_stats("cumulative").print_stats(30)
    report("exercices: the console page, 500 injects out",
           timed(lambda: client.get(f"/exercices/{exercice_id}"), repeat=40, warmup=3),
           target_p95_ms=150)
    report("exercices: the console's live part",
           timed(lambda: client.get(f"/exercices/{exercice_id}/etat"), repeat=40, warmup=3),
           target_p95_ms=150)


if __name__ == "__main__":
    main()
