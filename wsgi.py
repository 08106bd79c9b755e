"""The WSGI entry point for production: ``gunicorn --workers 4 wsgi:app`` (see the README)."""

import gc

from crise import create_app

app = create_app()
# What the start-up built (modules, the app, its templates' code) lives as long as the worker:
# frozen out of the garbage collector's reach, a full collection no longer walks it, and a
# page that happens to trigger one is not held up by a tenth of a second.
gc.collect()
gc.freeze()
