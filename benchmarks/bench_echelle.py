"""Figures at the scale of a city-wide flood (issue 16), printed for 100,000 and for
1,000,000 people so that the cost as the work grows is visible: 200 C.A.RE over the 17
mairies in one event (the flood; nine people in ten), two smaller events beside it, names in
Latin, Cyrillic, Arabic, Chinese and Vietnamese scripts with their search keys.

- register one person, the full POST (auth, CSRF, validation, duplicate check, audit):
  p95 ≤ 15 ms on SQLite, ≤ 20 ms on PostgreSQL at 1,000,000;
- the tolerant name search (service, mairie scope), Latin and other scripts: p95 ≤ 15 ms;
- 1,000 badges in one PDF: ≤ 0.5 s;
- the event's dashboard (full GET): p95 ≤ 50 ms at 100,000, ≤ 150 ms at 1,000,000;
- a gunicorn worker's memory after desks and the dashboard ran on that database: ≤ 200 MB.

BENCH_ECHELLES sets the sizes ("100000,1000000"); DATABASE_URL selects PostgreSQL (a fresh
database is needed for each size: run under scripts/with-postgres.sh with one size at a time).
"""

import os
import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _charge  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from _common import (finish_bulk_load, logged_in, percentiles, report,  # noqa: E402
                     throwaway_app, timed)

from crise.auth import services as auth_services  # noqa: E402
from crise.auth.models import User  # noqa: E402
from crise.care import comptes, noms, services  # noqa: E402
from crise.care.models import CentreAccueil, Passage, Personne, PersonneCle, Site  # noqa: E402
from crise.db import utcnow  # noqa: E402
from crise.evenements.services import EvenementData, declarer_evenement  # noqa: E402
from crise.extensions import db  # noqa: E402
from crise.mairies.models import Mairie  # noqa: E402

ECHELLES = [int(n) for n in os.environ.get("BENCH_ECHELLES", "100000,1000000").split(",")]
CENTRES_CRUE, CENTRES_AUTRES, LOT = 200, 10, 20_000
PASSWORD = _charge.MOT_DE_PASSE
NOMS = ["Martin", "Bernard", "Dubois", "Lefèvre", "Benali", "Ben Ali", "N'Diaye", "Traoré",
        "Da Silva", "de La Fontaine", "O'Brien", "Nguyen", "Nguyễn", "Trần", "Lê", "Иванова",
        "Петров", "Смирнова", "Кузнецов", "محمد", "العلي", "حداد", "王", "李", "张伟", "陈",
        "Haddad", "Cohen", "Diallo", "Moreau", "Garcia", "Zhang"]
PRENOMS = ["Marie", "Jean", "Hélène", "Zoé", "Karim", "Fatou", "Thị Mai", "Văn Hùng",
           "Светлана", "Сергей", "فاطمة", "أحمد", "伟", "芳", "Jean-Pierre", "Siobhán", "Awa"]
LATIN = ["lefevre marie", "Benali", "Ben Ali Karim", "dupnot", "Nguyen Thi Mai", "martin jean",
         "N'Diaye Fatou", "obrien", "Da Silva", "moreau zoe"]
AUTRES = ["Иванова Светлана", "Петров", "محمد أحمد", "حداد", "王 伟", "张伟", "Nguyễn Văn Hùng",
          "Trần", "Смирнова", "陈 芳"]


# Family names as a city has them: a few very common ones (the lists above, one person in
# five), and thousands of others, in every script (syllables put together).
SYLLABES = {
    "latin": (["Ber", "Mar", "Dur", "Lam", "Fon", "Gar", "Mor", "Rou", "Bou", "Char", "Del",
               "Fer", "Gil", "Lab", "Mich", "Pel", "Rich", "Sau", "Tho", "Vas", "Bel", "Cas",
               "Dou", "Gau", "Hen", "Jac", "Lec", "Mas", "Nic", "Per"],
              ["ard", "ier", "and", "in", "et", "ot", "eau", "ault", "enne", "ez", "on", "ille",
               "ot", "uis", "aud", "ant", "el", "as", "ier", "oux"]),
    "cyrillique": (["Ив", "Пет", "Смир", "Кузн", "Поп", "Вол", "Лебед", "Козл", "Новик",
                    "Мороз", "Соколь", "Орл", "Андр", "Макар", "Никол"],
                   ["ова", "ов", "ина", "ин", "ская", "ский", "енко", "ук"]),
    "arabe": (["عبد", "بن", "أبو", "آل", "ال"],
              ["الله", "الرحمن", "علي", "حسن", "سالم", "كريم", "منصور", "يوسف", "زيد",
               "ناصر", "خليل", "هاشم", "رشيد", "صالح", "جابر"]),
    "chinois": (["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马",
                 "朱", "胡"],
                ["", "伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "明",
                 "超", "秀"]),
    "vietnamien": (["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi",
                    "Đỗ"], ["", " Văn", " Thị", " Đức", " Minh", " Quang", " Hữu"]),
}


def un_nom(rng) -> str:
    if rng.random() < 0.2:
        return rng.choice(NOMS)
    debuts, fins = SYLLABES[rng.choice(("latin", "latin", "latin", "cyrillique", "arabe",
                                        "chinois", "vietnamien"))]
    return rng.choice(debuts) + rng.choice(fins)


def peupler(app, n, rng):
    with app.app_context():
        admin, _ = auth_services.creer_compte("bench", email="admin@bench.fr", role="admin",
                                              password=PASSWORD)
        mairies = db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()
        onzieme = next(m for m in mairies if m.code == "11e")
        auth_services.creer_compte("bench", email="agent@bench.fr", role="agent_accueil",
                                   password=PASSWORD, mairie=onzieme)
        auth_services.creer_compte("bench", email="cellule@bench.fr", role="cellule",
                                   password=PASSWORD)
        evenements = [declarer_evenement(admin, EvenementData(
            titre=titre, type="crue", survenu_at=utcnow() - timedelta(days=k),
            source_information="scop", mairies=mairies))[0]
            for k, titre in enumerate(("Crue de type 1910", "Incendie rue de Charonne",
                                       "Effondrement quai de Jemmapes"))]
        crue = evenements[0]
        centres = {e.id: [] for e in evenements}
        for evenement, nombre in ((crue, CENTRES_CRUE), (evenements[1], CENTRES_AUTRES),
                                  (evenements[2], CENTRES_AUTRES)):
            for k in range(nombre):
                mairie = onzieme if k == 0 else mairies[k % len(mairies)]
                site = Site(mairie=mairie, nom=f"Gymnase {mairie.code} {evenement.id}-{k}",
                            capacite=5_000)
                db.session.add(site)
                db.session.flush()
                centre, _ = services.ouvrir_centre(admin, evenement, site=site, capacite=None,
                                                   responsable_nom="Bench")
                centres[evenement.id].append((centre.id, centre.mairie_id))
        db.session.commit()
        cles_de = {}
        now, pid = utcnow(), 0
        while pid < n:
            personnes, passages, cles = [], [], []
            for _ in range(min(LOT, n - pid)):
                pid += 1
                evenement = crue if rng.random() < 0.9 else evenements[1 + pid % 2]
                # The desk measured is at the flood's biggest C.A.RE (a gymnasium of the
                # 11e): about 1,500 people at 100,000, 13,000 at 1,000,000.
                centre_id, mairie_id = (centres[crue.id][0] if evenement is crue
                                        and rng.random() < 0.012
                                        else rng.choice(centres[evenement.id]))
                nom, prenom = un_nom(rng), rng.choice(PRENOMS)
                if (nom, prenom) not in cles_de:
                    cles_de[(nom, prenom)] = (noms.person_keys(nom, prenom),
                                              noms.identity_key(nom, prenom))
                leurs_cles, identite = cles_de[(nom, prenom)]
                personnes.append({
                    "id": pid, "centre_id": centre_id, "evenement_id": evenement.id,
                    "mairie_id": mairie_id, "categorie": rng.choice(
                        ["sinistre", "sinistre", "implique", "proche"]), "nom": nom,
                    "prenom": prenom, "nom_usage": "", "sexe": rng.choice("FM"),
                    "telephone": "", "email": "", "adresse_actuelle": "",
                    "adresse_permanente": "", "langue": "", "interprete": False,
                    "nationalite": "", "recherche_nom": "",
                    # One in ten asks for a roof: the boards count them.
                    "besoins": ["hebergement"] if rng.random() < 0.1 else [],
                    "consent_recherche": False, "consent_ciav": False, "notes": "",
                    "notes_medicales": "", "taille_groupe": 1, "cle_identite": identite,
                    "badge_token": f"b{pid:021d}",  # as long as a real one
                    "code_court": f"B{pid:09d}",
                    "present": rng.random() < 0.4, "created_at": now, "updated_at": now})
                passages.append({"id": pid, "personne_id": pid, "centre_id": centre_id,
                                 "arrivee_at": now})
                cles.extend({"personne_id": pid, "evenement_id": evenement.id,
                             "mairie_id": mairie_id, "cle": cle, "poids": poids}
                            for cle, poids in leurs_cles.items())
            db.session.execute(sa.insert(Personne.__table__), personnes)
            db.session.execute(sa.insert(Passage.__table__), passages)
            db.session.execute(sa.insert(PersonneCle.__table__), cles)
            db.session.commit()
        finish_bulk_load(("care_personne", "care_passage"))
        # The triggers wrote a line of change per person and per passage: folded as the
        # hourly run and the boards do.
        debut = time.perf_counter()
        lignes = comptes.compacter()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of such a fold: the 2,000,000 lines
            # deleted leave dead entries in the lines' index, which every board walks
            # until they are vacuumed (a second PostgreSQL run measured right after the
            # fold read the dashboard in 222 ms instead of 88).
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text("VACUUM ANALYZE care_compte_delta, care_flux_delta"))
        report("echelle: counts folded after the load", lignes=lignes,
               secondes=round(time.perf_counter() - debut, 1))
        return crue.id, centres[crue.id][0][0]


def _client(app, email):
    return logged_in(app, email, PASSWORD)


def mesurer(app, n, evenement_id, centre_id, rng, pg):
    etiquette = f"{n:,}".replace(",", " ")
    agent = _client(app, "agent@bench.fr")
    page = agent.get(f"/care/{centre_id}/enregistrer").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    echantillons = []
    for k in range(210):
        donnees = {"csrf_token": token, "jeton": f"bench-{n}-{k}", "taille_groupe": "1",
                   "membres-0-nom": rng.choice(NOMS), "membres-0-prenom": rng.choice(PRENOMS),
                   "membres-0-categorie": "sinistre", "membres-0-telephone": f"06{k:08d}",
                   "depasser_capacite": "y"}
        debut = time.perf_counter()
        reponse = agent.post(f"/care/{centre_id}/enregistrer", data=donnees)
        ecoule = (time.perf_counter() - debut) * 1000
        assert reponse.status_code == 302, reponse.status_code
        if k >= 10:
            echantillons.append(ecoule)
        agent.get(reponse.headers["Location"])
    report("echelle: register one person (full POST)", percentiles(echantillons),
           personnes=etiquette, cible_p95_ms=20 if pg else 15)

    with app.app_context():
        moi = db.session.scalar(sa.select(User).where(User.email == "agent@bench.fr"))
        for nom, requetes in (("Latin", LATIN), ("other scripts", AUTRES)):
            report(f"echelle: tolerant name search, {nom} (service, mairie scope)",
                   timed(lambda r=requetes: services.search_names(
                       moi, evenement_id, rng.choice(r)), repeat=200),
                   personnes=etiquette, cible_p95_ms=15)
        centre = db.session.get(CentreAccueil, centre_id)
        gens = db.session.scalars(sa.select(Personne).where(
            Personne.centre_id == centre_id).order_by(Personne.id).limit(1000)).all()
        # A worker's first sheet loads the fonts of every script (once per process).
        debut = time.perf_counter()
        services.badges(moi, centre, gens[:8], what="benchmark")
        premiere = time.perf_counter() - debut
        debut = time.perf_counter()
        services.badges(moi, centre, gens, what="benchmark")
        report("echelle: badges as one PDF", badges=len(gens), personnes=etiquette,
               secondes=round(time.perf_counter() - debut, 2), cible_secondes=0.5,
               premiere_feuille_8_badges_s=round(premiere, 2))
        db.session.rollback()

    cellule = _client(app, "cellule@bench.fr")

    def tableau():
        assert cellule.get(f"/cellule/evenements/{evenement_id}/tableau-de-bord"
                           ).status_code == 200

    report("echelle: the event's dashboard (full GET)", timed(tableau, repeat=40),
           personnes=etiquette, dans_l_evenement=f"{int(n * 0.9):,}".replace(",", " "),
           cible_p95_ms=50 if n <= 100_000 else 150)


def memoire_worker(url, n, evenement_id, centre_id):
    """gunicorn on the same database: a desk registering and the cellule's dashboard, then
    the workers' memory."""
    serveur = _charge.Serveur("wsgi:app", _charge.env_serveur(url))
    try:
        agent, cellule = _charge.Navigateur(serveur.port), _charge.Navigateur(serveur.port)
        agent.connecter("agent@bench.fr")
        cellule.connecter("cellule@bench.fr")
        for k in range(40):
            _charge.tour_application(agent, _charge.Tour(f"Mémoire {k}"), centre_id, "Awa")
            assert cellule.requete(
                "GET", f"/cellule/evenements/{evenement_id}/tableau-de-bord")[0] == 200
        memoire = serveur.memoire_workers_mo()
    finally:
        serveur.arreter()
    report("echelle: gunicorn worker memory after the run", personnes=f"{n:,}".replace(
        ",", " "), workers_mo=memoire, max_mo=max(memoire or [0]), cible_mo=200)


def main():
    pg = bool(os.environ.get("DATABASE_URL"))
    for n in ECHELLES:
        rng = random.Random(1910 + n)
        app = throwaway_app(WTF_CSRF_ENABLED=True)
        debut = time.perf_counter()
        evenement_id, centre_id = peupler(app, n, rng)
        report("echelle: populate", personnes=n, centres=CENTRES_CRUE + 2 * CENTRES_AUTRES,
               secondes=round(time.perf_counter() - debut, 1),
               base="postgresql" if pg else "sqlite")
        mesurer(app, n, evenement_id, centre_id, rng, pg)
        with app.app_context():
            db.engine.dispose()
        memoire_worker(app.config["SQLALCHEMY_DATABASE_URI"], n, evenement_id, centre_id)
        if pg:
            break  # one size per throwaway database


if __name__ == "__main__":
    main()
