"""Scripted exercises played in the real tools: scenario files (scenario.py, schema.py,
temps.py), their plan (horloge.py, monde.py, plan.py), the runs and their clock
(models.py, partie.py, services.py), the injects delivered (livraisons.py, figurants.py), the
expected actions checked against what the players do (attendus.py), and the animateur's
console (views.py)."""
from flask import Blueprint

bp = Blueprint("exercices", __name__, url_prefix="/exercices")

# What plugs this module into the application (routes, page parts, listeners): imported
# by create_app, not here, so that a command or a script that only needs the models
# does not load every view.
BRANCHEMENTS = ("attendus", "figurants", "pages", "views", "observation_views",
                "a_chaud_views")
