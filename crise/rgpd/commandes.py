"""``crise retention [--dry-run]``: the retention rules applied (run by the same timer as the
other periodic commands)."""

import click
from flask.cli import with_appcontext


@click.command("retention")
@click.option("--dry-run", "a_blanc", is_flag=True,
              help="Lister ce qui serait anonymisé ou supprimé, et pourquoi, sans rien faire.")
@click.option("--lot", default=None, type=click.IntRange(1, 10_000),
              help="Fiches traitées par transaction au plus (par défaut 500 sur SQLite, "
                   "5 000 sur PostgreSQL ; moins sur une base très sollicitée).")
@with_appcontext
def retention(a_blanc, lot):
    """Appliquer les règles de conservation des données personnelles : anonymiser ou
    supprimer ce qui a dépassé sa durée (événements clos, hors gel juridique)."""
    from crise.auth.models import LIGNE_DE_COMMANDE
    from crise.errors import ServiceError
    from crise.formatting import format_date
    from crise.rgpd import conservation

    if a_blanc:
        plan = conservation.planifier()
        for evenement in plan.geles:
            click.echo(f"Gel juridique : « {evenement.titre} » (n° {evenement.id}) — rien "
                       "n'y est touché.")
        if plan.vide:
            click.echo("Rien à anonymiser ni à supprimer aujourd'hui.")
        for ligne in plan.lignes:
            quel = (f"« {ligne.titre} » (n° {ligne.evenement_id})" if ligne.evenement_id
                    else ligne.titre)
            click.echo(f"{quel} : {ligne.nombre} {ligne.quoi} — {ligne.pourquoi}.")
        click.echo(f"(à blanc, le {format_date(plan.now)} : rien n'a été modifié)")
        return
    try:
        bilan = conservation.executer(LIGNE_DE_COMMANDE, lot=lot)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    for gel in conservation.evenements_geles():
        click.echo(f"Gel juridique sur l'événement n° {gel} : rien n'y est touché.")
    if not bilan.comptes:
        click.echo("Conservation : rien à anonymiser ni à supprimer.")
    for ligne in bilan.lignes():
        click.echo(ligne)
    click.echo(f"Journal d'audit : {bilan.audit_scellees} entrée(s) scellée(s).")
