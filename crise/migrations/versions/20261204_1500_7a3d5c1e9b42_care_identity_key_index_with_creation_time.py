"""care: the identity key's index carries the creation time (the twin check of a
registration reads only the last minutes' rows of a name thousands share)

Revision ID: 7a3d5c1e9b42
Revises: e1c4f0a7d2b9
Create Date: 2026-12-04 15:00:00

"""
from alembic import op

import crise.db  # noqa: F401


revision = '7a3d5c1e9b42'
down_revision = 'e1c4f0a7d2b9'
branch_labels = None
depends_on = None

INDEX = "ix_care_personne_identite"


def upgrade():
    # Plain index operations: no copy of the people's table.
    op.drop_index(INDEX, table_name="care_personne")
    op.create_index(INDEX, "care_personne", ["evenement_id", "cle_identite", "created_at"],
                    unique=False)


def downgrade():
    op.drop_index(INDEX, table_name="care_personne")
    op.create_index(INDEX, "care_personne", ["evenement_id", "cle_identite"], unique=False)
