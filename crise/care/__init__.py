from flask import Blueprint

bp = Blueprint("care", __name__, url_prefix="/care")

from crise.care import views  # noqa: E402,F401
