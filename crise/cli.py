"""The ``crise`` command line: a FlaskGroup with the app's own commands.

Commands are thin: they call the same services as the web interface.
"""

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from crise.auth.models import LIGNE_DE_COMMANDE
from crise.errors import ServiceError



def _create_app():
    """The app for a command. Commands sign nothing: without a SECRET_KEY (production
    settings on an admin's shell) they run with a throwaway key instead of failing; a
    server started by gunicorn (wsgi.py) still refuses to start without one."""
    import secrets

    from crise import ConfigurationError, create_app

    try:
        return create_app()
    except ConfigurationError:
        return create_app({"SECRET_KEY": secrets.token_hex(32)})


@click.group(cls=FlaskGroup, create_app=_create_app)
def main():
    """Gestion de crise — Ville de Paris."""


def _exercices():
    """The exercises' commands belong to ``crise`` itself (not only to the app's CLI): checking
    a file does not need the application, which is then built only by the commands that use
    it (``tick``)."""
    from crise.exercices.commandes import exercices

    main.add_command(exercices)


_exercices()


def _fail(error: ServiceError):
    raise click.ClickException(error.message)


def _transaction(action):
    """A service call as one transaction (crise.db.in_transaction), as the web does it; a
    refusal ends the command with its French message and nothing written."""
    from crise.db import in_transaction

    try:
        return in_transaction(action)
    except ServiceError as error:
        _fail(error)


def _read_password(password_stdin: bool, prompt: bool) -> str | None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise click.ClickException("Aucun mot de passe lu sur l'entrée standard.")
        return password
    if prompt:
        return click.prompt("Nouveau mot de passe", hide_input=True,
                            confirmation_prompt="Confirmez le mot de passe")
    return None


users = click.Group("users", help="Comptes utilisateurs.")


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, help="agent_accueil, responsable_care, dsol, dlh, scop, "
                                             "cellule, animateur ou admin.")
@click.option("--mairie", "mairie_code", default=None, help="Code de la mairie (centre, 5e … "
                                                             "20e) pour les rôles de mairie.")
@click.option("--nom", default="", help="Nom et prénom.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée "
                                                     "standard (sinon il est généré).")
@with_appcontext
def users_create(email, role, mairie_code, nom, password_stdin):
    """Créer un compte."""
    from crise.auth import services

    password = _read_password(password_stdin, False)
    user, generated = _transaction(lambda: services.creer_compte(
        LIGNE_DE_COMMANDE, email=email, role=role, mairie=services.resolve_mairie(mairie_code), nom=nom,
        password=password))
    click.echo(f"Compte créé : {user.email} ({user.role}"
               f"{', ' + user.mairie.code if user.mairie else ''})")
    if generated:
        click.echo(f"Mot de passe (affiché une seule fois) : {generated}")


@users.command("list")
@with_appcontext
def users_list():
    """Lister les comptes."""
    from crise.auth import services

    for user in services.list_users():
        click.echo("\t".join([user.email, user.role, user.mairie.code if user.mairie else "-",
                              "actif" if user.actif else "désactivé", user.nom]))


@users.command("disable")
@click.argument("email")
@with_appcontext
def users_disable(email):
    """Désactiver un compte (ses sessions sont fermées)."""
    from crise.auth import services

    user = _transaction(lambda: services.desactiver_compte(LIGNE_DE_COMMANDE, services.get_user(email)))
    click.echo(f"Compte désactivé : {user.email}")


@users.command("enable")
@click.argument("email")
@with_appcontext
def users_enable(email):
    """Réactiver un compte."""
    from crise.auth import services

    def enable():
        user = services.get_user(email)
        return services.modifier_compte(LIGNE_DE_COMMANDE, user, nom=user.nom, role=user.role,
                                        mairie=user.mairie, actif=True)

    user = _transaction(enable)
    click.echo(f"Compte réactivé : {user.email}")


@users.command("debloquer")
@click.argument("email", required=False)
@click.option("--adresse", default=None, help="Lever l'attente d'une adresse (le proxy d'un "
                                              "service entier, par exemple).")
@with_appcontext
def users_debloquer(email, adresse):
    """Lever l'attente de connexion d'un compte ou d'une adresse ; sans argument, la lister."""
    from crise.auth import limites, services

    if email:
        nombre = _transaction(lambda: services.lever_attentes(
            LIGNE_DE_COMMANDE, user=services.get_user(email)))
    elif adresse:
        nombre = _transaction(lambda: services.lever_attentes(
            LIGNE_DE_COMMANDE, cle=limites.cle_adresse(adresse)))
    else:
        attentes = _transaction(limites.en_cours)
        for ligne in attentes:
            click.echo(f"{ligne.libelle}\t{ligne.nombre} essai(s)\tjusqu'à "
                       f"{ligne.attente_jusqua:%Y-%m-%d %H:%M:%S} UTC")
        if not attentes:
            click.echo("Aucune attente de connexion en cours.")
        return
    click.echo(f"{nombre} attente(s) levée(s).")


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée "
                                                     "standard.")
@click.option("--generate", is_flag=True, help="Générer un mot de passe et l'afficher.")
@with_appcontext
def users_set_password(email, password_stdin, generate):
    """Changer le mot de passe d'un compte (ses sessions sont fermées)."""
    from crise.auth import services

    user = _transaction(lambda: services.get_user(email))  # an unknown address: said first
    password = None if generate else _read_password(password_stdin, True)
    generated = _transaction(lambda: services.changer_mot_de_passe(LIGNE_DE_COMMANDE, user, password))
    click.echo(f"Mot de passe changé : {user.email}")
    if generated:
        click.echo(f"Mot de passe (affiché une seule fois) : {generated}")


@click.command("load-reference")
@with_appcontext
def load_reference():
    """Charger (ou mettre à jour) les données de référence : les 17 mairies et leurs sites."""
    from crise.care.services import charger_sites_par_defaut
    from crise.mairies.services import load_mairies
    from crise.pcs.fiches import charger_fiches_par_defaut
    from crise.pcs.risques import charger_risques_par_defaut

    created, updated = _transaction(load_mairies)
    sites = _transaction(charger_sites_par_defaut)
    fiches = _transaction(charger_fiches_par_defaut)
    risques = _transaction(charger_risques_par_defaut)
    click.echo(f"Mairies : {created} créée(s), {updated} mise(s) à jour. "
               f"Sites par défaut créés : {sites}. Fiches réflexes de départ : {fiches}. "
               f"Risques de départ : {risques}.")


@click.command("setup")
@with_appcontext
def setup():
    """Mettre la base à jour, charger les référentiels, créer le premier administrateur."""
    from flask_migrate import upgrade

    from crise.auth import services
    from crise.care.services import charger_sites_par_defaut
    from crise.mairies.services import load_mairies
    from crise.pcs.fiches import charger_fiches_par_defaut
    from crise.pcs.risques import charger_risques_par_defaut

    def reference_and_admin():
        load_mairies()
        charger_sites_par_defaut()
        charger_fiches_par_defaut()
        charger_risques_par_defaut()
        return services.creer_premier_admin(os.environ.get("CRISE_ADMIN_EMAIL",
                                                           "admin@crise.paris.local"))

    upgrade()
    created = _transaction(reference_and_admin)
    click.echo(f"Base prête : {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    if created:
        user, password = created
        click.echo("")
        click.echo("=" * 64)
        click.echo("Premier compte administrateur créé.")
        click.echo(f"  Adresse      : {user.email}")
        click.echo(f"  Mot de passe : {password}")
        click.echo("Ce mot de passe n'est affiché qu'une fois : notez-le, puis changez-le")
        click.echo("dans « Mon compte » après la première connexion.")
        click.echo("=" * 64)
        click.echo("")


@click.command("reindex")
@with_appcontext
def reindex():
    """Reconstruire les clés de recherche des personnes (après une mise à jour de la
    recherche tolérante : noms dans toutes les écritures, translittérations)."""
    from crise.care.services import reindex_keys

    count = _transaction(reindex_keys)
    click.echo(f"Clés de recherche reconstruites pour {count} personne(s).")


@click.command("sauvegarde")
@click.option("--vers", "destination", default=None, type=click.Path(path_type=Path),
              help="Fichier, ou dossier (par défaut instance/sauvegardes/).")
@with_appcontext
def sauvegarde(destination):
    """Sauvegarder la base (SQLite : copie en ligne vérifiée ; PostgreSQL : pg_dump)."""
    from crise.audit.models import Action
    from crise.audit.services import record
    from crise.db import utcnow
    from crise.sauvegarde import nom_par_defaut, sauvegarder

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    destination = destination or Path(current_app.instance_path) / "sauvegardes"
    if destination.is_dir() or not destination.suffix:
        destination = nom_par_defaut(url, destination, utcnow())
    try:
        chemin = sauvegarder(url, destination)
    except ServiceError as error:
        _fail(error)
    # The copy holds every person's data: who made it, and where, is in the trail.
    _transaction(lambda: record(LIGNE_DE_COMMANDE, Action.EXPORT, "sauvegarde", None,
                                summary=f"Sauvegarde de la base : {chemin}"))
    click.echo(f"Sauvegarde écrite : {chemin} ({chemin.stat().st_size // 1024} Kio)")


@click.command("restaurer")
@click.argument("fichier", type=click.Path(path_type=Path))
@click.option("--oui", is_flag=True, help="Confirmer : tout le contenu de la base est remplacé.")
@with_appcontext
def restaurer(fichier, oui):
    """Restaurer une sauvegarde dans la base configurée (application arrêtée)."""
    from crise.extensions import db
    from crise.sauvegarde import restaurer as restaurer_base

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not oui:
        raise click.ClickException(
            f"Tout le contenu de {url.split('@')[-1]} sera remplacé par {fichier} : arrêtez "
            "l'application, puis relancez avec --oui.")
    db.engine.dispose()
    try:
        restaurer_base(url, fichier)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Sauvegarde {fichier} restaurée. Lancez « crise setup » si elle est plus "
               "ancienne que cette version de l'application (migrations).")


def register(app):
    from crise.audit.commandes import audit
    from crise.care.commandes import comptes
    from crise.exercices.commandes import exercices
    from crise.retex.commandes import retex
    from crise.rgpd.commandes import retention

    app.cli.add_command(users)
    app.cli.add_command(audit)
    app.cli.add_command(comptes)
    app.cli.add_command(exercices)
    app.cli.add_command(retex)
    app.cli.add_command(retention)
    app.cli.add_command(reindex)
    app.cli.add_command(load_reference)
    app.cli.add_command(setup)
    app.cli.add_command(sauvegarde)
    app.cli.add_command(restaurer)
