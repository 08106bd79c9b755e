"""The cellule's parts of other modules' pages (connected to crise.signals)."""

from crise.cellule import bp, services
from crise.cellule.models import can_read_cellule, can_use_cellule
from crise.cellule.reunions import prochaine
from crise.cellule.situation import can_send_point
from crise.db import utcnow
from crise.signals import page_accueil, page_evenement

# What the templates ask (the menu, the event page), instead of role names.
bp.add_app_template_global(can_use_cellule)
bp.add_app_template_global(can_read_cellule)
bp.add_app_template_global(can_send_point)


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    return {"prochaine_reunion": prochaine(evenement)}


@page_accueil.connect
def accueil(user) -> dict:
    """The decisions waiting for the user's mairie or direction."""
    return {"decisions_en_attente": services.decisions_en_attente(user), "now_utc": utcnow()}
