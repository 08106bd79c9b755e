"""An animateur starts the crue scenario and jumps to the evacuation of the 15e's towers; the
cellule and the 15e receive and acknowledge their injects in their own browsers; the 15e
opens a C.A.RE and registers arriving fictitious people; the console shows the expected
actions met, with both times."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot_dir

pytestmark = pytest.mark.browser


def test_an_exercise_played_in_the_real_tools(browser, live_server, create_user, create_site):
    animateur = create_user("animateur", nom="Anne Animatrice")
    chef = create_user("cellule", nom="Chef de salle")
    quinze = create_user("responsable_care", mairie="15e", nom="Lucie Quinze")
    create_site(mairie="15e", nom="Gymnase Émile-Anthoine", adresse="9 rue Jean-Rey",
                capacite=200)
    contexts = [browser.new_context(base_url=live_server, locale="fr-FR") for _ in range(3)]
    try:
        anim, cellule, mairie = (c.new_page() for c in contexts)
        login(anim, live_server, animateur.email)
        anim.get_by_role("link", name="Exercices").click()
        anim.get_by_role("link", name="Préparer : Crue de la Seine type 1910").click()
        expect(anim.get_by_test_id("chronogramme")).to_contain_text(
            "Fermeture du RER C sur prévision")
        anim.get_by_label(re.compile("Chef de salle")).check()
        anim.get_by_label(re.compile("Lucie Quinze")).check()
        anim.get_by_role("button", name="Préparer l'exercice").click()
        expect(anim.get_by_role("heading", name="Console d'animation")).to_be_visible()
        anim.get_by_role("button", name="Démarrer (DEBEX)").click()
        expect(anim.get_by_text("DEBEX : l'exercice a commencé")).to_be_visible()
        expect(anim.get_by_test_id("heure-scenario")).to_contain_text("J+0 08:0")
        # Jump to the morning the Préfecture asks to evacuate the towers of the 15e.
        anim.get_by_text("Sauter dans le temps").click()
        anim.get_by_label("Aller à").fill("j+2 9h00")  # as a hurried animateur types it
        anim.get_by_label("Motif").fill("Montée jouée en accéléré")
        anim.get_by_role("button", name="Sauter").click()
        expect(anim.get_by_text("Saut effectué")).to_be_visible()
        expect(anim.get_by_test_id("heure-scenario")).to_contain_text("J+2 09:0")
        livres = anim.get_by_test_id("livres")
        expect(livres).to_contain_text("Évacuation préventive des IGH du front de Seine")
        expect(livres).to_contain_text("franchi pendant le saut")
        attendus = anim.get_by_test_id("attendus")
        expect(attendus.locator("tr[data-attendu='ATT-6']")).to_contain_text("en attente")

        # The cellule reads the Préfecture's message and acknowledges it.
        login(cellule, live_server, chef.email)
        boite = cellule.get_by_test_id("boite-accueil")
        expect(boite).to_contain_text("non lu")
        boite.get_by_role("link", name="Évacuation préventive des IGH").click()
        expect(cellule.get_by_test_id("inject")).to_contain_text("EXERCICE")
        cellule.get_by_role("button", name="J'ai pris connaissance").click()
        expect(cellule.get_by_test_id("acquitte")).to_contain_text("Chef de salle")

        # The 15e too, then opens its C.A.RE and registers the first arrivals.
        login(mairie, live_server, quinze.email)
        mairie.get_by_test_id("boite-accueil").get_by_role(
            "link", name="Évacuation préventive des IGH").click()
        figurants = mairie.get_by_test_id("figurants")
        expect(figurants).to_be_visible()
        nom = figurants.locator("tbody tr").first.locator("td").nth(1).inner_text()
        prenom = figurants.locator("tbody tr").first.locator("td").nth(2).inner_text()
        mairie.get_by_role("button", name="J'ai pris connaissance").click()
        expect(mairie.get_by_test_id("acquitte")).to_contain_text("Lucie Quinze")
        mairie.get_by_role("link", name=re.compile("Crue de la Seine")).click()
        mairie.get_by_role("link", name="Ouvrir un C.A.RE").click()
        mairie.get_by_label("Site").select_option(
            label="Gymnase Émile-Anthoine — 9 rue Jean-Rey (200 places)")
        mairie.get_by_role("button", name="Ouvrir le C.A.RE").click()
        expect(mairie.get_by_role("heading", name="Gymnase Émile-Anthoine")).to_be_visible()
        arrivees = mairie.get_by_test_id("arrivees-exercice")
        expect(arrivees).to_contain_text(nom)
        avant = arrivees.locator("tbody tr").count()
        mairie.get_by_role("link", name="Enregistrer une personne").click()
        mairie.get_by_role("textbox", name="Nom", exact=True).fill(nom)
        mairie.get_by_role("textbox", name="Prénom").fill(prenom)
        mairie.get_by_role("combobox", name="Catégorie").select_option("sinistre")
        mairie.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(mairie.get_by_test_id("code-court")).to_be_visible()
        mairie.get_by_role("link", name="Gymnase Émile-Anthoine").first.click()
        expect(mairie.get_by_test_id("arrivees-exercice").locator("tbody tr")
               ).to_have_count(avant - 1)

        # The console: the C.A.RE opened and the registration, met with both times.
        anim.reload()
        for ident in ("ATT-6", "ATT-7"):
            ligne = anim.get_by_test_id("attendus").locator(f"tr[data-attendu='{ident}']")
            expect(ligne.get_by_test_id("etat-attendu")).to_have_text("réalisée")
            expect(ligne).to_contain_text("(scénario)")
        expect(anim.get_by_test_id("attendus").locator("tr[data-attendu='ATT-6']")
               ).to_contain_text("C.A.RE ouvert : Gymnase Émile-Anthoine")
        expect(anim.get_by_test_id("livres")).to_contain_text("✓")
        anim.screenshot(path=str(screenshot_dir() / "exercice-console.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()


def test_an_observer_on_a_tablet_the_hot_wash_the_retex_and_its_action(
        browser, live_server, app, create_user):
    """An observer rates the grid on a tablet held upright and writes a note; at the FINEX a
    player answers the hot wash; the animateur reads it in the debrief, opens the RETEX
    generated from the run, writes its synthesis and a préconisation, turns it into an action
    for the DSOL; the DSOL finds it at home, and the next run of the scenario shows it to
    re-test."""
    from pathlib import Path

    from crise.auth.models import User
    from crise.exercices import observation, services
    from crise.extensions import db

    animateur = create_user("animateur", nom="Anne Animatrice")
    observateur = create_user("observateur", nom="Olivier Observateur")
    chef = create_user("cellule", nom="Chef de salle")
    dsol = create_user("dsol", nom="Dominique Solidarités")
    source = (Path(__file__).parents[2] / "scenarios" / "crue-type-1910.yaml").read_text(
        encoding="utf-8")
    with app.app_context():
        anim = db.session.get(User, animateur.id)
        run, _ = services.lancer(anim, source, [db.session.get(User, chef.id)])
        services.debex(anim, run)
        observation.nommer_observateur(anim, run, db.session.get(User, observateur.id),
                                       objectifs=["OBJ-2"], mairies=["15e"])
        db.session.commit()
        run_id = run.id
    tablette = browser.new_context(base_url=live_server, locale="fr-FR",
                                   viewport={"width": 768, "height": 1024}, has_touch=True)
    joueur = browser.new_context(base_url=live_server, locale="fr-FR")
    try:
        page = tablette.new_page()
        login(page, live_server, observateur.email)
        page.get_by_role("link", name=re.compile("Observer : Crue de la Seine")).click()
        item = page.get_by_test_id("item-GO-3")
        expect(item).to_contain_text("Délai d'ouverture et armement du C.A.RE")
        expect(page.get_by_test_id("item-GO-1")).to_have_count(0)  # not its objective
        item.get_by_text("Réalisé avec quelques difficultés").tap()
        item.get_by_label("Commentaire").fill("Ouvert en 1 h 50, fléchage absent")
        item.get_by_role("button", name="Enregistrer GO-3").tap()
        expect(page.get_by_text("GO-3 : note enregistrée")).to_be_visible()
        expect(page.get_by_test_id("item-GO-3").get_by_test_id("note-actuelle")
               ).to_contain_text("S")
        page.get_by_role("textbox", name=re.compile(r"^Note")).fill(
            "Familles dehors sous la pluie, 20 min")
        page.get_by_label("Mairie").select_option("15e")
        page.get_by_role("button", name="Enregistrer la note").tap()
        expect(page.get_by_test_id("mes-notes")).to_contain_text("Familles dehors")
        page.screenshot(path=str(screenshot_dir() / "exercice-observateur-tablette.png"),
                        full_page=True)

        with app.app_context():
            services.finex(db.session.get(User, animateur.id),
                           db.session.get(services.Exercice, run_id))
            db.session.commit()
        player = joueur.new_page()
        login(player, live_server, chef.email)
        player.get_by_test_id("a-chaud-accueil").get_by_role("link", name="Répondre").click()
        expect(player.get_by_text("anonymes")).to_be_visible()
        player.get_by_label("Qu'est-ce qui a fonctionné ?").fill("La main courante partagée")
        player.locator("fieldset", has_text="Alerte et information").get_by_text(
            "Satisfaisant").click()
        player.get_by_role("button", name="Envoyer mes réponses").click()
        expect(player.get_by_text("vos réponses sont enregistrées")).to_be_visible()

        anim_page = joueur.new_page()
        anim_page.context.clear_cookies()
        login(anim_page, live_server, animateur.email)
        anim_page.goto(f"/exercices/{run_id}/a-chaud")
        expect(anim_page.get_by_test_id("taux-reponse")).to_contain_text("1")
        expect(anim_page.get_by_test_id("a-chaud-reponses").first).to_contain_text(
            "La main courante partagée")

        # The RETEX, generated from the run's records.
        anim_page.goto(f"/exercices/{run_id}")
        anim_page.get_by_test_id("lien-retex").click()
        expect(anim_page.get_by_role("heading", name="Retour d'expérience")).to_be_visible()
        objectif = anim_page.get_by_test_id("objectif-OBJ-2")
        expect(objectif).to_contain_text("Ouvert en 1 h 50, fléchage absent")
        expect(anim_page.get_by_test_id("notes-generales")).to_contain_text(
            "Familles dehors sous la pluie")
        expect(anim_page.locator("#a-chaud")).to_contain_text("La main courante partagée")
        expect(anim_page.get_by_test_id("chronologie")).to_contain_text("DEBEX")
        anim_page.locator("#synthese").get_by_text("Rédiger « Synthèse »").click()
        anim_page.locator("#synthese").get_by_label("Texte").fill(
            "Crue jouée sur deux jours : l'accueil au 15e a tenu, le fléchage a manqué.")
        anim_page.locator("#synthese").get_by_role("button", name="Enregistrer").click()
        expect(anim_page.get_by_text("Section enregistrée")).to_be_visible()
        expect(anim_page.get_by_test_id("section-synthese")).to_contain_text(
            "le fléchage a manqué")
        nouvelle = anim_page.locator("#preconisations")
        nouvelle.get_by_label("Objectif").last.select_option("OBJ-2")
        nouvelle.get_by_label("Constat").last.fill("Les familles ont attendu dehors")
        nouvelle.get_by_label("Préconisation").last.fill(
            "Un kit de signalétique et d'abri dans chaque gymnase C.A.RE")
        nouvelle.get_by_role("button", name="Ajouter la préconisation").click()
        preco = anim_page.get_by_test_id("preco-1")
        expect(preco).to_contain_text("Un kit de signalétique")
        preco.get_by_text("Créer une action").click()
        preco.get_by_label("Action à mener").fill("Acheter 17 kits de signalétique")
        preco.get_by_label("Porteur").select_option(label="DSOL — Direction des solidarités")
        preco.get_by_label("Élément de capacité").select_option(label="Équipement")
        preco.get_by_label("Échéance").fill("2099-06-30")
        preco.get_by_role("button", name="Ajouter au plan d'actions").click()
        expect(anim_page.get_by_text(re.compile(r"Action n° \d+ ajoutée au plan"))
               ).to_be_visible()
        expect(anim_page.get_by_test_id("preco-1")).to_contain_text("À lancer")
        anim_page.screenshot(path=str(screenshot_dir() / "retex-brouillon.png"),
                             full_page=True)

        # The next run of the same scenario shows the action still open, to re-test.
        with app.app_context():
            suivant, _ = services.lancer(db.session.get(User, animateur.id), source, [])
            db.session.commit()
            suivant_id = suivant.id
        anim_page.goto(f"/exercices/{suivant_id}")
        a_retester = anim_page.get_by_test_id("a-retester")
        expect(a_retester).to_contain_text("Acheter 17 kits de signalétique")
        a_retester.get_by_label(re.compile("Re-tester l'action")).select_option("grille:GO-3")
        a_retester.get_by_role("button", name="Re-tester").click()
        expect(anim_page.get_by_text("est re-testée par cet exercice")).to_be_visible()
        expect(anim_page.get_by_test_id("retests-du-jeu")).to_contain_text("pas encore noté")

        # The DSOL finds it on its home page and starts it.
        page_dsol = tablette.new_page()
        page_dsol.context.clear_cookies()
        login(page_dsol, live_server, dsol.email)
        mes = page_dsol.get_by_test_id("mes-actions")
        expect(mes).to_contain_text("Acheter 17 kits de signalétique")
        mes.get_by_role("link", name=re.compile("Action n°")).click()
        page_dsol.get_by_label("Statut").select_option(label="En cours")
        page_dsol.get_by_role("button", name="Enregistrer").click()
        expect(page_dsol.get_by_text("Action mise à jour")).to_be_visible()
        expect(page_dsol.get_by_test_id("historique-action")).to_contain_text(
            "Dominique Solidarités")
        expect(page_dsol.get_by_test_id("retests")).to_contain_text("GO-3")
    finally:
        tablette.close()
        joueur.close()
