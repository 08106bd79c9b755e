from flask import Blueprint

bp = Blueprint("evenements", __name__, url_prefix="/evenements")

from crise.evenements import views  # noqa: E402,F401
