"""Cellule figures (issue 5 targets), full GET with session and template:

- a main courante of 10,000 entries filters and pages in ≤ 100 ms p95;
- the 17-mairie board of points de situation and the dashboard render in ≤ 200 ms p95
  with 100,000 people registered (all in the one event measured: the worst case).
"""

import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from _common import finish_bulk_load, report, throwaway_app, timed  # noqa: E402

from crise.auth import services as auth_services  # noqa: E402
from crise.care import services as care_services  # noqa: E402
from crise.care.models import Passage, Personne, Site  # noqa: E402
from crise.cellule.models import EntreeMainCourante, PointSituation  # noqa: E402
from crise.db import utcnow  # noqa: E402
from crise.evenements.services import EvenementData, declarer_evenement  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.mairies.models import Mairie  # noqa: E402

PEOPLE = 100_000
ENTRIES = 10_000
PASSWORD = "mot-de-passe-de-bench"
MOTS = ["crue", "pompiers", "gymnase", "évacuation", "berges", "électricité", "PP", "SCOP",
        "hébergement", "école", "métro", "RER C", "quai", "cave", "pompes", "ARS"]


def populate(app, rng):
    with app.app_context():
        admin, _ = auth_services.creer_compte("bench", email="admin@bench.fr", role="admin",
                                              password=PASSWORD)
        auth_services.creer_compte("bench", email="cellule@bench.fr", role="cellule",
                                   password=PASSWORD)
        mairies = db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()
        now = utcnow()
        evenement, _ = declarer_evenement(admin, EvenementData(
            titre="Crue exceptionnelle de la Seine", type="crue",
            survenu_at=now - timedelta(days=3), source_information="scop", mairies=mairies))
        centres = []
        for mairie in mairies:
            site = Site(mairie=mairie, nom=f"Gymnase {mairie.code}", capacite=5_000)
            db.session.add(site)
            db.session.flush()
            centre, _ = care_services.ouvrir_centre(admin, evenement, site=site, capacite=None,
                                                    responsable_nom="Bench",
                                                    ouvert_at=now - timedelta(days=3))
            centres.append(centre)
        db.session.commit()
        for start in range(0, PEOPLE, 10_000):
            rows, passages = [], []
            for i in range(start, start + 10_000):
                centre = centres[rng.randrange(len(centres))]
                arrived = now - timedelta(minutes=rng.randrange(0, 72 * 60))
                gone = rng.random() < 0.6
                rows.append({
                    "id": i + 1, "centre_id": centre.id, "evenement_id": evenement.id,
                    "mairie_id": centre.mairie_id, "categorie": rng.choice(
                        ["sinistre", "implique", "proche"]), "nom": f"Nom{i}", "prenom": "",
                    "nom_usage": "", "sexe": "", "telephone": "", "email": "",
                    "adresse_actuelle": "", "adresse_permanente": "", "langue": "",
                    "interprete": False, "nationalite": "", "recherche_nom": "", "besoins": [],
                    "consent_recherche": False, "consent_ciav": False, "notes": "",
                    "notes_medicales": "", "taille_groupe": 1,
                    "badge_token": care_services.new_badge_token(), "code_court": f"C{i:09d}",
                    "present": not gone, "created_at": arrived, "updated_at": arrived})
                passages.append({"personne_id": i + 1, "centre_id": centre.id,
                                 "arrivee_at": arrived,
                                 "depart_at": arrived + timedelta(hours=rng.randrange(1, 12))
                                 if gone else None})
            db.session.execute(sa.insert(Personne), rows)
            db.session.execute(sa.insert(Passage), passages)
            db.session.commit()
        entries = []
        for i in range(ENTRIES):
            fait = now - timedelta(minutes=rng.randrange(0, 72 * 60))
            entries.append({
                "evenement_id": evenement.id, "fait_at": fait, "ecrit_at": fait,
                "auteur_nom": "Bench", "auteur_role": "cellule",
                "type": rng.choice(["information", "demande", "action", "decision"]),
                "source": rng.choice(["PP", "SCOP", "DSOL", "Mairie du 12e"]),
                "support": rng.choice(["telephone", "radio", "mail"]),
                "priorite": rng.choice(["normale", "normale", "haute", "urgente"]),
                "texte": " ".join(rng.choice(MOTS) for _ in range(12)), "systeme": False,
                "objet_type": "", "barree_par_nom": "", "barree_motif": ""})
        db.session.execute(sa.insert(EntreeMainCourante), entries)
        points = [{"evenement_id": evenement.id, "mairie_id": m.id,
                   "envoye_at": now - timedelta(hours=rng.randrange(0, 8)),
                   "situation": "Situation stable", "mesures": "", "besoins": "",
                   "texte_libre": "", "chiffres": {}} for m in mairies for _ in range(6)]
        db.session.execute(sa.insert(PointSituation), points)
        db.session.commit()
        finish_bulk_load(("care_personne", "care_passage"))
        return evenement.id


def main():
    rng = random.Random(2016)
    app = throwaway_app(WTF_CSRF_ENABLED=True)
    start = time.perf_counter()
    evenement_id = populate(app, rng)
    report("cellule: populate", people=PEOPLE, log_entries=ENTRIES,
           seconds=round(time.perf_counter() - start, 1),
           database=app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0])
    client = app.test_client()
    page = client.get("/auth/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/connexion", data={
        "email": "cellule@bench.fr", "password": PASSWORD, "csrf_token": token}
    ).status_code == 302

    def get(url, marker):
        response = client.get(url)
        assert response.status_code == 200 and marker in response.get_data(as_text=True), url

    base = f"/cellule/evenements/{evenement_id}"
    for label, query in (("first page", ""), ("type filter", "?type=decision"),
                         ("priority + origin", "?priorite=urgente&origine=humain"),
                         ("text search, two words", "?q=pompes+quai"),
                         ("page 100", "?page=100")):
        report(f"main courante, 10,000 entries: {label} (full GET)",
               timed(lambda q=query: get(base + "/main-courante" + q, "main-courante"),
                     repeat=60), target_p95_ms=100)
    report("points de situation: the 17-mairie board (full GET)",
           timed(lambda: get(base + "/points", "tableau-points"), repeat=60),
           target_p95_ms=200)
    report("points de situation: consolidated synthesis (full GET)",
           timed(lambda: get(base + "/synthese", "totaux-synthese"), repeat=40),
           target_p95_ms=200)
    report("dashboard, 100,000 people in the event (full GET)",
           timed(lambda: get(base + "/tableau-de-bord", "chiffres-cles"), repeat=40),
           target_p95_ms=200)


if __name__ == "__main__":
    main()
