"""cellule: the database refuses to rewrite the main courante

Revision ID: 2108de48b94c
Revises: 9d27596d91ce
Create Date: 2026-11-24 00:11:23.863196

"""
from alembic import op
import sqlalchemy as sa

import crise.db  # noqa: F401  (custom column types rendered by autogenerate)


# revision identifiers, used by Alembic.
revision = '2108de48b94c'
down_revision = '9d27596d91ce'
branch_labels = None
depends_on = None


# Everything but the strike-through fields: a written entry never changes.
FROZEN = ("evenement_id", "fait_at", "ecrit_at", "auteur_id", "auteur_nom", "auteur_role",
          "type", "source", "support", "priorite", "texte", "systeme", "objet_type",
          "objet_id")
MESSAGE = "main courante : une entrée ne se modifie ni ne se supprime (elle se barre)"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
        op.execute(f"""
            CREATE FUNCTION cellule_main_courante_ajout_seul() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR {changed}
                   OR (OLD.barree_at IS NOT NULL AND NEW.barree_at IS DISTINCT FROM OLD.barree_at)
                THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER cellule_main_courante_ajout_seul "
                   "BEFORE UPDATE OR DELETE ON cellule_main_courante "
                   "FOR EACH ROW EXECUTE FUNCTION cellule_main_courante_ajout_seul()")
    else:
        # SQLite: rows are never rewritten. (Deleting stays possible at the database level
        # for the retention purge and the test suite; the application refuses it.)
        op.execute(f"""
            CREATE TRIGGER cellule_main_courante_ajout_seul
            BEFORE UPDATE OF {", ".join(FROZEN)} ON cellule_main_courante
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
        op.execute(f"""
            CREATE TRIGGER cellule_main_courante_barree_une_fois
            BEFORE UPDATE OF barree_at ON cellule_main_courante
            WHEN OLD.barree_at IS NOT NULL
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cellule_main_courante_ajout_seul ON cellule_main_courante")
        op.execute("DROP FUNCTION cellule_main_courante_ajout_seul()")
    else:
        op.execute("DROP TRIGGER cellule_main_courante_ajout_seul")
        op.execute("DROP TRIGGER cellule_main_courante_barree_une_fois")
