"""Login, logout, sessions, CSRF and account administration through the web."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from tests.conftest import PASSWORD, TESTS, count, csrf_token_from, get_db_object


def test_login_required_everywhere(client):
    for url in ("/", "/evenements/", "/evenements/1", "/auth/comptes", "/audit/",
                "/auth/compte"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/connexion" in response.headers["Location"]


def test_login_page_in_french(client):
    html = client.get("/auth/connexion").get_data(as_text=True)
    assert 'lang="fr"' in html and "Se connecter" in html
    assert '<label class="field__label" for="email">' in html


def test_login_then_logout(client, auth, create_user):
    user = create_user("cellule")
    response = auth.login(user)
    assert response.status_code == 302
    page = client.get("/evenements/").get_data(as_text=True)
    assert user.email.split("@")[0] in page and "Se déconnecter" in page
    response = auth.logout()
    assert response.headers["Location"].endswith("/auth/connexion")
    # A shared computer: the browser forgets what the application kept (form drafts…).
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/evenements/").status_code == 302


def test_each_account_has_its_own_draft_scope(client, auth, create_user):
    pages = []
    for user in (create_user("cellule"), create_user("cellule")):
        auth.login(user)
        pages.append(re.search(r'data-draft-scope="([0-9a-f]+)"',
                               client.get("/evenements/").get_data(as_text=True)).group(1))
        auth.logout()
    assert pages[0] != pages[1]
    assert 'data-draft-scope=""' in client.get("/auth/connexion").get_data(as_text=True)


def test_login_keeps_a_local_next_page_only(client, auth, create_user):
    user = create_user("cellule")
    response = client.post("/auth/connexion?next=/auth/compte",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/auth/compte"
    auth.logout()
    response = client.post("/auth/connexion?next=https://evil.example/",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_wrong_password_gives_a_french_message_and_keeps_the_email(client, auth,
                                                                   create_user):
    user = create_user("cellule")
    response = auth.login(user, password="pas le bon")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in html
    assert f'value="{user.email}"' in html
    assert client.get("/evenements/").status_code == 302


def test_empty_login_form(client):
    html = client.post("/auth/connexion", data={"email": "", "password": ""}).get_data(
        as_text=True)
    assert html.count("Ce champ est obligatoire.") == 2


def test_disabled_account_cannot_log_in(client, auth, create_user):
    user = create_user("cellule", actif=False)
    response = auth.login(user)
    assert response.status_code == 200
    assert "compte désactivé" in response.get_data(as_text=True)


def test_disabling_an_account_ends_its_open_session(app, client, auth, create_user):
    user = create_user("cellule")
    auth.login(user)
    assert client.get("/evenements/").status_code == 200
    with app.app_context():
        from crise.auth.services import desactiver_compte
        from crise.extensions import db

        desactiver_compte(TESTS, db.session.get(User, user.id))
        db.session.commit()
    assert client.get("/evenements/").status_code == 302


@pytest.mark.parametrize("app_config", [{"PERMANENT_SESSION_LIFETIME": timedelta(seconds=1)}])
def test_session_expires_after_inactivity(client, auth, create_user, app_config):
    import time

    auth.login(create_user("cellule"))
    assert client.get("/evenements/").status_code == 200
    time.sleep(2.1)
    response = client.get("/evenements/")
    assert response.status_code == 302 and "/auth/connexion" in response.headers["Location"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_post_without_csrf_token_is_refused(app, client, create_user, app_config):
    user = create_user("admin")
    response = client.post("/auth/connexion", data={"email": user.email, "password": PASSWORD},
                           follow_redirects=True)
    # A login page left open too long: a fresh one, with a word of why, and nobody in.
    assert "La page de connexion avait expiré" in response.get_data(as_text=True)
    assert client.get("/evenements/").status_code == 302  # nobody logged in
    token = csrf_token_from(client.get("/auth/connexion").get_data(as_text=True))
    assert client.post("/auth/connexion", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token}).status_code == 302
    before = count(app, User)
    response = client.post("/auth/comptes/nouveau", data={"email": "n@paris.fr",
                                                         "role": "cellule"})
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)
    assert count(app, User) == before


def test_non_admin_cannot_manage_accounts(client, login_as, create_user):
    other = create_user("cellule")
    login_as("cellule")
    assert client.get("/auth/comptes").status_code == 403
    assert client.get(f"/auth/comptes/{other.id}").status_code == 403
    assert client.post("/auth/comptes/nouveau", data={"email": "x@paris.fr",
                                                      "role": "admin"}).status_code == 403
    assert client.post(f"/auth/comptes/{other.id}/mot-de-passe").status_code == 403


def test_admin_creates_an_account_and_sees_its_password_once(app, client, login_as, auth):
    login_as("admin")
    response = client.post("/auth/comptes/nouveau", data={
        "email": "Élodie.N'Diaye@paris.fr".replace("É", "e"), "nom": "Élodie N'Diaye",
        "role": "agent_accueil", "mairie": "18e"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "affiché <strong>une seule fois</strong>" in html
    assert response.headers["Cache-Control"] == "no-store"
    password = html.split('data-testid="password-once">')[1].split("<")[0]
    with app.app_context():
        from crise.extensions import db

        user = db.session.scalar(sa.select(User).where(User.email == "elodie.n'diaye@paris.fr"))
        assert user.nom == "Élodie N'Diaye" and user.mairie.code == "18e"
    auth.logout()
    assert auth.login("elodie.n'diaye@paris.fr", password).status_code == 302


def test_admin_create_account_errors_keep_what_was_typed(app, client, login_as, create_user):
    create_user("cellule", email="deja@paris.fr")
    login_as("admin")
    before = count(app, User)
    html = client.post("/auth/comptes/nouveau", data={
        "email": "deja@paris.fr", "nom": "Jean-Pierre L'Hôte", "role": "cellule"}).get_data(
        as_text=True)
    assert "Un compte existe déjà pour « deja@paris.fr »" in html
    assert "Jean-Pierre L&#39;Hôte" in html
    html = client.post("/auth/comptes/nouveau", data={
        "email": "nouveau@paris.fr", "nom": "x" * 500, "role": "agent_accueil"}).get_data(
        as_text=True)
    assert "120 caractères au maximum." in html
    html = client.post("/auth/comptes/nouveau", data={
        "email": "nouveau@paris.fr", "role": "agent_accueil"}).get_data(as_text=True)
    assert "choisissez la mairie" in html
    html = client.post("/auth/comptes/nouveau", data={
        "email": "nouveau@paris.fr", "role": "agent_accueil", "mairie": "99e"}).get_data(
        as_text=True)
    assert "N&#39;est pas un choix valide." in html
    assert count(app, User) == before


def test_admin_edits_disables_and_resets_password(app, client, login_as, create_user):
    agent = create_user("agent_accueil", mairie="11e")
    login_as("admin")
    page = client.get(f"/auth/comptes/{agent.id}").get_data(as_text=True)
    assert agent.email in page
    response = client.post(f"/auth/comptes/{agent.id}", data={
        "nom": "Agent Désactivé", "role": "agent_accueil", "mairie": "11e"})
    assert response.status_code == 302
    assert get_db_object(app, User, agent.id).actif is False
    response = client.post(f"/auth/comptes/{agent.id}/mot-de-passe")
    assert response.status_code == 200 and 'data-testid="password-once"' in response.get_data(
        as_text=True)


def test_admin_cannot_disable_themselves_via_the_web(client, login_as):
    admin = login_as("admin")
    html = client.post(f"/auth/comptes/{admin.id}", data={
        "nom": "Moi", "role": "admin", "mairie": ""}).get_data(as_text=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in html


def test_unknown_account_id_is_404(client, login_as):
    login_as("admin")
    assert client.get("/auth/comptes/999999").status_code == 404


def test_users_list_filters(client, login_as, create_user):
    create_user("agent_accueil", mairie="5e", email="cinq@paris.fr")
    create_user("agent_accueil", mairie="20e", email="vingt@paris.fr")
    login_as("admin")
    html = client.get("/auth/comptes?mairie=5e").get_data(as_text=True)
    assert "cinq@paris.fr" in html and "vingt@paris.fr" not in html


def test_change_own_password(app, client, auth, login_as):
    user = login_as("cellule")
    html = client.post("/auth/compte", data={"current_password": PASSWORD,
                                             "password": "nouveau-mot-de-passe",
                                             "confirm": "autre-chose-encore"}).get_data(
        as_text=True)
    assert "ne correspondent pas" in html
    response = client.post("/auth/compte", data={"current_password": PASSWORD,
                                                 "password": "nouveau-mot-de-passe",
                                                 "confirm": "nouveau-mot-de-passe"})
    assert response.status_code == 302
    assert client.get("/auth/compte").status_code == 200  # still logged in
    auth.logout()
    assert auth.login(user, "nouveau-mot-de-passe").status_code == 302


def test_logins_are_audited(app, auth, create_user):
    user = create_user("cellule")
    auth.login(user, password="faux-mot-de-passe")
    auth.login(user)
    with app.app_context():
        from crise.extensions import db

        entries = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action.in_(["login", "login_failed"])).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["login_failed", "login"]
        assert entries[0].actor_email == user.email


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_form_posted_after_the_session_expired_leads_back_to_it(client, app_config):
    """Nothing is saved without a session; the agent logs in again and lands on the form,
    where the browser gives back what was typed."""
    response = client.post("/care/1/enregistrer", data={"membres-0-nom": "Dupont"},
                           headers={"Referer": "http://localhost/care/1/enregistrer"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/connexion?next=")
    assert "next=/care/1/enregistrer?brouillon%3D1" in location
    page = client.get(location).get_data(as_text=True)
    assert "Votre session a expiré" in page and "rien n&#39;a encore été enregistré" in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_household_comes_back_with_all_its_rows_after_login(client, app_config):
    response = client.post("/care/1/enregistrer", data={
        "membres-0-nom": "Diallo", "membres-1-nom": "Diallo", "membres-2-nom": "Diallo"},
        headers={"Referer": "http://localhost/care/1/enregistrer"})
    assert "brouillon%3D1%26membres%3D3" in response.headers["Location"]
