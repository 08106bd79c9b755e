from flask import Blueprint

bp = Blueprint("cellule", __name__, url_prefix="/cellule")

from crise.cellule import pages, views  # noqa: E402,F401
