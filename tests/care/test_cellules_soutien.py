"""Support cells: orientation, the board's columns and moves, scope."""

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, Orientation, Personne
from crise.care.services import PersonneData
from crise.errors import ServiceError
from crise.extensions import db


@pytest.fixture
def people(app, create_centre, create_user):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        registered, _ = services.enregistrer(
            db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id),
            [PersonneData(nom=n, categorie="sinistre") for n in ("Alpha", "Bravo", "Charlie")])
        db.session.commit()
        ids = [p.id for p in registered]
    return {"centre": centre, "agent": agent, "ids": ids}


def test_orient_take_finish(app, people):
    with app.app_context():
        agent = db.session.get(User, people["agent"].id)
        centre = db.session.get(CentreAccueil, people["centre"].id)
        first, second = (db.session.get(Personne, i) for i in people["ids"][:2])
        o1 = services.orienter(agent, first, "medico_psy", note="Très choqué")
        services.orienter(agent, second, "medico_psy")
        with pytest.raises(ServiceError, match="Déjà orienté"):
            services.orienter(agent, first, "medico_psy")
        services.orienter(agent, first, "hebergement")  # another cell is fine
        board = services.file_cellule_soutien(centre, "medico_psy")
        assert [o.personne.nom for o in board["attente"]] == ["Alpha", "Bravo"]
        services.changer_orientation(agent, o1, "en_cours")
        assert o1.pris_par_id == agent.id and o1.pris_at
        with pytest.raises(ServiceError, match="Impossible"):
            services.changer_orientation(agent, o1, "annule")
        services.changer_orientation(agent, o1, "termine")
        with pytest.raises(ServiceError, match="Impossible"):
            services.changer_orientation(agent, o1, "en_cours")  # terminé → reçu: refused
        board = services.file_cellule_soutien(centre, "medico_psy")
        assert [len(board[k]) for k in ("attente", "en_cours", "termine")] == [1, 0, 1]
        assert services.attente_par_cellule_soutien(centre) == {
            "medico_psy": 1, "materielle": 0, "admin_juridique": 0, "hebergement": 1}


def test_unknown_cell_or_absent_person(app, people):
    with app.app_context():
        agent = db.session.get(User, people["agent"].id)
        personne = db.session.get(Personne, people["ids"][2])
        with pytest.raises(ServiceError, match="Cellule inconnue"):
            services.orienter(agent, personne, "spa")
        services.depart(agent, personne, destination="domicile")
        with pytest.raises(ServiceError, match="partie"):
            services.orienter(agent, personne, "materielle")


def test_board_through_the_web(app, client, auth, login_as, people):
    centre = people["centre"]
    auth.login(people["agent"])
    pid = people["ids"][0]
    response = client.post(f"/care/personnes/{pid}/orienter", data={
        "cellule": "admin_juridique", "note": "Assurance habitation"})
    assert response.status_code == 302
    page = client.get(f"/care/{centre.id}").get_data(as_text=True)
    assert "Cellule administrative et juridique</a> — <strong>1</strong> en attente" in page
    html = client.get(f"/care/{centre.id}/cellules/admin_juridique").get_data(as_text=True)
    attente = html.split('data-testid="board-attente"')[1].split("</section>")[0]
    assert "ALPHA" in attente and "Assurance habitation" in attente
    with app.app_context():
        oid = db.session.scalar(sa.select(Orientation.id))
    client.post(f"/care/orientations/{oid}/en_cours")
    fragment = client.get(f"/care/{centre.id}/cellules/admin_juridique/tableau").get_data(
        as_text=True)
    assert "<html" not in fragment
    assert "ALPHA" in fragment.split('data-testid="board-en_cours"')[1].split("</section>")[0]
    response = client.post(f"/care/orientations/{oid}/annule", follow_redirects=True)
    assert "Impossible" in response.get_data(as_text=True)
    assert client.get(f"/care/{centre.id}/cellules/sauna").status_code == 404
    auth.logout()
    login_as("agent_accueil", mairie="12e")
    assert client.get(f"/care/{centre.id}/cellules/admin_juridique").status_code == 404
    assert client.post(f"/care/orientations/{oid}/termine").status_code == 404
    assert client.post(f"/care/personnes/{pid}/orienter",
                       data={"cellule": "materielle"}).status_code == 404
