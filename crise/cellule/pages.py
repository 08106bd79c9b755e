"""The cellule's parts of other modules' pages (connected to crise.signals)."""

from crise.cellule import services
from crise.cellule.reunions import prochaine
from crise.db import utcnow
from crise.signals import page_accueil, page_evenement


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    return {"prochaine_reunion": prochaine(evenement)}


@page_accueil.connect
def accueil(user) -> dict:
    """The decisions waiting for the user's mairie or direction."""
    return {"decisions_en_attente": services.decisions_en_attente(user), "now_utc": utcnow()}
