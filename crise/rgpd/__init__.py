"""Data protection (GDPR): how long each kind of personal data is kept and what becomes of it
(conservation.py, run by ``crise retention``), the legal holds that suspend it, the right of
access, consent per purpose, and the processing register generated from the code in force."""
from flask import Blueprint

bp = Blueprint("rgpd", __name__, url_prefix="/donnees-personnelles")

# Imported by create_app (routes, page parts), not here: see crise.exercices.
BRANCHEMENTS = ("views", "droits_views", "pages")
