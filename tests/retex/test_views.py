"""The RETEX and plan d'actions screens through the test client: who may open them, the
sections and préconisations written and versioned (a change made meanwhile is said, the text
typed is kept), the download of a RETEX changed since the page was opened, the actions and
their refusals, the plan with its filters and exports, the owner's home page, the re-test
from the next run's console, the five-year page."""

import html
from datetime import date, timedelta

import sqlalchemy as sa

from crise.extensions import db
from crise.retex.models import ActionPlan, HistoriqueAction, Preconisation, VersionRetex
from tests.conftest import count
from tests.exercices.conftest import MINI
from tests.retex.conftest import GRILLE


def texte(response) -> str:
    """The page as read (Jinja writes « l'exercice » as « l&#39;exercice »)."""
    return html.unescape(response.get_data(as_text=True))


def url(ev_id, suffix=""):
    return f"/retex/evenement/{ev_id}{suffix}"


def test_who_opens_a_retex(app, partie, auth, animateur, login_as, create_evenement, client):
    _, ev_id = partie()
    auth.login(animateur)
    page = texte(client.get(url(ev_id)))
    assert "Retour d'expérience" in page and "Ouvrir le C.A.RE du 15e" in page
    assert "Chronologie" in page and "<svg" in page and "INJ-020" in page
    chronologie = texte(client.get(url(ev_id, "/chronologie?page=99")))
    assert "INJ-020" in chronologie and "Demande de renfort d'interprètes" in chronologie
    # The event page and the console lead there.
    assert "générer le brouillon du RETEX" in client.get(f"/evenements/{ev_id}").get_data(
        as_text=True)
    auth.logout()
    login_as("agent_accueil", mairie="15e")
    assert client.get(url(ev_id)).status_code == 403
    auth.logout()
    login_as("observateur")
    assert client.get(url(ev_id)).status_code == 404
    auth.logout()
    # A real event's RETEX is the cellule's; an animateur does not even see the event.
    reel = create_evenement(titre="Incendie rue Oberkampf", mairies=("11e",))
    login_as("cellule")
    assert client.get(url(reel.id)).status_code == 200
    assert client.get(url(ev_id)).status_code == 403
    auth.logout()
    auth.login(animateur)
    assert client.get(url(reel.id)).status_code == 404
    assert client.get(url(999999)).status_code == 404


def test_a_section_changed_meanwhile_is_said_and_the_text_typed_kept(
        app, partie, auth, animateur, create_user, client):
    _, ev_id = partie()
    auth.login(animateur)
    r = client.post(url(ev_id, "/section/synthese"),
                    data={"texte": "Première synthèse\x0bcollée de Word", "version": "0"})
    assert r.status_code == 302
    # A second animateur, on a page opened before that first save, writes too.
    autre = create_user("animateur", nom="Bruno Bis")
    auth.logout()
    auth.login(autre)
    r = client.post(url(ev_id, "/section/synthese"),
                    data={"texte": "Ma synthèse à moi", "version": "0"})
    page = texte(r)
    assert r.status_code == 409
    assert "modifiée par Anne Animatrice" in page and "Ma synthèse à moi" in page
    assert "Première synthèse\ncollée de Word" in page  # Word's line break, kept as one
    # The form now carries the version shown: sending it again is a choice, and passes.
    formulaire = page.split('id="section-synthese"', 1)[1]
    assert 'name="version" type="hidden" value="1"' in formulaire.split("</form>", 1)[0]
    r = client.post(url(ev_id, "/section/synthese"),
                    data={"texte": "Ma synthèse à moi", "version": "1"})
    assert r.status_code == 302
    with app.app_context():
        versions = db.session.scalars(sa.select(VersionRetex.contenu).order_by(
            VersionRetex.version)).all()
        assert [v["texte"] for v in versions] == ["Première synthèse\ncollée de Word",
                                                  "Ma synthèse à moi"]
    historique = texte(client.get(url(ev_id, "/historique")))
    assert "Première synthèse\ncollée de Word" in historique and "Bruno Bis" in historique
    assert client.post(url(ev_id, "/section/inconnue"), data={"texte": "x"}).status_code == 404


def test_a_long_preconisation_is_refused_with_the_text_kept_and_a_double_send_makes_one(
        app, partie, auth, animateur, client):
    _, ev_id = partie()
    auth.login(animateur)
    long = "Signalétique " * 1700  # 22,100 characters
    r = client.post(url(ev_id, "/preconisations"),
                    data={"constat": "Pas de fléchage", "texte": long, "objectif": "OBJ-2",
                          "jeton": "j-preco-1"})
    page = texte(r)
    assert r.status_code == 422 and "tient en 4 000 caractères au plus" in page
    assert "Signalétique Signalétique" in page and count(app, Preconisation) == 0
    for _ in range(2):
        r = client.post(url(ev_id, "/preconisations"),
                        data={"constat": "Pas de fléchage", "texte": "Un kit de signalétique",
                              "objectif": "OBJ-2", "jeton": "j-preco-2"})
        assert r.status_code == 302
    assert count(app, Preconisation) == 1
    # Back, then the same préconisation sent with the new page's jeton: still one.
    r = client.post(url(ev_id, "/preconisations"),
                    data={"constat": "Pas de fléchage", "texte": "Un kit de signalétique",
                          "objectif": "OBJ-2", "jeton": "j-preco-autre"})
    assert r.status_code == 302 and count(app, Preconisation) == 1
    # Word's table-cell mark between two words is a space.
    client.post(url(ev_id, "/preconisations"),
                data={"texte": "Relire le manuel\x07cloche", "jeton": "j-preco-4"})
    with app.app_context():
        assert db.session.scalar(sa.select(Preconisation.texte).where(
            Preconisation.numero == 2)) == "Relire le manuel cloche"
    r = client.post(url(ev_id, "/preconisations"),
                    data={"texte": "x", "objectif": "OBJ-9", "jeton": "j-preco-3"})
    assert r.status_code == 422 and "pas celui de l'exercice" in texte(r)


def test_a_download_of_a_retex_changed_since_the_page_was_opened_says_so(
        app, partie, auth, animateur, client):
    _, ev_id = partie()
    auth.login(animateur)
    client.post(url(ev_id, "/section/synthese"), data={"texte": "v1", "version": "0"})
    page = texte(client.get(url(ev_id)))
    assert "retex.docx?revision=1" in page
    client.post(url(ev_id, "/section/conclusion"), data={"texte": "Fin", "version": "0"})
    r = client.get(url(ev_id, "/retex.docx?revision=1"))
    assert r.status_code == 409
    assert "Le RETEX a changé depuis l'ouverture de cette page" in texte(r)
    r = client.get(url(ev_id, "/retex.docx?revision=2"))
    assert r.status_code == 200 and r.data.startswith(b"PK")
    assert "EXERCICE-retex-evenement" in r.headers["Content-Disposition"]
    r = client.get(url(ev_id, "/retex.pdf"))
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert r.headers["Cache-Control"] == "no-store"
    # The same text saved again (a retry) is no change: the page's revision still holds.
    client.post(url(ev_id, "/section/conclusion"), data={"texte": "Fin", "version": "1"})
    assert client.get(url(ev_id, "/retex.docx?revision=2")).status_code == 200


def test_a_download_before_anything_is_written_is_the_generated_draft(
        app, partie, auth, animateur, client):
    _, ev_id = partie()
    auth.login(animateur)
    r = client.get(url(ev_id, "/retex.pdf?revision=3"))
    assert r.status_code == 200 and r.data.startswith(b"%PDF")


def _preconisation(app, client, ev_id) -> int:
    client.post(url(ev_id, "/preconisations"),
                data={"constat": "Pas de fléchage", "texte": "Un kit de signalétique",
                      "objectif": "OBJ-2"})
    with app.app_context():
        return db.session.scalar(sa.select(Preconisation.id))


def test_a_retired_preconisation_stays_in_the_history_and_gives_no_more_action(
        app, partie, auth, animateur, client):
    _, ev_id = partie()
    auth.login(animateur)
    preco = _preconisation(app, client, ev_id)
    r = client.post(url(ev_id, f"/preconisations/{preco}/retirer"), data={"version": "9"})
    assert r.status_code == 302  # refused (an older version): said, nothing lost
    assert "pendant que vous écriviez" in texte(client.get(url(ev_id)))
    r = client.post(url(ev_id, f"/preconisations/{preco}/retirer"), data={"version": "1"})
    assert r.status_code == 302
    page = texte(client.get(url(ev_id)))
    assert 'data-testid="preco-1"' not in page
    r = client.post(url(ev_id, f"/preconisations/{preco}"),
                    data={"texte": "Encore", "version": "2"})
    assert r.status_code == 302 and "a été retirée du RETEX" in texte(client.get(url(ev_id)))
    r = client.post(f"/retex/preconisations/{preco}/actions",
                    data={"action": "x", "element": "formation", "porteur": "dir:SG",
                          "echeance": (date.today() + timedelta(days=3)).isoformat()})
    assert r.status_code == 422 and count(app, ActionPlan) == 0
    assert "(retirée)" in texte(client.get(url(ev_id, "/historique")))


def test_an_owner_does_not_learn_an_event_it_cannot_see_from_its_action(
        app, auth, login_as, create_evenement, client):
    reel = create_evenement(titre="Incendie SECRET rue Saint-Maur", mairies=("11e",))
    login_as("cellule")
    client.post(url(reel.id, "/preconisations"),
                data={"constat": "Mme Dupont, 3 rue Saint-Maur, relogée trop tard",
                      "texte": "Anticiper les relogements"})
    with app.app_context():
        preco = db.session.scalar(sa.select(Preconisation.id))
    client.post(f"/retex/preconisations/{preco}/actions",
                data={"action": "Réserver des chambres d'hôtel", "porteur": "mairie:15e",
                      "element": "planification",
                      "echeance": (date.today() + timedelta(days=20)).isoformat()})
    with app.app_context():
        action_id = db.session.scalar(sa.select(ActionPlan.id))
    auth.logout()
    login_as("responsable_care", mairie="15e")
    page = texte(client.get(f"/retex/actions/{action_id}"))
    assert "Réserver des chambres d'hôtel" in page and "Crise réelle du" in page
    assert "SECRET" not in page and "Mme Dupont" not in page
    plan = texte(client.get("/retex/actions")) + texte(client.get("/retex/actions/export.csv"))
    assert "SECRET" not in plan and "Mme Dupont" not in plan
    auth.logout()
    login_as("animateur")
    obligation = texte(client.get("/retex/obligation"))
    assert "SECRET" not in obligation and "Crise réelle du" in obligation


def test_an_action_needs_an_owner_and_a_due_date_not_before_today(
        app, partie, auth, animateur, client):
    _, ev_id = partie()
    auth.login(animateur)
    preco = _preconisation(app, client, ev_id)
    demain = (date.today() + timedelta(days=30)).isoformat()
    r = client.post(f"/retex/preconisations/{preco}/actions", data={})
    page = texte(r)  # every missing field said at once
    for message in ("Écrivez l'action à mener.", "Choisissez l'élément de capacité.",
                    "Choisissez qui porte l'action", "Donnez une échéance."):
        assert message in page, message
    assert "Mairie Mairie" not in page and "Mairie du 15e" in page
    r = client.post(f"/retex/preconisations/{preco}/actions",
                    data={"action": "Acheter 20 panneaux", "element": "equipement",
                          "porteur": "", "echeance": demain})
    assert r.status_code == 422 and "Choisissez qui porte l'action" in texte(r)
    assert "Acheter 20 panneaux" in texte(r)
    r = client.post(f"/retex/preconisations/{preco}/actions",
                    data={"action": "Acheter 20 panneaux", "element": "equipement",
                          "porteur": "dir:DSOL", "echeance": "2020-01-01"})
    assert r.status_code == 422 and "ne peut pas précéder" in texte(r)
    r = client.post(f"/retex/preconisations/{preco}/actions",
                    data={"action": "Acheter 20 panneaux", "element": "equipement",
                          "porteur": "dir:DSOL", "echeance": "31/02/2027"})
    assert r.status_code == 422 and count(app, ActionPlan) == 0
    r = client.post(f"/retex/preconisations/{preco}/actions",
                    data={"action": "Acheter 20 panneaux", "element": "equipement",
                          "porteur": "dir:DSOL", "echeance": demain, "jeton": "a-1"})
    assert r.status_code == 302 and count(app, ActionPlan) == 1
    r = client.post(f"/retex/preconisations/{preco}/actions",  # Back, send again
                    data={"action": "Acheter 20 panneaux", "element": "equipement",
                          "porteur": "dir:DSOL", "echeance": demain, "jeton": "a-2"})
    assert r.status_code == 302 and count(app, ActionPlan) == 1


def test_the_action_workflow_its_history_and_the_owner_home_page(
        app, partie, auth, animateur, login_as, client):
    _, ev_id = partie()
    auth.login(animateur)
    preco = _preconisation(app, client, ev_id)
    echeance = (date.today() + timedelta(days=10)).isoformat()
    client.post(f"/retex/preconisations/{preco}/actions",
                data={"action": "Former les agents d'accueil à l'ouverture", "porteur":
                      "mairie:15e", "element": "formation", "echeance": echeance})
    with app.app_context():
        action_id = db.session.scalar(sa.select(ActionPlan.id))
    auth.logout()
    # The 15e's responsable sees it at home, and only theirs in the plan.
    login_as("responsable_care", mairie="15e")
    accueil = texte(client.get("/", follow_redirects=True))
    assert 'data-testid="mes-actions"' in accueil and "Former les agents d'accueil" in accueil
    r = client.post(f"/retex/actions/{action_id}",
                    data={"statut": "realisee", "echeance": echeance, "version": "1"})
    assert r.status_code == 422 and "la preuve" in texte(r)
    r = client.post(f"/retex/actions/{action_id}",
                    data={"statut": "en_cours", "echeance": echeance, "version": "1"})
    assert r.status_code == 302
    r = client.post(f"/retex/actions/{action_id}",  # a form opened before that change
                    data={"statut": "abandonnee", "motif": "Budget", "echeance": echeance,
                          "version": "1"})
    assert r.status_code == 409 and "pendant que vous la modifiiez" in texte(r)
    r = client.post(f"/retex/actions/{action_id}",
                    data={"statut": "realisee", "preuve": "Session du 12/01, 14 agents",
                          "echeance": echeance, "version": "2"})
    assert r.status_code == 302
    page = texte(client.get(f"/retex/actions/{action_id}"))
    assert "Session du 12/01, 14 agents" in page and "Réalisée" in page
    with app.app_context():
        quoi = db.session.scalars(sa.select(HistoriqueAction.quoi).order_by(
            HistoriqueAction.id)).all()
        assert quoi == ["créée", "modifiée", "modifiée"]
    auth.logout()
    login_as("responsable_care", mairie="12e")
    assert client.get(f"/retex/actions/{action_id}").status_code == 404
    assert "Former les agents" not in texte(client.get("/retex/actions"))
    auth.logout()
    # A desk agent of the 15e does not answer for the mairie's actions.
    login_as("agent_accueil", mairie="15e")
    assert client.get("/retex/actions").status_code == 403
    assert client.get(f"/retex/actions/{action_id}").status_code == 404
    assert client.post(f"/retex/actions/{action_id}", data={
        "statut": "abandonnee", "motif": "x", "echeance": echeance, "version": "3"}
    ).status_code == 404


def test_the_plan_filters_and_exports(app, partie, auth, animateur, client):
    _, ev_id = partie()
    auth.login(animateur)
    preco = _preconisation(app, client, ev_id)
    loin = (date.today() + timedelta(days=60)).isoformat()
    for quoi, porteur in (("Réviser la fiche réflexe crue", "dir:SG"),
                           ("=HYPERLINK(\"x\") fléchage", "mairie:15e")):
        client.post(f"/retex/preconisations/{preco}/actions",
                    data={"action": quoi, "porteur": porteur, "element": "planification",
                          "echeance": loin})
    with app.app_context():  # one action is late (its due date passed)
        fiche = db.session.scalar(sa.select(ActionPlan).where(ActionPlan.porteur_direction ==
                                                               "SG"))
        fiche.echeance = date.today() - timedelta(days=1)
        db.session.commit()
    page = texte(client.get("/retex/actions?retard=1"))
    assert "Réviser la fiche réflexe crue" in page and "HYPERLINK" not in page
    page = texte(client.get("/retex/actions?porteur=mairie:15e"))
    assert "HYPERLINK" in page and "Réviser" not in page
    assert "Aucune action" in texte(client.get("/retex/actions?type=canicule"))
    csv = texte(client.get("/retex/actions/export.csv"))
    assert "'=HYPERLINK" in csv and "Réviser la fiche réflexe crue" in csv
    r = client.get("/retex/actions/export.xlsx?statut=ouvertes")
    assert r.status_code == 200 and r.data.startswith(b"PK")


def test_the_next_run_of_the_same_type_shows_the_open_actions_and_retests_one(
        app, partie, auth, animateur, exercice, client):
    _, ev_id = partie()
    auth.login(animateur)
    preco = _preconisation(app, client, ev_id)
    client.post(f"/retex/preconisations/{preco}/actions",
                data={"action": "Kit de signalétique au 15e", "porteur": "dir:DSOL",
                      "element": "equipement",
                      "echeance": (date.today() + timedelta(days=9)).isoformat()})
    with app.app_context():
        action_id = db.session.scalar(sa.select(ActionPlan.id))
    suivant = exercice(source=GRILLE, debex=False)
    console = texte(client.get(f"/exercices/{suivant}"))
    assert "Actions ouvertes à re-tester (1)" in console and "Kit de signalétique" in console
    r = client.post(f"/retex/actions/{action_id}/retest/{suivant}", data={"cible": "GO-9"})
    assert r.status_code == 302
    assert "Choisissez un élément de la grille" in texte(client.get(f"/exercices/{suivant}"))
    r = client.post(f"/retex/actions/{action_id}/retest/{suivant}",
                    data={"cible": "grille:GO-2"})
    assert r.status_code == 302
    page = texte(client.get(f"/retex/actions/{action_id}"))
    assert "Re-testée dans l'exercice" in page and "pas encore noté" in page
    # A run of another type does not re-test it.
    autre = exercice(source=MINI.replace("type_evenement: crue", "type_evenement: canicule"),
                     debex=False)
    client.post(f"/retex/actions/{action_id}/retest/{autre}", data={"cible": "attendu:ATT-3"})
    assert "ne peut pas être re-testée par cet exercice" in texte(
        client.get(f"/exercices/{autre}"))
    # Another type of risk: nothing to re-test there.
    autre = exercice(source=MINI.replace("type_evenement: crue", "type_evenement: canicule"),
                     debex=False)
    assert "à re-tester" not in texte(client.get(f"/exercices/{autre}"))


def test_the_five_year_page_flags_a_type_never_exercised(app, partie, auth, animateur,
                                                          exercice, client):
    partie()
    # A canicule run prepared but never started is not an exercise held.
    exercice(source=MINI.replace("type_evenement: crue", "type_evenement: canicule"),
             debex=False)
    auth.login(animateur)
    page = texte(client.get("/retex/obligation"))
    crue = page.split('data-testid="type-crue"', 1)[1].split("</tr>", 1)[0]
    assert "Crue — essai" in crue and "dépassée" not in crue and "jamais exercé" not in crue
    canicule = page.split('data-testid="type-canicule"', 1)[1].split("</tr>", 1)[0]
    assert "jamais exercé" in canicule
