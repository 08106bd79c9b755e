"""What a person does with a mouse and keyboard: Playwright + Debian's chromium, live server."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot_dir
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_declare_event_see_scop_warning_record_it_log_out(page, live_server,
                                                                 create_user):
    user = create_user("responsable_care", mairie="11e", nom="Claire Dupont")
    login(page, live_server, user.email)
    expect(page.get_by_text("Responsable de crise de la mairie · Mairie du 11e")).to_be_visible()

    page.get_by_role("link", name="Déclarer un événement").click()
    page.get_by_label("Titre").fill("Incendie d'immeuble — 45 rue de la Roquette")
    page.get_by_label("Type").select_option("incendie")
    page.get_by_label("Lieu").fill("45 rue de la Roquette")
    hint = page.get_by_text("prévenir la SCOP dans les plus brefs délais")
    page.get_by_label("Une entité extérieure").check()
    expect(hint).to_be_visible()
    page.get_by_label("Précision sur la source").fill("Commissariat du 11e")
    page.get_by_label("Description").fill("Feu au 3e étage, 12 logements évacués.")
    expect(page.get_by_label("11e", exact=True)).to_be_checked()
    expect(page.get_by_label("12e", exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Déclarer l'événement").click()

    expect(page.get_by_role("heading", name="Incendie d'immeuble — 45 rue de la Roquette")
           ).to_be_visible()
    page.screenshot(path=str(screenshot_dir() / "scop-warning.png"), full_page=True)
    warning = page.get_by_test_id("scop-warning")
    expect(warning).to_contain_text("SCOP non informée")
    expect(warning).to_contain_text("Commissariat du 11e")

    # The warning stays on the list too, until the SCOP is recorded as informed.
    page.get_by_role("navigation").get_by_role("link", name="Événements").click()
    row = page.get_by_role("row", name=re.compile("45 rue de la Roquette"))
    expect(row).to_contain_text("SCOP non informée")
    row.get_by_role("link").click()

    page.get_by_label("Personne prévenue à la SCOP").fill("M. Martin, opérateur SCOP")
    page.get_by_role("button", name="La SCOP a été prévenue").click()
    expect(page.get_by_text("Information de la SCOP enregistrée.")).to_be_visible()
    expect(page.get_by_test_id("scop-warning")).to_have_count(0)
    expect(page.get_by_test_id("scop-informee")).to_contain_text("M. Martin, opérateur SCOP")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    page.goto(f"{live_server}/evenements/")
    expect(page).to_have_url(re.compile(r"/auth/connexion"))


def test_errors_next_to_fields_typed_text_kept_focus_on_first_error(page, live_server,
                                                                    create_user):
    user = create_user("cellule")
    login(page, live_server, user.email)
    page.goto(f"{live_server}/evenements/nouveau")
    page.get_by_label("Lieu").fill("Place de l'Hôtel-de-Ville")
    page.get_by_label("Description").fill("x" * 20)
    page.get_by_role("button", name="Déclarer l'événement").click()
    page.screenshot(path=str(screenshot_dir() / "form-errors.png"), full_page=True)

    expect(page.get_by_role("alert").first).to_contain_text("Rien n'a été enregistré")
    expect(page.locator("#titre-error")).to_have_text("Donnez un titre à l'événement.")
    expect(page.get_by_label("Titre")).to_be_focused()
    expect(page.get_by_label("Titre")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Lieu")).to_have_value("Place de l'Hôtel-de-Ville")


def test_keyboard_only_login(page, live_server, create_user):
    user = create_user("scop")
    page.goto(f"{live_server}/auth/connexion")
    expect(page.get_by_label("Adresse e-mail")).to_be_focused()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Événements")).to_be_visible()


def test_wrong_password_message(page, live_server, create_user):
    user = create_user("scop")
    page.goto(f"{live_server}/auth/connexion")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(user.email)


def test_admin_creates_an_account_that_can_log_in(page, live_server, create_user):
    admin = create_user("admin")
    login(page, live_server, admin.email)
    page.get_by_role("link", name="Comptes").click()
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse e-mail").fill("agent.18@paris.fr")
    page.get_by_label("Nom et prénom").fill("Aïssata N'Diaye")
    page.get_by_label("Rôle").select_option("agent_accueil")
    page.get_by_label("Mairie d'arrondissement").select_option("18e")
    page.get_by_role("button", name="Créer le compte").click()
    password = page.get_by_test_id("password-once").inner_text().strip()
    assert len(password) >= 16
    page.get_by_role("button", name="Se déconnecter").click()
    login(page, live_server, "agent.18@paris.fr", password)
    expect(page.get_by_text("Agent d'accueil C.A.RE · Mairie du 18e arrondissement")
           ).to_be_visible()
    expect(page.get_by_role("link", name="Comptes")).to_have_count(0)


def test_exercise_pages_say_exercice(page, live_server, create_user, create_evenement):
    user = create_user("animateur")
    evenement = create_evenement(titre="Paris à 50°C", type="canicule", exercice=True)
    login(page, live_server, user.email)
    row = page.get_by_role("row", name=re.compile("Paris à 50°C"))
    expect(row).to_contain_text("EXERCICE")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/evenements/{evenement.id}$"))
    banner = page.get_by_role("note", name="Exercice")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("EXERCICE")
    page.screenshot(path=str(screenshot_dir() / "exercice.png"), full_page=True)


def test_typed_event_is_kept_as_a_draft_until_sent(page, live_server, create_user):
    user = create_user("cellule")
    login(page, live_server, user.email)
    page.goto("/evenements/nouveau")
    page.get_by_label("Titre").fill("Crue de la Seine — quai de Bercy")
    page.get_by_label("Lieu").fill("Quai de Bercy")
    page.get_by_label("12e", exact=True).check()
    page.reload()  # the page was reloaded, the network dropped…
    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_be_visible()
    expect(page.get_by_label("Titre")).to_have_value("Crue de la Seine — quai de Bercy")
    expect(page.get_by_label("12e", exact=True)).to_be_checked()
    page.get_by_role("button", name="Abandonner cette saisie").click()
    expect(page.get_by_label("Titre")).to_have_value("")
    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_have_count(0)

    page.get_by_label("Titre").fill("Crue de la Seine — quai de Bercy")
    page.get_by_label("Type").select_option("crue")
    page.get_by_label("La SCOP (DPMP)").check()
    page.get_by_label("12e", exact=True).check()
    page.get_by_role("button", name="Déclarer l'événement").click()
    expect(page.get_by_role("heading", name="Crue de la Seine — quai de Bercy")).to_be_visible()
    page.goto("/evenements/nouveau")  # sent: no draft left behind
    expect(page.get_by_label("Titre")).to_have_value("")
    expect(page.get_by_text("Saisie non enregistrée restaurée")).to_have_count(0)


def test_double_click_on_submit_declares_one_event(page, live_server, app, create_user):
    from crise.evenements.models import Evenement
    from tests.conftest import count

    user = create_user("scop")
    login(page, live_server, user.email)
    page.goto("/evenements/nouveau")
    page.get_by_label("Titre").fill("Explosion de gaz — rue de Trévise")
    page.get_by_label("Type").select_option("explosion")
    page.get_by_label("La SCOP (DPMP)").check()
    page.get_by_label("9e", exact=True).check()
    page.get_by_role("button", name="Déclarer l'événement").dblclick()
    expect(page.get_by_role("heading", name="Explosion de gaz — rue de Trévise")).to_be_visible()
    assert count(app, Evenement) == 1
