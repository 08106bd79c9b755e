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
            "capacite": "200", "actif": "y", "categorie": "ecole", "usages": "care"}
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
        "nom": "Gymnase Japy", "adresse": "2 rue Japy", "capacite": "80", "version": "1",
        "categorie": "gymnase", "usages": ["care", "frais"]})
    assert response.status_code == 302
    updated = get_db_object(app, Site, mine.id)
    assert updated.capacite == 80 and updated.actif is False and updated.usage_frais
    assert client.get(f"/care/sites/{other.id}").status_code == 404


def test_site_form_errors(app, client, login_as):
    login_as("responsable_care", mairie="11e")
    before = count(app, Site)
    html = client.post("/care/sites/nouveau", data={
        "nom": "", "adresse": "Rue de l'Orillon", "capacite": "-1"}).get_data(as_text=True)
    assert "Donnez un nom au site." in html and "Entre 0 et 5000 personnes." in html
    assert "Rue de l&#39;Orillon" in html
    assert count(app, Site) == before


def test_agent_cannot_manage_sites(client, login_as):
    login_as("agent_accueil", mairie="11e")
    assert client.get("/care/sites").status_code == 200  # read: where to send people
    assert client.get("/care/sites/nouveau").status_code == 403
    assert client.post("/care/sites/nouveau", data={"nom": "X"}).status_code == 403


def test_a_site_describes_what_it_can_be_used_for_and_when_it_was_checked(
        app, client, login_as, create_site):
    site = create_site(mairie="11e", nom="Gymnase Japy")
    resp = login_as("responsable_care", mairie="11e", nom="Claire Dupont")
    r = client.post(f"/care/sites/{site.id}", data={
        "nom": "Gymnase Japy", "categorie": "gymnase", "adresse": "2 rue Japy",
        "arrondissement": "11", "usages": ["care", "hebergement"], "capacite": "300",
        "capacite_couchage": "120", "equipements": ["pmr", "groupe_electrogene"],
        "cles": "Gardien M. Diallo 06 12 34 56 78", "latitude": "48,8555",
        "longitude": "2,3801", "actif": "y", "verifie": "y", "version": "1"})
    assert r.status_code == 302
    saved = get_db_object(app, Site, site.id)
    assert (saved.capacite, saved.capacite_couchage, saved.arrondissement) == (300, 120, 11)
    assert saved.usage_hebergement and saved.pmr and saved.groupe_electrogene
    assert not saved.animaux and saved.latitude == 48.8555
    assert saved.verifie_par_nom == str(resp) and not saved.perime()
    html = client.get("/care/sites?usage=hebergement").get_data(as_text=True)
    assert "Gymnase Japy" in html and "Accessible PMR, Groupe électrogène" in html
    assert "Gardien M. Diallo" in html and "300 / 120" in html


def test_site_bad_values_are_refused_in_french_and_kept(app, client, login_as, create_site):
    site = create_site(mairie="11e")
    login_as("responsable_care", mairie="11e")
    base = {"nom": "Gymnase Japy", "categorie": "gymnase", "usages": "care", "version": "1"}
    for data, message in (
            ({"capacite": "-5"}, "Entre 0 et 5000 personnes."),
            ({"arrondissement": "12"}, "choix valide"),
            ({"usages": []}, "Dites à quoi le site peut servir"),
            ({"latitude": "2,35", "longitude": "48,85"}, "pas dans Paris"),
            ({"latitude": "48,85"}, "ou aucune des deux")):
        r = client.post(f"/care/sites/{site.id}", data={**base, **data})
        assert r.status_code == 200 and message in r.get_data(as_text=True), data
    assert get_db_object(app, Site, site.id).version == 1


def test_two_people_editing_a_site_the_second_is_told(app, client, login_as, create_site):
    site = create_site(mairie="11e")
    login_as("responsable_care", mairie="11e", nom="Claire Dupont")
    data = {"nom": "Gymnase Japy", "categorie": "gymnase", "usages": "care", "version": "1",
            "capacite": "90"}
    assert client.post(f"/care/sites/{site.id}", data=data).status_code == 302
    r = client.post(f"/care/sites/{site.id}", data={**data, "capacite": "95"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "modifié par Claire Dupont" in html
    assert 'value="95"' in html and get_db_object(app, Site, site.id).capacite == 90


def test_a_site_with_an_open_care_cannot_be_deleted_but_can_be_retired(
        app, client, login_as, create_site, create_centre, create_evenement):
    evenement = create_evenement(mairies=("11e",))
    centre = create_centre(mairie="11e", evenement=evenement, nom="Gymnase Japy")
    login_as("responsable_care", mairie="11e")
    r = client.post(f"/care/sites/{centre.site_id}/supprimer", follow_redirects=True)
    assert "Un C.A.RE est ouvert dans ce site" in r.get_data(as_text=True)
    assert get_db_object(app, Site, centre.site_id) is not None
    vide = create_site(mairie="11e", nom="Salle vide")
    assert client.post(f"/care/sites/{vide.id}/supprimer").status_code == 302
    assert get_db_object(app, Site, vide.id) is None


def test_a_mairie_cannot_touch_another_mairies_site_and_an_observer_sees_none(
        client, login_as, create_site):
    other = create_site(mairie="12e", nom="École Bercy")
    login_as("responsable_care", mairie="11e")
    assert client.post(f"/care/sites/{other.id}/verifie").status_code == 404
    assert client.post(f"/care/sites/{other.id}/supprimer").status_code == 404
    client.post("/auth/deconnexion")
    login_as("observateur", email="obs@crise.test")
    assert client.get("/care/sites").status_code == 403
    assert client.get("/pcs/").status_code == 403
    assert client.get("/pcs/annuaire").status_code == 403


def test_two_sites_of_a_mairie_cannot_bear_the_same_name(app, client, login_as, create_site):
    create_site(mairie="11e", nom="Gymnase Japy")
    login_as("responsable_care", mairie="11e")
    r = client.post("/care/sites/nouveau", data={"mairie": "11e", "nom": "gymnase  JAPY",
                                                 "categorie": "gymnase", "usages": "care"})
    assert "a déjà un site « Gymnase Japy »" in r.get_data(as_text=True)
    assert count(app, Site) == 1
