"""Who reaches a run's pages: its animateurs (the console), its observers (the grid), its
players (the hot wash). 404 when the run does not exist or, for a player, is not theirs."""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from crise.exercices import observation
from crise.exercices.models import Exercice, Joueur, can_animate
from crise.extensions import db


def exiger_animateur() -> None:
    """The exercises' own pages are the animateur's (403 for anyone else)."""
    if not can_animate(current_user):
        abort(403)


def exercice_anime(exercice_id) -> Exercice:
    """A run, for an animateur (403 for anyone else)."""
    exiger_animateur()
    exercice = db.session.get(Exercice, exercice_id)
    if exercice is None:
        abort(404)
    return exercice


def exercice_observe(exercice_id) -> Exercice:
    """A run, for one of its observers or an animateur (403 for anyone else)."""
    exercice = db.session.get(Exercice, exercice_id)
    if exercice is None:
        abort(404)
    if not observation.peut_observer(current_user, exercice):
        abort(403)
    return exercice


def exercice_joue(exercice_id) -> Exercice:
    """A run, for one of its players (404 for anyone else: it is not theirs to know)."""
    exercice = db.session.get(Exercice, exercice_id)
    if exercice is None or not db.session.scalar(sa.select(sa.exists().where(
            Joueur.exercice_id == exercice.id, Joueur.user_id == current_user.id))):
        abort(404)
    return exercice
