"""The risks of Paris kept by the cellule, and each mairie's DICRIM page."""

import pytest
import sqlalchemy as sa

from crise.extensions import db
from crise.pcs import risques
from crise.pcs.models import Risque
from tests.conftest import count, get_db_object


@pytest.fixture
def risques_de_depart(app):
    with app.app_context():
        assert risques.charger_risques_par_defaut() == 5
        assert risques.charger_risques_par_defaut() == 0
        db.session.commit()
        return {r.titre: r.id for r in db.session.scalars(sa.select(Risque))}


def test_the_dicrim_of_a_mairie_says_its_risks_what_the_ville_does_and_its_sites(
        client, login_as, create_site, risques_de_depart):
    create_site(mairie="15e", nom="Gymnase Émile-Anthoine", adresse="9 rue Jean Rey")
    login_as("agent_accueil", mairie="11e")
    html = client.get("/pcs/dicrim/15e").get_data(as_text=True)
    assert "Crue de la Seine" in html and "Anciennes carrières souterraines" in html
    assert "Mettez vos papiers et médicaments en hauteur" in html
    assert "Gymnase Émile-Anthoine" in html and "Gardien" not in html
    assert "data-imprimer" in html and "3975" in html
    onze = client.get("/pcs/dicrim/11e").get_data(as_text=True)
    assert "Canicule" in onze and "Crue de la Seine" not in onze  # not riverside
    centre = client.get("/pcs/dicrim/centre").get_data(as_text=True)
    assert "Paris Centre (1er, 2e, 3e, 4e)" in centre and "Crue de la Seine" in centre
    assert client.get("/pcs/dicrim/99e").status_code == 404


def test_the_cellule_keeps_the_list_and_two_edits_do_not_overwrite_each_other(
        app, client, login_as, risques_de_depart):
    crue = risques_de_depart["Crue de la Seine"]
    login_as("responsable_care", mairie="11e")
    assert client.get(f"/pcs/risques/{crue}").status_code == 403
    assert client.post("/pcs/risques/nouveau", data={"titre": "X"}).status_code == 403
    client.post("/auth/deconnexion")
    login_as("cellule", nom="Chef de salle")
    base = {"titre": "Crue de la Seine", "type_evenement": "crue", "version": "1",
            "arrondissements": ["1", "4", "5", "6", "7", "8", "12", "13", "15", "16", "9"],
            "description": "Crue lente", "mesures_ville": "C.A.RE hors zone",
            "consignes": "Suivez Vigicrues", "actif": "y"}
    assert client.post(f"/pcs/risques/{crue}", data=base).status_code == 302
    assert 9 in get_db_object(app, Risque, crue).arrondissements
    r = client.post(f"/pcs/risques/{crue}", data={**base, "consignes": "Autre consigne"})
    assert r.status_code == 409 and "modifié par Chef de salle" in r.get_data(as_text=True)
    assert "Autre consigne" in r.get_data(as_text=True)
    # Bad input: said in French, nothing written.
    before = count(app, Risque)
    r = client.post("/pcs/risques/nouveau", data={"titre": "Séisme", "arrondissements": [],
                                                  "consignes": ""})
    html = r.get_data(as_text=True)
    assert "Cochez au moins un arrondissement" in html or "Dites aux habitants" in html
    r = client.post("/pcs/risques/nouveau", data={
        "titre": "Séisme", "arrondissements": ["21"], "consignes": "Abritez-vous"})
    assert r.status_code == 200 and count(app, Risque) == before
    r = client.post("/pcs/risques/nouveau", data={
        "titre": "Rupture d'une canalisation de gaz", "type_evenement": "explosion",
        "arrondissements": ["11"], "consignes": "Éloignez-vous, ne fumez pas"})
    assert r.status_code == 302 and count(app, Risque) == before + 1
    assert "Rupture d&#39;une canalisation de gaz" in client.get(
        "/pcs/dicrim/11e").get_data(as_text=True)
    listing = client.get("/pcs/risques").get_data(as_text=True)
    assert "1er, 4e, 5e" in listing, listing[listing.find("<tbody>"):][:800]
    assert "/pcs/dicrim/centre" in listing


def test_the_cellule_sees_per_risk_when_the_next_exercise_is_due(client, login_as,
                                                                risques_de_depart):
    login_as("cellule")
    html = client.get("/pcs/risques").get_data(as_text=True)
    assert 'data-testid="exercice-risque"' in html and "Exercice à programmer" in html
    client.post("/auth/deconnexion")
    login_as("agent_accueil", mairie="11e", email="a@crise.test")
    assert "Exercice à programmer" not in client.get("/pcs/risques").get_data(as_text=True)
