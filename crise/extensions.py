"""Flask extensions, created unbound and bound to the app in ``create_app``. (Flask-Migrate,
which loads Alembic, is bound there too: a command that only reads files does not pay for
it.)"""

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from crise.db import db  # noqa: F401 (the extensions are all reached from here)

login_manager = LoginManager()
csrf = CSRFProtect()
