"""The means a mairie holds, and the PCS home that says what to check this month."""

from datetime import timedelta

import sqlalchemy as sa

from crise.db import utcnow
from crise.extensions import db
from crise.pcs.models import Moyen
from tests.conftest import count, get_db_object


def test_a_mairie_keeps_its_means_with_quantities_and_where_they_are(app, client, login_as,
                                                                        create_site):
    site = create_site(mairie="11e", nom="Gymnase Japy")
    autre = create_site(mairie="12e", nom="École Bercy")
    login_as("responsable_care", mairie="11e")
    r = client.post("/pcs/moyens/nouveau", data={
        "mairie": "11e", "categorie": "lits", "libelle": "Lits de camp pliants",
        "quantite": "-3", "site_id": str(site.id)})
    assert r.status_code == 200 and "Entre 0 et 100000." in r.get_data(as_text=True)
    r = client.post("/pcs/moyens/nouveau", data={
        "mairie": "11e", "categorie": "lits", "libelle": "Lits de camp pliants",
        "quantite": "40", "site_id": str(autre.id)})
    assert r.status_code == 200 and count(app, Moyen) == 0
    r = client.post("/pcs/moyens/nouveau", data={
        "mairie": "11e", "categorie": "lits", "libelle": "Lits de camp pliants",
        "quantite": "40", "site_id": str(site.id), "lieu": "sous-sol, local 2"})
    assert r.status_code == 302
    html = client.get("/pcs/moyens").get_data(as_text=True)
    assert "Lits de camp pliants" in html and "Gymnase Japy — sous-sol, local 2" in html
    with app.app_context():
        moyen_id = db.session.scalar(sa.select(Moyen.id))
    r = client.post(f"/pcs/moyens/{moyen_id}", data={
        "categorie": "lits", "quantite": "35", "version": "1"})
    assert r.status_code == 302 and get_db_object(app, Moyen, moyen_id).quantite == 35
    r = client.post(f"/pcs/moyens/{moyen_id}", data={
        "categorie": "lits", "quantite": "30", "version": "1"})
    assert r.status_code == 409 and get_db_object(app, Moyen, moyen_id).quantite == 35


def test_the_pcs_home_says_what_to_check_this_month(app, client, login_as, create_site):
    site = create_site(mairie="11e", nom="Gymnase Japy")
    login_as("responsable_care", mairie="11e")
    html = client.get("/pcs/").get_data(as_text=True)
    assert "1 site(s) de repli" in html  # never checked
    client.post(f"/care/sites/{site.id}/verifie")
    assert "Rien : tout ce que vous tenez" in client.get("/pcs/").get_data(as_text=True)
    with app.app_context():
        from crise.care.models import Site

        db.session.execute(sa.update(Site).values(verifie_at=utcnow() - timedelta(days=300)))
        db.session.commit()
    html = client.get("/pcs/").get_data(as_text=True)
    assert "1 site(s) de repli" in html
    assert "À vérifier" in client.get("/care/sites").get_data(as_text=True)


def test_the_five_year_duty_is_linked_for_those_who_run_the_plan_only(client, login_as):
    login_as("responsable_care", mairie="11e")
    assert "Exercices sur cinq ans" not in client.get("/pcs/").get_data(as_text=True)
    client.post("/auth/deconnexion")
    login_as("cellule", email="cellule@crise.test")
    html = client.get("/pcs/").get_data(as_text=True)
    assert "Exercices sur cinq ans" in html and client.get("/retex/obligation").status_code == 200


def test_a_site_holding_stocks_is_not_deleted_with_them(app, client, login_as, create_site):
    site = create_site(mairie="11e", nom="Gymnase Japy")
    login_as("responsable_care", mairie="11e")
    assert client.post("/pcs/moyens/nouveau", data={
        "mairie": "11e", "categorie": "couvertures", "libelle": "Couvertures",
        "quantite": "300", "site_id": str(site.id)}).status_code == 302
    r = client.post(f"/care/sites/{site.id}/supprimer", follow_redirects=True)
    assert "Des moyens y sont stockés (300 Couvertures)" in r.get_data(as_text=True)
    from crise.care.models import Site

    assert get_db_object(app, Site, site.id) is not None
