"""covering indexes: people present by categorie, an agent's recent view of an object

Revision ID: 9326b2d69a40
Revises: bebe693c30a2
Create Date: 2026-12-04 10:21:01.056729

"""
from alembic import op

import crise.db  # noqa: F401  (custom column types rendered by autogenerate)


# revision identifiers, used by Alembic.
revision = '9326b2d69a40'
down_revision = 'bebe693c30a2'
branch_labels = None
depends_on = None


# Plain index operations (no table copy: care_personne is pointed to by other tables).
INDEXES = [("audit_entry", "ix_audit_entry_object", ["object_type", "object_id"],
            ["object_type", "object_id", "actor_id", "at"]),
           ("care_personne", "ix_care_personne_centre_present", ["centre_id", "present"],
            ["centre_id", "present", "categorie"])]


def upgrade():
    for table, name, _, columns in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, columns, _ in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
