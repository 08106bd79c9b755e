"""Accounts: creation rules, scope predicates, passwords, login, session invalidation."""

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth import services
from crise.auth.models import CENTRAL_ROLES, LIGNE_DE_COMMANDE, MAIRIE_ROLES, Role, User
from crise.auth.passwords import verify_password
from crise.errors import ServiceError
from crise.extensions import db
from tests.conftest import TESTS
from crise.mairies.models import Mairie, mairie_by_code
from crise.mairies.services import load_mairies


def test_seventeen_mairies_loaded_idempotently(app):
    with app.app_context():
        codes = db.session.scalars(sa.select(Mairie.code).order_by(Mairie.ordre)).all()
        assert codes[0] == "centre" and codes[1] == "5e" and codes[-1] == "20e"
        assert len(codes) == 17
        assert load_mairies() == (0, 0)
        mairie = mairie_by_code("11e")
        mairie.adresse = "changée"
        assert load_mairies() == (0, 1)
        assert mairie_by_code("11E").adresse == "12 place Léon Blum, 75011 Paris"


def test_create_user_hashes_password_with_argon2(app):
    with app.app_context():
        user, generated = services.creer_compte(TESTS, email="  Agent.Accueil@Paris.fr ",
                                                role="agent_accueil",
                                                mairie=mairie_by_code("11e"),
                                                password="un mot de passe long")
        assert generated is None
        assert user.email == "agent.accueil@paris.fr"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "un mot de passe long")
        assert not verify_password(user.password_hash, "autre chose")


def test_create_user_generates_a_random_password_when_none_given(app):
    with app.app_context():
        _, first = services.creer_compte(TESTS, email="a@paris.fr", role="cellule")
        _, second = services.creer_compte(TESTS, email="b@paris.fr", role="cellule")
        assert first and second and first != second and len(first) >= 16


@pytest.mark.parametrize("kwargs, field, message", [
    ({"email": "pas-une-adresse"}, "email", "Adresse e-mail invalide"),
    ({"role": "chef"}, "role", "Rôle inconnu « chef »"),
    ({"role": "agent_accueil", "mairie": None}, "mairie", "choisissez la mairie"),
    ({"password": "court"}, "password", "au moins 12 caractères"),
])
def test_create_user_refuses_bad_input(app, kwargs, field, message):
    with app.app_context():
        base = {"email": "x@paris.fr", "role": "cellule", "password": "assez-long-pour-passer"}
        with pytest.raises(ServiceError) as error:
            services.creer_compte(TESTS, **{**base, **kwargs})
        assert error.value.field == field and message in error.value.message
        db.session.rollback()
        assert services.count_users() == 0


def test_duplicate_email_refused_whatever_the_case(app, create_user):
    create_user("cellule", email="dup@paris.fr")
    with app.app_context():
        with pytest.raises(ServiceError, match="existe déjà"):
            services.creer_compte(TESTS, email="DUP@paris.fr", role="scop")


def test_central_roles_are_not_attached_to_a_mairie(app):
    with app.app_context():
        user, _ = services.creer_compte(TESTS, email="s@paris.fr", role="scop",
                                        mairie=mairie_by_code("5e"))
        assert user.mairie_id is None


def test_scope_predicates(app, create_user):
    with app.app_context():
        onze, douze = mairie_by_code("11e"), mairie_by_code("12e")
    agent = create_user("agent_accueil", mairie="11e")
    dsol = create_user("dsol")
    assert agent.can_access_mairie(onze.id)
    assert not agent.can_access_mairie(douze.id)
    assert not agent.can_access_mairie(None)
    assert dsol.can_access_mairie(douze.id)
    assert MAIRIE_ROLES | CENTRAL_ROLES == set(Role)
    assert {Role.SCOP, Role.CELLULE, Role.DSOL, Role.DLH, Role.ANIMATEUR, Role.OBSERVATEUR,
            Role.ADMIN} == CENTRAL_ROLES


def test_authenticate(app, create_user):
    user = create_user("cellule", password="bon-mot-de-passe")
    with app.app_context():
        assert services.authentifier(user.email, "mauvais-mot-de-passe") is None
        assert services.authentifier("inconnu@paris.fr", "bon-mot-de-passe") is None
        logged = services.authentifier(user.email.upper(), "bon-mot-de-passe")
        assert logged.id == user.id and logged.last_login_at is not None
        db.session.commit()
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-3:] == ["login_failed", "login_failed", "login"]


def test_disabled_account_cannot_authenticate(app, create_user):
    user = create_user("cellule", password="bon-mot-de-passe", actif=False)
    with app.app_context():
        assert services.authentifier(user.email, "bon-mot-de-passe") is None


def test_password_change_and_disable_rotate_the_session_token(app, create_user):
    user = create_user("cellule")
    with app.app_context():
        user = db.session.get(User, user.id)
        token = user.session_token
        services.changer_mot_de_passe(TESTS, user, "nouveau-mot-de-passe")
        assert user.session_token != token
        token = user.session_token
        services.desactiver_compte(TESTS, user)
        assert user.session_token != token and not user.actif
        assert services.load_user_by_session_token(user.session_token) is None


def test_cannot_disable_or_demote_oneself_nor_the_last_admin(app, create_user):
    admin = create_user("admin")
    with app.app_context():
        admin = db.session.get(User, admin.id)
        with pytest.raises(ServiceError, match="propre compte"):
            services.modifier_compte(admin, admin, nom="", role="admin", mairie=None, actif=False)
        with pytest.raises(ServiceError, match="propre rôle"):
            services.modifier_compte(admin, admin, nom="", role="cellule", mairie=None, actif=True)
        with pytest.raises(ServiceError, match="dernier administrateur"):
            services.desactiver_compte(LIGNE_DE_COMMANDE, admin)


def test_update_user_is_audited_with_changes(app, create_user):
    admin = create_user("admin")
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        admin, agent = db.session.get(User, admin.id), db.session.get(User, agent.id)
        services.modifier_compte(admin, agent, nom="Nouveau Nom", role="responsable_care",
                                 mairie=mairie_by_code("12e"), actif=True)
        db.session.commit()
        entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert entry.actor_email == admin.email and entry.action == "update"
        assert entry.changes["role"] == ["agent_accueil", "responsable_care"]
        assert entry.changes["mairie_id"][1] == mairie_by_code("12e").id


def test_change_own_password_needs_the_current_one(app, create_user):
    user = create_user("cellule", password="ancien-mot-de-passe")
    with app.app_context():
        user = db.session.get(User, user.id)
        with pytest.raises(ServiceError, match="actuel incorrect"):
            services.changer_son_mot_de_passe(user, "faux", "nouveau-mot-de-passe")
        services.changer_son_mot_de_passe(user, "ancien-mot-de-passe", "nouveau-mot-de-passe")
        assert verify_password(user.password_hash, "nouveau-mot-de-passe")


def test_bootstrap_admin_only_when_no_account(app, create_user):
    with app.app_context():
        user, password = services.creer_premier_admin("premier@paris.fr")
        assert user.role == "admin" and len(password) >= 16
        db.session.commit()
        assert services.creer_premier_admin("second@paris.fr") is None
