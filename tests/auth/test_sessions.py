"""Sessions known to the server: the logout, the absolute lifetime, inactivity, a board's own
refresh (not use, but on a declared wall display), a password change and an administrator
end them, whatever the browser kept. The cookies and headers that go with them."""

from datetime import timedelta

import sqlalchemy as sa

from crise import create_app
from crise.auth.models import SessionCompte
from crise.db import utcnow
from crise.extensions import db

PAGE = "/evenements/"


def _session(app) -> SessionCompte:
    with app.app_context():
        return db.session.scalars(sa.select(SessionCompte).order_by(
            SessionCompte.ouverte_at.desc())).first()


def _vieillir(app, **champs):
    with app.app_context():
        db.session.execute(sa.update(SessionCompte).values(**champs))
        db.session.commit()


def test_a_cookie_copied_before_the_logout_opens_nothing_after_it(app, client, login_as):
    login_as("responsable_care", mairie="11e")
    assert client.get(PAGE).status_code == 200
    copie = client.get_cookie("crise_session").value
    client.post("/auth/deconnexion")
    autre = app.test_client()
    autre.set_cookie("crise_session", copie)
    r = autre.get(PAGE)
    assert r.status_code == 302 and "/auth/connexion" in r.headers["Location"]
    assert "Votre session a expiré ou a été fermée" in autre.get(
        r.headers["Location"]).get_data(as_text=True)
    assert _session(app).fermee_motif == "deconnexion"


def test_a_session_ends_after_its_shift_and_after_half_an_hour_unused(app, client, login_as):
    login_as("cellule")
    _vieillir(app, ouverte_at=utcnow() - timedelta(hours=12, minutes=1))
    assert client.get(PAGE).status_code == 302
    assert _session(app).fermee_motif == "duree"
    login_as("cellule", email="deux@crise.test")
    _vieillir(app, vue_at=utcnow() - timedelta(minutes=31))
    assert client.get(PAGE).status_code == 302


def test_a_board_refreshing_itself_does_not_keep_a_session_alive_but_on_a_wall(
        app, client, login_as):
    login_as("cellule")
    il_y_a_20_min = utcnow() - timedelta(minutes=20)
    _vieillir(app, vue_at=il_y_a_20_min)
    assert client.get(PAGE, headers={"X-Crise-Rafraichissement": "1"}).status_code == 200
    assert abs(_session(app).vue_at - il_y_a_20_min) < timedelta(seconds=1)
    client.set_cookie("crise_auto", "1")  # a page reloading itself (the cellule's boards)
    assert client.get(PAGE).status_code == 200
    assert abs(_session(app).vue_at - il_y_a_20_min) < timedelta(seconds=1)
    client.delete_cookie("crise_auto")
    # Someone clicks: that is use.
    assert client.get(PAGE).status_code == 200
    assert utcnow() - _session(app).vue_at < timedelta(seconds=5)
    # Declared a wall display, its refreshes are use.
    client.post("/auth/compte/ecran-mural", data={"mur": "1"})
    assert _session(app).mur
    _vieillir(app, vue_at=il_y_a_20_min)
    client.get(PAGE, headers={"X-Crise-Rafraichissement": "1"})
    assert utcnow() - _session(app).vue_at < timedelta(seconds=5)
    assert "déclaré écran mural" in client.get("/auth/compte").get_data(as_text=True)


def test_an_admin_sees_and_ends_an_account_s_sessions(app, client, login_as, create_user,
                                                       auth):
    agent = create_user("agent_accueil", mairie="11e", email="agent@crise.test")
    poste = app.test_client()
    assert poste.post("/auth/connexion", data={"email": agent.email, "password":
                                               "mot-de-passe-de-test"}).status_code == 302
    assert poste.get(PAGE).status_code == 200
    login_as("admin", email="chef@crise.test")
    page = client.get(f"/auth/comptes/{agent.id}").get_data(as_text=True)
    assert "Sessions ouvertes (1)" in page
    r = client.post(f"/auth/comptes/{agent.id}/sessions/fermer")
    assert r.status_code == 302
    assert poste.get(PAGE).status_code == 302
    assert "Sessions ouvertes (0)" in client.get(f"/auth/comptes/{agent.id}").get_data(
        as_text=True)
    assert client.post(f"/auth/comptes/{agent.id}/sessions/inconnue/fermer").status_code == 404


def test_a_password_change_ends_the_other_sessions_not_this_one(app, client, login_as,
                                                                create_user):
    user = login_as("cellule", email="moi@crise.test")
    ailleurs = app.test_client()
    ailleurs.post("/auth/connexion", data={"email": user.email,
                                           "password": "mot-de-passe-de-test"})
    assert ailleurs.get(PAGE).status_code == 200
    r = client.post("/auth/compte", data={"current_password": "mot-de-passe-de-test",
                                          "password": "Un-nouveau-mot-de-passe-2026",
                                          "confirm": "Un-nouveau-mot-de-passe-2026"})
    assert r.status_code == 302
    assert client.get(PAGE).status_code == 200
    assert ailleurs.get(PAGE).status_code == 302


def test_cookies_and_headers(app, client, login_as, tmp_path):
    login_as("cellule")
    r = client.get(PAGE)
    assert r.headers["Cache-Control"] == "no-store"
    assert "camera=()" in r.headers["Permissions-Policy"]
    assert "base-uri 'none'" in r.headers["Content-Security-Policy"]
    assert "form-action 'self'" in r.headers["Content-Security-Policy"]
    production = create_app({"CRISE_ENV": "production", "SECRET_KEY": "x" * 64,
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "INSTANCE_PATH": str(tmp_path)})
    r = production.test_client().get("/auth/connexion")
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # gone when the browser closes
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/auth/connexion").headers


def test_a_form_posted_after_the_session_ended_on_the_server_leads_back_to_it(
        app, client, login_as):
    login_as("agent_accueil", mairie="11e")
    _vieillir(app, vue_at=utcnow() - timedelta(minutes=45))
    r = client.post("/care/1/enregistrer", data={"membres-0-nom": "Dupont"},
                    headers={"Referer": "http://localhost/care/1/enregistrer"})
    assert r.status_code == 302
    assert "next=/care/1/enregistrer?brouillon%3D1" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "rien n&#39;a encore été enregistré" in page


def test_an_answer_writes_the_session_cookie_only_when_the_session_changed(app, client,
                                                                          login_as):
    """A board's refresh sent before a post and answered after it must not put back the
    cookie it was sent: the post's message (« Demande passée à l'état … ») would vanish."""
    login_as("cellule")
    assert client.get(PAGE).status_code == 200
    for headers in ({"X-Crise-Rafraichissement": "1"}, {}):
        r = client.get(PAGE, headers=headers)
        assert r.status_code == 200
        assert not any(c.startswith("crise_session=") for c in r.headers.getlist("Set-Cookie"))


def test_a_fetch_made_by_the_page_after_the_session_ended_takes_nothing_from_the_login(
        app, client, login_as):
    """The desk's suggestions fetched while the agent logs in again answered with a redirect
    that took the login page's message (« Votre session a expiré… ») and wrote a cookie
    over the new session (the login then failed its CSRF check): such a fetch is told 401,
    with no message kept and no cookie written."""
    for fond in ({"X-Crise-Fond": "1"}, {"X-Crise-Rafraichissement": "1"}):
        anonyme = app.test_client()
        r = anonyme.get("/care/1/doublons?q=Nguyen", headers=fond)
        assert r.status_code == 401 and "reconnectez-vous" in r.get_data(as_text=True)
        assert r.headers.getlist("Set-Cookie") == []
    login_as("agent_accueil", mairie="11e")
    _vieillir(app, vue_at=utcnow() - timedelta(minutes=45))
    r = client.get("/care/1/doublons?q=Nguyen", headers={"X-Crise-Fond": "1"})
    assert r.status_code == 401
    assert not any(c.startswith("crise_session=") for c in r.headers.getlist("Set-Cookie"))
    # The page the person asks for still says why, and keeps its way back.
    r = client.get("/care/1/enregistrer")
    assert r.status_code == 302 and "/auth/connexion" in r.headers["Location"]
    assert "Votre session a expiré" in client.get(r.headers["Location"]).get_data(as_text=True)
