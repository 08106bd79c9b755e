"""PCS and situation map figures (issue 14): the map of one event with 200 C.A.RE open,
5,000 SCOP requests and 20,000 households (target p95 ≤ 150 ms, full GET), and the
operational directory's search among 20,000 contacts (target p95 ≤ 30 ms, full GET of the
live-search fragment), for a word, a name in Cyrillic and a run of digits."""

import gc
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
from crise.care.models import CentreAccueil, Personne, Site  # noqa: E402
from crise.cellule import services as cellule  # noqa: E402
from crise.db import utcnow  # noqa: E402
from crise.evenements.services import EvenementData, declarer_evenement  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.hebergement.models import DossierHebergement, Solution  # noqa: E402
from crise.hebergement.services import nuit_en_cours  # noqa: E402
from crise.mairies.models import Mairie  # noqa: E402
from crise.care.noms import comparable  # noqa: E402
from crise.pcs.annuaire import cle_de  # noqa: E402
from crise.pcs.models import FONCTIONS, Contact  # noqa: E402
from crise.scop.models import DemandeScop  # noqa: E402

CENTRES, REQUESTS, HOUSEHOLDS, CONTACTS = 200, 5_000, 20_000, 20_000
PASSWORD = "mot-de-passe-de-bench"
PRENOMS = ["Claire", "Karim", "Иван", "王", "Nguyễn", "Awa", "Mohamed", "Sofia", "Élodie"]
NOMS = ["Dupont", "Benali", "Иванов", "伟", "Thị Hoa", "N'Diaye", "Al-Khatib", "Martin"]


def populate(app, rng):
    with app.app_context():
        admin, _ = auth_services.creer_compte("bench", email="admin@bench.fr", role="admin",
                                              password=PASSWORD)
        auth_services.creer_compte("bench", email="cellule@bench.fr", role="cellule",
                                   password=PASSWORD)
        mairies = db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()
        onzieme = next(m for m in mairies if m.code == "11e")
        auth_services.creer_compte("bench", email="mairie@bench.fr", role="responsable_care",
                                   password=PASSWORD, mairie=onzieme)
        evenement, _ = declarer_evenement(admin, EvenementData(
            titre="Crue de la Seine type 1910", type="crue",
            survenu_at=utcnow() - timedelta(days=2), source_information="scop",
            mairies=mairies))
        cellule.activer(admin, evenement, now=utcnow() - timedelta(hours=9))
        now = utcnow()
        sites, centres = [], []
        for i in range(CENTRES):
            mairie = mairies[i % len(mairies)]
            sites.append({"id": i + 1, "mairie_id": mairie.id, "nom": f"Gymnase {i}",
                          "adresse": "", "capacite": 300, "categorie": "gymnase",
                          "arrondissement": None, "usage_care": True, "usage_frais": False,
                          "usage_hebergement": i % 3 == 0, "pmr": True, "animaux": False,
                          "climatise": False, "groupe_electrogene": False, "cuisine": False,
                          "cles": "", "latitude": None, "longitude": None, "actif": True,
                          "verifie_par_nom": "", "modifie_par_nom": "", "version": 1,
                          "created_at": now, "updated_at": now})
            centres.append({"id": i + 1, "evenement_id": evenement.id, "mairie_id": mairie.id,
                            "site_id": i + 1, "nom": f"Gymnase {i}", "adresse": "",
                            "capacite": 300, "responsable_nom": "Bench", "cai": False,
                            "caf": False, "ouvert_at": now, "created_at": now,
                            "updated_at": now})
        db.session.execute(sa.insert(Site), sites)
        db.session.execute(sa.insert(CentreAccueil), centres)
        statuses = ["nouvelle", "prise_en_compte", "engagee", "sur_place", "terminee"]
        db.session.execute(sa.insert(DemandeScop), [{
            "id": i + 1, "evenement_id": evenement.id, "mairie_id": centres[i % CENTRES][
                "mairie_id"], "type": "vpu", "urgence": "heure", "urgence_rang": 1,
            "statut": rng.choice(statuses), "contenu": {"articles": {"eau": 10}},
            "nb_personnes": 10, "centre_id": centres[i % CENTRES]["id"], "lieu": "",
            "reference_scop": "", "version": 1, "created_at": now, "updated_at": now}
            for i in range(REQUESTS)])
        nuit = nuit_en_cours(now)
        people, dossiers, solutions = [], [], []
        for i in range(HOUSEHOLDS):
            centre = centres[rng.randrange(CENTRES)]
            pid = i + 1
            people.append({
                "id": pid, "centre_id": centre["id"], "evenement_id": evenement.id,
                "mairie_id": centre["mairie_id"], "categorie": "sinistre", "nom": f"Nom{pid}",
                "prenom": "Prénom", "nom_usage": "", "sexe": "", "telephone": "", "email": "",
                "adresse_actuelle": "", "adresse_permanente": "", "langue": "",
                "interprete": False, "nationalite": "", "recherche_nom": "",
                "besoins": ["hebergement"], "consent_recherche": False, "consent_ciav": False,
                "notes": "", "notes_medicales": "", "taille_groupe": 1,
                "badge_token": care_services.new_badge_token(), "code_court": f"H{pid:09d}",
                "present": rng.random() < 0.5, "created_at": now, "updated_at": now})
            if rng.random() < 0.8:  # a dossier; the others still at the desk asking
                dossiers.append({
                    "id": pid, "evenement_id": evenement.id, "mairie_id": centre["mairie_id"],
                    "centre_id": centre["id"], "referent_id": pid, "nb_personnes": 3,
                    "nb_enfants": 0, "logement_habitable": "non", "besoins": [],
                    "animaux_detail": "", "nb_nuits": 3, "secteur_souhaite": "", "notes": "",
                    "clos": False, "clos_motif": "", "created_at": now, "updated_at": now})
                if rng.random() < 0.6:
                    solutions.append({
                        "dossier_id": pid, "type": "hotel", "lieu": "Hôtel", "adresse": "",
                        "du": nuit, "au": nuit + timedelta(days=3), "nuits": 3,
                        "chambres": 1, "lits": 3, "termine": False, "fin_motif": "",
                        "created_at": now, "updated_at": now})
        for start in range(0, HOUSEHOLDS, 5_000):
            db.session.execute(sa.insert(Personne), people[start:start + 5_000])
        db.session.execute(sa.insert(DossierHebergement), dossiers)
        db.session.execute(sa.insert(Solution), solutions)

        fonctions = list(FONCTIONS)
        contacts = []
        for i in range(CONTACTS):
            c = Contact(mairie_id=mairies[i % len(mairies)].id if i % 10 else None,
                        fonction=fonctions[i % len(fonctions)],
                        nom=f"{rng.choice(PRENOMS)} {rng.choice(NOMS)} {i}",
                        organisme=rng.choice(["Paris Habitat", "DSOL", "Protection civile",
                                              "EHPAD Les Lilas", "ISM Interprétariat", ""]),
                        telephone=f"01 {i // 1000000 % 100:02d} {i // 10000 % 100:02d} "
                                  f"{i // 100 % 100:02d} {i % 100:02d}",
                        telephone_2="", email="", horaires="24 h/24", notes="")
            contacts.append({"id": i + 1, "mairie_id": c.mairie_id, "fonction": c.fonction,
                             "nom": c.nom, "organisme": c.organisme, "telephone": c.telephone,
                             "telephone_2": "", "email": "", "horaires": c.horaires,
                             "notes": "", "cle": cle_de(c), "actif": True,
                             "nom_cle": comparable(c.nom),
                             "verifie_at": now - timedelta(days=rng.randrange(400)),
                             "verifie_par_nom": "", "modifie_par_nom": "", "version": 1,
                             "created_at": now, "updated_at": now})
        for start in range(0, CONTACTS, 5_000):
            db.session.execute(sa.insert(Contact), contacts[start:start + 5_000])
        db.session.commit()
        finish_bulk_load(("care_site", "care_centre", "care_personne", "scop_demande",
                          "hebergement_dossier", "pcs_contact"))
        return evenement.id


def logged_in(app, email):
    return _common.logged_in(app, email, PASSWORD)


def main():
    rng = random.Random(1910)
    app = throwaway_app(WTF_CSRF_ENABLED=True)
    start = time.perf_counter()
    evenement_id = populate(app, rng)
    # As a production worker does (wsgi.py): the start-up's objects out of the collector.
    gc.collect()
    gc.freeze()
    report("pcs+carte: populate", centres=CENTRES, scop_requests=REQUESTS,
           households=HOUSEHOLDS, contacts=CONTACTS,
           seconds=round(time.perf_counter() - start, 1),
           database=app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0])

    def get(client, url, marker):
        response = client.get(url)
        assert response.status_code == 200 and marker in response.get_data(as_text=True), url

    cellule_client = logged_in(app, "cellule@bench.fr")
    url = f"/carte/evenements/{evenement_id}"
    report("carte: an event's map, 200 C.A.RE, 5,000 SCOP, 20,000 households, cellule "
           "(full GET)", timed(lambda: get(cellule_client, url, "carte-svg"), repeat=60),
           target_p95_ms=150)
    report("carte: the same map's live refresh fragment (full GET)",
           timed(lambda: get(cellule_client, url + "?partiel=1", "carte-svg"), repeat=60),
           target_p95_ms=150)
    mairie = logged_in(app, "mairie@bench.fr")
    report("carte: the same map, one mairie (full GET)",
           timed(lambda: get(mairie, url, "carte-svg"), repeat=60), target_p95_ms=150)
    report("carte: the PCS sites map, 200 sites (full GET)",
           timed(lambda: get(cellule_client, "/carte/", "carte-svg"), repeat=60),
           target_p95_ms=150)
    for label, q in (("a word", "habitat"), ("a name in Cyrillic", "иванов"),
                     ("two words", "claire dsol"), ("digits of a number", "01 00 45")):
        report(f"annuaire: search among 20,000 contacts, {label} (full GET, fragment)",
               timed(lambda: get(cellule_client, f"/pcs/annuaire?partiel=1&q={q}",
                                 "annuaire"), repeat=100), target_p95_ms=30)
    report("annuaire: the page itself, no search, the first 40 (full GET)",
           timed(lambda: get(mairie, "/pcs/annuaire", "annuaire"), repeat=40))
    report("annuaire: what to check this month, one mairie (full GET)",
           timed(lambda: get(mairie, "/pcs/", "a-verifier"), repeat=40))


if __name__ == "__main__":
    main()
