"""Merging two records of the same person, and undoing it."""

from datetime import date

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, Fusion, Orientation, Personne
from crise.care.services import PersonneData
from crise.errors import ServiceError
from crise.extensions import db
from tests.conftest import get_db_object


@pytest.fixture
def doublon(app, create_centre, create_user):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        a, = services.enregistrer(db.session.get(User, agent.id),
                                  db.session.get(CentreAccueil, centre.id),
                                  [PersonneData(nom="Lefèvre", prenom="Marie",
                                                categorie="sinistre")])[0]
        b, = services.enregistrer(db.session.get(User, agent.id),
                                  db.session.get(CentreAccueil, centre.id),
                                  [PersonneData(nom="LEFEBVRE", prenom="Marie",
                                                categorie="sinistre", telephone="06 11 22 33 44",
                                                date_naissance=date(1950, 3, 2),
                                                besoins=["hebergement"])])[0]
        services.orienter(db.session.get(User, agent.id), b, "medico_psy")
        db.session.commit()
        ids = (a.id, b.id, a.code_court, b.code_court, b.badge_token)
    return {"centre": centre, "agent": agent, "responsable": responsable, "ids": ids}


def test_merge_fills_gaps_hides_the_double_and_undo_restores(app, doublon):
    a_id, b_id, a_code, b_code, b_token = doublon["ids"]
    with app.app_context():
        responsable = db.session.get(User, doublon["responsable"].id)
        a, b = db.session.get(Personne, a_id), db.session.get(Personne, b_id)
        fusion = services.fusionner(responsable, a, b)
        db.session.commit()
        assert a.telephone == "06 11 22 33 44" and a.date_naissance == date(1950, 3, 2)
        assert a.besoins == ["hebergement"]
        assert b.fusionne_dans_id == a.id and not b.present
        centre = db.session.get(CentreAccueil, doublon["centre"].id)
        assert services.present_counts(centre)["total"] == 1
        found = services.search_names(responsable, a.evenement_id, "Lefebvre Marie")
        assert [p.id for p, _ in found] == [a.id]
        assert services.find_by_code(responsable, b_token).id == a.id  # old badge → kept
        assert db.session.scalar(sa.select(Orientation.personne_id)) == a.id

        services.annuler_fusion(responsable, fusion)
        db.session.commit()
        assert a.telephone == "" and a.date_naissance is None and a.besoins == []
        assert b.fusionne_dans_id is None and b.present
        assert db.session.scalar(sa.select(Orientation.personne_id)) == b.id
        assert len(services.search_names(responsable, a.evenement_id, "Lefebvre Marie")) == 2
        with pytest.raises(ServiceError, match="déjà annulée"):
            services.annuler_fusion(responsable, fusion)


def test_merge_refusals(app, doublon, create_centre):
    a_id, b_id, *_ = doublon["ids"]
    with app.app_context():
        agent = db.session.get(User, doublon["agent"].id)
        responsable = db.session.get(User, doublon["responsable"].id)
        a, b = db.session.get(Personne, a_id), db.session.get(Personne, b_id)
        with pytest.raises(ServiceError, match="responsable"):
            services.fusionner(agent, a, b)
        with pytest.raises(ServiceError, match="différentes"):
            services.fusionner(responsable, a, a)
        services.fusionner(responsable, a, b)
        with pytest.raises(ServiceError, match="déjà fusionnée"):
            services.fusionner(responsable, a, b)


def test_merge_and_undo_through_the_web(app, client, auth, doublon):
    a_id, b_id, a_code, b_code, _ = doublon["ids"]
    auth.login(doublon["agent"])
    assert client.get(f"/care/personnes/{a_id}/fusionner").status_code == 403
    auth.logout()
    auth.login(doublon["responsable"])
    page = client.get(f"/care/personnes/{a_id}/fusionner", query_string={"code": b_code})
    html = page.get_data(as_text=True)
    assert 'data-testid="comparaison"' in html and "06 11 22 33 44" in html
    assert get_db_object(app, Personne, b_id).fusionne_dans_id is None  # GET changes nothing
    response = client.post(f"/care/personnes/{a_id}/fusionner",
                           data={"code": b_code, "confirmer": "1"})
    assert response.status_code == 302
    html = client.get(f"/care/personnes/{b_id}").get_data(as_text=True)
    assert 'data-testid="fusionnee"' in html and "Compléter la fiche" not in html
    html = client.get(f"/care/personnes/{a_id}/fusionner", query_string={
        "code": "ZZZ-ZZZ"}).get_data(as_text=True)
    assert "Aucune fiche de cet événement n&#39;a ce code" in html
    with app.app_context():
        fusion_id = db.session.scalar(sa.select(Fusion.id))
    client.post(f"/care/fusions/{fusion_id}/annuler")
    assert get_db_object(app, Personne, b_id).fusionne_dans_id is None
    assert "annulée le" in client.get(f"/care/personnes/{a_id}").get_data(as_text=True)
