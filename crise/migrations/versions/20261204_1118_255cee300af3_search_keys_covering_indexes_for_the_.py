"""search keys: covering indexes for the ranking, by event and by mairie

Revision ID: 255cee300af3
Revises: 9326b2d69a40
Create Date: 2026-12-04 11:18:33.954297

"""
from alembic import op

import crise.db  # noqa: F401  (custom column types rendered by autogenerate)


# revision identifiers, used by Alembic.
revision = '255cee300af3'
down_revision = '9326b2d69a40'
branch_labels = None
depends_on = None


LOOKUP = "ix_care_personne_cle_lookup"
MAIRIE = "ix_care_personne_cle_mairie"


def upgrade():
    # Plain index operations: no table copy of the keys (millions of rows in a flood).
    op.drop_index(LOOKUP, table_name="care_personne_cle")
    op.create_index(LOOKUP, "care_personne_cle", ["evenement_id", "cle", "personne_id", "poids"],
                    unique=False)
    op.create_index(MAIRIE, "care_personne_cle",
                    ["evenement_id", "mairie_id", "cle", "personne_id", "poids"], unique=False)


def downgrade():
    op.drop_index(MAIRIE, table_name="care_personne_cle")
    op.drop_index(LOOKUP, table_name="care_personne_cle")
    op.create_index(LOOKUP, "care_personne_cle", ["evenement_id", "cle"], unique=False)
