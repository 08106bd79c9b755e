"""RETEX figures (issue 12): the RETEX of a 3-day exercise with 500 injects delivered,
10,000 main courante entries, 5,000 people registered and 300 SCOP requests — the draft page
(target p95 ≤ 300 ms), the PDF (≤ 5 s), the DOCX (≤ 3 s); and the plan d'actions page with
2,000 actions (p95 ≤ 150 ms)."""

import gc
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import percentiles, report, throwaway_app, timed  # noqa: E402

import sqlalchemy as sa  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
INJECTS, ENTREES, PERSONNES, DEMANDES, ACTIONS = 500, 10_000, 5_000, 300, 2_000


def charger(app):
    from crise.auth.models import Role, User
    from crise.care import services as care
    from crise.care.models import Personne, Site
    from crise.db import utcnow
    from crise.evenements.journal import EntreeMainCourante
    from crise.exercices import services
    from crise.exercices.models import Livraison
    from crise.extensions import db
    from crise.mairies.models import mairie_by_code
    from crise.retex.models import ActionPlan, Preconisation, Retex
    from crise.scop.models import DemandeScop

    rng = random.Random(12)
    with app.app_context():
        from crise.auth.passwords import hash_password

        animateur = User(email="anim@bench.test", nom="Anne Bench", role=Role.ANIMATEUR,
                         password_hash=hash_password("bench-password-123"))
        admin = User(email="admin@bench.test", nom="Admin Bench", role=Role.ADMIN,
                     password_hash=animateur.password_hash)
        db.session.add_all([animateur, admin])
        db.session.commit()
        source = (ROOT / "scenarios" / "crue-type-1910.yaml").read_text(encoding="utf-8")
        debut = utcnow() - timedelta(days=3)
        run, _ = services.lancer(animateur, source, [], now=debut - timedelta(minutes=5))
        services.debex(animateur, run, now=debut)
        db.session.commit()
        evenement = run.evenement
        centres = []
        for code in ("15e", "16e", "13e", "12e"):
            site = Site(mairie_id=mairie_by_code(code).id, nom=f"Gymnase {code}", capacite=5000)
            db.session.add(site)
            db.session.flush()
            centre, _ = care.ouvrir_centre(admin, evenement, site=site, capacite=None,
                                           responsable_nom="Bench")
            centres.append(centre)
        db.session.commit()
        secondes = 3 * 24 * 3600
        db.session.execute(sa.insert(Livraison), [{
            "exercice_id": run.id, "inject_id": f"INJ-{i:04d}", "titre": f"Inject n° {i}",
            "message": "Message de l'inject " * 5, "de": "Préfecture de police", "canal":
            "mail", "roles": ["cellule"], "mairies": ["15e"],
            "livre_at": debut + timedelta(seconds=secondes * i / INJECTS),
            "livre_scenario_at": debut + timedelta(seconds=secondes * i / INJECTS),
            "en_jeu_s": secondes * i / INJECTS, "envoye": True} for i in range(INJECTS)])
        types = ["information"] * 8 + ["action", "demande"]
        db.session.execute(sa.insert(EntreeMainCourante), [{
            "evenement_id": evenement.id, "fait_at": debut + timedelta(seconds=rng.randrange(
                secondes)), "ecrit_at": utcnow(), "auteur_nom": "Cellule Bench",
            "auteur_role": "cellule", "type": rng.choice(types), "texte":
            f"Entrée n° {i} de la main courante : situation au point {i % 40}", "priorite":
            "urgente" if i % 50 == 0 else "normale", "systeme": False} for i in range(ENTREES)])
        now = utcnow()
        db.session.execute(sa.insert(Personne), [{
            "centre_id": c.id, "evenement_id": evenement.id, "mairie_id": c.mairie_id,
            "categorie": "sinistre", "nom": f"Nom{i}", "prenom": "Prénom", "nom_usage": "",
            "sexe": "", "telephone": "", "email": "", "adresse_actuelle": "",
            "adresse_permanente": "", "langue": "", "interprete": False, "nationalite": "",
            "recherche_nom": "", "besoins": [], "consent_recherche": False,
            "consent_ciav": False, "notes": "", "notes_medicales": "", "taille_groupe": 1,
            "badge_token": f"T{i:010d}", "code_court": f"R{i:09d}", "present": True,
            "created_at": debut + timedelta(seconds=rng.randrange(secondes)),
            "updated_at": now} for i, c in ((i, centres[i % 4]) for i in range(PERSONNES))])
        rows = []
        for i in range(DEMANDES):
            t = debut + timedelta(seconds=rng.randrange(secondes))
            rows.append({"evenement_id": evenement.id, "mairie_id": centres[i % 4].mairie_id,
                         "type": "vpu" if i % 2 else "umip", "urgence": "heure",
                         "urgence_rang": 1, "statut": "sur_place", "contenu": {},
                         "lieu": "", "reference_scop": "", "created_at": t, "updated_at": t,
                         "prise_at": t + timedelta(minutes=rng.randrange(2, 15)),
                         "arrivee_estimee_at": t + timedelta(minutes=45),
                         "sur_place_at": t + timedelta(minutes=rng.randrange(20, 90))})
        db.session.execute(sa.insert(DemandeScop), rows)
        # The plan: 2,000 actions from the RETEX of 40 events (this run's and 39 earlier
        # exercises and crises), 50 each.
        from crise.evenements.models import Evenement

        autres = db.session.execute(sa.insert(Evenement).returning(Evenement.id), [{
            "titre": f"Événement passé n° {i}", "type": ["crue", "canicule", "incendie"][i % 3],
            "survenu_at": now - timedelta(days=30 * (i + 1)), "statut": "clos",
            "exercice": i % 2 == 0, "source_information": "scop", "created_at": now,
            "updated_at": now} for i in range(39)]).scalars().all()
        porteurs = ["SG", "DSOL", "DLH", "DPMP"]
        rows = []
        for n, ev_id in enumerate([evenement.id, *autres]):
            retex = Retex(evenement_id=ev_id, ouvert_par_nom="Anne Bench")
            db.session.add(retex)
            db.session.flush()
            preco = Preconisation(retex_id=retex.id, numero=1, texte="Préconisation de banc")
            db.session.add(preco)
            db.session.flush()
            rows += [{
                "retex_id": retex.id, "preconisation_id": preco.id, "evenement_id": ev_id,
                "type_risque": ["crue", "canicule", "incendie"][n % 3], "exercice": True,
                "constat": "Constat", "action": f"Action n° {n * 50 + i} du plan",
                "element": "planification", "porteur_direction": porteurs[i % 4],
                "echeance": date.today() + timedelta(days=rng.randrange(-30, 300)),
                "statut": ["a_lancer", "en_cours", "realisee"][i % 3], "created_at": now,
                "modifie_at": now} for i in range(ACTIONS // 40)]
        db.session.execute(sa.insert(ActionPlan), rows)
        db.session.commit()
        return evenement.id, animateur.email


def main():
    app = throwaway_app()
    started = time.perf_counter()
    evenement_id, email = charger(app)
    report("retex: data loaded", elapsed_ms=round((time.perf_counter() - started) * 1000),
           injects=INJECTS, main_courante=ENTREES, personnes=PERSONNES, demandes_scop=DEMANDES,
           actions=ACTIONS)
    # As a production worker runs (wsgi.py): what start-up built is frozen out of the
    # garbage collector's reach, so a page is not held up by a full collection of it.
    gc.collect()
    gc.freeze()
    client = app.test_client()
    client.post("/auth/connexion", data={"email": email, "password": "bench-password-123"})
    page = client.get(f"/retex/evenement/{evenement_id}")
    assert page.status_code == 200, page.status_code
    report("retex: draft page of a 3-day exercise", timed(
        lambda: client.get(f"/retex/evenement/{evenement_id}"), repeat=40, warmup=3),
        target_p95_ms=300, bytes=len(page.data))
    for fmt, cible in (("pdf", 5000), ("docx", 3000)):
        samples = []
        for _ in range(3):
            t = time.perf_counter()
            r = client.get(f"/retex/evenement/{evenement_id}/retex.{fmt}")
            samples.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        report(f"retex: {fmt.upper()} of a 3-day exercise", percentiles(samples),
               target_ms=cible, bytes=len(r.data))
    report("retex: plan d'actions page, 2,000 actions", timed(
        lambda: client.get("/retex/actions"), repeat=30, warmup=3), target_p95_ms=150)
    report("retex: plan d'actions, open and late, 2,000 actions", timed(
        lambda: client.get("/retex/actions?statut=ouvertes&retard=1"), repeat=30, warmup=3),
        target_p95_ms=150)


if __name__ == "__main__":
    main()
