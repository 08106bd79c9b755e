from flask import Blueprint

bp = Blueprint("evenements", __name__, url_prefix="/evenements")

from crise.evenements import pages, views  # noqa: E402,F401
