"""The C.A.RE's parts of other modules' pages (connected to crise.signals)."""

from crise.care import bp
from crise.care.models import can_manage_centres, can_view_people
from crise.care.services import (can_review, centres_for, nombre_doublons, open_centres_for,
                                 present_totals)
from crise.signals import page_accueil, page_evenement

# What the templates ask (the menu, the event page), instead of role names.
bp.add_app_template_global(can_manage_centres)
bp.add_app_template_global(can_review, "can_review_doubles")


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    """The event's C.A.RE with who is present, and the doubles waiting for review."""
    centres = centres_for(user, evenement)
    return {"centres": centres, "presents": present_totals([c.id for c in centres]),
            "doublons_a_revoir": nombre_doublons(user, evenement.id)
            if can_review(user) and centres else None}


@page_accueil.connect
def accueil(user) -> dict:
    """The C.A.RE open now in the user's scope: the desk's way in."""
    centres = open_centres_for(user) if can_view_people(user) else []
    return {"centres": centres, "presents": present_totals([c.id for c in centres])}
