"""gunicorn settings, read from the working directory (``gunicorn wsgi:app`` at the root of
the repository). Every value can be overridden on the command line or by the environment
variables named below. The production layout is described in the README.

Nothing an instance shares lives in a worker's memory: sessions, login throttling, the
exercise clock and form tokens are in the database, so any number of workers, on any number
of hosts sharing one PostgreSQL, behave as one (tests/test_production.py runs four).
"""

import multiprocessing
import os

# Behind the reverse proxy, on the loopback: the proxy speaks HTTPS to browsers.
bind = os.environ.get("CRISE_BIND", "127.0.0.1:8000")
# Synchronous workers: a request is short (≤ 1 s measured for the heaviest pages; PDFs of
# thousands of badges a few seconds). SQLite serialises writes whatever their number; four
# is what the benchmarks measured on two cores. On PostgreSQL, 2 × cores + 1.
workers = int(os.environ.get("CRISE_WORKERS", min(4, multiprocessing.cpu_count() * 2 + 1)))
# A worker silent this long is killed and replaced (a stuck request must not hold a desk).
timeout = int(os.environ.get("CRISE_TIMEOUT", 60))
# On a restart (deploy, SIGHUP), a request in flight gets this long to finish.
graceful_timeout = 30
keepalive = 5
# CRISE_PRELOAD=1: the application is built once, in the master, and the workers are
# forked from it (they share its memory; a replaced worker serves at once). Off by default:
# benchmarks/bench_charge.py measured no CPU gained per registration, and with it a SIGHUP
# no longer loads new code (after an update, restart the service instead). Each worker
# opens its own database connections (post_fork).
preload_app = os.environ.get("CRISE_PRELOAD", "0") == "1"
# Workers are replaced after this many requests (with jitter, never all at once): a slow
# leak in a library cannot grow for weeks. Not sooner: a new worker builds the application
# again and starts with cold caches (at 2,000 this cost 4 ms of CPU per registration under
# 32 desks, benchmarks/bench_charge.py; a worker's memory stays near 130 MB either way).
max_requests = 20000
max_requests_jitter = 2000
# The proxy's X-Forwarded-Proto is trusted from these addresses only (the application reads
# the client's address itself, from CRISE_PROXIES_DE_CONFIANCE).
forwarded_allow_ips = os.environ.get("CRISE_PROXIES_DE_CONFIANCE", "127.0.0.1")
accesslog = "-"
# Access lines without the query string's personal data (a search typed at the desk):
# method, path, status, size, duration.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# gunicorn 27 opens a control socket under the user's home, shared by every instance of that
# user: two instances on one host (a second site, the tests) would collide. Not used here.
control_socket_disable = True


def on_starting(server):
    """A configuration that cannot run (no SECRET_KEY in production) stops the server here,
    in one French line, before any worker prints a traceback."""
    import sys

    from flask import Flask

    from crise import ConfigurationError, load_config

    try:
        load_config(Flask("crise", instance_relative_config=True))
    except ConfigurationError as error:
        print(f"crise : {error}", file=sys.stderr)
        sys.exit(1)


def post_fork(server, worker):
    """No database connection crosses a fork: the worker's pool starts empty."""
    app = server.app.wsgi() if server.cfg.preload_app else None
    if not hasattr(app, "app_context"):
        return  # not preloaded (or not this application: the benchmarks' floor)
    from crise.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
