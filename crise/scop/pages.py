"""The SCOP's part of the event page (connected to crise.signals)."""

from crise.extensions import db
from crise.scop import bp, services
from crise.scop.models import can_ask_scop, can_view_scop, can_work_scop_queue
from crise.signals import page_evenement

# What the templates ask (the menu, the event page), instead of role names.
bp.add_app_template_global(can_ask_scop)
bp.add_app_template_global(can_work_scop_queue)


def demandes_context(user, evenement) -> dict:
    """The event's requests to the SCOP the user may see, with their delays."""
    demandes = db.session.scalars(
        services.demandes_evenement_query(user, evenement).limit(200)).all()
    return {"demandes": demandes, "moyens": services.delais_moyens(demandes),
            "resume": services.resume, "delais": services.delais}


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    return {"scop": demandes_context(user, evenement) if can_view_scop(user)
            else None,
            "immediates": services.immediates_non_prises(evenement)
            if evenement.en_cours and evenement.can_edit(user) else 0}
