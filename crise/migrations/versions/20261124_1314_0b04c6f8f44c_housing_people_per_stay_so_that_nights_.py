"""housing: people per stay, so that nights already spent keep their count

Revision ID: 0b04c6f8f44c
Revises: 4b5ff21d4bb0
Create Date: 2026-11-24 13:14:49.158197

"""
from alembic import op
import sqlalchemy as sa

import crise.db  # noqa: F401  (custom column types rendered by autogenerate)


# revision identifiers, used by Alembic.
revision = '0b04c6f8f44c'
down_revision = '4b5ff21d4bb0'
branch_labels = None
depends_on = None


def upgrade():
    # Existing stays take the size their household has today (what the totals used).
    with op.batch_alter_table('hebergement_solution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nb_personnes', sa.Integer(), server_default='1',
                                      nullable=False))
    op.execute(
        "UPDATE hebergement_solution SET nb_personnes = (SELECT hebergement_dossier.nb_personnes "
        "FROM hebergement_dossier WHERE hebergement_dossier.id = hebergement_solution.dossier_id)")


def downgrade():
    with op.batch_alter_table('hebergement_solution', schema=None) as batch_op:
        batch_op.drop_column('nb_personnes')
