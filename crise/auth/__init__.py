from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

# What plugs this module into the application (routes, page parts, listeners): imported
# by create_app, not here, so that a command or a script that only needs the models
# does not load every view.
BRANCHEMENTS = ("views",)
