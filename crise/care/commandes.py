"""``crise comptes [--reconstruire]``: the counts the boards read, checked against the
rows (and rebuilt from them if ever they differ)."""

import click
from flask.cli import with_appcontext


@click.command("comptes")
@click.option("--reconstruire", is_flag=True,
              help="Recompter tout à partir des fiches (les écritures attendent pendant ce "
                   "temps : quelques secondes pour un million de personnes).")
@with_appcontext
def comptes(reconstruire):
    """Vérifier les comptes des tableaux de bord (personnes par C.A.RE, catégorie et
    présence ; arrivées et départs par heure) contre les fiches elles-mêmes."""
    from crise.care import comptes as service

    if reconstruire:
        service.reconstruire()
        click.echo("Comptes reconstruits à partir des fiches.")
    ecarts = service.ecarts()
    for ligne in ecarts:
        click.echo(ligne)
    if ecarts:
        raise click.ClickException(
            f"{len(ecarts)} compte(s) différent(s) des fiches : relancez avec --reconstruire.")
    click.echo("Comptes justes : ils correspondent aux fiches.")
