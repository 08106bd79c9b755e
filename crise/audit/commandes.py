"""``crise audit sceller`` and ``crise audit verifier``: the chain of the audit trail, from a
shell (the timer seals; the administrator, or the DPO's auditor, verifies)."""

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit():
    """Le journal d'audit : scellement et vérification de sa chaîne."""


@audit.command("sceller")
@with_appcontext
def sceller():
    """Sceller les entrées écrites depuis le dernier scellement (à lancer par le timer)."""
    from crise.audit import chaine

    nombre = chaine.sceller()
    rang, empreinte = chaine.tete()
    # Printed for the timer's log: a copy of the head outside the database.
    click.echo(f"Journal d'audit : {nombre} entrée(s) scellée(s). Tête de la chaîne : "
               f"rang {rang}, empreinte {empreinte or '—'}.")


@audit.command("verifier")
@with_appcontext
def verifier():
    """Vérifier la chaîne du journal d'audit : une entrée supprimée ou modifiée est
    signalée (code de sortie 1)."""
    from crise.audit import chaine

    resultat = chaine.verifier()
    for rupture in resultat.ruptures:
        click.echo(f"RUPTURE : {rupture}", err=True)
    attente = (f" ; {resultat.non_scellees} entrée(s) récente(s) pas encore scellée(s)"
               if resultat.non_scellees else "")
    if resultat.intacte:
        click.echo(f"Journal d'audit intact : {resultat.verifiees} entrée(s) scellée(s) "
                   f"vérifiée(s){attente}.")
        return
    raise click.ClickException(
        f"Journal d'audit rompu : {len(resultat.ruptures)} rupture(s) sur "
        f"{resultat.verifiees} entrée(s) vérifiée(s){attente}.")
