"""Documents with names on them: badge sheets and the nominative lists for the authorities,
each audited as an export."""

from datetime import datetime

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care import exports
from crise.care.models import CentreAccueil, Personne
from crise.care.pdf import badges_pdf
from crise.db import utcnow
from crise.errors import ServiceError
from crise.exports import export_filename
from crise.extensions import db

__all__ = ["badges", "export_liste"]


def badges(actor: User, centre: CentreAccueil, personnes: list[Personne], *,
           what: str) -> bytes:
    """The badge sheet of these people (all of ``centre``), audited as an export."""
    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas imprimer les badges de ce C.A.RE.")
    if any(p.centre_id != centre.id for p in personnes):
        raise ServiceError("Ces personnes ne sont pas toutes de ce C.A.RE.")
    # Built before the audit entry is written: on SQLite that write takes the only
    # writer's lock until the request commits, and 1,000 badges take half a second.
    pdf = badges_pdf(personnes, exercice=centre.evenement.exercice,
                     title=f"Badges — {centre.nom}")
    record(actor, Action.EXPORT, "personne" if len(personnes) == 1 else "centre",
           personnes[0].id if len(personnes) == 1 else centre.id,
           summary=f"Badges imprimés ({what}, {len(personnes)} personne(s))",
           personnes=personnes, mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.flush()
    return pdf


def export_liste(actor: User, centre: CentreAccueil, *, destinataire: str, fmt: str,
                 now: datetime | None = None) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of the nominative list, audited as an export."""
    if not centre.can_export(actor):
        raise ServiceError("Votre rôle ne permet pas d'exporter les listes nominatives.")
    if destinataire not in exports.DESTINATAIRES or fmt not in exports.FORMATS:
        raise ServiceError("Export inconnu.")
    now = now or utcnow()
    liste = exports.ListeNominative(centre, destinataire, now)
    build, mimetype = exports.FORMATS[fmt]
    contenu = build(liste)  # before the audit entry takes SQLite's writer (see badges)
    record(actor, Action.EXPORT, "centre", centre.id,
           summary=f"Liste nominative exportée ({exports.DESTINATAIRES[destinataire]}, "
                   f"{fmt.upper()}, {len(liste.people)} personne(s))",
           personnes=liste.people, mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.flush()
    return contenu, mimetype, export_filename(f"care-{centre.id}-{destinataire}", fmt, now,
                                                   exercice=liste.exercice)
