from flask import Blueprint

bp = Blueprint("hebergement", __name__, url_prefix="/hebergement")

from crise.hebergement import pages, views  # noqa: E402,F401
