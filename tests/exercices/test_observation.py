"""Observers: named by the animateur with their objectives and mairies, they rate the grid
(P / S / M / U / NO) until the FINEX, every rating kept and none overwritten unseen, and write
notes timed in both clocks. The refusals: another objective, a rating outside the scale, the
grid after the FINEX, a stranger to the run."""

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.errors import ServiceError
from crise.exercices import observation, services
from crise.exercices.models import Evaluation, EvaluationHistorique, NoteObservation
from crise.extensions import db
from tests.conftest import csrf_token_from
from tests.exercices.conftest import DEBEX, MIN, MINI, run

# The mini scenario with a grid on two objectives.
GRILLE = MINI.replace(
    "objectifs:\n", "objectifs:\n  - {id: OBJ-1, libelle: \"Organiser la réponse\"}\n", 1) + (
    "grille_observation:\n"
    "  - {id: GO-1, objectif: OBJ-1, critere: \"Cellule activée et composée\"}\n"
    "  - {id: GO-2, objectif: OBJ-2, tache_critique: TC-2, critere: \"Délai d'ouverture\"}\n")


@pytest.fixture
def observateur(create_user):
    return create_user("observateur", nom="Olivier Observateur")


def user(u):
    return db.session.get(User, u.id)


def nommer(app, ident, animateur, observateur, objectifs=("OBJ-2",), mairies=("15e",)):
    with app.app_context():
        observation.nommer_observateur(user(animateur), run(ident), user(observateur),
                                       objectifs=list(objectifs), mairies=list(mairies))
        db.session.commit()


def test_an_observer_rates_only_the_objectives_given(app, exercice, animateur, observateur):
    ident = exercice(source=GRILLE)
    nommer(app, ident, animateur, observateur)
    with app.app_context():
        ex, obs = run(ident), user(observateur)
        assert [i["id"] for i in observation.grille_pour(obs, ex)] == ["GO-2"]
        with pytest.raises(ServiceError, match="pas dans votre grille"):
            observation.evaluer(obs, ex, "GO-1", "P", "", now=DEBEX + 5 * MIN)
        with pytest.raises(ServiceError, match="Choisissez P, S, M, U ou NO"):
            observation.evaluer(obs, ex, "GO-2", "Z", "", now=DEBEX + 5 * MIN)
        with pytest.raises(ServiceError, match="se justifie"):
            observation.evaluer(obs, ex, "GO-2", "U", "  ", now=DEBEX + 5 * MIN)
        evaluation = observation.evaluer(obs, ex, "GO-2", "S", "Ouvert, mais sans fléchage",
                                         now=DEBEX + 30 * MIN)
        db.session.commit()
        assert evaluation.scenario_at is not None and evaluation.version == 1
        # The animateur acting as an observer sees the whole grid.
        assert len(observation.grille_pour(user(animateur), ex)) == 2


def test_ratings_change_until_finex_every_one_kept_none_overwritten_unseen(
        app, exercice, animateur, observateur):
    ident = exercice(source=GRILLE)
    nommer(app, ident, animateur, observateur)
    with app.app_context():
        ex, obs = run(ident), user(observateur)
        observation.evaluer(obs, ex, "GO-2", "S", "Fléchage absent", version=0,
                            now=DEBEX + 30 * MIN)
        db.session.commit()
        # A second tablet still showing no rating: its rating does not overwrite the first.
        with pytest.raises(ServiceError, match="a changé entre-temps"):
            observation.evaluer(obs, ex, "GO-2", "P", "", version=0, now=DEBEX + 31 * MIN)
        db.session.rollback()
        observation.evaluer(obs, ex, "GO-2", "P", "Fléchage posé", version=1,
                            now=DEBEX + 40 * MIN)
        db.session.commit()
        historique = db.session.scalars(sa.select(EvaluationHistorique.note)
                                        .order_by(EvaluationHistorique.id)).all()
        assert historique == ["S", "P"]
        services.finex(user(animateur), ex, now=DEBEX + 60 * MIN)
        db.session.commit()
        with pytest.raises(ServiceError, match="la grille est figée"):
            observation.evaluer(obs, ex, "GO-2", "M", "Tardif", version=2,
                                now=DEBEX + 61 * MIN)
        db.session.rollback()
        assert db.session.scalar(sa.select(Evaluation.note)) == "P"
        assert observation.synthese_grille(ex) == {"GO-2": {"P": 1}}


def test_notes_are_timed_in_both_clocks_and_tied_to_what_they_are_about(
        app, exercice, animateur, observateur, create_user):
    ident = exercice(source=GRILLE)
    nommer(app, ident, animateur, observateur)
    etranger = create_user("observateur", nom="Pas nommé")
    with app.app_context():
        ex, obs = run(ident), user(observateur)
        note = observation.noter_observation(obs, ex, "Le 15e hésite\x0b sur le site",
                                             objectif="OBJ-2", mairie="15e",
                                             now=DEBEX + 30 * MIN)
        again = observation.noter_observation(obs, ex, "Le 15e hésite\x0b sur le site",
                                              objectif="OBJ-2", mairie="15e",
                                              now=DEBEX + 31 * MIN)
        db.session.commit()
        assert again.id == note.id and note.mairie.code == "15e"
        assert note.scenario_at is not None and note.ecrit_at == DEBEX + 30 * MIN
        for kwargs, message in (({"mairie": "1er"}, "ne joue pas"),
                                ({"objectif": "OBJ-9"}, "pas dans le scénario"),
                                ({"livraison_id": 999}, "n'a pas été envoyé")):
            with pytest.raises(ServiceError, match=message):
                observation.noter_observation(obs, ex, "x", now=DEBEX + 32 * MIN, **kwargs)
        with pytest.raises(ServiceError, match="n'observez pas"):
            observation.noter_observation(user(etranger), ex, "x", now=DEBEX + 32 * MIN)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoteObservation)) == 1


def test_only_observers_and_animateurs_are_named(app, exercice, animateur, joueurs):
    ident = exercice(source=GRILLE)
    with app.app_context():
        with pytest.raises(ServiceError, match="ni observateur ni animateur"):
            observation.nommer_observateur(user(animateur), run(ident),
                                           user(joueurs["cellule"]), objectifs=[], mairies=[])
        with pytest.raises(ServiceError, match="Objectif\\(s\\) absent\\(s\\)"):
            observation.nommer_observateur(user(animateur), run(ident), user(animateur),
                                           objectifs=["OBJ-7"], mairies=[])


def test_the_observer_pages_on_a_tablet(app, client, auth, exercice, animateur, observateur,
                                        create_user):
    from crise.db import utcnow

    ident = exercice(source=GRILLE, at=utcnow())
    nommer(app, ident, animateur, observateur)
    intrus = create_user("observateur", nom="Intrus")
    auth.login(intrus)
    assert client.get(f"/exercices/{ident}/observation").status_code == 403
    auth.logout()
    auth.login(observateur)
    home = client.get("/evenements/").get_data(as_text=True)
    assert 'data-testid="exercices-observes"' in home
    page = client.get(f"/exercices/{ident}/observation").get_data(as_text=True)
    assert "GO-2" in page and "GO-1 —" not in page and "Non observé" in page
    t = csrf_token_from(page)
    done = client.post(f"/exercices/{ident}/observation/grille/GO-2", data={
        "csrf_token": t, "note": "M", "commentaire": "Quarante minutes d'attente dehors",
        "version": "0"}, follow_redirects=True).get_data(as_text=True)
    assert "GO-2 : note enregistrée" in done and "Ma note : <strong>M</strong>" in done
    refused = client.post(f"/exercices/{ident}/observation/grille/GO-1", data={
        "csrf_token": t, "note": "P", "version": "0"}, follow_redirects=True)
    assert "pas dans votre grille" in refused.get_data(as_text=True)
    bad = client.post(f"/exercices/{ident}/observation/notes", data={
        "csrf_token": t, "texte": "", "objectif": "OBJ-2"})
    assert bad.status_code == 422
    ok = client.post(f"/exercices/{ident}/observation/notes", data={
        "csrf_token": t, "texte": "Familles orientées vers le gymnase", "objectif": "OBJ-2",
        "mairie": "15e", "inject": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Note enregistrée" in ok and "Familles orientées vers le gymnase" in ok
    assert client.get(f"/exercices/{ident}").status_code == 403  # not the console
    auth.logout()
    auth.login(animateur)
    console = client.get(f"/exercices/{ident}").get_data(as_text=True)
    assert 'data-testid="synthese-grille"' in console and "Olivier Observateur" in console


def test_an_observer_sees_no_event_and_the_same_rating_twice_is_no_conflict(
        app, client, auth, exercice, animateur, observateur):
    from crise.db import utcnow
    from crise.exercices.models import Exercice

    ident = exercice(source=GRILLE, at=utcnow())
    autre = exercice(source=GRILLE, at=utcnow())
    nommer(app, ident, animateur, observateur)
    with app.app_context():
        evenements = [db.session.get(Exercice, i).evenement_id for i in (ident, autre)]
        ex, obs = run(ident), user(observateur)
        observation.evaluer(obs, ex, "GO-2", "S", "Lent", version=0)
        db.session.commit()
        # The same rating sent again from the page showing the old version: no conflict.
        assert observation.evaluer(obs, ex, "GO-2", "S", "Lent", version=0).version == 1
        # A rating sent with no version is not written over the one there.
        with pytest.raises(ServiceError, match="a changé entre-temps"):
            observation.evaluer(obs, ex, "GO-2", "P", "", version=None)
    auth.login(observateur)
    for evenement_id in evenements:
        assert client.get(f"/evenements/{evenement_id}").status_code == 404
    liste = client.get("/evenements/?nature=tous").get_data(as_text=True)
    assert all(f'href="/evenements/{e}"' not in liste for e in evenements)
    assert client.get(f"/exercices/{autre}/observation").status_code == 403
    page = client.get(f"/exercices/{ident}/observation").get_data(as_text=True)
    t = csrf_token_from(page)
    assert client.post(f"/exercices/{ident}/observation/notes", data={
        "csrf_token": t, "texte": "Une note", "inject": "abc"}).status_code == 302
