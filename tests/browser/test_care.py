"""A desk agent's day at a C.A.RE, with mouse and keyboard, in Debian's chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot_dir
from tests.conftest import decode_qr, render

pytestmark = pytest.mark.browser


def test_open_register_household_duplicate_scan_and_checkout(page, live_server, create_user,
                                                            create_evenement, create_site,
                                                            tmp_path):
    responsable = create_user("responsable_care", mairie="11e", nom="Claire Dupont")
    evenement = create_evenement(titre="Incendie rue Oberkampf", mairies=("11e",))
    create_site(mairie="11e", nom="Gymnase Japy", capacite=60)
    login(page, live_server, responsable.email)

    # Open the C.A.RE from the event page.
    page.goto(f"/evenements/{evenement.id}")
    page.get_by_role("link", name="Ouvrir un C.A.RE").click()
    page.get_by_label("Site").select_option(label="Gymnase Japy — 2 rue Japy, 75011 Paris (60 places)")
    expect(page.get_by_label("Responsable de permanence")).to_have_value("Claire Dupont")
    page.get_by_label("Comprend un Centre d'Accueil des Impliqués (CAI)").check()
    page.get_by_role("button", name="Ouvrir le C.A.RE").click()
    expect(page.get_by_role("heading", name="Gymnase Japy")).to_be_visible()
    expect(page.get_by_test_id("counts")).to_contain_text("0 / 60")

    # Tick the first line of the fiche réflexe.
    page.get_by_role("button", name="Informer la SCOP de l'ouverture du C.A.RE").click()
    expect(page.get_by_role("button", name="Informer la SCOP de l'ouverture du C.A.RE")
           ).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#fiche-reflexe")).to_contain_text("par Claire Dupont")

    # A household of three, accents and apostrophes included.
    page.get_by_role("link", name="Enregistrer un foyer").click()
    rows = page.get_by_test_id("membre")
    expect(rows).to_have_count(3)
    for i, (nom, prenom, categorie) in enumerate([
            ("Lefèvre", "Hélène", "sinistre"), ("Lefèvre", "Zoé", "sinistre"),
            ("N'Guessan", "Noël", "proche")]):
        row = rows.nth(i)
        row.get_by_role("textbox", name="Nom", exact=True).fill(nom)
        row.get_by_role("textbox", name="Prénom").fill(prenom)
        row.get_by_role("combobox", name="Catégorie").select_option(categorie)
    page.get_by_label("Adresse (du foyer)").fill("12 rue de l'Orillon, 75011 Paris")
    page.get_by_label("Hébergement").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("heading", name="Foyer (3)")).to_be_visible()
    code = page.get_by_test_id("code-court").inner_text()

    # Print the household's badges: the PDF the link opens decodes back to three tokens.
    href = page.get_by_role("link", name="Badges du foyer (3)").get_attribute("href")
    response = page.context.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    tokens = decode_qr(render(response.body(), tmp_path))
    assert len(tokens) == 3 and all(len(token) >= 20 for token in tokens)

    # A fourth person: while typing, the desk sees the likely duplicate.
    page.get_by_role("link", name="Gymnase Japy").click()
    page.get_by_role("link", name="Enregistrer une personne").click()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_be_focused()
    page.keyboard.type("LEFEBVRE", delay=20)
    page.keyboard.press("Tab")
    page.keyboard.type("helene", delay=20)
    suggestion = page.locator(".dup-box")
    expect(suggestion).to_contain_text("Déjà enregistré ?")
    expect(suggestion).to_contain_text("LEFÈVRE Hélène")
    page.screenshot(path=str(screenshot_dir() / "care-doublon.png"), full_page=True)
    page.get_by_role("link", name="Annuler").click()
    expect(page.get_by_test_id("counts")).to_contain_text("3 / 60")

    # A USB scanner reads a printed badge: it types the token and Enter into the search field.
    search = page.get_by_label("Code badge, nom, téléphone")
    expect(search).to_be_focused()
    page.keyboard.type(tokens[0])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("LEFÈVRE|N'GUESSAN"))).to_be_visible()
    # Typing the short code printed under the name works as well, case and dash aside.
    page.get_by_label("Code badge, nom, téléphone").fill(code.lower().replace("-", ""))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("code-court")).to_have_text(code)

    # Check out to emergency housing.
    page.get_by_label("Hébergement d'urgence").check()
    page.get_by_label("Précision").fill("Hôtel Ibis Bastille")
    page.get_by_role("button", name="Enregistrer le départ").click()
    expect(page.get_by_test_id("counts")).to_contain_text("2 / 60")
    page.screenshot(path=str(screenshot_dir() / "care-centre.png"), full_page=True)


def test_cell_board_refreshes_itself(browser, live_server, app, create_user, create_centre):
    from crise.auth.models import User
    from crise.care import services
    from crise.care.models import CentreAccueil
    from crise.extensions import db

    centre = create_centre(mairie="11e")
    desk = create_user("agent_accueil", mairie="11e")
    cell = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        (personne,), _ = services.enregistrer(
            db.session.get(User, desk.id), db.session.get(CentreAccueil, centre.id),
            [services.PersonneData(nom="Benali", prenom="Sami", categorie="implique")])
        db.session.commit()
        pid = personne.id

    board_context = browser.new_context(base_url=live_server, locale="fr-FR")
    desk_context = browser.new_context(base_url=live_server, locale="fr-FR")
    try:
        board = board_context.new_page()
        login(board, live_server, cell.email)
        board.goto(f"/care/{centre.id}/cellules/medico_psy")
        expect(board.get_by_test_id("board-attente")).to_contain_text("Personne.")

        desk_page = desk_context.new_page()
        login(desk_page, live_server, desk.email)
        desk_page.goto(f"/care/personnes/{pid}")
        desk_page.get_by_label("Motif (facultatif)").fill("Sidéré, ne parle pas")
        desk_page.get_by_role("button", name="Cellule médico-psychologique").click()
        expect(desk_page.get_by_text("Orienté(e) vers : Cellule médico-psychologique.")
               ).to_be_visible()

        # No reload on the board: it fetches itself again.
        waiting = board.get_by_test_id("board-attente")
        expect(waiting).to_contain_text("BENALI Sami", timeout=10_000)
        expect(waiting).to_contain_text("Sidéré, ne parle pas")
        waiting.get_by_role("button", name="Recevoir").click()
        expect(board.get_by_test_id("board-en_cours")).to_contain_text("BENALI Sami")
        board.screenshot(path=str(screenshot_dir() / "care-cellule.png"), full_page=True)
    finally:
        board_context.close()
        desk_context.close()


def test_crisis_lead_downloads_the_list_for_the_prefecture(page, live_server, app, create_user,
                                                           create_centre, tmp_path):
    from openpyxl import load_workbook

    from crise.auth.models import User
    from crise.care import services
    from crise.care.models import CentreAccueil
    from crise.extensions import db

    responsable = create_user("responsable_care", mairie="11e")
    centre = create_centre(mairie="11e", by=responsable)
    with app.app_context():
        services.enregistrer(db.session.get(User, responsable.id),
                             db.session.get(CentreAccueil, centre.id),
                             [services.PersonneData(nom="Lefèvre", prenom="Hélène",
                                                    categorie="sinistre")])
        db.session.commit()
    login(page, live_server, responsable.email)
    page.goto(f"/care/{centre.id}")
    section = page.get_by_role("region", name="Listes pour les autorités")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="XLSX").first.click()
    download = download_info.value
    name = download.suggested_filename
    assert name.startswith(f"care-{centre.id}-prefecture-") and name.endswith(".xlsx")
    path = tmp_path / "liste.xlsx"
    download.save_as(path)
    sheet = load_workbook(path)["Liste nominative"]
    assert sheet.cell(row=5, column=2).value == "LEFÈVRE"


def test_double_click_on_enregistrer_registers_one_person(page, live_server, app, create_user,
                                                          create_centre):
    from crise.care.models import Personne
    from tests.conftest import count

    agent = create_user("agent_accueil", mairie="11e")
    create_centre(mairie="11e")
    login(page, live_server, agent.email)
    page.get_by_test_id("care-ouverts").get_by_role("link", name="Gymnase Japy").click()
    page.get_by_role("link", name="Enregistrer une personne").click()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_be_focused()
    page.keyboard.type("Da Silva")
    page.get_by_role("combobox", name="Catégorie").select_option("sinistre")
    page.get_by_role("button", name="Enregistrer", exact=True).dblclick()
    expect(page.get_by_role("heading", name="DA SILVA")).to_be_visible()
    assert count(app, Personne) == 1

    code = page.get_by_test_id("code-court").inner_text()

    # Back, and the same person typed again: the form is a new one, but the same person
    # registered by the same desk a moment ago is recognised: nothing is created twice.
    page.go_back()
    page.get_by_role("textbox", name="Nom", exact=True).fill("Da Silva")
    page.get_by_role("combobox", name="Catégorie").select_option("sinistre")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text(f"avait déjà été enregistré ({code})")).to_be_visible()
    assert count(app, Personne) == 1


def test_the_desk_at_full_speed_with_the_keyboard(page, live_server, create_user,
                                                  create_centre):
    """Type the name, pick the catégorie, Enter: saved. Save and next: the next person is
    typed at once. Save and print: the badge prints from the desk page, which stays."""
    centre = create_centre(mairie="11e")
    agent = create_user("agent_accueil", mairie="11e")
    login(page, live_server, agent.email)
    page.goto(f"/care/{centre.id}/enregistrer")
    page.keyboard.type("Иванов")
    page.keyboard.press("Tab")
    page.keyboard.type("Сергей")
    page.get_by_role("combobox", name="Catégorie").select_option("sinistre")
    page.get_by_role("textbox", name="Prénom").press("Enter")
    expect(page.get_by_text("1 personne(s) enregistrée(s)")).to_be_visible()
    expect(page.get_by_role("heading", name="ИВАНОВ Сергей")).to_be_visible()
    expect(page.get_by_label("Code badge, nom, téléphone")).to_be_focused()

    page.goto(f"/care/{centre.id}/enregistrer")
    page.keyboard.type("Nguyễn")
    page.get_by_role("combobox", name="Catégorie").select_option("implique")
    page.get_by_role("button", name="Enregistrer et suivant").click()
    expect(page.get_by_text("1 personne(s) enregistrée(s)")).to_be_visible()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_be_focused()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("")

    page.keyboard.type("N'Diaye")
    page.get_by_role("button", name="+ Ajouter un membre du foyer").click()
    rows = page.get_by_test_id("membre")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_role("textbox", name="Nom", exact=True)).to_have_value("N'Diaye")
    page.get_by_role("button", name="+ Ajouter un membre du foyer").click()
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Retirer la personne 3").click()
    expect(rows).to_have_count(2)
    rows.nth(0).get_by_role("textbox", name="Prénom").fill("Awa")
    rows.nth(0).get_by_role("combobox", name="Catégorie").select_option("sinistre")
    rows.nth(1).get_by_role("textbox", name="Prénom").fill("Issa")
    rows.nth(1).get_by_role("combobox", name="Catégorie").select_option("sinistre")
    page.get_by_role("button", name="Enregistrer et imprimer le badge").click()
    expect(page.get_by_text("2 personne(s) enregistrée(s)")).to_be_visible()
    expect(page.get_by_test_id("impression")).to_contain_text("envoyés à l'imprimante")
    frame = page.locator("iframe.print-frame")
    expect(frame).to_have_attribute("src", re.compile(r"/badges-foyer\.pdf$"))
    # Once printed, the next name is typed at once: the focus is not left in the frame.
    expect(frame).to_have_attribute("data-imprime", "1")
    expect(page.get_by_role("textbox", name="Nom", exact=True).first).to_be_focused()
    expect(page.get_by_role("heading", name="Enregistrer une personne")).to_be_visible()
