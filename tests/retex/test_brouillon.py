"""The RETEX draft generated from the records: the chronologie (merged, ordered, both clocks
for an exercise, only this event's records), the delays against their targets, the analysis
per objective, the charts; the same generator for a real event."""

from datetime import timedelta

import sqlalchemy as sa

from crise.cellule import services as cellule
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.retex import graphiques
from crise.retex.brouillon import brouillon
from tests.retex.conftest import evenement, user


def test_the_chronologie_of_a_run_merges_every_record_in_order_with_both_clocks(app, partie):
    _, ev_id = partie()
    with app.app_context():
        b = brouillon(evenement(ev_id))
        genres = [l.genre for l in b.chronologie]
        for genre in ("horloge", "inject", "attendu", "main_courante", "decision", "care",
                      "cellule"):
            assert genre in genres, genre
        assert [l.at for l in b.chronologie] == sorted(l.at for l in b.chronologie)
        # Both clocks: every line after the DEBEX has its scenario time.
        apres = [l for l in b.chronologie if l.at >= b.exercice.debex_at]
        assert apres and all(l.scenario_at is not None for l in apres)
        inject = next(l for l in b.chronologie if l.genre == "inject")
        assert inject.texte.startswith("INJ-020") and b.relatif(inject.scenario_at) == \
            "J+1 08:24"  # delivered at the tick after the crossing (61 min × 24)
        attendu = next(l for l in b.chronologie if l.genre == "attendu")
        assert attendu.etat == "réalisée" and "C.A.RE" in attendu.texte
        # What mattered is listed; plain information is counted, not listed.
        textes = [l.texte for l in b.chronologie]
        assert "Demande de renfort d'interprètes (arabe, russe)" in textes
        assert not any("rien à signaler" in t for t in textes) and b.omises == 1
        decision = next(l for l in b.chronologie if l.genre == "decision")
        assert "lue par 1/1" in decision.texte and "appliquée par 0/1" in decision.texte


def test_delays_are_measured_against_the_scenario_targets(app, partie):
    _, ev_id = partie()
    with app.app_context():
        b = brouillon(evenement(ev_id))
        delai = next(d for d in b.delais if d.libelle.startswith("Ouvrir le C.A.RE du 15e"))
        assert delai.cible == timedelta(hours=2) and delai.mesure is not None
        assert timedelta(minutes=5) < delai.mesure < timedelta(hours=2)
        assert delai.verdict == "dans l'objectif"
        assert delai.phrase.endswith("après l'inject INJ-020, objectif 2 h 00")
        # The C.A.RE is measured from the DEBEX, not from when the run was prepared.
        care = next(d for d in b.delais if d.libelle.startswith("C.A.RE Gymnase"))
        assert care.depuis == "après le DEBEX"
        assert timedelta(hours=1) < care.mesure < timedelta(hours=1, minutes=20)


def test_the_analysis_per_objective_gathers_attendus_grid_notes_and_the_hot_wash(app, partie):
    _, ev_id = partie()
    with app.app_context():
        b = brouillon(evenement(ev_id))
        [objectif] = b.objectifs
        assert objectif.id == "OBJ-2" and objectif.attendus["réalisée"] == 1
        assert objectif.grille[0]["notes"] == {"S": 1}
        assert objectif.grille[0]["evaluations"][0].commentaire == "Ouvert, sans fléchage"
        assert [n.texte for n in objectif.notes] == ["Files d'attente dehors"]
        assert any("réalisée dans le délai" in t for t in objectif.forts)
        assert b.a_chaud["repondu"] == 1
        assert [t for _, t in b.propositions] == ["Commander des panneaux"]
        assert ("Responsable de crise de la mairie (15e)", 1) in b.participants
        titres = [g.titre for g in graphiques.graphiques(b)]
        assert titres == ["Actions attendues par objectif", "Délais mesurés et objectifs",
                          "Activité par heure"]


def test_an_exercise_shows_only_its_own_records_and_a_real_event_only_its_own(
        app, partie, create_centre, create_evenement, create_user):
    _, ev_id = partie()
    reel = create_evenement(titre="Incendie boulevard Voltaire", mairies=("11e",))
    create_centre(mairie="11e", evenement=reel, nom="Gymnase Japy")
    responsable = create_user("cellule", nom="Camille Cellule")
    with app.app_context():
        ev = db.session.get(Evenement, reel.id)
        cellule.activer(user(responsable), ev)
        cellule.ecrire(user(responsable), ev, cellule.EntreeData(
            texte="Évacuation de l'immeuble du 12 bd Voltaire", type="action"))
        db.session.commit()
        exercice_b, reel_b = brouillon(evenement(ev_id)), brouillon(ev)
        assert not any("Voltaire" in l.texte or "Japy" in l.texte
                       for l in exercice_b.chronologie)
        assert not any("interprètes" in l.texte or "INJ-" in l.texte
                       for l in reel_b.chronologie)
        assert reel_b.exercice is None and reel_b.objectifs == []
        assert all(l.scenario_at is None for l in reel_b.chronologie)
        assert any(l.texte == "Évacuation de l'immeuble du 12 bd Voltaire"
                   for l in reel_b.chronologie)
        assert ("Cellule centrale de crise", 1) in reel_b.participants
        assert any(d.libelle.startswith("C.A.RE Gymnase Japy") for d in reel_b.delais)


def test_scop_delays_of_a_real_event_are_judged_against_the_announced_arrival(
        app, create_evenement, create_user):
    from crise.scop.models import DemandeScop

    reel = create_evenement(titre="Effondrement rue Myrha", mairies=("18e",))
    with app.app_context():
        from crise.mairies.models import mairie_by_code

        t = utcnow() - timedelta(hours=3)
        for minutes, eta in ((70, 45), (30, 45)):
            db.session.add(DemandeScop(
                evenement_id=reel.id, mairie_id=mairie_by_code("18e").id, type="vpu",
                urgence="heure", statut="sur_place", created_at=t, prise_at=t +
                timedelta(minutes=4), arrivee_estimee_at=t + timedelta(minutes=eta),
                sur_place_at=t + timedelta(minutes=minutes)))
        db.session.commit()
        b = brouillon(db.session.get(Evenement, reel.id))
        sur_place = next(d for d in b.delais if "sur place" in d.libelle)
        assert sur_place.libelle.endswith("sur place (2/2)")
        assert sur_place.mesure == timedelta(minutes=50) and sur_place.cible == \
            timedelta(minutes=45) and sur_place.verdict == "hors objectif"
        assert sum(1 for l in b.chronologie if l.genre == "scop") == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DemandeScop)) == 2


def test_a_long_event_is_charted_by_slices_of_hours_and_a_decision_applied_by_all():
    from datetime import datetime, timezone

    from crise.retex.brouillon import Delai

    debut = datetime(2026, 1, 1, tzinfo=timezone.utc)
    # Three weeks of a flood: 504 hours, charted in bars of 6 hours, the peak kept.
    activite = [(debut + timedelta(hours=h), 100 if h == 30 else 1, 0) for h in range(504)]
    graphique = graphiques.activite_par_heure(activite)
    assert graphique.titre == "Activité par tranche de 6 h"
    barres = [f for f in graphique.formes if f.genre == "rect"]
    assert len(barres) == 2 * 84 and max(f.h for f in barres) == 130  # the peak is there
    assert Delai("Décision", "après", None, timedelta(hours=2)).verdict == "non réalisé"


def test_an_expected_action_of_a_role_nobody_played_is_nobody_s_failure(
        app, exercice, joueurs, animateur):
    from crise.exercices import livraisons, services
    from crise.retex.brouillon import NON_JOUE
    from tests.exercices.conftest import MIN, run
    from tests.retex.conftest import GRILLE

    debex = utcnow() - 75 * MIN
    ident = exercice(source=GRILLE, at=debex, players=[joueurs["cellule"]])
    with app.app_context():
        livraisons.avancer(run(ident), now=debex + 61 * MIN)  # ATT-3: the 15e's, unplayed
        services.finex(user(animateur), run(ident))
        db.session.commit()
        b = brouillon(run(ident).evenement)
        [objectif] = b.objectifs
        assert [etat for _, _, etat in objectif.attendus_liste] == [NON_JOUE]
        assert sum(objectif.attendus.values()) == 0 and objectif.faibles == []
        assert not any(l.genre == "attendu" for l in b.chronologie)
        assert not any(d.libelle.startswith("Ouvrir le C.A.RE") for d in b.delais)
