"""Scripted exercises played in the real tools: scenario files (scenario.py, schema.py,
temps.py), their plan (horloge.py, monde.py, plan.py), the runs and their clock
(models.py, partie.py, services.py), the injects delivered (livraisons.py, figurants.py), the
expected actions checked against what the players do (attendus.py), and the animateur's
console (views.py)."""
from flask import Blueprint

bp = Blueprint("exercices", __name__, url_prefix="/exercices")

from crise.exercices import attendus, pages, views  # noqa: E402,F401
