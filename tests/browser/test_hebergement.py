"""A DSOL agent finds a roof for three nights for a family of four with a dog."""

import pytest
from playwright.sync_api import expect

from crise.auth.models import User
from crise.care import services as care_services
from crise.care.models import CentreAccueil
from crise.extensions import db
from tests.browser.conftest import login, screenshot_dir

pytestmark = pytest.mark.browser


def test_dsol_houses_a_family_of_four_with_a_dog_for_three_nights(page, live_server, app,
                                                                  create_user, create_centre):
    centre = create_centre(mairie="11e")
    desk = create_user("agent_accueil", mairie="11e")
    dsol = create_user("dsol", nom="Inès DSOL")
    with app.app_context():
        people, _ = care_services.enregistrer(
            db.session.get(User, desk.id), db.session.get(CentreAccueil, centre.id), [
                care_services.PersonneData(nom="Le Goff", prenom="Maël", categorie="sinistre",
                                           age_estime=40, besoins=["hebergement", "animal"]),
                care_services.PersonneData(nom="Le Goff", prenom="Anaïs", categorie="sinistre",
                                           age_estime=37),
                care_services.PersonneData(nom="Le Goff", prenom="Léo", categorie="sinistre",
                                           age_estime=8),
                care_services.PersonneData(nom="Le Goff", prenom="Zoé", categorie="sinistre",
                                           age_estime=3)])
        db.session.commit()
    login(page, live_server, dsol.email)
    page.goto(f"/evenements/{centre.evenement_id}")
    page.get_by_role("link", name="Hébergement et relogement").click()
    # The desk said « hébergement » and « animal »: the family is without a solution
    # tonight, and waits for a dossier, opened from the list in one click.
    expect(page.get_by_test_id("totaux")).to_contain_text(
        "1 foyer(s) sans solution ce soir (4 pers.)")
    page.get_by_test_id("a-recenser").get_by_role("link", name="Ouvrir le dossier").click()
    expect(page.get_by_label("Personnes à héberger")).to_have_value("4")
    expect(page.get_by_label("dont enfants (moins de 18 ans)")).to_have_value("2")
    expect(page.get_by_label("Animaux", exact=True)).to_be_checked()
    page.get_by_label("Non habitable").check()
    page.get_by_label("Nuits nécessaires (estimation)").fill("3")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    # Forgot which animals: the form says so and keeps the rest.
    expect(page.get_by_text("Précisez les animaux")).to_be_visible()
    expect(page.get_by_label("Nuits nécessaires (estimation)")).to_have_value("3")
    page.get_by_label("Animaux (lesquels)").fill("un chien, berger australien")
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_text("Dossier d'hébergement ouvert.")).to_be_visible()
    expect(page.get_by_test_id("ce-soir")).to_contain_text("Sans solution pour la nuit")

    # Tonight's list has them, oldest first.
    page.get_by_role("link", name="Hébergement", exact=True).click()
    expect(page.get_by_test_id("liste-sans-solution")).to_contain_text("LE GOFF Maël")
    expect(page.get_by_test_id("totaux")).to_contain_text("1 foyer(s) sans solution")
    page.get_by_test_id("liste-sans-solution").get_by_role("link", name="LE GOFF Maël").click()

    # A hotel that takes dogs, three nights: the dates are already there.
    solution = page.get_by_test_id("solution")
    solution.get_by_label("Hôtel").check()
    solution.get_by_label("Lieu").fill("Hôtel Les Chiens d'Or")
    solution.get_by_label("Adresse").fill("8 rue de Charonne, 75011 Paris")
    solution.get_by_label("Chambres").fill("2")
    solution.get_by_label("Lits / places").fill("4")
    solution.get_by_role("button", name="Héberger le foyer").click()
    expect(page.get_by_text("Foyer hébergé : Hôtel Les Chiens d'Or, 3 nuit(s).")
           ).to_be_visible()
    expect(page.get_by_test_id("ce-soir")).to_contain_text(
        "Ce soir : Hôtel — Hôtel Les Chiens d'Or")
    expect(page.get_by_test_id("journal")).to_contain_text("(3 nuit(s))")
    page.screenshot(path=str(screenshot_dir() / "hebergement-dossier.png"), full_page=True)

    page.get_by_role("link", name="Hébergement", exact=True).click()
    totaux = page.get_by_test_id("totaux")
    expect(totaux).to_contain_text("0 foyer(s) sans solution")
    expect(totaux).to_contain_text("4 personne(s) hébergée(s) ce soir")
    expect(totaux).to_contain_text("3 nuit(s) attribuée(s) (12 nuitées-personnes)")
    expect(page.get_by_test_id("liste-vide")).to_contain_text("ont une solution pour ce soir")
    page.screenshot(path=str(screenshot_dir() / "hebergement-tableau.png"), full_page=True)
