"""The C.A.RE desk through the web: open, checklist, register, find, depart, close, scope."""

import re

import pytest
import sqlalchemy as sa

from crise.care.models import CentreAccueil, Personne
from tests.care.conftest import register_form
from tests.conftest import count, get_db_object


def test_responsable_opens_a_centre_from_the_event_page(app, client, login_as,
                                                        create_evenement, create_site):
    evenement = create_evenement(mairies=("11e",))
    site = create_site(capacite=120)
    login_as("responsable_care", mairie="11e", nom="Claire Dupont")
    page = client.get(f"/evenements/{evenement.id}").get_data(as_text=True)
    assert "Ouvrir un C.A.RE" in page
    form = client.get(f"/care/evenements/{evenement.id}/ouvrir").get_data(as_text=True)
    assert 'value="Claire Dupont"' in form and "Gymnase Japy" in form
    response = client.post(f"/care/evenements/{evenement.id}/ouvrir", data={
        "site": str(site.id), "capacite": "", "responsable_nom": "Claire Dupont",
        "cai": "y", "jeton": "j1"})
    assert response.status_code == 302
    centre_url = response.headers["Location"]
    html = client.get(centre_url).get_data(as_text=True)
    assert "0 / 120" in html and "Fiche réflexe d'ouverture" in html
    assert "Informer la SCOP de l&#39;ouverture du C.A.RE" in html
    again = client.post(f"/care/evenements/{evenement.id}/ouvrir", data={
        "site": str(site.id), "responsable_nom": "Claire Dupont", "jeton": "j1"})
    assert again.headers["Location"] == centre_url  # double submission: one centre
    assert count(app, CentreAccueil) == 1
    assert "Gymnase Japy" in client.get(f"/evenements/{evenement.id}").get_data(as_text=True)


def test_open_form_errors_keep_what_was_typed(app, client, login_as, create_evenement,
                                              create_site):
    evenement = create_evenement(mairies=("11e",))
    site = create_site(capacite=None)
    login_as("responsable_care", mairie="11e")
    html = client.post(f"/care/evenements/{evenement.id}/ouvrir", data={
        "site": str(site.id), "capacite": "", "responsable_nom": "Zoé d'Artagnan"}).get_data(
        as_text=True)
    assert "Indiquez la capacité d&#39;accueil" in html
    assert "Zoé d&#39;Artagnan" in html
    html = client.post(f"/care/evenements/{evenement.id}/ouvrir", data={
        "site": str(site.id), "capacite": "-3", "responsable_nom": "X"}).get_data(as_text=True)
    assert "Entre 1 et 5000 personnes." in html
    assert count(app, CentreAccueil) == 0


def test_agent_cannot_open_and_other_mairie_cannot_see(client, login_as, create_centre,
                                                       create_user, auth):
    centre = create_centre(mairie="11e")
    login_as("agent_accueil", mairie="11e")
    assert client.get(f"/care/evenements/{centre.evenement_id}/ouvrir").status_code == 403
    assert client.get(f"/care/{centre.id}").status_code == 200
    assert client.post(f"/care/{centre.id}/fermer").status_code == 403
    auth.logout()
    login_as("agent_accueil", mairie="12e")
    assert client.get(f"/care/{centre.id}").status_code == 404
    assert client.get(f"/care/{centre.id}/enregistrer").status_code == 404
    assert client.post(f"/care/{centre.id}/etapes/scop", data={"fait": "1"}).status_code == 404


def test_scop_role_does_not_see_people(client, login_as, create_centre):
    centre = create_centre()
    login_as("scop")
    assert client.get(f"/care/{centre.id}").status_code == 403


def test_tick_the_checklist(client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e", nom="Paul Agent")
    client.post(f"/care/{centre.id}/etapes/dpmp", data={"fait": "1"})
    html = client.get(f"/care/{centre.id}").get_data(as_text=True)
    assert re.search(r'class="is-done">.*?sécurisation du centre.*?par Paul Agent', html,
                     re.S)


def test_register_a_household_then_see_it_present(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    page = client.get(f"/care/{centre.id}/enregistrer?membres=3").get_data(as_text=True)
    assert page.count('data-testid="membre"') == 3
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Lefèvre", "prenom": "Hélène", "categorie": "sinistre"},
        {"nom": "Lefèvre", "prenom": "Zoé", "categorie": "sinistre",
         "date_naissance": "2019-05-02"},
        {"nom": "N'Guessan-Lefèvre", "prenom": "Noël", "categorie": "proche"},
        adresse_actuelle="12 rue de l'Orillon", besoins=["hebergement", "vetements"],
        jeton="h1"))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "LEFÈVRE Hélène" in html and "Foyer (3)" in html and "Hébergement, Vêtements" in html
    centre_page = client.get(f"/care/{centre.id}").get_data(as_text=True)
    assert "3 / 50" in centre_page and "N&#39;GUESSAN-LEFÈVRE Noël" in centre_page
    with app.app_context():
        from crise.extensions import db

        people = db.session.scalars(sa.select(Personne).order_by(Personne.id)).all()
        assert [p.adresse_actuelle for p in people] == ["12 rue de l'Orillon"] * 3
        assert people[1].date_naissance.isoformat() == "2019-05-02"


def test_registration_double_submission_makes_one_record(app, client, login_as,
                                                         create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    data = register_form({"nom": "Martin", "categorie": "implique"}, jeton="same")
    first = client.post(f"/care/{centre.id}/enregistrer", data=data)
    second = client.post(f"/care/{centre.id}/enregistrer", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Personne) == 1


@pytest.mark.parametrize("membre, message", [
    ({"nom": "", "categorie": "sinistre"}, "Indiquez le nom."),
    ({"nom": "Martin", "categorie": ""}, "Choisissez la catégorie."),
    ({"nom": "Martin", "categorie": "sinistre", "date_naissance": "2031-01-01"},
     "La date de naissance est dans le futur."),
    ({"nom": "Martin", "categorie": "sinistre", "date_naissance": "2020-02-30"},
     "N&#39;est pas une date valide."),
    ({"nom": "M" * 300, "categorie": "sinistre"}, "120 caractères au maximum."),
])
def test_registration_errors_come_back_next_to_the_field(app, client, login_as, create_centre,
                                                         membre, message):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    html = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        membre, {"nom": "Deuxième Membre", "categorie": "proche"},
        adresse_actuelle="Rue de l'Évangile")).get_data(as_text=True)
    assert message in html
    assert "Deuxième Membre" in html and "Rue de l&#39;Évangile" in html
    assert count(app, Personne) == 0


def test_add_member_button_keeps_typed_rows(client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    html = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Benali", "categorie": "sinistre"}, ajouter="1")).get_data(as_text=True)
    assert html.count('data-testid="membre"') == 2 and 'value="Benali"' in html


def test_capacity_override_through_the_web(app, client, login_as, create_centre):
    centre = create_centre(capacite=1)
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Un", "categorie": "sinistre"}))
    html = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Deux", "categorie": "sinistre"})).get_data(as_text=True)
    assert "Capacité atteinte : 1 présent(s) pour 1 places" in html
    assert count(app, Personne) == 1
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Deux", "categorie": "sinistre"}, depasser_capacite="y"))
    assert response.status_code == 302 and count(app, Personne) == 2


def test_find_by_code_name_and_duplicates(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "LEFEBVRE", "prenom": "Marie", "categorie": "sinistre"}))
    with app.app_context():
        from crise.extensions import db

        personne = db.session.scalar(sa.select(Personne))
        code, token, pid = personne.code_court, personne.badge_token, personne.id
    response = client.get(f"/care/{centre.id}/recherche?q={code.lower()}")
    assert response.headers["Location"].endswith(f"/care/personnes/{pid}")
    response = client.get(f"/care/{centre.id}/recherche?q={token}")
    assert response.headers["Location"].endswith(f"/care/personnes/{pid}")
    html = client.get(f"/care/{centre.id}/recherche?q=Marie Lefèvre").get_data(as_text=True)
    assert "LEFEBVRE Marie" in html
    fragment = client.get(f"/care/{centre.id}/doublons?q=lefevre").get_data(as_text=True)
    assert "Déjà enregistré ?" in fragment and code in fragment
    assert client.get(f"/care/{centre.id}/doublons?q=Durand").get_data(as_text=True).strip() == ""


def test_departure_return_and_close(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("responsable_care", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Martin", "categorie": "implique"}))
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Petit", "categorie": "sinistre"}))
    with app.app_context():
        from crise.extensions import db

        martin = db.session.scalar(sa.select(Personne).where(Personne.nom == "Martin"))
    response = client.post(f"/care/personnes/{martin.id}/depart", data={"destination": ""})
    assert response.status_code == 422 and "Indiquez la destination." in response.get_data(
        as_text=True)
    client.post(f"/care/personnes/{martin.id}/depart", data={"destination": "proche",
                                                             "detail": "Chez sa fille"})
    # The message that says so names the record by its code: flashed messages travel in
    # the session cookie, a name must not.
    with client.session_transaction() as cookie:
        flashes = str(cookie.get("_flashes"))
    assert martin.code_court in flashes and "Martin" not in flashes
    html = client.get(f"/care/personnes/{martin.id}").get_data(as_text=True)
    assert "Chez un proche (Chez sa fille)" in html and "Enregistrer son retour" in html
    client.post(f"/care/personnes/{martin.id}/retour")
    assert get_db_object(app, Personne, martin.id).present
    response = client.post(f"/care/{centre.id}/fermer", data={"destination": ""},
                           follow_redirects=True)
    assert "2 personne(s) encore présente(s)" in response.get_data(as_text=True)
    assert get_db_object(app, CentreAccueil, centre.id).ferme_at is None
    response = client.post(f"/care/{centre.id}/fermer", data={"destination": "hebergement"},
                           follow_redirects=True)
    assert "C.A.RE fermé. 2 départ(s) enregistré(s)." in response.get_data(as_text=True)
    closed = client.get(f"/care/{centre.id}").get_data(as_text=True)
    assert "Fermé le" in closed and "Enregistrer une personne" not in closed
    assert client.get(f"/care/{centre.id}/enregistrer").status_code == 200  # readable
    html = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Tard", "categorie": "proche"})).get_data(as_text=True)
    assert "Ce C.A.RE est fermé" in html


def test_viewing_a_person_is_audited(app, client, login_as, create_centre):
    from crise.audit.models import AuditEntry

    centre = create_centre()
    agent = login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Martin", "categorie": "implique"}))
    with app.app_context():
        from crise.extensions import db

        pid = db.session.scalar(sa.select(Personne.id))
    client.get(f"/care/personnes/{pid}")
    with app.app_context():
        from crise.extensions import db

        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "view"))
        assert entry.object_type == "personne" and entry.actor_email == agent.email


def test_exercise_centre_pages_say_exercice(client, login_as, create_centre):
    centre = create_centre(exercice=True)
    login_as("agent_accueil", mairie="11e")
    for url in (f"/care/{centre.id}", f"/care/{centre.id}/enregistrer"):
        assert "exercice-banner" in client.get(url).get_data(as_text=True)


def test_badge_pdfs_through_the_web_and_scope(app, client, login_as, create_centre, auth):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Lefèvre", "categorie": "sinistre"}, {"nom": "Lefèvre", "categorie": "sinistre"}))
    with app.app_context():
        from crise.extensions import db

        pid = db.session.scalar(sa.select(Personne.id).order_by(Personne.id))
    for url in (f"/care/personnes/{pid}/badge.pdf", f"/care/personnes/{pid}/badges-foyer.pdf",
                f"/care/{centre.id}/badges.pdf"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.mimetype == "application/pdf"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.data.startswith(b"%PDF")
    auth.logout()
    login_as("agent_accueil", mairie="12e")
    assert client.get(f"/care/personnes/{pid}/badge.pdf").status_code == 404
    assert client.get(f"/care/{centre.id}/badges.pdf").status_code == 404
    auth.logout()
    login_as("dlh")  # sees people, does not print the desk's badges
    assert client.get(f"/care/personnes/{pid}/badge.pdf").status_code == 403


def test_registration_warns_of_a_possible_duplicate(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "LEFEBVRE", "prenom": "Marie", "categorie": "sinistre"},
        {"nom": "LEFEBVRE", "prenom": "Jules", "categorie": "sinistre"}))
    html = client.get("/evenements/").get_data(as_text=True)
    assert "Doublon possible" not in html  # a household is not its own duplicate
    with app.app_context():
        from crise.extensions import db

        marie = db.session.scalar(sa.select(Personne).where(Personne.prenom == "Marie"))
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Lefèvre", "prenom": "Marie", "categorie": "proche"}), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Doublon possible avec la fiche {marie.code_court} (Gymnase Japy)" in html
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Zidane", "categorie": "proche"}), follow_redirects=True)
    assert "Doublon possible" not in response.get_data(as_text=True)


def test_no_names_in_the_session_cookie_after_registration(client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Zyxwaldo", "prenom": "Quentinette", "categorie": "sinistre"}))
    cookie = client.get_cookie("crise_session")
    import base64
    import zlib

    payload = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    assert b"personne(s) enregistr" in raw
    assert b"Zyxwaldo" not in raw.replace(b"\\", b"") and b"ZYXWALDO" not in raw


def test_desk_search_by_phone_and_sinus(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("responsable_care", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Martin", "categorie": "sinistre", "telephone": "06.12.34.56.78"}))
    with app.app_context():
        from crise.extensions import db

        personne = db.session.scalar(sa.select(Personne))
        personne.sinus = "FR075PPOL2026TR000123"
        db.session.commit()
        pid = personne.id
    for query in ("+33 6 12 34 56 78", "0612345678", "fr 075 ppol 2026 tr 000123"):
        response = client.get(f"/care/{centre.id}/recherche", query_string={"q": query})
        assert response.headers["Location"].endswith(f"/care/personnes/{pid}"), query
    html = client.get(f"/care/{centre.id}/recherche", query_string={"q": "0699999999"}
                      ).get_data(as_text=True)
    assert "Aucune personne ne correspond" in html


def test_two_desks_registering_at_the_same_moment(app, create_centre, create_user):
    import threading

    from tests.conftest import PASSWORD

    centre = create_centre(capacite=100)
    desks = [create_user("agent_accueil", mairie="11e") for _ in range(2)]
    errors, barrier = [], threading.Barrier(2)

    def desk(user, index):
        client = app.test_client()
        client.post("/auth/connexion", data={"email": user.email, "password": PASSWORD})
        barrier.wait()
        for n in range(10):
            response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
                {"nom": f"Desk{index}-{n}", "categorie": "sinistre"}, jeton=f"d{index}-{n}"))
            if response.status_code != 302:
                errors.append(response.status_code)

    threads = [threading.Thread(target=desk, args=(u, i)) for i, u in enumerate(desks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        from crise.extensions import db

        codes = db.session.scalars(sa.select(Personne.code_court)).all()
        assert len(codes) == 20 and len(set(codes)) == 20


def test_home_shows_the_open_centres_of_ones_mairie(client, login_as, auth, create_centre):
    centre = create_centre(mairie="11e")
    other = create_centre(mairie="12e", nom="École Bercy")
    login_as("agent_accueil", mairie="11e")
    html = client.get("/evenements/").get_data(as_text=True)
    panel = html.split('data-testid="care-ouverts"')[1].split("</section>")[0]
    assert f'/care/{centre.id}"' in panel and "École Bercy" not in panel
    auth.logout()
    login_as("scop")
    assert 'data-testid="care-ouverts"' not in client.get("/evenements/").get_data(
        as_text=True)
    assert other.id


def test_a_short_code_taken_at_the_same_instant_is_drawn_again(app, client, login_as,
                                                              create_centre, monkeypatch):
    from crise.care import services

    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Premier", "categorie": "sinistre"}))
    with app.app_context():
        from crise.extensions import db

        taken = db.session.scalar(sa.select(Personne.code_court))
    real = services.new_code_court
    draws = iter([taken])  # another desk got this code between the check and the insert

    def racing_code():
        return next(draws, None) or real()

    monkeypatch.setattr(services.personnes, "new_code_court", racing_code)
    response = client.post(f"/care/{centre.id}/enregistrer", data=register_form(
        {"nom": "Second", "categorie": "sinistre"}))
    assert response.status_code == 302
    with app.app_context():
        from crise.extensions import db

        codes = db.session.scalars(sa.select(Personne.code_court)).all()
        assert len(codes) == 2 and len(set(codes)) == 2
