"""The exercises' command line: ``crise exercices valider FICHIER…``."""

import click

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
