"""A shared desk computer: what one agent typed never reaches the next one, health data never
stays in the browser, and an expired session gives the typed person back after logging in."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

DRAFTS = """() => Object.keys(sessionStorage).filter(k => k.startsWith('crise-draft:'))
                 .map(k => sessionStorage.getItem(k)).join('|')"""


def _type_a_person(page, centre):
    page.goto(f"/care/{centre.id}/enregistrer")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Nguyễn")
    page.get_by_role("textbox", name="Prénom").fill("Thị Mai")
    page.get_by_role("combobox", name="Catégorie").select_option("sinistre")
    page.get_by_label("Téléphone").first.fill("06 12 34 56 78")
    page.get_by_label("Notes").first.fill("Enceinte, 7 mois")


def test_cancel_and_logout_leave_nothing_for_the_next_agent(page, live_server, create_user,
                                                           create_centre):
    centre = create_centre(mairie="11e")
    first = create_user("agent_accueil", mairie="11e")
    second = create_user("agent_accueil", mairie="11e")
    login(page, live_server, first.email)

    _type_a_person(page, centre)
    assert "Enceinte" in page.evaluate(DRAFTS)  # kept while the form is open
    page.get_by_role("link", name="Annuler").click()
    assert page.evaluate(DRAFTS) == ""
    page.goto(f"/care/{centre.id}/enregistrer")
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("")

    _type_a_person(page, centre)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/auth/connexion"))
    assert page.evaluate(DRAFTS) == ""

    login(page, live_server, second.email)
    page.goto(f"/care/{centre.id}/enregistrer")
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("")
    expect(page.get_by_label("Téléphone").first).to_have_value("")
    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_have_count(0)


def test_medical_notes_are_never_kept_in_the_browser(page, live_server, app, create_user,
                                                     create_centre):
    from crise.auth.models import User
    from crise.care import services
    from crise.care.models import CentreAccueil
    from crise.extensions import db

    centre = create_centre(mairie="11e")
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        (personne,), _ = services.enregistrer(
            db.session.get(User, responsable.id), db.session.get(CentreAccueil, centre.id),
            [services.PersonneData(nom="Benali", prenom="Karim", categorie="sinistre")])
        db.session.commit()
        personne_id = personne.id
    login(page, live_server, responsable.email)
    page.goto(f"/care/personnes/{personne_id}/modifier")
    page.get_by_label("Notes médicales et psychologiques").fill("Diabète, insuline")
    page.get_by_label("Adresse actuelle").fill("3 rue Saint-Maur")
    drafts = page.evaluate(DRAFTS)
    assert "Saint-Maur" in drafts and "Diabète" not in drafts and "insuline" not in drafts


def test_an_expired_session_gives_the_typed_person_back_after_login(page, live_server,
                                                                   create_user,
                                                                   create_centre):
    centre = create_centre(mairie="11e")
    agent = create_user("agent_accueil", mairie="11e")
    other = create_user("agent_accueil", mairie="11e")
    login(page, live_server, agent.email)
    _type_a_person(page, centre)

    page.context.clear_cookies()  # thirty minutes at the desk without a click
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/auth/connexion"))
    expect(page.get_by_text("Votre session a expiré")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(agent.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_be_visible()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("Nguyễn")
    expect(page.get_by_role("textbox", name="Prénom")).to_have_value("Thị Mai")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("1 personne(s) enregistrée(s)")).to_be_visible()
    assert page.evaluate(DRAFTS) == ""  # saved: nothing left behind

    # The same night, another agent finds an expired session on this computer: nothing.
    _type_a_person(page, centre)
    page.context.clear_cookies()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_label("Adresse e-mail").fill(other.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("")
    page.wait_for_load_state()  # the page's script has run (it forgets the other's draft)
    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_have_count(0)
    assert page.evaluate(DRAFTS) == ""


def test_a_saved_entry_is_not_offered_again_as_a_draft(page, live_server, create_user,
                                                       create_evenement):
    """The main courante form has no token: once saved, its draft must not come back."""
    evenement = create_evenement(mairies=("12e",))
    login(page, live_server, create_user("cellule").email)
    page.goto(f"/cellule/evenements/{evenement.id}/main-courante")
    page.get_by_label("Texte").fill("La PP ferme le pont d'Austerlitz")
    page.get_by_role("button", name=re.compile("Écrire")).click()
    expect(page.get_by_text("écrite dans la main courante")).to_be_visible()
    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_have_count(0)
    expect(page.get_by_label("Texte")).to_have_value("")
    assert page.evaluate(DRAFTS) == ""
