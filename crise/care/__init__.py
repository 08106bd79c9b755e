from flask import Blueprint

bp = Blueprint("care", __name__, url_prefix="/care")

# What plugs this module into the application (routes, page parts, listeners): imported
# by create_app, not here, so that a command or a script that only needs the models
# does not load every view.
BRANCHEMENTS = ("pages", "views", "soutien_views", "sites_views", "consentements_views")
