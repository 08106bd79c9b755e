from flask import Blueprint

bp = Blueprint("care", __name__, url_prefix="/care")

from crise.care import pages, views  # noqa: E402,F401
