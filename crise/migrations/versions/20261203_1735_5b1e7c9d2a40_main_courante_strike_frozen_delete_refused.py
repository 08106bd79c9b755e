"""main courante: a strike-through is frozen once made; deleting an entry is refused but
for the retention purge

Revision ID: 5b1e7c9d2a40
Revises: 92c41477d3a2
Create Date: 2026-12-03 17:35:00

"""
from alembic import op
import sqlalchemy as sa

import crise.db  # noqa: F401


revision = '5b1e7c9d2a40'
down_revision = '92c41477d3a2'
branch_labels = None
depends_on = None

FROZEN = ("evenement_id", "fait_at", "ecrit_at", "auteur_id", "auteur_nom", "auteur_role",
          "type", "source", "support", "priorite", "texte", "systeme", "objet_type",
          "objet_id")
STRIKE = ("barree_at", "barree_par_id", "barree_par_nom", "barree_motif")
MESSAGE = "main courante : une entrée ne se modifie ni ne se supprime (elle se barre)"


def upgrade():
    # A row here, inside a transaction, lets that transaction delete entries (SQLite; on
    # PostgreSQL « SET LOCAL crise.purge = 'on' » says the same): the retention purge.
    op.create_table("crise_purge", sa.Column("jeton", sa.Integer(), nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
        struck = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in STRIKE)
        # A DELETE passes only inside a transaction that said it purges (SET LOCAL
        # crise.purge = 'on': the retention command), never from the application.
        op.execute(f"""
            CREATE OR REPLACE FUNCTION cellule_main_courante_ajout_seul() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    IF current_setting('crise.purge', true) = 'on' THEN
                        RETURN OLD;
                    END IF;
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                IF {changed} OR (OLD.barree_at IS NOT NULL AND ({struck})) THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
    else:
        op.execute("DROP TRIGGER cellule_main_courante_barree_une_fois")
        op.execute(f"""
            CREATE TRIGGER cellule_main_courante_barree_une_fois
            BEFORE UPDATE OF {", ".join(STRIKE)} ON cellule_main_courante
            WHEN OLD.barree_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
        op.execute(f"""
            CREATE TRIGGER cellule_main_courante_pas_de_suppression
            BEFORE DELETE ON cellule_main_courante
            WHEN NOT EXISTS (SELECT 1 FROM crise_purge)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
        op.execute(f"""
            CREATE OR REPLACE FUNCTION cellule_main_courante_ajout_seul() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR {changed}
                   OR (OLD.barree_at IS NOT NULL AND NEW.barree_at IS DISTINCT FROM OLD.barree_at)
                THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
    else:
        op.execute("DROP TRIGGER cellule_main_courante_pas_de_suppression")
        op.execute("DROP TRIGGER cellule_main_courante_barree_une_fois")
        op.execute(f"""
            CREATE TRIGGER cellule_main_courante_barree_une_fois
            BEFORE UPDATE OF barree_at ON cellule_main_courante
            WHEN OLD.barree_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
    op.drop_table("crise_purge")
