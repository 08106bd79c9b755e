from flask import Blueprint

bp = Blueprint("scop", __name__, url_prefix="/scop")

from crise.scop import pages, views  # noqa: E402,F401
