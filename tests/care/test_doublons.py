"""Suspected doubles across the C.A.RE of one event: the queue the responsables review,
and what a desk agent of another mairie may know (where and which code, never a name)."""

import pytest

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.care import services
from crise.care.services import doublons
from crise.care.models import CentreAccueil, Personne
from crise.care.services import PersonneData
from crise.extensions import db


@pytest.fixture
def deux_mairies(app, create_user, create_centre, create_evenement):
    """The same family registered at the 11e and, written another way, at the 12e."""
    evenement = create_evenement(mairies=("11e", "12e"))
    c11 = create_centre(mairie="11e", evenement=evenement)
    c12 = create_centre(mairie="12e", evenement=evenement, nom="École Bercy")
    agent11 = create_user("agent_accueil", mairie="11e")
    agent12 = create_user("agent_accueil", mairie="12e")
    with app.app_context():
        (a,), _ = services.enregistrer(db.session.get(User, agent11.id),
                                       db.session.get(CentreAccueil, c11.id),
                                       [PersonneData(nom="Иванов", prenom="Сергей",
                                                     categorie="sinistre")])
        (b,), _ = services.enregistrer(db.session.get(User, agent12.id),
                                       db.session.get(CentreAccueil, c12.id),
                                       [PersonneData(nom="IVANOV", prenom="Sergei",
                                                     categorie="sinistre")])
        (c,), _ = services.enregistrer(db.session.get(User, agent12.id),
                                       db.session.get(CentreAccueil, c12.id),
                                       [PersonneData(nom="Martin", prenom="Léa",
                                                     categorie="implique")])
        db.session.commit()
        ids = {"a": a.id, "b": b.id, "c": c.id, "code_a": a.code_court,
               "code_b": b.code_court}
    return {"evenement": evenement, "c11": c11, "c12": c12, "agent11": agent11,
            "agent12": agent12, **ids}


def test_the_same_person_at_two_mairies_is_in_both_responsables_queues(app, create_user,
                                                                      deux_mairies):
    r11 = create_user("responsable_care", mairie="11e")
    r20 = create_user("responsable_care", mairie="20e")
    cellule = create_user("cellule")
    with app.app_context():
        ev = deux_mairies["evenement"].id
        for user in (r11, cellule):
            [suspects] = doublons.file_doublons(db.session.get(User, user.id), ev)
            assert {p.id for p in suspects.personnes} == {deux_mairies["a"], deux_mairies["b"]}
        assert doublons.file_doublons(db.session.get(User, r20.id), ev) == []
        [suspects] = doublons.file_doublons(db.session.get(User, r11.id), ev)
        user = db.session.get(User, r11.id)
        assert [p.id for p in suspects.hors_perimetre(user)] == [deux_mairies["b"]]
        assert suspects.fusionnables(user) == []  # a merge across mairies is an admin's
        admin = db.session.get(User, create_user("admin").id)
        assert len(doublons.file_doublons(admin, ev)[0].fusionnables(admin)) == 1


def test_a_desk_agent_learns_where_and_which_code_never_the_name(app, deux_mairies):
    with app.app_context():
        agent = db.session.get(User, deux_mairies["agent11"].id)
        found = doublons.ailleurs(agent, deux_mairies["evenement"].id, "Ivanov Sergei")
        assert [(f.code_court, f.centre_nom) for f in found] == [
            (deux_mairies["code_b"], "École Bercy")]
        assert not hasattr(found[0], "nom")
        # After registering, the warning names the other record by its code and C.A.RE.
        personne = db.session.get(Personne, deux_mairies["a"])
        doubles = services.possible_duplicates(agent, personne)
        assert [p.id for p in doubles] == [deux_mairies["b"]]


def test_not_the_same_person_leaves_the_queue_and_is_audited(app, create_user, deux_mairies):
    r11 = create_user("responsable_care", mairie="11e")
    with app.app_context():
        user = db.session.get(User, r11.id)
        a, b = (db.session.get(Personne, deux_mairies[k]) for k in ("a", "b"))
        doublons.ecarter(user, b, a)
        db.session.commit()
        assert doublons.file_doublons(user, deux_mairies["evenement"].id) == []
        entry = db.session.query(AuditEntry).filter_by(actor_id=user.id).one()
        assert "Иванов" not in entry.summary and deux_mairies["code_a"] in entry.summary


def test_a_desk_agent_cannot_review_the_queue(app, deux_mairies):
    from crise.errors import ServiceError

    with app.app_context():
        with pytest.raises(ServiceError):
            doublons.file_doublons(db.session.get(User, deux_mairies["agent11"].id),
                                   deux_mairies["evenement"].id)


def test_queue_through_the_web(app, client, login_as, deux_mairies):
    ev = deux_mairies["evenement"].id
    login_as("responsable_care", mairie="11e")
    page = client.get(f"/evenements/{ev}").get_data(as_text=True)
    assert "Doublons à revoir (1)" in page
    page = client.get(f"/care/evenements/{ev}/doublons").get_data(as_text=True)
    assert "ИВАНОВ Сергей" in page and "École Bercy" in page
    # The 12e's record: where and which code, never its name nor its birth date.
    assert deux_mairies["code_b"] in page and "IVANOV" not in page
    assert "Fiche d'une autre mairie" in page
    assert "Martin" not in page
    response = client.post(f"/care/evenements/{ev}/doublons/ecarter",
                           data={"a": deux_mairies["a"], "b": deux_mairies["b"]},
                           follow_redirects=True)
    assert "Aucun doublon à revoir" in response.get_data(as_text=True)
    # Another event's id, a record of nowhere: refused, nothing written.
    assert client.post(f"/care/evenements/{ev}/doublons/ecarter",
                       data={"a": 99999, "b": deux_mairies["b"]}).status_code == 404


def test_central_roles_see_both_names_in_the_queue(client, login_as, deux_mairies):
    login_as("cellule")
    page = client.get(f"/care/evenements/{deux_mairies['evenement'].id}/doublons").get_data(
        as_text=True)
    assert "ИВАНОВ Сергей" in page and "IVANOV Sergei" in page


def test_desk_typing_box_says_where_the_double_is(app, client, login_as, deux_mairies):
    login_as("agent_accueil", mairie="11e")
    html = client.get(f"/care/{deux_mairies['c11'].id}/doublons?q=Ivanov+Sergei").get_data(
        as_text=True)
    assert "École Bercy" in html and deux_mairies["code_b"] in html
    assert "IVANOV" not in html  # the 12e's record: never its name
    assert "ИВАНОВ" in html  # the 11e's own record, in its own script
    assert client.get(f"/care/evenements/{deux_mairies['evenement'].id}/doublons"
                      ).status_code == 403


def test_a_mairie_never_sees_two_other_mairies_records_and_every_pair_can_be_cleared(
        app, create_user, create_centre, deux_mairies):
    """A1 (11e), B1 and B2 (12e): once the 11e set A1 aside from both, the 12e's own pair
    is not shown to the 11e; a group of three offers each pair."""
    r11 = create_user("responsable_care", mairie="11e")
    r12 = create_user("responsable_care", mairie="12e")
    agent12 = deux_mairies["agent12"]
    with app.app_context():
        (b2,), _ = services.enregistrer(db.session.get(User, agent12.id),
                                        db.session.get(CentreAccueil, deux_mairies["c12"].id),
                                        [PersonneData(nom="Ivanov", prenom="Sergey",
                                                      categorie="implique", telephone="0601")])
        db.session.commit()
        ev = deux_mairies["evenement"].id
        user11 = db.session.get(User, r11.id)
        [group] = doublons.file_doublons(user11, ev)
        assert len(group.personnes) == 3 and len(group.paires) == 2  # never B1–B2 for 11e
        a1 = db.session.get(Personne, deux_mairies["a"])
        for _, other in group.paires:
            doublons.ecarter(user11, a1, other)
        db.session.commit()
        assert doublons.file_doublons(user11, ev) == []
        [group] = doublons.file_doublons(db.session.get(User, r12.id), ev)
        assert {p.id for p in group.personnes} == {deux_mairies["b"], b2.id}
