"""The exercises' command line: ``crise exercices valider FICHIER…``, ``repeter``,
``importer``, and ``tick`` (every run in play delivers what has fallen due)."""

import time

import click
from flask.cli import with_appcontext

from crise.exercices import scenario

exercices = click.Group("exercices", help="Exercices : scénarios, répétition, horloge.")


@exercices.command("valider")
@click.argument("fichiers", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=str))
def valider(fichiers):
    """Vérifier des fichiers de scénario : chaque erreur donne le fichier, la ligne et la
    clé ; le code de sortie est 1 s'il y a une erreur (les avertissements n'en sont pas)."""
    erreurs = 0
    for fichier in fichiers:
        lecture = scenario.lire_fichier(fichier)
        for probleme in lecture.problemes:
            click.echo(str(probleme), err=probleme.grave)
        erreurs += len(lecture.erreurs)
        if lecture.valide:
            avert = len(lecture.avertissements)
            click.echo(f"{fichier} : valide" + (f" ({avert} avertissement(s))" if avert else ""))
    if erreurs:
        raise click.ClickException(f"{erreurs} erreur(s) : rien n'est chargé tant qu'il en reste.")


@exercices.command("repeter")
@click.argument("fichier", type=click.Path(dir_okay=False, path_type=str))
def repeter(fichier):
    """Jouer un scénario à toute vitesse, sans joueurs, et afficher son chronogramme : heure
    du scénario, heure réelle depuis le DEBEX, injects, seuils franchis, injects de secours."""
    from crise.exercices.repetition import chronogramme

    lecture = scenario.lire_fichier(fichier)
    for probleme in lecture.problemes:
        click.echo(str(probleme), err=True)
    if not lecture.valide:
        raise click.ClickException("scénario invalide : corrigez-le avant de le répéter.")
    horloge, lignes = chronogramme(lecture.donnees)
    click.echo(f"{lecture.donnees['titre']} — DEBEX à T+0h, {len(horloge.segments)} segment(s), "
               f"{horloge.duree_reelle} de jeu réel")
    click.echo(f"{'scénario':>12}  {'réel':>10}  quoi   id         titre")
    for ligne in lignes:
        click.echo(ligne.texte(horloge.t0))


@exercices.command("importer")
@click.argument("chronogramme", type=click.Path(dir_okay=False, exists=True, path_type=str))
@click.argument("fichier", type=click.Path(dir_okay=False, exists=True, path_type=str))
@click.option("--sortie", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Écrire le scénario complété dans ce fichier (sinon : à l'écran).")
def importer(chronogramme, fichier, sortie):
    """Ajouter à un scénario les injects d'un chronogramme CSV (colonnes : quand ; de ; a ;
    titre ; message ; attendu), puis vérifier le résultat. Rien n'est écrit s'il reste une
    erreur."""
    from pathlib import Path

    from crise.exercices.chronogramme import importer as importer_csv

    texte, lecture, problemes = importer_csv(
        Path(fichier).read_text(encoding="utf-8"), Path(chronogramme).read_bytes(),
        fichier_csv=chronogramme, fichier_scenario=sortie or fichier)
    for probleme in problemes + (lecture.problemes if lecture else []):
        click.echo(str(probleme), err=True)
    if texte is None or not lecture.valide:
        raise click.ClickException("import refusé : rien n'a été écrit.")
    if sortie:
        Path(sortie).write_text(texte, encoding="utf-8")
        click.echo(f"{sortie} : {len(lecture.donnees['injects'])} inject(s), valide")
    else:
        click.echo(texte, nl=False)


def tick_une_fois(now=None) -> int:
    """Advance every run in play, each in its own transaction: one run's failure does not
    hold the others. Returns the number of injects delivered."""
    import sqlalchemy as sa

    from crise.db import in_transaction
    from crise.exercices.livraisons import avancer
    from crise.exercices.models import Exercice, StatutExercice
    from crise.extensions import db

    total = 0
    ids = db.session.scalars(sa.select(Exercice.id).where(
        Exercice.statut == StatutExercice.EN_COURS)).all()
    for ident in ids:
        exercice = db.session.get(Exercice, ident)
        try:
            total += len(in_transaction(lambda exercice=exercice: avancer(exercice, now=now)))
        except Exception as error:  # one run's fault must not stop the others
            click.echo(f"Exercice n° {ident} : rien n'a été livré ({error.__class__.__name__}"
                       f" : {error})", err=True)
    db.session.remove()
    return total


@exercices.command("tick")
@click.option("--boucle", type=click.FloatRange(min=0.5), default=None, metavar="SECONDES",
              help="Recommencer toutes les SECONDES secondes, sans fin (un service).")
@with_appcontext
def tick(boucle):
    """Livrer ce qui est dû dans chaque exercice en cours (à lancer toutes les quelques
    secondes par un minuteur : voir le README, section Exercices)."""
    while True:
        livres = tick_une_fois()
        if livres or not boucle:
            click.echo(f"{livres} inject(s) livré(s).")
        if not boucle:
            return
        time.sleep(boucle)
