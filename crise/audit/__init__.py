from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from crise.audit import listeners, views  # noqa: E402,F401
