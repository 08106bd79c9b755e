"""The fiches réflexes on the event page: those of its type, for the role of who looks."""

from crise.pcs import fiches
from crise.pcs.forms import CocheForm
from crise.pcs.models import lit_le_pcs
from crise.signals import page_evenement


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    if not lit_le_pcs(user):
        return {}
    liste = fiches.fiches_pour(evenement, user)
    if not liste:
        return {}
    return {"fiches_reflexes": liste, "fiches_coches": fiches.coches(evenement, user),
            "coche_form": CocheForm()}
