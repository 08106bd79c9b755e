"""The C.A.RE's parts of other modules' pages (connected to crise.signals)."""

import sqlalchemy as sa

from crise.care import bp
from crise.care.models import CentreAccueil, can_manage_centres, can_view_people
from crise.care.services import (can_review, centres_for, nombre_doublons, open_centres_for,
                                 present_totals)
from crise.extensions import db
from crise.signals import page_accueil, page_evenement, retrait_mairie_demande

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


@retrait_mairie_demande.connect
def centres_de_la_mairie(evenement, *, mairie) -> str | None:
    """A mairie whose C.A.RE took people in for the event keeps sight of them: it is not
    taken off the event."""
    nombre = db.session.scalar(sa.select(sa.func.count(CentreAccueil.id)).where(
        CentreAccueil.evenement_id == evenement.id, CentreAccueil.mairie_id == mairie.id))
    return (f"la {mairie.nom} a ouvert {nombre} C.A.RE pour cet événement (ses fiches lui "
            "deviendraient invisibles)" if nombre else None)
