"""The map's link on the event page."""

from crise.pcs.models import lit_le_pcs
from crise.signals import page_evenement


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    return {"carte_lien": lit_le_pcs(user)}
