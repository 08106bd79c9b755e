"""SQLite keeps every committed transaction through a power cut: synchronous=FULL on every
connection the application opens (WAL mode with NORMAL may lose the last ones)."""

import sqlalchemy as sa

import crise  # noqa: F401  (registers the connection pragmas)


def test_every_sqlite_connection_is_durable_through_a_power_cut(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'durable.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
