"""The hot wash: opened at the FINEX for the run's players, answered once, anonymous answers
carrying no account nor time, the animateur's choice of anonymity fixed once answers came,
the synthesis grouped for the debrief."""

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.errors import ServiceError
from crise.exercices import a_chaud, services
from crise.exercices.models import ParticipationAChaud, ReponseAChaud
from crise.extensions import db
from tests.conftest import csrf_token_from
from tests.exercices.conftest import DEBEX, MIN, run


def user(u):
    return db.session.get(User, u.id)


def finir(app, ident, animateur):
    with app.app_context():
        services.finex(user(animateur), run(ident), now=DEBEX + 60 * MIN)
        db.session.commit()


def test_players_answer_once_after_finex_anonymously(app, exercice, animateur, joueurs,
                                                     create_user):
    ident = exercice()
    with app.app_context():
        with pytest.raises(ServiceError, match="s'ouvre à la FINEX"):
            a_chaud.repondre(user(joueurs["15e"]), run(ident), ["Bien"], {})
    finir(app, ident, animateur)
    with app.app_context():
        ex, quinze = run(ident), user(joueurs["15e"])
        questions, categories = a_chaud.questionnaire(ex)
        assert questions[0] == "Qu'est-ce qui a fonctionné ?" and len(categories) == 4
        assert a_chaud.a_chaud_en_attente(quinze, now=DEBEX + 61 * MIN) == [ex]
        with pytest.raises(ServiceError, match="une note de 1 à 4"):
            a_chaud.repondre(quinze, ex, ["Le gymnase"], {categories[0]: 7})
        with pytest.raises(ServiceError, match="au moins une question"):
            a_chaud.repondre(quinze, ex, ["", " \x0b "], {})
        a_chaud.repondre(quinze, ex, ["L'accueil au gymnase", "Des lits de camp"],
                         {categories[0]: 2, categories[2]: 4}, now=DEBEX + 70 * MIN)
        db.session.commit()
        with pytest.raises(ServiceError, match="déjà répondu"):
            a_chaud.repondre(quinze, ex, ["Encore"], {})
        db.session.rollback()
        reponse = db.session.scalar(sa.select(ReponseAChaud))
        # Anonymous: no account, no mairie, no time, a random key; only the role.
        assert reponse.user_id is None and reponse.repondu_at is None
        assert reponse.auteur_nom == "" and reponse.mairie_id is None
        assert len(reponse.id) == 32 and reponse.role == "responsable_care"
        assert db.session.scalar(sa.select(ParticipationAChaud.user_id)) == quinze.id
        assert a_chaud.a_chaud_en_attente(quinze, now=DEBEX + 61 * MIN) == []
        with pytest.raises(ServiceError, match="n'avez pas joué"):
            a_chaud.repondre(user(create_user("cellule")), ex, ["x"], {})
        with pytest.raises(ServiceError, match="l'anonymat ne change plus"):
            a_chaud.choisir_anonymat(user(animateur), ex, False)
        synthese = a_chaud.synthese_a_chaud(ex)
        assert synthese["repondu"] == 1 and synthese["joueurs"] == 3
        assert synthese["questions"]["Qu'est-ce qui a fonctionné ?"] == [
            ("Responsable de crise de la mairie", "L'accueil au gymnase")]
        assert synthese["categories"][categories[0]]["moyenne"] == 2


def test_signed_answers_when_the_animateur_chose_so(app, exercice, animateur, joueurs):
    ident = exercice()
    with app.app_context():
        a_chaud.choisir_anonymat(user(animateur), run(ident), False)
        db.session.commit()
    finir(app, ident, animateur)
    with app.app_context():
        # What the form announced is what is done: a form shown « anonymes » is refused.
        with pytest.raises(ServiceError, match="a changé depuis son ouverture"):
            a_chaud.repondre(user(joueurs["cellule"]), run(ident), ["x"], {},
                             anonyme_annonce=True)
    with app.app_context():
        a_chaud.repondre(user(joueurs["cellule"]), run(ident), ["La main courante"], {},
                         now=DEBEX + 70 * MIN)
        db.session.commit()
        reponse = db.session.scalar(sa.select(ReponseAChaud))
        assert reponse.auteur_nom == "Cellule Une" and reponse.repondu_at is not None


def test_the_hot_wash_pages(app, client, auth, exercice, animateur, joueurs):
    ident = exercice()
    finir(app, ident, animateur)
    auth.login(joueurs["15e"])
    home = client.get("/evenements/").get_data(as_text=True)
    assert 'data-testid="a-chaud-accueil"' in home
    page = client.get(f"/exercices/{ident}/a-chaud/repondre").get_data(as_text=True)
    assert "anonymes" in page and "Qu&#39;est-ce qui a manqué ?" in page
    t = csrf_token_from(page)
    bad = client.post(f"/exercices/{ident}/a-chaud/repondre", data={
        "csrf_token": t, "q0": "Le fléchage", "c0": "9"})
    assert bad.status_code == 422 and "Le fléchage" in bad.get_data(as_text=True)
    ok = client.post(f"/exercices/{ident}/a-chaud/repondre", data={
        "csrf_token": t, "q0": "Le fléchage", "q2": "Former les agents", "c0": "3"},
        follow_redirects=True).get_data(as_text=True)
    assert "vos réponses sont enregistrées" in ok and 'data-testid="a-chaud-accueil"' not in ok
    again = client.get(f"/exercices/{ident}/a-chaud/repondre").get_data(as_text=True)
    assert 'data-testid="deja-repondu"' in again
    assert client.get(f"/exercices/{ident}/a-chaud").status_code == 403
    auth.logout()
    auth.login(animateur)
    synthese = client.get(f"/exercices/{ident}/a-chaud").get_data(as_text=True)
    assert "Former les agents" in synthese and "1</strong> réponse(s) sur 3" in synthese


def test_two_answers_at_once_make_one(app, exercice, animateur, joueurs):
    import threading

    ident = exercice()
    finir(app, ident, animateur)
    barrier, results = threading.Barrier(2), []

    def answer():
        with app.app_context():
            try:
                barrier.wait()
                a_chaud.repondre(user(joueurs["15e"]), run(ident), ["Vite"], {})
                db.session.commit()
                results.append("ok")
            except ServiceError as error:
                db.session.rollback()
                results.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 1 and sum("déjà répondu" in r for r in results) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReponseAChaud)) == 1
