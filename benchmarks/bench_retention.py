"""Retention figures (issue 15): ``crise retention`` on 1,000,000 people of closed events
(target: done within 5 minutes on this 2-core machine), while a desk of an open event keeps
registering people (target: never held more than 100 ms at a time by the retention).

BENCH_RETENTION_N sets the number of people (1,000,000 by default); DATABASE_URL selects
PostgreSQL (scripts/with-postgres.sh), else SQLite."""

import os
import multiprocessing
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from _common import finish_bulk_load, percentiles, report, throwaway_app  # noqa: E402

from crise.auth import services as auth_services  # noqa: E402
from crise.auth.models import LIGNE_DE_COMMANDE, User  # noqa: E402
from crise.care import services as care_services  # noqa: E402
from crise.care.models import (CentreAccueil, Orientation, Passage, Personne,  # noqa: E402
                               PersonneCle, Site)
from crise.db import utcnow  # noqa: E402
from crise.evenements.models import Evenement  # noqa: E402
from crise.evenements.services import EvenementData, declarer_evenement  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.mairies.models import Mairie  # noqa: E402
from crise.rgpd import conservation  # noqa: E402

N = int(os.environ.get("BENCH_RETENTION_N", "1000000"))
EVENEMENTS, CENTRES_PAR_EVENEMENT, CHUNK = 5, 40, 20_000
PASSWORD = "mot-de-passe-de-bench"
NOMS = ["Dupont", "Benali", "Иванова", "王", "Nguyễn", "N'Diaye", "Al-Khatib", "Martin"]
PRENOMS = ["Claire", "Karim", "Светлана", "伟", "Thị Mai", "Awa", "Fatima", "Élodie"]


def populate(app, rng):
    with app.app_context():
        admin, _ = auth_services.creer_compte("bench", email="admin@bench.fr", role="admin",
                                              password=PASSWORD)
        mairies = db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()
        onzieme = next(m for m in mairies if m.code == "11e")
        agent, _ = auth_services.creer_compte("bench", email="desk@bench.fr",
                                              role="agent_accueil", password=PASSWORD,
                                              mairie=onzieme)
        evenements = []
        for i in range(EVENEMENTS + 1):
            evenement, _ = declarer_evenement(admin, EvenementData(
                titre=f"Crue {i}", type="crue", survenu_at=utcnow() - timedelta(days=900),
                source_information="scop", mairies=mairies))
            evenements.append(evenement)
        ouvert = evenements.pop()  # the desks of this one keep working
        db.session.flush()
        long_ago = utcnow() - timedelta(days=800)
        for evenement in evenements:
            evenement.statut, evenement.clos_at = "clos", long_ago
        now = utcnow()
        sites, centres = [], []
        for i, evenement in enumerate([*evenements, ouvert]):
            for j in range(CENTRES_PAR_EVENEMENT):
                ident = i * CENTRES_PAR_EVENEMENT + j + 1
                mairie = onzieme if evenement is ouvert else mairies[j % len(mairies)]
                sites.append({"id": ident, "mairie_id": mairie.id, "nom": f"Gymnase {ident}",
                              "adresse": "", "capacite": 5000, "categorie": "gymnase",
                              "arrondissement": None, "usage_care": True, "usage_frais": False,
                              "usage_hebergement": False, "pmr": True, "animaux": False,
                              "climatise": False, "groupe_electrogene": False,
                              "cuisine": False, "cles": "", "latitude": None,
                              "longitude": None, "actif": True, "verifie_par_nom": "",
                              "modifie_par_nom": "", "version": 1, "created_at": now,
                              "updated_at": now})
                centres.append({"id": ident, "evenement_id": evenement.id,
                                "mairie_id": mairie.id, "site_id": ident,
                                "nom": f"Gymnase {ident}", "adresse": "", "capacite": 5000,
                                "responsable_nom": "Bench", "cai": False, "caf": False,
                                "ouvert_at": now, "created_at": now, "updated_at": now})
        db.session.execute(sa.insert(Site), sites)
        db.session.execute(sa.insert(CentreAccueil), centres)
        db.session.commit()
        fermes = [c for c in centres if c["evenement_id"] != ouvert.id]
        ident = 0
        debut = time.perf_counter()
        while ident < N:
            personnes, passages, cles, orientations = [], [], [], []
            for _ in range(min(CHUNK, N - ident)):
                ident += 1
                centre = fermes[ident % len(fermes)]
                nom, prenom = rng.choice(NOMS), rng.choice(PRENOMS)
                personnes.append({
                    "id": ident, "centre_id": centre["id"],
                    "evenement_id": centre["evenement_id"], "mairie_id": centre["mairie_id"],
                    "foyer_id": None, "categorie": "sinistre", "nom": f"{nom}{ident}",
                    "prenom": prenom, "nom_usage": "", "sexe": rng.choice("FM"),
                    "date_naissance": date(1950 + ident % 60, 1 + ident % 12, 1 + ident % 28),
                    "age_estime": None, "telephone": f"06 {ident % 100:02d} 00 00 00",
                    "telephone_chiffres": "0600000000", "email": "",
                    "adresse_actuelle": f"{ident % 200} rue de Bercy",
                    "adresse_permanente": "", "langue": "", "interprete": False,
                    "nationalite": "", "sinus": None, "recherche_nom": "",
                    "recherche_personne_id": None, "besoins": ["hebergement"],
                    "consent_recherche": False, "consent_ciav": False, "consent_pav": False,
                    "consent_bailleur": False,
                    "notes": "Très éprouvée" if ident % 5 == 0 else "",
                    "notes_medicales": "Asthme" if ident % 7 == 0 else "",
                    "taille_groupe": 1, "badge_token": f"b{ident:031d}",
                    "code_court": f"K{ident:09d}", "present": False, "fusionne_dans_id": None,
                    "cle_identite": nom.lower(), "created_by_id": None,
                    "jeton_creation": None, "anonymise_at": None, "created_at": long_ago,
                    "updated_at": long_ago})
                passages.append({"id": ident, "personne_id": ident, "centre_id": centre["id"],
                                 "arrivee_at": long_ago, "depart_at": long_ago,
                                 "destination": "proche",
                                 "destination_detail": "chez sa sœur", "depart_par_id": None})
                for k, cle in enumerate((f"n:{nom.lower()}{ident}", f"p:{prenom.lower()}")):
                    cles.append({"personne_id": ident, "cle": cle,
                                 "evenement_id": centre["evenement_id"],
                                 "mairie_id": centre["mairie_id"], "poids": 2 - k})
                if ident % 10 == 0:
                    orientations.append({"id": ident // 10, "personne_id": ident,
                                         "centre_id": centre["id"], "cellule": "medico_psy",
                                         "statut": "termine", "note": "Choc",
                                         "oriente_at": long_ago, "oriente_par_id": None,
                                         "pris_at": None, "pris_par_id": None,
                                         "termine_at": long_ago})
            db.session.execute(sa.insert(Personne.__table__), personnes)
            db.session.execute(sa.insert(Passage.__table__), passages)
            db.session.execute(sa.insert(PersonneCle.__table__), cles)
            if orientations:
                db.session.execute(sa.insert(Orientation.__table__), orientations)
            db.session.commit()
        report("retention.chargement", personnes=N,
               secondes=round(time.perf_counter() - debut, 1))
        finish_bulk_load(["care_site", "care_centre", "care_personne", "care_passage",
                          "care_orientation"])
        centre_ouvert = next(c["id"] for c in centres if c["evenement_id"] == ouvert.id)
        return agent.id, centre_ouvert


def desk(app, agent_id, centre_id, stop, sortie):
    """A desk of the open event registering someone every 50 ms, in a process of its own as
    a gunicorn worker would be (a thread would wait for the retention's interpreter lock,
    not for the database)."""
    latences = []
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections are not this process's
        i = 0
        while not stop.is_set():
            i += 1
            debut = time.perf_counter()
            care_services.enregistrer(
                db.session.get(User, agent_id), db.session.get(CentreAccueil, centre_id),
                [care_services.PersonneData(nom=f"Accueil{os.getpid()}-{i}", prenom="Awa",
                                            categorie="sinistre")], depasser_capacite=True)
            db.session.commit()
            latences.append((time.perf_counter() - debut) * 1000)
            db.session.remove()
            time.sleep(0.05)
    sortie.put(latences)


def _guichet(app, agent_id, centre_id):
    contexte = multiprocessing.get_context("fork")
    stop, sortie = contexte.Event(), contexte.Queue()
    with app.app_context():
        db.engine.dispose()
    process = contexte.Process(target=desk, args=(app, agent_id, centre_id, stop, sortie))
    process.start()
    return process, stop, sortie


def _fin(process, stop, sortie):
    stop.set()
    latences = sortie.get()
    process.join()
    return latences


def main():
    rng = random.Random(15)
    app = throwaway_app()
    agent_id, centre_id = populate(app, rng)
    # The desk alone first: its own figures, to compare.
    guichet = _guichet(app, agent_id, centre_id)
    time.sleep(5)
    base_latences = _fin(*guichet)
    guichet = _guichet(app, agent_id, centre_id)
    with app.app_context():
        debut = time.perf_counter()
        bilan = conservation.executer(LIGNE_DE_COMMANDE)
        duree = time.perf_counter() - debut
        anonymes = db.session.scalar(sa.select(sa.func.count(Personne.id)).where(
            Personne.anonymise_at.is_not(None)))
        restent = db.session.scalar(sa.select(sa.func.count(Personne.id)).join(
            Evenement, Evenement.id == Personne.evenement_id).where(
            Evenement.statut == "clos", Personne.anonymise_at.is_(None)))
    latences = _fin(*guichet)
    p50, p95, worst = percentiles(latences)
    b50, b95, bworst = percentiles(base_latences)
    report("retention.execution", personnes=N, anonymisees=anonymes, restantes=restent,
           secondes=round(duree, 1), cible_secondes=300, lots=bilan.lots,
           lot_max_ms=round(bilan.lot_max_ms, 1))
    report("retention.guichet_pendant", (p50, p95, worst), enregistrements=len(latences),
           seul_p95_ms=round(b95, 1), seul_max_ms=round(bworst, 1),
           retard_max_ms=round(worst - b50, 1), cible_retard_max_ms=100,
           au_dela_de_100ms=sum(1 for x in latences if x - b50 > 100))


if __name__ == "__main__":
    main()
