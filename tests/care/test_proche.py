"""« Is my mother here? »: yes/no and where, consenting people only, never a list."""

from datetime import date

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth import services as auth_services
from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil
from crise.care.services import PersonneData
from crise.errors import ServiceError
from crise.extensions import db
from tests.conftest import TESTS


@pytest.fixture
def event_with_two_centres(app, create_centre, create_user, create_evenement):
    evenement = create_evenement(mairies=("11e", "12e"))
    centre_11 = create_centre(mairie="11e", evenement=evenement)
    centre_12 = create_centre(mairie="12e", evenement=evenement, nom="École Bercy")
    responsable_12 = create_user("responsable_care", mairie="12e")
    agent_11 = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        services.enregistrer(db.session.get(User, responsable_12.id),
                             db.session.get(CentreAccueil, centre_12.id), [
            PersonneData(nom="LEFEBVRE", prenom="Marie", categorie="sinistre",
                         consent_recherche=True, date_naissance=date(1950, 3, 2)),
            PersonneData(nom="Durand", prenom="Paul", categorie="sinistre",
                         consent_recherche=False)])
        services.enregistrer(db.session.get(User, agent_11.id),
                             db.session.get(CentreAccueil, centre_11.id), [
            PersonneData(nom="Martin", prenom="Jeanne", categorie="implique",
                         consent_recherche=True, date_naissance=date(1980, 1, 1)),
            PersonneData(nom="Martin", prenom="Jeanne", categorie="implique",
                         consent_recherche=True, date_naissance=date(2001, 6, 6))])
        db.session.commit()
    return {"evenement": evenement, "agent": agent_11, "centre": centre_11}


def ask(app, ctx, **kwargs):
    with app.app_context():
        answer = services.recherche_proche(db.session.get(User, ctx["agent"].id),
                                           ctx["evenement"].id, **kwargs)
        db.session.commit()
        return answer


def test_found_in_another_mairies_centre_with_tolerant_spelling(app, event_with_two_centres):
    answer = ask(app, event_with_two_centres, nom="Lefèvre", prenom="marie")
    assert answer.trouve and answer.centre_nom == "École Bercy" and answer.present


def test_non_consenting_person_is_answered_as_not_found(app, event_with_two_centres):
    answer = ask(app, event_with_two_centres, nom="Durand", prenom="Paul")
    assert not answer.trouve and not answer.ambigu


def test_a_surname_alone_or_a_partial_match_is_not_enough(app, event_with_two_centres):
    with pytest.raises(ServiceError, match="prénom"):
        ask(app, event_with_two_centres, nom="Lefèvre", prenom="")
    assert not ask(app, event_with_two_centres, nom="Lefèvre", prenom="Monique").trouve


def test_homonyms_need_the_birth_date(app, event_with_two_centres):
    answer = ask(app, event_with_two_centres, nom="Martin", prenom="Jeanne")
    assert not answer.trouve and answer.ambigu
    answer = ask(app, event_with_two_centres, nom="Martin", prenom="Jeanne",
                 date_naissance=date(2001, 6, 6))
    assert answer.trouve


def test_questions_are_audited_without_names(app, event_with_two_centres):
    ask(app, event_with_two_centres, nom="Lefèvre", prenom="Marie")
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.object_type == "recherche_proche"))
        assert entry.summary == "Recherche par un proche : personne trouvée"
        assert "Lef" not in entry.summary and "Marie" not in entry.summary


def test_through_the_web_no_list_and_rate_limited(app, client, auth, event_with_two_centres):
    centre = event_with_two_centres["centre"]
    auth.login(event_with_two_centres["agent"])
    html = client.post(f"/care/{centre.id}/proche", data={
        "nom": "Lefevre", "prenom": "Marie"}).get_data(as_text=True)
    assert "C.A.RE École Bercy" in html and "LEFEBVRE" not in html
    html = client.post(f"/care/{centre.id}/proche", data={
        "nom": "Durand", "prenom": "Paul"}).get_data(as_text=True)
    assert "<h2>Non</h2>" in html
    html = client.post(f"/care/{centre.id}/proche", data={"nom": "Durand"}).get_data(
        as_text=True)
    assert "Indiquez aussi le prénom." in html
    for _ in range(27):
        client.post(f"/care/{centre.id}/proche", data={"nom": "X", "prenom": "Y"})
    assert client.post(f"/care/{centre.id}/proche", data={
        "nom": "X", "prenom": "Y"}).status_code == 429


def test_scop_cannot_ask(client, login_as, event_with_two_centres):
    login_as("scop")
    centre = event_with_two_centres["centre"]
    assert client.get(f"/care/{centre.id}/proche").status_code == 403


@pytest.mark.parametrize("nom, prenom, asked_nom, asked_prenom", [
    ("Иванов", "Сергей", "Иванов", "Сергей"),
    ("Иванов", "Сергей", "Ivanov", "Sergei"),
    ("王", "伟", "王", "伟"),
    ("王", "伟", "Wang", "Wei"),
    ("محمد", "العلي", "محمد", "العلي"),
])
def test_a_relative_finds_a_name_in_any_script(app, event_with_two_centres, create_user,
                                               nom, prenom, asked_nom, asked_prenom):
    """A relative asking for a consenting person got a false « Non » for any name that was
    not in Latin letters."""
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        services.enregistrer(db.session.get(User, responsable.id),
                             db.session.get(CentreAccueil, event_with_two_centres["centre"].id),
                             [PersonneData(nom=nom, prenom=prenom, categorie="sinistre",
                                           consent_recherche=True)])
        db.session.commit()
    answer = ask(app, event_with_two_centres, nom=asked_nom, prenom=asked_prenom)
    assert answer.trouve and answer.centre_nom == "Gymnase Japy"
    assert not ask(app, event_with_two_centres, nom="Петров", prenom="Сергей").trouve


def test_an_arabic_name_asked_in_latin_letters_is_never_a_false_yes(app, event_with_two_centres,
                                                                    create_user):
    """« Mohamed » reads « محمد » and « محمود »: the desk is asked for the name as written or
    the birth date, neither « Oui » nor « Non »."""
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        services.enregistrer(db.session.get(User, responsable.id),
                             db.session.get(CentreAccueil, event_with_two_centres["centre"].id),
                             [PersonneData(nom="محمد", prenom="علي", categorie="sinistre",
                                           consent_recherche=True,
                                           date_naissance=date(1975, 4, 2))])
        db.session.commit()
    answer = ask(app, event_with_two_centres, nom="Mohamed", prenom="Ali")
    assert not answer.trouve and answer.autre_ecriture
    answer = ask(app, event_with_two_centres, nom="Mohamed", prenom="Ali",
                 date_naissance=date(1975, 4, 2))
    assert answer.trouve and answer.centre_nom == "Gymnase Japy"
    assert ask(app, event_with_two_centres, nom="محمد", prenom="علي").trouve


def test_the_relatives_enquiry_limit_survives_a_new_session(app, client, auth,
                                                             event_with_two_centres):
    centre = event_with_two_centres["centre"]
    agent = event_with_two_centres["agent"]
    auth.login(agent)
    for _ in range(20):
        client.post(f"/care/{centre.id}/proche", data={"nom": "X", "prenom": "Y"})
    with app.app_context():
        auth_services.changer_mot_de_passe(TESTS, db.session.get(User, agent.id), "un autre mot long")
        db.session.commit()
    other = app.test_client()
    other.post("/auth/connexion", data={"email": agent.email, "password": "un autre mot long"})
    codes = [other.post(f"/care/{centre.id}/proche", data={"nom": "X", "prenom": "Y"})
             .status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    assert "Trop de recherches pour un proche" in other.post(
        f"/care/{centre.id}/proche", data={"nom": "X", "prenom": "Y"}).get_data(as_text=True)
