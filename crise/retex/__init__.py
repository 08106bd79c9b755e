"""The retour d'expérience (RETEX) of an exercise or a real crisis, generated from its records
(brouillon.py, graphiques.py), written and versioned by the people who own it (services.py),
laid out as PDF and DOCX (documents.py); and the plan d'actions it feeds, followed across
exercises and real crises (actions.py), with the five-year duty per type of risk
(obligation.py)."""
from flask import Blueprint

bp = Blueprint("retex", __name__, url_prefix="/retex")

# Imported by create_app (routes, page parts), not here: see crise.exercices.
BRANCHEMENTS = ("views", "plan_views", "pages")
