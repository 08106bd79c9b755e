"""Login throttling that holds (issue 13 §2): per account and per address, counted in the
database for every worker, a known browser let in, the proxy's address read only from a
trusted proxy, growing waits, an administrator's unlock; the current-password check and the
relatives' enquiry counted the same way; guessable passwords refused."""

import html as html_lib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise import create_app
from crise.audit.models import AuditEntry
from crise.auth import limites, services
from crise.auth.models import LimiteTentatives, User
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db
from tests.conftest import PASSWORD, TESTS, _config

LIMITE = "Trop de tentatives de connexion"


def essayer(client, email, password, adresse="203.0.113.7", **headers):
    return client.post("/auth/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": adresse}, headers=headers)


def reussie(response):
    return response.status_code == 302


# --- The rule --------------------------------------------------------------------------


def test_waits_grow_from_the_threshold_and_stop_at_the_ceiling():
    regle = limites.CONNEXION_COMPTE
    now = utcnow()
    attentes = [regle.attente_apres(n, now, now) for n in range(1, 12)]
    assert attentes[:4] == [None] * 4
    assert [a.total_seconds() for a in attentes[4:]] == [30, 60, 120, 240, 480, 900, 900]


def test_a_count_is_atomic_under_concurrent_workers(app):
    """Twenty requests counting at the same instant count twenty (one upsert each)."""
    barrier = threading.Barrier(10)
    errors = []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(2):
                    limites.compter(limites.CONNEXION_ADRESSE, "adresse:test")
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        ligne = db.session.get(LimiteTentatives, "adresse:test")
        assert ligne.nombre == 20 and ligne.attente_jusqua is not None


def test_the_password_is_checked_with_no_write_lock_held(app, client, create_user,
                                                          monkeypatch):
    """Argon2 takes about 0.1 s of CPU: a login that held the count's lock meanwhile made a
    shift of desks logging in at the same minute queue behind each other on SQLite (the
    last ones past the busy timeout: a 500). While the password is checked, another
    connection can write the very counters at once, on either database."""
    user = create_user("agent_accueil", mairie="11e")
    verifier = services.verify_password
    libres = []

    def verify_pendant_ecriture(password_hash, password):
        with db.engine.connect() as autre:
            if autre.dialect.name == "sqlite":
                autre.exec_driver_sql("PRAGMA busy_timeout=0")
                autre.exec_driver_sql("BEGIN IMMEDIATE")  # fails if a writer holds it
            else:
                autre.exec_driver_sql("SET lock_timeout = '1ms'")
                autre.execute(sa.select(LimiteTentatives.cle).with_for_update(nowait=True))
            autre.rollback()
        libres.append(True)
        return verifier(password_hash, password)

    monkeypatch.setattr(services, "verify_password", verify_pendant_ecriture)
    assert reussie(essayer(client, user.email, PASSWORD))
    assert not reussie(essayer(app.test_client(), user.email, "pas le bon mot de passe"))
    assert libres == [True, True]
    with app.app_context():  # the failure stays counted, the success took its count back
        assert db.session.scalar(sa.select(LimiteTentatives.nombre).where(
            LimiteTentatives.cle == limites.cle_compte(user.email))) == 1


def test_agents_logging_in_together_behind_one_address_leave_no_wait(app, create_user,
                                                                     monkeypatch):
    """A mairie behind one public address: some typos this hour, then two agents log in at
    the same moment. The second counts while the first's password is being checked (the
    count is committed before the check): its try reaches the address's threshold, but a
    success is no failure: nobody behind that address is made to wait afterwards."""
    adresse = "203.0.113.50"
    agents = [create_user("agent_accueil", mairie="11e") for _ in range(3)]
    for n in range(8):  # typos on unknown addresses e-mails: the address counts 8
        assert not reussie(essayer(app.test_client(), f"faute{n}@paris.test", "x", adresse))
    verifier = services.verify_password
    imbrique = []

    def verify_pendant_qu_un_autre_se_connecte(password_hash, password):
        if not imbrique:
            imbrique.append(True)
            assert reussie(essayer(app.test_client(), agents[1].email, PASSWORD, adresse))
        return verifier(password_hash, password)

    monkeypatch.setattr(services, "verify_password", verify_pendant_qu_un_autre_se_connecte)
    assert reussie(essayer(app.test_client(), agents[0].email, PASSWORD, adresse))
    assert imbrique == [True]
    monkeypatch.setattr(services, "verify_password", verifier)
    with app.app_context():
        assert db.session.scalar(sa.select(LimiteTentatives.attente_jusqua).where(
            LimiteTentatives.cle == limites.cle_adresse(adresse))) is None
    # The next agent behind that address gets in at once.
    assert reussie(essayer(app.test_client(), agents[2].email, PASSWORD, adresse))


def test_a_count_is_forgotten_after_an_hour_of_quiet(app):
    with app.app_context():
        now = utcnow()
        for minute in range(5):
            limites.compter(limites.CONNEXION_COMPTE, "compte:x", now=now + timedelta(
                minutes=minute))
        assert limites.attente(limites.CONNEXION_COMPTE, "compte:x",
                               now + timedelta(minutes=4, seconds=10)) is not None
        nombre, attente = limites.compter(limites.CONNEXION_COMPTE, "compte:x",
                                          now=now + timedelta(hours=2))
        assert (nombre, attente) == (1, None)
        assert limites.attente(limites.CONNEXION_COMPTE, "compte:x",
                               now + timedelta(hours=2)) is None


# --- Logins ------------------------------------------------------------------------------


def test_guesses_from_many_addresses_slow_the_account(client, create_user):
    """60 guesses on one account from 6 addresses, then the right password: refused."""
    user = create_user("cellule")
    refusees = 0
    for n in range(60):
        response = essayer(client, user.email, f"essai-{n}", adresse=f"198.51.100.{n % 6}")
        refusees += response.status_code == 429
    assert refusees == 55  # five failures, then every try waits
    response = essayer(client, user.email, PASSWORD, adresse="198.51.100.99")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert LIMITE in html and "réessayez dans" in html
    assert "/evenements" not in response.headers.get("Location", "")


def test_a_try_that_must_wait_is_not_checked_nor_audited_as_a_guess(app, client, create_user):
    user = create_user("cellule")
    for n in range(5):
        essayer(client, user.email, f"faux-{n}")
    with app.app_context():
        avant = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    assert essayer(client, user.email, PASSWORD).status_code == 429
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == avant
        resumes = db.session.scalars(sa.select(AuditEntry.summary)).all()
    assert any("ralenties après 5 échecs" in r for r in resumes)


def test_an_unknown_address_is_slowed_exactly_like_a_known_one(client, create_user):
    codes = {}
    for email in (create_user("cellule").email, "personne@paris.test"):
        codes[email] = [essayer(client, email, "faux", adresse=f"192.0.2.{len(codes)}")
                        .status_code for _ in range(7)]
    assert list(codes.values())[0] == list(codes.values())[1] == [200] * 5 + [429] * 2


def test_the_owner_gets_in_from_a_browser_where_they_logged_in_before(client, app,
                                                                      create_user):
    user = create_user("responsable_care", mairie="11e")
    assert reussie(essayer(client, user.email, PASSWORD))
    assert client.get_cookie(limites.COOKIE_POSTES) is not None
    client.post("/auth/deconnexion")
    attacker = app.test_client()
    for n in range(8):
        essayer(attacker, user.email, f"devine-{n}", adresse="198.51.100.66")
    assert essayer(attacker, user.email, PASSWORD).status_code == 429
    # The owner's own desk: let in at once, and its counter is its own.
    assert reussie(essayer(client, user.email, PASSWORD))
    # A forged or foreign poste cookie is worth nothing.
    attacker.set_cookie(limites.COOKIE_POSTES, client.get_cookie(limites.COOKIE_POSTES)
                        .value[:-3] + "AAA")
    assert essayer(attacker, user.email, PASSWORD).status_code == 429


def test_a_known_browser_has_its_own_limit(client, create_user):
    user = create_user("cellule")
    assert reussie(essayer(client, user.email, PASSWORD))
    client.post("/auth/deconnexion")
    codes = [essayer(client, user.email, f"faux-{n}").status_code for n in range(11)]
    assert codes == [200] * 10 + [429]


def test_an_address_is_slowed_after_ten_failures_on_any_accounts(client, app, create_user):
    victimes = [create_user("cellule") for _ in range(10)]
    for victime in victimes:
        assert essayer(client, victime.email, "faux").status_code == 200
    autre = create_user("scop")
    assert essayer(client, autre.email, PASSWORD).status_code == 429
    # The same account from another address: not concerned.
    assert reussie(essayer(app.test_client(), autre.email, PASSWORD, adresse="192.0.2.50"))


def test_a_success_does_not_reset_the_address_count(client, create_user):
    """An attacker's own account must not reset the count of its guesses at others."""
    mien = create_user("cellule")
    for n in range(9):
        essayer(client, create_user("cellule").email, "faux")
    assert reussie(essayer(client, mien.email, PASSWORD))
    client.post("/auth/deconnexion")
    essayer(client, create_user("cellule").email, "faux")
    assert essayer(client, create_user("cellule").email, PASSWORD).status_code == 429


def test_a_forwarded_address_is_ignored_unless_from_a_trusted_proxy(client, create_user):
    """A client cannot choose the address it is counted under."""
    cible = create_user("cellule")
    for n in range(10):
        essayer(client, create_user("cellule").email, "faux", adresse="203.0.113.9",
                **{"X-Forwarded-For": f"10.9.9.{n}"})
    assert essayer(client, cible.email, PASSWORD, adresse="203.0.113.9",
                   **{"X-Forwarded-For": "10.9.9.200"}).status_code == 429


@pytest.mark.parametrize("app_config", [{"PROXIES_DE_CONFIANCE": ["10.0.0.0/24"]}])
def test_behind_the_trusted_proxy_each_browser_is_counted_apart(app, client, create_user,
                                                                 app_config):
    """Behind a reverse proxy every request comes from the proxy: ten bad passwords from one
    person must not lock the whole service out."""
    for n in range(12):
        essayer(client, create_user("cellule").email, "faux", adresse="10.0.0.2",
                **{"X-Forwarded-For": "203.0.113.80"})
    voisin = create_user("cellule")
    assert reussie(essayer(app.test_client(), voisin.email, PASSWORD, adresse="10.0.0.2",
                           **{"X-Forwarded-For": "203.0.113.81"}))
    # The guesser, even adding an address of its own choosing before the proxy's.
    assert essayer(client, create_user("cellule").email, PASSWORD, adresse="10.0.0.2",
                   **{"X-Forwarded-For": "1.2.3.4, 203.0.113.80"}).status_code == 429
    with app.app_context():
        from crise.auth.models import SessionCompte

        assert db.session.scalar(sa.select(SessionCompte.adresse)) == "203.0.113.81"


def test_two_workers_count_together(database_url, tmp_path, app, create_user):
    """Two application processes on one database (two gunicorn workers, two hosts): the
    counts add up; each alone would have let 10 more through."""
    other = create_app(_config(database_url, tmp_path / "autre"))
    user = create_user("cellule")
    clients = [app.test_client(), other.test_client()]
    codes = [essayer(clients[n % 2], user.email, f"faux-{n}", adresse=f"192.0.2.{n}")
             .status_code for n in range(8)]
    assert codes == [200] * 5 + [429] * 3
    with other.app_context():
        db.engine.dispose()


def test_an_admin_lifts_an_accounts_wait(app, client, create_user, login_as):
    user = create_user("agent_accueil", mairie="12e")
    attacker = app.test_client()
    for n in range(6):
        essayer(attacker, user.email, f"faux-{n}")
    login_as("admin")
    page = client.get(f"/auth/comptes/{user.id}").get_data(as_text=True)
    assert 'data-testid="attentes"' in page and user.email in page
    assert 'data-testid="attentes"' in client.get("/auth/comptes").get_data(as_text=True)
    client.post(f"/auth/comptes/{user.id}/attentes/lever")
    assert reussie(essayer(app.test_client(), user.email, PASSWORD))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LimiteTentatives)
                                 .where(LimiteTentatives.user_id == user.id)) == 0
        assert db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.summary.like("Attente de connexion levée%")))


def test_an_admin_lifts_an_address(app, client, create_user, login_as):
    for _ in range(10):
        essayer(app.test_client(), create_user("cellule").email, "faux", adresse="192.0.2.77")
    admin = login_as("admin")
    page = client.get("/auth/comptes").get_data(as_text=True)
    assert "adresse 192.0.2.77" in page
    client.post("/auth/comptes/attentes/lever", data={"cle": "adresse:192.0.2.77"})
    assert reussie(essayer(app.test_client(), admin.email, PASSWORD, adresse="192.0.2.77"))
    assert client.post("/auth/comptes/attentes/lever", data={"cle": "adresse:nulle"}
                       ).status_code == 302  # said, not a 500


def test_only_an_admin_lifts(client, login_as, create_user):
    user = create_user("cellule")
    login_as("responsable_care", mairie="11e")
    assert client.post(f"/auth/comptes/{user.id}/attentes/lever").status_code == 403
    assert client.post("/auth/comptes/attentes/lever", data={"cle": "x"}).status_code == 403


def test_the_cli_lists_and_lifts(app, runner, create_user):
    user = create_user("cellule")
    for n in range(6):
        essayer(app.test_client(), user.email, f"faux-{n}", adresse="192.0.2.3")
    result = runner.invoke(args=["users", "debloquer"])
    assert user.email in result.output
    result = runner.invoke(args=["users", "debloquer", user.email])
    assert result.exit_code == 0 and "1 attente(s) levée(s)" in result.output
    assert reussie(essayer(app.test_client(), user.email, PASSWORD))
    result = runner.invoke(args=["users", "debloquer", "--adresse", "192.0.2.3"])
    assert result.exit_code == 0


# --- Mon compte and the relatives' enquiry ------------------------------------------------


def test_the_current_password_check_is_throttled_and_survives_a_password_change(
        app, client, auth, create_user):
    user = create_user("cellule")
    auth.login(user)

    def changer(actuel):
        return client.post("/auth/compte", data={
            "current_password": actuel, "password": "trois mots au hasard",
            "confirm": "trois mots au hasard"}).get_data(as_text=True)

    for n in range(5):
        assert "Mot de passe actuel incorrect" in changer(f"faux-{n}")
    assert "Trop d'essais du mot de passe actuel" in html_lib.unescape(changer(PASSWORD))
    # The administrator resets the password: the count stays.
    with app.app_context():
        services.changer_mot_de_passe(TESTS, db.session.get(User, user.id), "un autre mot long")
        db.session.commit()
    client2 = app.test_client()
    client2.post("/auth/connexion", data={"email": user.email, "password": "un autre mot long"})
    html = client2.post("/auth/compte", data={
        "current_password": "un autre mot long", "password": "trois mots au hasard",
        "confirm": "trois mots au hasard"}).get_data(as_text=True)
    assert "Trop d'essais du mot de passe actuel" in html_lib.unescape(html)


# --- Passwords ---------------------------------------------------------------------------


@pytest.mark.parametrize("password, why", [
    ("password1234", "mot courant"),
    ("azertyuiop12", "suite de touches"),
    ("motdepasse2026", "mot courant"),
    ("aaaaaaaaaaaaaaa", "répétition"),
    ("agent.dupont@paris.test", "votre adresse"),
    ("jeanne.dupont1975", "votre nom"),
])
def test_guessable_passwords_are_refused(app, create_user, password, why):
    user = create_user("cellule", email="agent.dupont@paris.test", nom="Jeanne Dupont")
    with app.app_context():
        with pytest.raises(ServiceError, match="se devine trop facilement") as refus:
            services.changer_mot_de_passe(TESTS, db.session.get(User, user.id), password)
        assert why in refus.value.message or why not in ("votre adresse", "votre nom")


def test_a_long_passphrase_or_a_generated_password_is_accepted(app, create_user):
    user = create_user("cellule")
    with app.app_context():
        account = db.session.get(User, user.id)
        services.changer_mot_de_passe(TESTS, account, "girafe lampadaire cerise ouragan")
        assert services.changer_mot_de_passe(TESTS, account) is not None


def test_the_web_says_why_a_password_is_refused(client, auth, create_user):
    user = create_user("cellule")
    auth.login(user)
    html = client.post("/auth/compte", data={
        "current_password": PASSWORD, "password": "password1234",
        "confirm": "password1234"}).get_data(as_text=True)
    assert "se devine trop facilement" in html


def test_guesses_sent_at_the_same_instant_get_no_extra_tries(app, create_user):
    """Eight workers receiving a guess at the same instant: each try is counted before the
    password is looked at, so five are checked and not one more."""
    user = create_user("cellule")
    barrier = threading.Barrier(8)
    codes = []

    def guess(n):
        client = app.test_client()
        barrier.wait()
        codes.append(essayer(client, user.email, f"devine-{n}",
                             adresse=f"198.51.100.{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] * 5 + [429] * 3
    with app.app_context():
        checked = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.summary.like("Échec de connexion%identifiants incorrects%")))
    assert checked == 5


def test_a_password_reset_makes_the_known_browsers_unknown(app, client, create_user):
    user = create_user("cellule")
    assert reussie(essayer(client, user.email, PASSWORD))
    client.post("/auth/deconnexion")
    with app.app_context():
        services.changer_mot_de_passe(TESTS, db.session.get(User, user.id), "un autre mot long")
        db.session.commit()
    # The old cookie no longer exempts this browser from the account's count.
    codes = [essayer(client, user.email, f"faux-{n}").status_code for n in range(6)]
    assert codes == [200] * 5 + [429]
