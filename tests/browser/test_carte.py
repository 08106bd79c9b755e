"""The cellule looks at the situation map of a fire: marks it can read in black and white,
that lead to their pages, that follow the night without a reload, and that print on A4."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil
from crise.cellule import services as cellule
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from tests.browser.conftest import login, screenshot_dir
from tests.conftest import render

pytestmark = pytest.mark.browser


def test_the_cellule_looks_at_the_map_follows_it_and_prints_it(
        page, app, live_server, create_user, create_evenement, create_centre, tmp_path):
    resp = create_user("responsable_care", mairie="11e")
    chef = create_user("cellule", nom="Chef de salle")
    evenement = create_evenement(titre="Incendie rue Oberkampf", mairies=("11e", "12e", "20e"))
    centre = create_centre(mairie="11e", evenement=evenement, by=resp, capacite=40,
                           nom="Gymnase Japy")
    create_centre(mairie="20e", evenement=evenement, capacite=80,
                  nom="Gymnase des Vignoles")
    with app.app_context():
        cellule.activer(db.session.get(User, chef.id), db.session.get(Evenement, evenement.id),
                        now=utcnow() - timedelta(hours=5))
        db.session.commit()
    login(page, live_server, chef.email)
    page.goto(f"/evenements/{evenement.id}")
    page.get_by_test_id("lien-carte").click()
    expect(page.get_by_role("heading", name="Carte de situation")).to_be_visible()
    carte = page.get_by_test_id("carte")
    expect(carte.get_by_test_id("marque-carre")).to_have_count(2)
    expect(page.get_by_test_id("carte-tableau")).to_contain_text(
        "C.A.RE Gymnase Japy (11e) : 0 présent(s) pour 40 places")

    # A desk registers two people: the map follows without a reload.
    with app.app_context():
        care.enregistrer(db.session.get(User, resp.id), db.session.get(CentreAccueil, centre.id), [
            care.PersonneData(nom="Иванов", prenom="Сергей", categorie="sinistre",
                              besoins=["hebergement"]),
            care.PersonneData(nom="王", prenom="伟", categorie="sinistre")])
        db.session.commit()
    expect(page.get_by_test_id("carte-tableau")).to_contain_text(
        "C.A.RE Gymnase Japy (11e) : 2 présent(s) pour 40 places", timeout=10_000)
    expect(carte.get_by_test_id("marque-rond")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir() / "carte-evenement.png"), full_page=True)

    # Printed on A4, in black and white, the marks keep their shapes and words.
    pdf = page.pdf(format="A4")
    png = render(pdf, tmp_path, dpi=60)
    assert png.exists()
    (screenshot_dir() / "carte-evenement-a4.pdf").write_bytes(pdf)

    # A mark leads to its page.
    carte.get_by_role("link", name="C.A.RE Gymnase Japy (11e) : 2 présent(s) pour 40 places"
                      ).click()
    expect(page.get_by_role("heading", name="Gymnase Japy")).to_be_visible()
