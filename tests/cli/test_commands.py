"""The ``crise`` command line, through Flask's CLI runner."""

import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.auth.passwords import verify_password
from crise.extensions import db
from tests.conftest import count, get_db_object


def user_by_email(app, email):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user.mairie
        db.session.expunge(user)
        return user


def test_users_create_with_generated_password(app, runner):
    result = runner.invoke(args=["users", "create", "Agent@Paris.fr", "--role",
                                 "agent_accueil", "--mairie", "centre", "--nom", "Zoé L'Hermite"])
    assert result.exit_code == 0, result.output
    assert "Compte créé : agent@paris.fr (agent_accueil, centre)" in result.output
    password = result.output.split("une seule fois) : ")[1].strip()
    user = user_by_email(app, "agent@paris.fr")
    assert user.nom == "Zoé L'Hermite" and user.mairie.code == "centre"
    assert verify_password(user.password_hash, password)


def test_users_create_with_password_on_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "scop@paris.fr", "--role", "scop",
                                 "--password-stdin"], input="un-mot-de-passe-solide\n")
    assert result.exit_code == 0, result.output
    assert "une seule fois" not in result.output
    assert verify_password(user_by_email(app, "scop@paris.fr").password_hash,
                           "un-mot-de-passe-solide")


def test_users_create_bad_input_changes_nothing(app, runner, create_user):
    create_user("cellule", email="deja@paris.fr")
    before = count(app, User)
    cases = [
        (["users", "create", "x@paris.fr", "--role", "chef"], "Rôle inconnu « chef »"),
        (["users", "create", "x@paris.fr", "--role", "agent_accueil", "--mairie", "1er"],
         "Mairie inconnue « 1er »"),
        (["users", "create", "x@paris.fr", "--role", "agent_accueil"], "choisissez la mairie"),
        (["users", "create", "deja@paris.fr", "--role", "scop"], "existe déjà"),
        (["users", "create", "pas-une-adresse", "--role", "scop"], "Adresse e-mail invalide"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    result = runner.invoke(args=["users", "create", "y@paris.fr", "--role", "scop",
                                 "--password-stdin"], input="court\n")
    assert result.exit_code != 0 and "au moins 12 caractères" in result.output
    assert count(app, User) == before


def test_users_list(runner, create_user):
    create_user("agent_accueil", mairie="18e", email="dix-huit@paris.fr")
    create_user("dsol", email="dsol@paris.fr", actif=False)
    output = runner.invoke(args=["users", "list"]).output
    assert "dix-huit@paris.fr\tagent_accueil\t18e\tactif" in output
    assert "dsol@paris.fr\tdsol\t-\tdésactivé" in output


def test_users_disable_and_enable(app, runner, create_user):
    user = create_user("cellule", email="c@paris.fr")
    result = runner.invoke(args=["users", "disable", "C@paris.fr"])
    assert result.exit_code == 0 and "Compte désactivé : c@paris.fr" in result.output
    assert get_db_object(app, User, user.id).actif is False
    assert runner.invoke(args=["users", "enable", "c@paris.fr"]).exit_code == 0
    assert get_db_object(app, User, user.id).actif is True
    result = runner.invoke(args=["users", "disable", "personne@paris.fr"])
    assert result.exit_code != 0 and "Aucun compte" in result.output


def test_users_set_password(app, runner, create_user):
    user = create_user("cellule", email="c@paris.fr")
    result = runner.invoke(args=["users", "set-password", "c@paris.fr", "--password-stdin"],
                           input="nouveau-mot-de-passe\n")
    assert result.exit_code == 0, result.output
    assert verify_password(get_db_object(app, User, user.id).password_hash,
                           "nouveau-mot-de-passe")
    result = runner.invoke(args=["users", "set-password", "c@paris.fr"],
                           input="encore-un-autre-mdp\nencore-un-autre-mdp\n")
    assert result.exit_code == 0, result.output
    assert verify_password(get_db_object(app, User, user.id).password_hash,
                           "encore-un-autre-mdp")
    result = runner.invoke(args=["users", "set-password", "c@paris.fr", "--generate"])
    generated = result.output.split("une seule fois) : ")[1].strip()
    assert verify_password(get_db_object(app, User, user.id).password_hash, generated)
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.object_type == "user", AuditEntry.action == "update")).all()
        assert len(entries) == 3 and all(e.actor_email == "cli" for e in entries)


def test_setup_creates_the_first_admin_once(app, runner):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Premier compte administrateur créé." in result.output
    password = result.output.split("Mot de passe : ")[1].split()[0]
    admin = user_by_email(app, "admin@crise.paris.local")
    assert admin.role == "admin" and verify_password(admin.password_hash, password)
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0 and "Premier compte" not in again.output
    assert count(app, User) == 1


def test_load_reference_is_idempotent(runner):
    result = runner.invoke(args=["load-reference"])
    assert result.exit_code == 0 and "0 créée(s), 0 mise(s) à jour" in result.output
    assert "Sites par défaut créés : 17." in result.output
    assert "Fiches réflexes de départ : 10." in result.output
    assert "Risques de départ : 5." in result.output
    again = runner.invoke(args=["load-reference"]).output
    assert "Sites par défaut créés : 0." in again and "Fiches réflexes de départ : 0." in again
