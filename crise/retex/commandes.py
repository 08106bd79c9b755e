"""``crise retex EVENEMENT_ID --pdf FICHIER --docx FICHIER``: an event's RETEX, written from
the command line (the same documents as the page's buttons)."""

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("retex")
@click.argument("evenement_id", type=int)
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Écrire le RETEX en PDF dans ce fichier.")
@click.option("--docx", "docx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Écrire le RETEX modifiable (DOCX) dans ce fichier.")
@with_appcontext
def retex(evenement_id, pdf_path, docx_path):
    """Écrire le RETEX d'un événement (exercice ou crise réelle), généré à partir de ses
    enregistrements et de ce qui a été rédigé dans l'application."""
    from crise.audit.models import Action
    from crise.audit.services import record
    from crise.auth.models import LIGNE_DE_COMMANDE
    from crise.db import in_transaction
    from crise.evenements.models import Evenement
    from crise.extensions import db
    from crise.retex import documents, services
    from crise.retex.brouillon import brouillon

    if not pdf_path and not docx_path:
        raise click.UsageError("Donnez --pdf FICHIER, --docx FICHIER, ou les deux.")
    evenement = db.session.get(Evenement, evenement_id)
    if evenement is None:
        raise click.ClickException(f"Aucun événement n° {evenement_id}.")
    b, ecrit = brouillon(evenement), services.contenu(evenement)
    for path, fabrique in ((pdf_path, documents.pdf), (docx_path, documents.docx)):
        if path:
            try:
                path.write_bytes(fabrique(b, ecrit))
            except OSError as error:
                raise click.ClickException(f"Impossible d'écrire {path} : {error.strerror}.")
            click.echo(f"{path} : écrit")
    record(LIGNE_DE_COMMANDE, Action.EXPORT, "retex", evenement.id, evenement_id=evenement.id,
           summary=f"RETEX écrit en ligne de commande : {evenement.titre}")
    in_transaction(lambda: None)
