"""A run: starting it on an EXERCICE event with checked players, its clock in the database
(pauses, jumps, speed, FINEX), the injects delivered once each when they fall due (a
threshold on a forecast, after another inject if an expected action failed), the players'
inbox and acknowledgement, the expected actions met by what the players really do."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.cellule.models import EntreeMainCourante
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.exercices import livraisons, services
from crise.exercices.attendus import etat_attendu, valider_a_la_main
from crise.exercices.models import (Attendu, Destinataire, Figurant, Livraison,
                                    MouvementHorloge, StatutExercice)
from crise.exercices.partie import instant, scenario_au
from crise.extensions import db
from crise.formatting import PARIS
from crise.exercices.commandes import tick_une_fois
from tests.exercices.conftest import DEBEX, MIN, MINI, run

H = timedelta(hours=1)
T0 = DEBEX.replace(year=2027, month=1, day=18, hour=8).astimezone(PARIS).replace(hour=8)


def user(u):
    return db.session.get(User, u.id)


def entrees(evenement_id):
    return db.session.scalars(sa.select(EntreeMainCourante.texte).where(
        EntreeMainCourante.evenement_id == evenement_id)
        .order_by(EntreeMainCourante.id)).all()


def test_starting_a_run_creates_an_exercise_event_and_logs_debex(app, exercice, joueurs):
    ident = exercice()
    with app.app_context():
        ex = run(ident)
        evenement = db.session.get(Evenement, ex.evenement_id)
        assert evenement.exercice and evenement.type == "crue"
        assert [m.code for m in evenement.mairies] == ["centre", "15e"]
        assert {j.user_id for j in ex.joueurs} == {u.id for u in joueurs.values()}
        assert ex.statut == StatutExercice.EN_COURS and ex.debex_at == DEBEX
        textes = entrees(evenement.id)
        assert any("Exercice préparé" in t and "3 joueur(s)" in t for t in textes)
        assert any(t.startswith("EXERCICE — DEBEX") and "J+0 08:00" in t for t in textes)


def test_players_are_checked_against_the_scenario(app, exercice, create_user):
    agent_11 = create_user("responsable_care", mairie="11e", nom="Resp Onze")
    dsol = create_user("dsol", nom="Agent DSOL")
    with pytest.raises(ServiceError) as refus:
        exercice(players=[agent_11, dsol])
    assert "Resp Onze : sa mairie (11e) ne joue pas" in refus.value.message
    assert "« DSOL — hébergement d'urgence » ne joue pas" in refus.value.message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evenement)) == 0


def test_an_animateur_cannot_start_an_invalid_scenario_and_only_an_animateur_starts(
        app, animateur, joueurs):
    with app.app_context():
        with pytest.raises(ServiceError, match="Le scénario a des erreurs"):
            services.lancer(user(animateur), MINI.replace("mairies: [centre, 15e]",
                                                          "mairies: [centre, 1er]"), [])
        with pytest.raises(ServiceError, match="Seul un animateur"):
            services.lancer(user(joueurs["cellule"]), MINI, [])


def test_the_threshold_on_the_forecast_fires_at_its_scenario_time(app, exercice, joueurs):
    # The forecast at 24 h reaches 5.70 m at J+1 08:00, one hour of play at 24×.
    ident = exercice()
    with app.app_context():
        ex = run(ident)
        assert livraisons.avancer(ex, now=DEBEX + 59 * MIN) == []
        faites = livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        assert [l.inject_id for l in faites] == ["INJ-020"]
        livraison = faites[0]
        assert livraison.du_scenario_at == T0 + 24 * H and not livraison.pendant_saut
        assert livraison.livre_scenario_at == T0 + 24 * H + 24 * MIN
        assert sorted(d.libelle for d in livraison.destinataires) == [
            "Cellule centrale de crise", "Responsable de crise de la mairie (15e)"]
        # 40 fictitious people in 12 households wait at the 15e.
        figurants = db.session.scalars(sa.select(Figurant)).all()
        assert len(figurants) == 40 and len({f.foyer for f in figurants}) == 12
        assert all(f.mairie.code == "15e" for f in figurants)
        attendu = db.session.scalar(sa.select(Attendu))
        assert attendu.attendu_id == "ATT-3" and attendu.echeance_en_jeu_s == (61 + 120) * 60
        assert any("inject INJ-020 reçu de Préfecture de police" in t and "J+1 08:24" in t
                   for t in entrees(ex.evenement_id))
        # Nothing delivered twice.
        assert livraisons.avancer(ex, now=DEBEX + 62 * MIN) == []


def test_a_pause_freezes_both_clocks_and_is_logged(app, exercice, animateur):
    ident = exercice()
    with app.app_context():
        ex, anim = run(ident), user(animateur)
        services.mettre_en_pause(anim, ex, motif="Appel du préfet", now=DEBEX + 30 * MIN)
        db.session.commit()
        avant = instant(ex, DEBEX + 30 * MIN).scenario
        assert instant(ex, DEBEX + 5 * H).scenario == avant == T0 + 12 * H
        assert livraisons.avancer(ex, now=DEBEX + 5 * H) == []
        with pytest.raises(ServiceError, match="déjà en pause"):
            services.mettre_en_pause(anim, ex, now=DEBEX + 5 * H)
        db.session.rollback()
        services.reprendre(anim, ex, now=DEBEX + 5 * H)
        db.session.commit()
        assert livraisons.avancer(ex, now=DEBEX + 5 * H + 29 * MIN) == []
        assert [l.inject_id for l in livraisons.avancer(ex, now=DEBEX + 5 * H + 31 * MIN)] \
            == ["INJ-020"]
        quoi = db.session.scalars(sa.select(MouvementHorloge.quoi)
                                  .order_by(MouvementHorloge.id)).all()
        assert quoi == ["debex", "pause", "reprise"]
        pause = db.session.scalar(sa.select(MouvementHorloge).where(
            MouvementHorloge.quoi == "pause"))
        assert pause.motif == "Appel du préfet" and pause.scenario_at == T0 + 12 * H
        # The log gives the story's time at any past real moment.
        assert scenario_au(ex, DEBEX + 3 * H) == T0 + 12 * H
        assert scenario_au(ex, DEBEX + 5 * H + 10 * MIN) == T0 + 16 * H


def test_an_unplanned_jump_delivers_what_it_passed_marked_during_the_jump(
        app, exercice, animateur):
    ident = exercice()
    with app.app_context():
        ex, anim = run(ident), user(animateur)
        services.sauter(anim, ex, duree=timedelta(days=1), now=DEBEX + 10 * MIN)
        db.session.commit()
        livraison = db.session.scalar(sa.select(Livraison))
        assert livraison.inject_id == "INJ-020" and livraison.pendant_saut
        assert livraison.livre_scenario_at == T0 + 4 * H + 24 * H
        assert instant(ex, DEBEX + 10 * MIN).scenario == T0 + 28 * H
        with pytest.raises(ServiceError, match="ne va qu'en avant"):
            services.sauter(anim, ex, vers=T0 + 2 * H, now=DEBEX + 11 * MIN)
        db.session.rollback()
        with pytest.raises(ServiceError, match="après la fin du scénario"):
            services.sauter(anim, ex, duree=timedelta(days=30), now=DEBEX + 11 * MIN)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MouvementHorloge)
                                 .where(MouvementHorloge.quoi == "saut")) == 1
        assert any("Saut de J+0 12:00 à J+1 12:00" in t for t in entrees(ex.evenement_id))


def test_the_planned_jump_carries_a_crossing_into_it(app, exercice):
    # A threshold whose moment falls inside the plan's 4-day jump fires when play resumes.
    source = MINI.replace("valeur: 5.70, sur: prevision, horizon: PT24H",
                          "valeur: 8.00, sur: observation")
    ident = exercice(source=source)
    with app.app_context():
        ex = run(ident)
        assert livraisons.avancer(ex, now=DEBEX + 179 * MIN) == []
        (livraison,) = livraisons.avancer(ex, now=DEBEX + 181 * MIN)
        assert livraison.pendant_saut and livraison.livre_scenario_at > livraison.du_scenario_at


def test_a_change_of_speed_holds_from_its_moment(app, exercice, animateur):
    ident = exercice()
    with app.app_context():
        ex, anim = run(ident), user(animateur)
        services.changer_cadence(anim, ex, 2, now=DEBEX + 30 * MIN)
        db.session.commit()
        assert instant(ex, DEBEX + 45 * MIN).scenario == T0 + 24 * H
        with pytest.raises(ServiceError, match="Vitesse : entre 0,1 et 20"):
            services.changer_cadence(anim, ex, 50, now=DEBEX + 46 * MIN)


def test_a_contingency_inject_fires_only_if_the_action_failed(app, exercice, joueurs,
                                                               create_centre):
    ident = exercice()
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        attendu = db.session.scalar(sa.select(Attendu))
        moment = instant(ex, DEBEX + 4 * H)
        assert etat_attendu(attendu, moment) == "en retard"
        (relance,) = livraisons.avancer(ex, now=DEBEX + 7 * H + 2 * MIN)
        assert relance.inject_id == "INJ-021" and relance.envoye
        assert [d.libelle for d in relance.destinataires] == ["Cellule centrale de crise"]


def _ouvrir(mairie, evenement_id, by, now):
    from crise.care import services as care
    from crise.care.models import Site
    from crise.mairies.models import mairie_by_code

    site = Site(mairie_id=mairie_by_code(mairie).id, nom="Gymnase Émile-Anthoine",
                adresse="9 rue Jean-Rey", capacite=80)
    db.session.add(site)
    centre, _ = care.ouvrir_centre(user(by), db.session.get(Evenement, evenement_id),
                                   site=site, capacite=80, responsable_nom="Awa N'Diaye",
                                   now=now)
    db.session.commit()
    return centre


def test_an_action_met_in_the_application_stops_the_contingency(app, exercice, joueurs):
    ident = exercice()
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        # The responsable of the 15e opens a C.A.RE in the real tool, 1 h 39 later.
        centre = _ouvrir("15e", ex.evenement_id, joueurs["15e"], DEBEX + 160 * MIN)
        attendu = db.session.scalar(sa.select(Attendu))
        assert attendu.statut == "atteint" and not attendu.en_retard
        assert attendu.preuve_type == "centre" and attendu.preuve_id == centre.id
        assert "C.A.RE ouvert" in attendu.preuve_texte
        assert attendu.atteint_scenario_at == T0 + 160 * 24 * MIN
        (relance,) = livraisons.avancer(ex, now=DEBEX + 7 * H + 2 * MIN)
        assert relance.inject_id == "INJ-021" and not relance.envoye
        assert relance.destinataires == []


def test_a_late_action_or_one_in_another_mairie(app, exercice, joueurs):
    ident = exercice()
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        _ouvrir("centre", ex.evenement_id, joueurs["centre"], DEBEX + 90 * MIN)
        assert db.session.scalar(sa.select(Attendu.statut)) == "en_attente"
        _ouvrir("15e", ex.evenement_id, joueurs["15e"], DEBEX + 4 * H)
        attendu = db.session.scalar(sa.select(Attendu))
        assert attendu.statut == "atteint" and attendu.en_retard
        assert etat_attendu(attendu, None) == "réalisée en retard"


def test_manual_validation_and_finex(app, exercice, animateur, joueurs):
    ident = exercice()
    with app.app_context():
        ex, anim = run(ident), user(animateur)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        attendu = db.session.scalar(sa.select(Attendu))
        with pytest.raises(ServiceError, match="commentaire est demandé"):
            valider_a_la_main(anim, attendu, atteint_=True, commentaire="  ")
        with pytest.raises(ServiceError, match="Seul un animateur"):
            valider_a_la_main(user(joueurs["cellule"]), attendu, atteint_=True,
                              commentaire="ok")
        services.finex(anim, ex, now=DEBEX + 2 * H)
        db.session.commit()
        assert attendu.statut == "manque"
        assert ex.statut == StatutExercice.TERMINE and ex.finex_at == DEBEX + 2 * H
        with pytest.raises(ServiceError, match="déjà été prononcée"):
            services.finex(anim, ex, now=DEBEX + 3 * H)
        db.session.rollback()
        # After the FINEX nothing more is delivered.
        assert livraisons.avancer(ex, now=DEBEX + 9 * H) == []


def test_sending_by_hand_and_an_inject_typed_on_the_spot(app, exercice, animateur, joueurs):
    ident = exercice()
    with app.app_context():
        ex, anim = run(ident), user(animateur)
        livraison = livraisons.envoyer(anim, ex, "INJ-021", now=DEBEX + 5 * MIN)
        db.session.commit()
        assert livraison.manuel and livraison.du_scenario_at is None
        with pytest.raises(ServiceError, match="déjà été envoyé"):
            livraisons.envoyer(anim, ex, "INJ-021", now=DEBEX + 6 * MIN)
        db.session.rollback()
        champs = dict(de="Journaliste (fictif)", canal="telephone", roles=["responsable_care"],
                      mairies=["15e", "1er"], titre="Une radio demande une interview",
                      message="« Combien de familles dorment au gymnase ? »")
        libre, cree = livraisons.envoyer_libre(anim, ex, now=DEBEX + 7 * MIN, **champs)
        again, cree_encore = livraisons.envoyer_libre(anim, ex, now=DEBEX + 8 * MIN, **champs)
        db.session.commit()
        assert cree and not cree_encore and again.id == libre.id
        assert [d.libelle for d in libre.destinataires] == [
            "Responsable de crise de la mairie (15e)"]
        with pytest.raises(ServiceError, match="Écrivez le message"):
            livraisons.envoyer_libre(anim, ex, **{**champs, "message": " \x0b "})
        services.mettre_en_pause(anim, ex, now=DEBEX + 9 * MIN)
        db.session.commit()
        with pytest.raises(ServiceError, match="en pause"):
            livraisons.envoyer(anim, ex, "INJ-020", now=DEBEX + 10 * MIN)


def test_the_inbox_by_role_and_mairie_and_acknowledgement(app, exercice, joueurs):
    ident = exercice()
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        quinze, centre, cellule = (user(joueurs[k]) for k in ("15e", "centre", "cellule"))
        assert livraisons.non_lus(quinze) == 1 and livraisons.non_lus(cellule) == 1
        assert livraisons.non_lus(centre) == 0
        (ligne,) = db.session.scalars(livraisons.boite_query(quinze)).all()
        with pytest.raises(ServiceError, match="ne vous est pas adressé"):
            livraisons.acquitter(centre, ligne)
        assert livraisons.acquitter(quinze, ligne, now=DEBEX + 70 * MIN)
        assert not livraisons.acquitter(quinze, ligne, now=DEBEX + 71 * MIN)
        db.session.commit()
        assert ligne.acquitte_par_nom == "Resp Quinze"
        assert ligne.acquitte_scenario_at == T0 + 28 * H
        assert livraisons.non_lus(quinze) == 0 and livraisons.non_lus(cellule) == 1


def test_two_workers_ticking_at_once_deliver_each_inject_once(app, exercice):
    ident = exercice()
    barrier = threading.Barrier(2)
    totals, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                totals.append(tick_une_fois(now=DEBEX + 61 * MIN))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(totals) == [0, 1]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Livraison)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Figurant)) == 40
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Destinataire)) == 2
        textes = entrees(run(ident).evenement_id)
        assert sum("inject INJ-020" in t for t in textes) == 1


def test_figurants_wait_at_the_desk_until_registered(app, exercice, joueurs):
    from crise.care import services as care
    from crise.exercices.figurants import en_attente

    ident = exercice()
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        centre = _ouvrir("15e", ex.evenement_id, joueurs["15e"], DEBEX + 70 * MIN)
        attente = en_attente(ex.evenement_id, centre.mairie_id)
        assert len(attente) == 40
        foyer = [f for f in attente if f.foyer == attente[0].foyer]
        # The desk types the household as it arrives, in its own script.
        care.enregistrer(user(joueurs["15e"]), centre, [
            care.PersonneData(nom=f.nom, prenom=f.prenom, categorie="sinistre")
            for f in foyer], now=DEBEX + 80 * MIN)
        db.session.commit()
        reste = en_attente(ex.evenement_id, centre.mairie_id)
        assert len(reste) == 40 - len(foyer)
        inscrits = db.session.scalars(sa.select(Figurant).where(
            Figurant.personne_id.is_not(None))).all()
        assert sorted(f.id for f in inscrits) == sorted(f.id for f in foyer)


def test_injects_bring_a_scop_signalement_and_a_late_point_that_count_for_no_player(
        app, exercice):
    from crise.cellule.models import PointSituation
    from crise.scop.models import DemandeScop

    source = MINI.replace(
        "    cree: {figurants: {mairie: 15e, nombre: 40, foyers: 12}}\n    attendus: [ATT-3]",
        "    cree:\n      signalement_scop: {mairie: 15e, texte: \"Cave inondée, rue Linois\"}\n"
        "      point_situation: {mairie: 15e, situation: \"Deux tours évacuées\"}\n"
        "    attendus: [ATT-3, ATT-4]").replace(
        "attendus:\n", "attendus:\n  - {id: ATT-4, acteur: {role: responsable_care, mairie: 15e},"
        " action: \"Point de situation du 15e\", validation: auto,"
        " observable: {type: point-situation-recu, filtre: {mairie: 15e}}}\n"
        "  - {id: ATT-5, acteur: {role: scop}, action: \"Signalement reçu\", validation: auto,"
        " observable: {type: demande-scop-envoyee, filtre: {mairie: 15e}}}\n")
    source = source.replace("roles: [cellule, responsable_care]\n",
                            "roles: [cellule, responsable_care, scop]\n", 1)
    ident = exercice(source=source)
    with app.app_context():
        ex = run(ident)
        (livraison,) = livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        demande = db.session.scalar(sa.select(DemandeScop))
        assert demande.type == "signalement" and demande.mairie.code == "15e"
        assert demande.contenu["texte"] == "Cave inondée, rue Linois"
        assert demande.evenement_id == ex.evenement_id and demande.demandeur_id is None
        point = db.session.scalar(sa.select(PointSituation))
        assert point.situation == "Deux tours évacuées" and point.auteur_id is None
        assert "Point simulé" in point.texte_libre
        # What the animation brought is not what the players did.
        assert set(db.session.scalars(sa.select(Attendu.statut))) == {"en_attente"}


def test_two_runs_of_one_scenario_at_once_do_not_mix(app, exercice, joueurs):
    premier, second = exercice(), exercice(at=DEBEX + 30 * MIN)
    with app.app_context():
        a, b = run(premier), run(second)
        assert a.evenement_id != b.evenement_id
        assert [l.inject_id for l in livraisons.avancer(a, now=DEBEX + 61 * MIN)] == ["INJ-020"]
        assert livraisons.avancer(b, now=DEBEX + 61 * MIN) == []  # its DEBEX was later
        db.session.commit()
        # The 15e opens its C.A.RE in the first run's event: the second run's action waits.
        livraisons.avancer(b, now=DEBEX + 92 * MIN)
        db.session.commit()
        _ouvrir("15e", a.evenement_id, joueurs["15e"], DEBEX + 95 * MIN)
        etats = dict(db.session.execute(sa.select(Attendu.exercice_id, Attendu.statut)).all())
        assert etats == {premier: "atteint", second: "en_attente"}
        cellule = user(joueurs["cellule"])
        assert livraisons.non_lus(cellule) == 2
        assert len(db.session.scalars(livraisons.boite_query(cellule, premier)).all()) == 1


def test_a_contingency_waits_while_its_action_can_still_be_met(app, exercice, joueurs):
    # The reminder comes 1 h after the order, the action has 2 h: it waits for the deadline.
    ident = exercice(source=MINI.replace("delai: PT6H", "delai: PT1H"))
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        assert livraisons.avancer(ex, now=DEBEX + 2 * H + 5 * MIN) == []
        (relance,) = livraisons.avancer(ex, now=DEBEX + 3 * H + 2 * MIN)
        assert relance.inject_id == "INJ-021" and relance.envoye
    second = exercice(source=MINI.replace("delai: PT6H", "delai: PT1H"))
    with app.app_context():
        ex = run(second)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        db.session.commit()
        assert livraisons.avancer(ex, now=DEBEX + 2 * H + 5 * MIN) == []
        _ouvrir("15e", ex.evenement_id, joueurs["15e"], DEBEX + 2 * H + 30 * MIN)
        (relance,) = livraisons.avancer(ex, now=DEBEX + 2 * H + 31 * MIN)
        assert relance.inject_id == "INJ-021" and not relance.envoye


def test_an_action_declared_earlier_is_timed_when_the_application_learned_it(
        app, exercice, joueurs):
    from crise.care import services as care
    from crise.care.models import Site
    from crise.mairies.models import mairie_by_code

    ident = exercice()
    with app.app_context():
        ex = run(ident)
        livraisons.avancer(ex, now=DEBEX + 61 * MIN)
        site = Site(mairie_id=mairie_by_code("15e").id, nom="Gymnase", adresse="", capacite=9,
                    actif=True)
        db.session.add(site)
        # Typed at +4 h, « open since +1 h 10 »: late in the exercise's record.
        care.ouvrir_centre(user(joueurs["15e"]), db.session.get(Evenement, ex.evenement_id),
                           site=site, capacite=9, responsable_nom="Awa",
                           ouvert_at=DEBEX + 70 * MIN, now=DEBEX + 4 * H)
        attendu = db.session.scalar(sa.select(Attendu))
        assert attendu.statut == "atteint" and attendu.en_retard
        assert attendu.atteint_at == DEBEX + 4 * H


def test_one_broken_run_does_not_stop_the_tick_for_the_others(app, exercice):
    from crise.exercices.models import Exercice

    casse, bon = exercice(), exercice()
    with app.app_context():
        db.session.execute(sa.update(Exercice).where(Exercice.id == casse)
                           .values(source="pas: [un scénario"))
        db.session.commit()
        assert tick_une_fois(now=DEBEX + 61 * MIN) == 1
        assert db.session.scalar(sa.select(Livraison.exercice_id)) == bon


def test_closing_the_event_of_a_run_in_play_asks_first(app, exercice):
    from crise.signals import cloture_demandee

    ident = exercice()
    with app.app_context():
        ex = run(ident)
        raisons = [r for _, r in cloture_demandee.send(ex.evenement) if r]
        assert any("n'a pas reçu sa FINEX" in r for r in raisons)


def test_figurants_are_as_many_as_asked_the_scenario_households_first(app, exercice):
    from pathlib import Path

    from crise.exercices.figurants import foyers_deja_venus
    from crise.exercices.scenario import lire_fichier

    fichier = Path(__file__).parents[2] / "scenarios" / "crue-type-1910.yaml"
    donnees = lire_fichier(fichier).donnees
    ident = exercice(source=fichier.read_text(encoding="utf-8"), players=[])
    with app.app_context():
        ex = run(ident)
        for inject in ("INJ-007", "INJ-008"):
            livraisons.envoyer(user_animateur(), ex, inject, now=DEBEX + MIN)
        db.session.commit()
        par_inject = {}
        for f in db.session.scalars(sa.select(Figurant).order_by(Figurant.id)):
            par_inject.setdefault(f.foyer.split("-F")[0], []).append(f)
        # INJ-007: 8 people in 3 households; INJ-008: 24 in 8. The scenario's own come first.
        assert len(par_inject["INJ-007"]) == 8 and len(par_inject["INJ-008"]) == 24
        assert par_inject["INJ-007"][0].nom == "Иванова"
        assert foyers_deja_venus(ex.id, donnees) >= 3


def user_animateur():
    from crise.auth.models import Role, User

    return db.session.scalar(sa.select(User).where(User.role == Role.ANIMATEUR))
