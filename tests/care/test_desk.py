"""The desk at full speed: Enter saves, rows are added with the référent's nom and removed,
save-and-print and save-and-next keep the agent on the desk page, the search field follows
the agent, a departure ends the wait at the support cells, an unused paper badge is known."""

import re

import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, JetonPapier, Orientation, Personne
from crise.extensions import db
from tests.care.conftest import register_form


def test_enter_in_a_field_saves_rather_than_adding_a_row(client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    html = client.get(f"/care/{centre.id}/enregistrer").get_data(as_text=True)
    form = html[html.index('class="card register"'):]
    first_submit = re.search(r'<button type="submit"([^>]*)>', form).group(1)
    assert 'name="ensuite" value="fiche"' in first_submit  # what Enter sends


def test_rows_take_the_referents_nom_and_can_be_removed(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    data = register_form({"nom": "N'Diaye", "prenom": "Awa", "categorie": "sinistre"},
                         {"nom": "", "prenom": "", "categorie": ""}, ajouter="1")
    html = client.post(f"/care/{centre.id}/enregistrer", data=data).get_data(as_text=True)
    assert html.count('data-testid="membre"') == 3
    assert 'name="membres-2-nom" type="text" value="N&#39;Diaye"' in html
    # The empty second row is removed: what was typed in the others stays.
    data = register_form({"nom": "N'Diaye", "prenom": "Awa", "categorie": "sinistre"},
                         {"nom": "", "prenom": "", "categorie": ""},
                         {"nom": "N'Diaye", "prenom": "Issa", "categorie": "sinistre"},
                         retirer="1")
    html = client.post(f"/care/{centre.id}/enregistrer", data=data).get_data(as_text=True)
    assert html.count('data-testid="membre"') == 2 and "Issa" in html and "Awa" in html
    # A member typed with a prénom only takes the référent's nom.
    data = register_form({"nom": "N'Diaye", "prenom": "Awa", "categorie": "sinistre"},
                         {"nom": "", "prenom": "Issa", "categorie": "sinistre"},
                         jeton="foyer-1", ensuite="fiche")
    assert client.post(f"/care/{centre.id}/enregistrer", data=data).status_code == 302
    with app.app_context():
        noms = db.session.scalars(sa.select(Personne.nom).order_by(Personne.id)).all()
    assert noms == ["N'Diaye", "N'Diaye"]


def test_save_and_next_and_save_and_print_stay_on_the_desk(app, client, login_as,
                                                            create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Martin", "categorie": "sinistre"}, jeton="a", ensuite="suivant"))
    assert response.headers["Location"] == f"/care/{centre.id}/enregistrer"
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "王", "prenom": "伟", "categorie": "implique"}, jeton="b", ensuite="imprimer"))
    with app.app_context():
        wang = db.session.scalar(sa.select(Personne).where(Personne.nom == "王"))
        wang_id, code = wang.id, wang.code_court
    assert response.headers["Location"] == f"/care/{centre.id}/enregistrer?imprimer={wang_id}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert code in html and "1 personne(s) enregistrée(s)" in html
    frame = re.search(r'<iframe class="print-frame" src="([^"]+)"', html).group(1)
    assert f"/care/personnes/{wang_id}/badges-foyer.pdf" == frame
    badge = client.get(frame)
    assert badge.mimetype == "application/pdf"
    assert badge.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in badge.headers["Content-Security-Policy"]
    # Another mairie's record id in the URL prints nothing.
    other = create_centre(mairie="12e")
    html = client.get(f"/care/{centre.id}/enregistrer?imprimer=999999").get_data(as_text=True)
    assert "print-frame" not in html
    assert client.get(f"/care/{other.id}/enregistrer").status_code == 404


def test_the_search_field_takes_the_focus_on_the_record_too(app, client, login_as,
                                                            create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Martin", "categorie": "sinistre"}, jeton="a"))
    with app.app_context():
        personne_id = db.session.scalar(sa.select(Personne.id))
    html = client.get(f"/care/personnes/{personne_id}").get_data(as_text=True)
    assert re.search(r'<input id="desk-q"[^>]*autofocus', html)


def test_a_departure_ends_the_wait_at_the_support_cells(app, create_centre, create_user,
                                                       client, login_as):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        user, c = db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id)
        (waiting, seen), _ = services.enregistrer(user, c, [
            services.PersonneData(nom="Petit", categorie="sinistre"),
            services.PersonneData(nom="Petit", prenom="Léo", categorie="sinistre")])
        services.orienter(user, waiting, "medico_psy")
        orientation = services.orienter(user, seen, "medico_psy")
        services.changer_orientation(user, orientation, "en_cours")
        services.depart(user, waiting, destination="domicile")
        services.depart(user, seen, destination="domicile")
        db.session.commit()
        statuts = dict(db.session.execute(sa.select(Orientation.personne_id,
                                                    Orientation.statut)).all())
        assert statuts == {waiting.id: "annule", seen.id: "en_cours"}
    login_as("agent_accueil", mairie="11e")
    board = client.get(f"/care/{centre.id}/cellules/medico_psy/tableau").get_data(as_text=True)
    assert board.count('data-testid="parti"') == 1  # the one being seen, marked as gone
    assert "Personne." in board.split('data-testid="board-en_cours"')[0]  # nobody waits


def test_a_scanned_paper_badge_not_yet_typed_in_offers_its_record(app, client, login_as,
                                                                  create_centre,
                                                                  create_user):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        services.imprimer_feuilles(db.session.get(User, agent.id),
                                   db.session.get(CentreAccueil, centre.id), 1)
        db.session.commit()
        papier = db.session.scalar(sa.select(JetonPapier))
        token, code = papier.token, papier.code_court
    login_as("agent_accueil", mairie="11e")
    html = client.get(f"/care/{centre.id}/recherche?q={token}").get_data(as_text=True)
    assert f"Badge papier {code} : pas encore saisi" in html
    link = re.search(r'href="([^"]*jeton_papier=[^"]*)"', html).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert f'value="{code}"' in form


def test_an_error_after_the_commit_says_the_person_was_saved_with_the_code(
        app, client, login_as, create_centre, monkeypatch):
    """The duplicate search runs after the registration is committed: if it fails, the
    agent is told the person exists (with the code), not « nothing was saved »."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")

    def panne(*args, **kwargs):
        raise RuntimeError("panne après l'enregistrement")

    monkeypatch.setattr(services, "possible_duplicates", panne)
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Ангелина", "categorie": "sinistre"}, jeton="apres-commit"))
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    with app.app_context():
        personne = db.session.scalar(sa.select(Personne))
    assert f"1 personne(s) enregistrée(s) : {personne.code_court}" in html
    assert "Ne renvoyez pas le formulaire" in html and "Rien n&#39;a été enregistré" not in html
    assert f'href="/care/personnes/{personne.id}"' in html
    # A failure before any commit still says nothing was saved.
    monkeypatch.setattr(services, "enregistrer", panne)
    html = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Boris", "categorie": "sinistre"}, jeton="avant-commit")).get_data(
        as_text=True)
    assert "Rien n&#39;a été enregistré" in html
