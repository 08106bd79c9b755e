"""The cellule takes a decision in a meeting; two mairies acknowledge it in their own
browsers, one applies it, the other cannot; the cellule's board shows exactly that."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from crise.db import utcnow
from crise.formatting import to_paris

from tests.browser.conftest import login, screenshot_dir

pytestmark = pytest.mark.browser


def test_decision_followed_by_two_mairies(browser, live_server, create_user, create_evenement):
    evenement = create_evenement(titre="Crue de la Seine", mairies=("12e", "13e"))
    chef = create_user("cellule", nom="Chef de salle")
    m12 = create_user("responsable_care", mairie="12e", nom="Resp 12e")
    m13 = create_user("responsable_care", mairie="13e", nom="Resp 13e")
    contexts = [browser.new_context(base_url=live_server, locale="fr-FR") for _ in range(3)]
    try:
        cellule, mairie12, mairie13 = (c.new_page() for c in contexts)
        login(cellule, live_server, chef.email)
        cellule.goto(f"/evenements/{evenement.id}")
        cellule.get_by_role("link", name="Activation et décisions").click()
        cellule.get_by_role("button", name="Activer la cellule centrale").click()
        expect(cellule.get_by_test_id("activation")).to_contain_text("Activée")
        # A follow-up meeting in an hour; the decision is taken in it.
        debut = to_paris(utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        reunions = cellule.get_by_test_id("reunions")
        reunions.get_by_label("Date et heure").fill(debut)
        reunions.get_by_label("Lieu ou audioconférence").fill("Salle de crise, Hôtel de Ville")
        reunions.get_by_role("button", name="Planifier").click()
        expect(cellule.get_by_text("planifiée.")).to_be_visible()
        # The event was just declared: no point de situation is due yet, none is missing.
        expect(cellule.get_by_test_id("ordre-du-jour")).to_contain_text("Rien d'ouvert")
        decisions = cellule.get_by_test_id("decisions-reunion")
        decisions.locator("#d-texte").fill(
            "Évacuer les caves des immeubles des quais avant 20 h")
        decisions.get_by_label("Toutes les mairies concernées par l'événement").check()
        decisions.get_by_role("button", name="Transmettre la décision").click()
        expect(cellule.get_by_text("prise en réunion et transmise")).to_be_visible()
        decisions.get_by_role("link", name="n°").click()
        expect(cellule.get_by_test_id("progres")).to_contain_text(
            "Prise de connaissance : 0 / 2")

        for page, user, etat, motif in ((mairie12, m12, "Appliquée", ""),
                                        (mairie13, m13, "Impossible",
                                         "Pompes indisponibles avant demain")):
            login(page, live_server, user.email)
            waiting = page.get_by_test_id("decisions-en-attente")
            expect(waiting).to_contain_text("À lire")
            waiting.get_by_role("link", name="Décision n°").click()
            page.get_by_role("button", name="J'ai pris connaissance").click()
            expect(page.get_by_text("Prise de connaissance enregistrée")).to_be_visible()
            page.get_by_label(etat).check()
            if motif:
                page.get_by_label("Motif / précision").fill(motif)
            page.get_by_role("button", name="Rendre compte à la cellule").click()
            expect(page.get_by_text(f"Application signalée à la cellule : {etat}.")
                   ).to_be_visible()

        # No reload: the cellule's page fetches the follow-up again by itself.
        expect(cellule.get_by_test_id("progres")).to_contain_text(
            "Prise de connaissance : 2 / 2 · appliquée : 1 / 2 · impossible : 1",
            timeout=10_000)
        expect(cellule.get_by_test_id("dest-12e")).to_contain_text("Appliquée")
        expect(cellule.get_by_test_id("dest-13e")).to_contain_text(
            "Impossible")
        expect(cellule.get_by_test_id("dest-13e")).to_contain_text(
            "Pompes indisponibles avant demain")
        cellule.screenshot(path=str(screenshot_dir() / "cellule-decision.png"), full_page=True)
        cellule.get_by_role("link", name="Cellule centrale", exact=True).click()
        expect(cellule.get_by_test_id("decisions")).to_contain_text("1 impossible(s)")
        cellule.get_by_role("link", name="Main courante").click()
        log = cellule.get_by_test_id("main-courante")
        expect(log).to_contain_text("13e — Impossible : Pompes indisponibles avant demain")
        expect(log).to_contain_text("12e — Appliquée")
        cellule.screenshot(path=str(screenshot_dir() / "cellule-main-courante.png"),
                           full_page=True)
        cellule.get_by_role("link", name="Cellule centrale", exact=True).click()
        cellule.get_by_role("link", name="Tableau de bord").click()
        expect(cellule.get_by_test_id("chiffres-cles")).to_contain_text(
            "0 personne(s) prise(s) en charge")
        expect(cellule.locator("svg.chart__svg")).to_have_count(2)
        cellule.screenshot(path=str(screenshot_dir() / "cellule-tableau-de-bord.png"),
                           full_page=True)
    finally:
        for c in contexts:
            c.close()


def test_the_cellule_board_comes_again_by_itself_unless_someone_types(page, live_server, app,
                                                                      create_user,
                                                                      create_evenement):
    from crise.auth.models import User
    from crise.cellule import services
    from crise.evenements.models import Evenement
    from crise.extensions import db

    evenement = create_evenement(titre="Crue — quai de Bercy", mairies=("12e",))
    membre, autre = create_user("cellule"), create_user("cellule", nom="Autre membre")
    login(page, live_server, membre.email)
    page.goto(f"/cellule/evenements/{evenement.id}/main-courante")
    with app.app_context():
        services.ecrire(db.session.get(User, autre.id), db.session.get(Evenement, evenement.id),
                        services.EntreeData(texte="La PP ferme le pont d'Austerlitz"))
        db.session.commit()
    expect(page.get_by_text("La PP ferme le pont d'Austerlitz")).to_be_visible(timeout=10_000)
    # Someone types: the page waits rather than lose what is being written.
    page.get_by_label("Texte").fill("Appel de la mairie du 12e")
    with app.app_context():
        services.ecrire(db.session.get(User, autre.id), db.session.get(Evenement, evenement.id),
                        services.EntreeData(texte="Deuxième entrée"))
        db.session.commit()
    page.wait_for_timeout(3500)
    expect(page.get_by_label("Texte")).to_have_value("Appel de la mairie du 12e")
    expect(page.get_by_text("Deuxième entrée")).to_have_count(0)
