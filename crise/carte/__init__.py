"""The situation map of Paris, drawn by the server as SVG (no tiles, no CDN): the shapes
(geometrie.py, from the Ville's open data under ODbL), an event's and the PCS's marks on
them (situation.py)."""
from flask import Blueprint

bp = Blueprint("carte", __name__, url_prefix="/carte")

# Imported by create_app (routes, page parts), not here: see crise.exercices.
BRANCHEMENTS = ("views", "pages")
