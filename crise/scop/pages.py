"""The SCOP's part of the event page (connected to crise.signals)."""

from crise.extensions import db
from crise.scop import services
from crise.scop.models import SCOP_VIEW_ROLES
from crise.signals import page_evenement


def demandes_context(user, evenement) -> dict:
    """The event's requests to the SCOP the user may see, with their delays."""
    demandes = db.session.scalars(services.demandes_evenement(user, evenement).limit(200)).all()
    return {"demandes": demandes, "moyens": services.delais_moyens(demandes),
            "resume": services.resume, "delais": services.delais}


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    return {"scop": demandes_context(user, evenement) if user.has_role(*SCOP_VIEW_ROLES)
            else None,
            "immediates": services.immediates_non_prises(evenement)
            if evenement.en_cours and evenement.can_edit(user) else 0}
