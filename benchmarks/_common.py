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
