"""The exercises' parts of other pages (connected to crise.signals): the players' inbox on
the home page (its requests advance their runs, as the console does), the runs in play for
the animateur, and the link from an exercise event to its console."""

import sqlalchemy as sa
from flask import current_app

from crise.auth.models import Role
from crise.db import utcnow
from crise.exercices import bp, livraisons
from crise.exercices.a_chaud import OUVERT_PENDANT, a_chaud_en_attente
from crise.exercices.figurants import en_attente
from crise.exercices.models import Exercice, Observateur, StatutExercice, can_animate
from crise.exercices.plan import plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db
from crise.forms import perform
from crise.signals import cloture_demandee, page_accueil, page_centre, page_evenement

bp.add_app_template_global(can_animate)


@bp.app_template_global()
def heure_scenario(livraison) -> str:
    """« J+2 09:00 »: when in the story an inject arrived (for the players' inbox)."""
    return format_relatif(livraison.livre_scenario_at, plan_de(livraison.exercice.source).t0)


def avancer_sans_bloquer(exercice) -> None:
    """Deliver what fell due, for a page that shows it: a fault there (a database busy
    for too long) is logged and the page still answers; the tick will deliver."""
    try:
        perform(lambda: livraisons.avancer(exercice))
    except Exception:  # the page matters more than an early delivery
        db.session.rollback()
        current_app.logger.exception("Exercice n° %s : livraison différée", exercice.id)


@page_accueil.connect
def accueil(user) -> dict:
    exercices = db.session.scalars(sa.select(Exercice).where(
        Exercice.id.in_(livraisons.joue_dans(user)))).all()
    for exercice in exercices:
        avancer_sans_bloquer(exercice)
    part = {}
    if not user.has_role(Role.ANIMATEUR, Role.OBSERVATEUR, Role.ADMIN):
        part["a_chaud_a_repondre"] = a_chaud_en_attente(user)
    if exercices:
        part["boite_exercice"] = db.session.scalars(livraisons.boite_query(user).limit(5)).all()
        part["boite_non_lus"] = livraisons.non_lus(user)
        part["boite_joueur"] = True
    if user.has_role(Role.OBSERVATEUR):
        part["exercices_observes"] = db.session.scalars(
            sa.select(Exercice).join(Observateur).where(
                Observateur.user_id == user.id, sa.or_(
                    Exercice.statut != StatutExercice.TERMINE,
                    Exercice.finex_at >= utcnow() - OUVERT_PENDANT))
            .order_by(Exercice.created_at.desc())).all()
    if can_animate(user):
        part["exercices_en_jeu"] = db.session.scalars(sa.select(Exercice).where(
            Exercice.statut != StatutExercice.TERMINE).order_by(Exercice.created_at.desc())
            .limit(20)).all()
    return part


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    if not evenement.exercice or not can_animate(user):
        return {}
    return {"exercice_du_jeu": db.session.scalar(sa.select(Exercice).where(
        Exercice.evenement_id == evenement.id))}


@page_centre.connect
def centre(centre, *, user) -> dict:
    """At an exercise's C.A.RE, the fictitious people waiting at the door."""
    if not centre.evenement.exercice:
        return {}
    return {"arrivees_exercice": en_attente(centre.evenement_id, centre.mairie_id)}


@cloture_demandee.connect
def cloture(evenement) -> str | None:
    """Closing an exercise's event while it is played stops its injects: say so first."""
    if not evenement.exercice:
        return None
    exercice = db.session.scalar(sa.select(Exercice).where(
        Exercice.evenement_id == evenement.id, Exercice.statut != StatutExercice.TERMINE))
    if exercice is None:
        return None
    return (f"L'exercice n° {exercice.id} n'a pas reçu sa FINEX "
            f"({exercice.statut_label.lower()}) : clore l'événement arrête ses injects.")
