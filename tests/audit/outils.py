"""Going around the application, as someone holding the database's keys would."""

from contextlib import contextmanager

import sqlalchemy as sa

from crise.extensions import db

TABLES = ("audit_entry", "audit_personne", "audit_ancre", "audit_sceau")


@contextmanager
def sans_garde():
    """Someone with the database's keys goes around the application: triggers off."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_ajout_seul"))
        db.session.commit()
        try:
            yield
        finally:
            db.session.rollback()
            for table in TABLES:
                db.session.execute(sa.text(
                    f"ALTER TABLE {table} ENABLE TRIGGER {table}_ajout_seul"))
            db.session.commit()
    else:
        sqls = conn.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
            "('audit_entry', 'audit_personne', 'audit_ancre', 'audit_sceau')")).all()
        for name, _ in sqls:
            conn.execute(sa.text(f"DROP TRIGGER {name}"))
        db.session.commit()
        try:
            yield
        finally:
            db.session.rollback()
            for _, sql in sqls:
                db.session.execute(sa.text(sql))
            db.session.commit()
