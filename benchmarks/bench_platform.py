"""Platform figures: the event list with many events, and the cost of a login.

No target is set for these in the platform issue; they are printed so that a
regression shows up next to the later modules' figures.
"""

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from _common import report, throwaway_app, timed  # noqa: E402

from crise.auth import services as auth_services  # noqa: E402
from crise.db import utcnow  # noqa: E402
from crise.evenements.models import Evenement, evenement_mairie  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.mairies.models import Mairie, mairie_by_code  # noqa: E402

EVENTS = 5_000
PASSWORD = "mot-de-passe-de-bench"


def populate(app):
    rng = random.Random(2026)
    with app.app_context():
        mairie_ids = db.session.scalars(sa.select(Mairie.id)).all()
        now = utcnow()
        types = ["incendie", "crue", "canicule", "explosion", "effondrement", "accident"]
        rows = [{
            "titre": f"Événement n°{i} — {rng.choice(types)}", "type": rng.choice(types),
            "survenu_at": now - timedelta(hours=rng.randint(1, 24 * 365 * 3)),
            "lieu": f"{rng.randint(1, 200)} rue de Paris", "description": "",
            "statut": "en_cours" if rng.random() < 0.05 else "clos",
            "exercice": rng.random() < 0.2, "source_information": rng.choice(
                ["scop", "ville", "exterieur"]), "source_detail": "",
            "scop_informee_contact": "", "created_at": now, "updated_at": now,
        } for i in range(EVENTS)]
        db.session.execute(sa.insert(Evenement), rows)
        ids = db.session.scalars(sa.select(Evenement.id)).all()
        links = []
        for event_id in ids:
            for mairie_id in rng.sample(mairie_ids, rng.choice([1, 1, 1, 2, 3])):
                links.append({"evenement_id": event_id, "mairie_id": mairie_id})
        db.session.execute(evenement_mairie.insert(), links)
        auth_services.creer_compte("bench", email="cellule@bench.fr", role="cellule",
                                   password=PASSWORD)
        auth_services.creer_compte("bench", email="agent@bench.fr", role="agent_accueil",
                                   mairie=mairie_by_code("11e"), password=PASSWORD)
        db.session.commit()


def main():
    app = throwaway_app()
    start = time.perf_counter()
    populate(app)
    report("platform: populate", events=EVENTS, mairies=17,
           seconds=round(time.perf_counter() - start, 2),
           database=app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0])

    for email, label in (("cellule@bench.fr", "central role"),
                         ("agent@bench.fr", "mairie role (11e)")):
        client = app.test_client()
        response = client.post("/auth/connexion", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        for url, what in (("/evenements/", "current events"),
                          ("/evenements/?statut=tous", "all events, page 1 of 50"),
                          ("/evenements/?statut=tous&page=40", "all events, page 40")):
            def get(url=url):
                assert client.get(url).status_code == 200
            report(f"platform: GET {what} — {label}", timed(get, repeat=60))
        client.get(f"/evenements/{EVENTS // 2}")

    client = app.test_client()

    def login():
        assert client.post("/auth/connexion", data={"email": "cellule@bench.fr",
                                                    "password": PASSWORD}).status_code == 302
        client.post("/auth/deconnexion")

    report("platform: login + logout (Argon2id verification)", timed(login, repeat=20, warmup=2))


if __name__ == "__main__":
    main()
