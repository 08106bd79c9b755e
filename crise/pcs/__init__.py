"""The Plan Communal de Sauvegarde between crises: the sites de repli and the means the
mairies hold (sites: crise.care, which opens C.A.RE in them; means: moyens.py), the
operational directory with its freshness (annuaire.py), and, tied to the tools of the night,
the fiches réflexes and the risks."""
from flask import Blueprint

bp = Blueprint("pcs", __name__, url_prefix="/pcs")

# Imported by create_app (routes, page parts), not here: see crise.exercices.
BRANCHEMENTS = ("views", "annuaire_views", "fiches_views", "risques_views", "pages")
