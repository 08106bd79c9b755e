"""Helpers shared by the benchmark scripts: a throwaway app and percentile timing."""

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from crise import create_app


def throwaway_app(**config):
    """An app on a fresh database: DATABASE_URL if set, else SQLite in a temp folder."""
    folder = Path(tempfile.mkdtemp(prefix="crise-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "CRISE_ENV": "testing", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(folder), **config})
    with app.app_context():
        from flask_migrate import upgrade

        from crise.extensions import db
        from crise.mairies.services import load_mairies

        upgrade()
        load_mairies()
        db.session.commit()
    return app


def logged_in(app, email, password):
    """A test client logged in as ``email`` through the login form (CSRF included)."""
    import re

    client = app.test_client()
    page = client.get("/auth/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/connexion", data={
        "email": email, "password": password, "csrf_token": token}).status_code == 302
    return client


def timed(fn, repeat=100, warmup=5):
    """Run fn repeatedly; return (p50, p95, max) in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def percentiles(samples):
    """(p50, p95, max) of durations in milliseconds."""
    samples = sorted(samples)
    p95 = samples[max(0, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95, samples[-1]


def report(label, figures=None, **extra):
    """One JSON object per line: the measure's name, p50/p95/max in ms, and any figures."""
    line = {"bench": label}
    if figures is not None:
        p50, p95, worst = figures
        line.update(p50_ms=round(p50, 2), p95_ms=round(p95, 2), max_ms=round(worst, 2))
    line.update(extra)
    print(json.dumps(line, ensure_ascii=False), flush=True)


def finish_bulk_load(tables):
    """After rows were loaded with explicit ids: on PostgreSQL, move the sequences past them
    and do what autovacuum does after such a load (VACUUM ANALYZE: planner statistics and
    the visibility map that lets index-only scans skip the table)."""
    import sqlalchemy as sa

    from crise.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT max(id) FROM {table}))"))
    db.session.commit()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
