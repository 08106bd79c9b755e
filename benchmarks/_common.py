"""Helpers shared by the benchmark scripts: a throwaway app and percentile timing."""

import os
import statistics
import tempfile
import time
from pathlib import Path

from crise import create_app


def throwaway_app():
    """An app on a fresh database: DATABASE_URL if set, else SQLite in a temp folder."""
    folder = Path(tempfile.mkdtemp(prefix="crise-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "CRISE_ENV": "testing", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(folder)})
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
    samples.sort()
    p95 = samples[max(0, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95, samples[-1]


def report(label, figures):
    p50, p95, worst = figures
    print(f"{label:<58} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {worst:7.1f} ms")
