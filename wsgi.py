"""The WSGI entry point for production: ``gunicorn --workers 4 wsgi:app`` (see the README)."""

import gc
import sys

from crise import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as error:
    # Built in gunicorn's master (preload_app): one French line, no traceback.
    print(f"crise : {error}", file=sys.stderr)
    sys.exit(1)
# What the start-up built (modules, the app, its templates' code) lives as long as the worker:
# frozen out of the garbage collector's reach, a full collection no longer walks it, and a
# page that happens to trigger one is not held up by a tenth of a second.
gc.collect()
gc.freeze()
