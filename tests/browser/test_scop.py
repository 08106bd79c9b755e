"""A mairie asks the SCOP for the VPU and watches it progress while an operator handles it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from crise.formatting import to_paris
from crise.db import utcnow
from tests.browser.conftest import login, screenshot_dir

pytestmark = pytest.mark.browser


def test_vpu_request_progresses_live_on_both_sides(browser, live_server, create_user,
                                                   create_evenement, create_centre):
    evenement = create_evenement(titre="Incendie rue Oberkampf", mairies=("11e",))
    create_centre(mairie="11e", evenement=evenement, nom="Gymnase Japy")
    responsable = create_user("responsable_care", mairie="11e", nom="Claire Dupont")
    operateur = create_user("scop", nom="Karim Operateur")
    arrivee = to_paris(utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)

    mairie_context = browser.new_context(base_url=live_server, locale="fr-FR")
    scop_context = browser.new_context(base_url=live_server, locale="fr-FR")
    try:
        mairie = mairie_context.new_page()
        login(mairie, live_server, responsable.email)
        scop = scop_context.new_page()
        login(scop, live_server, operateur.email)
        scop.get_by_role("link", name="File SCOP").click()
        expect(scop.get_by_test_id("file-vide")).to_be_visible()

        # The mairie asks from the event page.
        mairie.goto(f"/evenements/{evenement.id}")
        expect(mairie.get_by_test_id("cump")).to_contain_text("Préfecture ou le SAMU")
        mairie.get_by_role("link", name="Demander le VPU").click()
        mairie.get_by_label("Immédiate").check()
        articles = mairie.get_by_test_id("articles")
        articles.get_by_label("Couvertures").fill("80")
        articles.get_by_label("Kits d'hygiène").fill("30")
        mairie.get_by_label("Nombre de personnes concernées").fill("27")
        mairie.get_by_label("Contact sur place qui recevra le VPU (nom et téléphone)").fill(
            "Claire Dupont 06 11 22 33 44")
        expect(mairie.get_by_label("Où")).to_have_text(
            "C.A.RE Gymnase Japy — 2 rue Japy, 75011 ParisAutre lieu (préciser ci-dessous)")
        mairie.get_by_role("button", name="Envoyer à la SCOP").click()
        expect(mairie.get_by_text("Demande de VPU envoyée à la SCOP.")).to_be_visible()
        etat = mairie.get_by_test_id("etat")
        expect(etat.get_by_test_id("statut")).to_have_text("Nouvelle")

        # The SCOP's queue shows it without a reload; the operator takes it.
        row = scop.get_by_test_id("file-scop").locator("tr", has_text="80 Couvertures")
        expect(row).to_contain_text("Immédiate", timeout=10_000)
        expect(row).to_contain_text("11e")
        row.get_by_role("button", name="Prendre").click()
        expect(scop.get_by_text("Demande prise en charge.")).to_be_visible()

        # The mairie's page follows by itself.
        expect(etat.get_by_test_id("statut")).to_have_text("Prise en compte", timeout=10_000)
        expect(mairie.get_by_test_id("operateur")).to_have_text("Karim Operateur")

        # Engaged, with an estimated arrival.
        scop.get_by_label("Engagée").check()
        scop.get_by_label("Arrivée estimée").fill(arrivee.strftime("%Y-%m-%dT%H:%M"))
        scop.get_by_label("Message à la mairie").fill("Le VPU part du dépôt d'Ivry")
        scop.get_by_role("button", name="Enregistrer l'état").click()
        expect(scop.get_by_text("Demande passée à l'état « Engagée ».")).to_be_visible()
        expect(etat.get_by_test_id("statut")).to_have_text("Engagée", timeout=10_000)
        expect(mairie.get_by_test_id("arrivee")).to_have_text(
            arrivee.strftime("%d/%m/%Y %H:%M"))
        expect(mairie.get_by_test_id("historique")).to_contain_text("Le VPU part du dépôt d'Ivry")

        scop.get_by_label("Sur place").check()
        scop.get_by_role("button", name="Enregistrer l'état").click()
        expect(etat.get_by_test_id("statut")).to_have_text("Sur place", timeout=10_000)
        expect(mairie.get_by_test_id("delais")).to_contain_text(re.compile(r"sur place \d+ s"))
        mairie.screenshot(path=str(screenshot_dir() / "scop-mairie.png"), full_page=True)

        # The event page lists it too, with the delays.
        mairie.goto(f"/evenements/{evenement.id}")
        expect(mairie.get_by_test_id("demandes-scop")).to_contain_text("Sur place")
        expect(mairie.get_by_test_id("delais-moyens")).to_contain_text(re.compile(r"prise en compte \d+ s"))
        scop.get_by_role("link", name="File SCOP").click()
        scop.screenshot(path=str(screenshot_dir() / "scop-file.png"), full_page=True)
    finally:
        mairie_context.close()
        scop_context.close()


def test_the_queue_marks_new_requests_and_says_when_the_session_ended(
        page, live_server, app, create_user, create_evenement):
    from crise.auth.models import User
    from crise.evenements.models import Evenement
    from crise.extensions import db
    from crise.scop import services

    evenement = create_evenement(titre="Crue — quai de Bercy", mairies=("12e",))
    responsable = create_user("responsable_care", mairie="12e")
    operateur = create_user("scop")
    login(page, live_server, operateur.email)
    page.goto("/scop/")
    expect(page.get_by_test_id("file-vide")).to_be_visible()
    title = page.title()
    with app.app_context():
        services.demander(db.session.get(User, responsable.id),
                          db.session.get(Evenement, evenement.id), type="umip",
                          urgence="immediate", lieu="Quai de Bercy",
                          contenu={"impliques": 6, "contact": "M. Roux 06 00 00 00 00"})
        db.session.commit()
    row = page.locator("tr[data-demande]")
    expect(row).to_have_class(re.compile(r"row--new"), timeout=10_000)
    expect(page).to_have_title("(1) " + title)
    row.click()  # looked at: no longer new
    expect(page).to_have_title(title)

    page.context.clear_cookies()  # the session ends (inactivity, logout elsewhere)
    ended = page.get_by_test_id("session-terminee")
    expect(ended).to_contain_text("Votre session a pris fin", timeout=10_000)
    expect(page.get_by_role("heading", name="Connexion")).to_have_count(0)
    ended.get_by_role("link", name="Se reconnecter").click()
    expect(page).to_have_url(re.compile(r"/auth/connexion\?next=%2Fscop%2F"))
