"""The mairie's list of sites, edited by its crisis lead."""

import sqlalchemy as sa

from crise.care.models import Site
from tests.conftest import count, get_db_object


def test_responsable_manages_own_mairie_sites(app, client, login_as, create_site):
    mine = create_site(mairie="11e", nom="Gymnase Japy")
    other = create_site(mairie="12e", nom="École Bercy")
    login_as("responsable_care", mairie="11e")
    html = client.get("/care/sites").get_data(as_text=True)
    assert "Gymnase Japy" in html and "École Bercy" not in html
    data = {"mairie": "12e", "nom": "Salle Olympe de Gouges", "adresse": "15 rue Merlin",
            "capacite": "200", "actif": "y"}
    refused = client.post("/care/sites/nouveau", data=data)
    assert refused.status_code == 200 and "N&#39;est pas un choix valide." in refused.get_data(
        as_text=True)
    response = client.post("/care/sites/nouveau", data={**data, "mairie": "11e"})
    assert response.status_code == 302
    with app.app_context():
        from crise.extensions import db

        created = db.session.scalar(sa.select(Site).where(Site.nom == "Salle Olympe de Gouges"))
        assert created.mairie.code == "11e" and created.capacite == 200
    response = client.post(f"/care/sites/{mine.id}", data={
        "nom": "Gymnase Japy", "adresse": "2 rue Japy", "capacite": "80"})
    assert response.status_code == 302
    updated = get_db_object(app, Site, mine.id)
    assert updated.capacite == 80 and updated.actif is False
    assert client.get(f"/care/sites/{other.id}").status_code == 404


def test_site_form_errors(app, client, login_as):
    login_as("responsable_care", mairie="11e")
    before = count(app, Site)
    html = client.post("/care/sites/nouveau", data={
        "nom": "", "adresse": "Rue de l'Orillon", "capacite": "0"}).get_data(as_text=True)
    assert "Donnez un nom au site." in html and "Entre 1 et 5000 personnes." in html
    assert "Rue de l&#39;Orillon" in html
    assert count(app, Site) == before


def test_agent_cannot_manage_sites(client, login_as):
    login_as("agent_accueil", mairie="11e")
    assert client.get("/care/sites").status_code == 403
    assert client.post("/care/sites/nouveau", data={"nom": "X"}).status_code == 403
