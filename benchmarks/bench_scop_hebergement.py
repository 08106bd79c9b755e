"""SCOP queue and housing figures (issue 4 target): with 5,000 open SCOP requests and
20,000 households across events, the SCOP queue and the « sans solution ce soir » list
render in ≤ 150 ms p95 (full GET: session, query, template).
"""

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
import _common  # noqa: E402
from _common import finish_bulk_load, report, throwaway_app, timed  # noqa: E402

from crise.auth import services as auth_services  # noqa: E402
from crise.care import services as care_services  # noqa: E402
from crise.care.models import Personne, Site  # noqa: E402
from crise.db import utcnow  # noqa: E402
from crise.evenements.services import EvenementData, declarer_evenement  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.hebergement.models import DossierHebergement, Solution  # noqa: E402
from crise.hebergement.services import nuit_en_cours  # noqa: E402
from crise.mairies.models import Mairie  # noqa: E402
from crise.scop.models import DemandeScop, EtapeDemande  # noqa: E402

REQUESTS_OPEN = 5_000
REQUESTS_CLOSED = 5_000
HOUSEHOLDS = 20_000
EVENTS = 10
PASSWORD = "mot-de-passe-de-bench"


def populate(app, rng):
    with app.app_context():
        admin, _ = auth_services.creer_compte("bench", email="admin@bench.fr", role="admin",
                                              password=PASSWORD)
        mairies = db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()
        onzieme = next(m for m in mairies if m.code == "11e")
        for email, role, mairie in (("scop@bench.fr", "scop", None),
                                    ("dsol@bench.fr", "dsol", None),
                                    ("mairie@bench.fr", "responsable_care", onzieme)):
            auth_services.creer_compte("bench", email=email, role=role, password=PASSWORD,
                                       mairie=mairie)
        centres, evenements = [], []
        for e in range(EVENTS):
            evenement, _ = declarer_evenement(admin, EvenementData(
                titre=f"Crue de la Seine, secteur {e}", type="crue",
                survenu_at=utcnow() - timedelta(days=e), source_information="scop",
                mairies=mairies))
            evenements.append(evenement)
            for mairie in mairies:
                site = Site(mairie=mairie, nom=f"Gymnase {mairie.code} {e}", capacite=5_000)
                db.session.add(site)
                db.session.flush()
                centre, _ = care_services.ouvrir_centre(admin, evenement, site=site,
                                                        capacite=None, responsable_nom="Bench")
                centres.append(centre)
        db.session.commit()
        now = utcnow()
        statuses = ["nouvelle", "prise_en_compte", "engagee", "sur_place",
                    "contre_proposition"]
        demandes, etapes = [], []
        for i in range(REQUESTS_OPEN + REQUESTS_CLOSED):
            centre = centres[rng.randrange(len(centres))]
            created = now - timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
            statut = rng.choice(statuses) if i < REQUESTS_OPEN else rng.choice(
                ["terminee", "refusee", "annulee"])
            urgence = rng.choice(["immediate", "heure", "journee"])
            demandes.append({
                "id": i + 1, "evenement_id": centre.evenement_id, "mairie_id": centre.mairie_id,
                "type": "vpu", "urgence": urgence,
                "urgence_rang": {"immediate": 0, "heure": 1, "journee": 2}[urgence],
                "statut": statut, "contenu": {"articles": {"couvertures": rng.randrange(1, 200),
                                                           "eau": rng.randrange(1, 200)}},
                "nb_personnes": rng.randrange(1, 100), "centre_id": centre.id, "lieu": "",
                "reference_scop": "", "version": 1, "created_at": created,
                "updated_at": created})
            etapes.append({"demande_id": i + 1, "at": created, "de": "", "vers": "nouvelle",
                           "texte": "Demande envoyée"})
        db.session.execute(sa.insert(DemandeScop), demandes)
        db.session.execute(sa.insert(EtapeDemande), etapes)
        db.session.commit()

        nuit = nuit_en_cours(now)
        people, dossiers, solutions = [], [], []
        for i in range(HOUSEHOLDS):
            centre = centres[rng.randrange(len(centres))]
            pid = i + 1
            people.append({
                "id": pid, "centre_id": centre.id, "evenement_id": centre.evenement_id,
                "mairie_id": centre.mairie_id, "categorie": "sinistre", "nom": f"Nom{pid}",
                "prenom": "Prénom", "nom_usage": "", "sexe": "", "telephone": "", "email": "",
                "adresse_actuelle": "", "adresse_permanente": "", "langue": "",
                "interprete": False, "nationalite": "", "recherche_nom": "",
                "besoins": ["hebergement"], "consent_recherche": False, "consent_ciav": False,
                "notes": "", "notes_medicales": "", "taille_groupe": 1,
                "badge_token": care_services.new_badge_token(), "code_court": f"H{pid:09d}",
                "present": True, "created_at": now, "updated_at": now})
            created = now - timedelta(minutes=rng.randrange(1, 5 * 24 * 60))
            dossiers.append({
                "id": pid, "evenement_id": centre.evenement_id, "mairie_id": centre.mairie_id,
                "centre_id": centre.id, "referent_id": pid, "nb_personnes": rng.randrange(1, 7),
                "nb_enfants": 0, "logement_habitable": "non", "besoins": [],
                "animaux_detail": "", "nb_nuits": 3, "secteur_souhaite": "", "notes": "",
                "clos": rng.random() < 0.1, "clos_motif": "", "created_at": created,
                "updated_at": created})
            roll = rng.random()
            if roll < 0.6:  # housed tonight
                du = nuit - timedelta(days=rng.randrange(0, 3))
            elif roll < 0.8:  # a stay that ended
                du = nuit - timedelta(days=6)
            else:
                continue
            au = du + timedelta(days=3)
            solutions.append({
                "dossier_id": pid, "type": "hotel", "lieu": f"Hôtel {pid % 300}",
                "adresse": "", "du": du, "au": au, "nuits": 3, "chambres": 1, "lits": 3,
                "termine": False, "fin_motif": "", "created_at": created,
                "updated_at": created})
        for start in range(0, HOUSEHOLDS, 5_000):
            db.session.execute(sa.insert(Personne), people[start:start + 5_000])
            db.session.execute(sa.insert(DossierHebergement), dossiers[start:start + 5_000])
        db.session.execute(sa.insert(Solution), solutions)
        db.session.commit()
        finish_bulk_load(("care_personne", "scop_demande", "hebergement_dossier"))
        return evenements[0].id


def logged_in(app, email):
    return _common.logged_in(app, email, PASSWORD)


def main():
    rng = random.Random(1910)
    app = throwaway_app(WTF_CSRF_ENABLED=True)
    start = time.perf_counter()
    evenement_id = populate(app, rng)
    report("scop+hébergement: populate", open_requests=REQUESTS_OPEN,
           closed_requests=REQUESTS_CLOSED, households=HOUSEHOLDS, events=EVENTS,
           seconds=round(time.perf_counter() - start, 1),
           database=app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0])

    scop = logged_in(app, "scop@bench.fr")

    def get(client, url, marker):
        response = client.get(url)
        assert response.status_code == 200 and marker in response.get_data(as_text=True)

    report("scop: the queue, first page (full GET)",
           timed(lambda: get(scop, "/scop/", "file-scop"), repeat=100), target_p95_ms=150)
    report("scop: the queue, live refresh fragment (full GET)",
           timed(lambda: get(scop, "/scop/file", "file-scop"), repeat=100), target_p95_ms=150)
    report("scop: the queue, page 50 of 100 (full GET)",
           timed(lambda: get(scop, "/scop/?page=50", "file-scop"), repeat=50),
           target_p95_ms=150)

    dsol = logged_in(app, "dsol@bench.fr")
    mairie = logged_in(app, "mairie@bench.fr")
    url = f"/hebergement/evenements/{evenement_id}"
    report("hébergement: « sans solution ce soir » with totals, central scope (full GET)",
           timed(lambda: get(dsol, url, "liste-sans-solution"), repeat=100),
           target_p95_ms=150)
    report("hébergement: « sans solution ce soir » with totals, one mairie (full GET)",
           timed(lambda: get(mairie, url, "liste-sans-solution"), repeat=100),
           target_p95_ms=150)
    report("hébergement: housed tonight, central scope (full GET)",
           timed(lambda: get(dsol, url + "?vue=heberges", "liste-heberges"), repeat=50),
           target_p95_ms=150)


if __name__ == "__main__":
    main()
