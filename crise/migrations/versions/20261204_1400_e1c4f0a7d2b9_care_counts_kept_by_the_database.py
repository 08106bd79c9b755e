"""care: counts kept by the database (people by C.A.RE, catégorie and presence; arrivals
and departures by hour), written by triggers as lines of change and folded by the app; a
partial index of the people who asked for a roof

Revision ID: e1c4f0a7d2b9
Revises: 255cee300af3
Create Date: 2026-12-04 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import crise.db  # noqa: F401


revision = 'e1c4f0a7d2b9'
down_revision = '255cee300af3'
branch_labels = None
depends_on = None

DEMANDE_TOIT = """CAST(besoins AS VARCHAR) LIKE '%"hebergement"%'"""
CLES = ("evenement_id", "mairie_id", "centre_id", "categorie", "present")
COMPTE = ", ".join(CLES)


def _valeurs(row, n):
    return ", ".join(f"{row}.{c}" for c in CLES) + f", {n}"


def _sqlite():
    # People: a line +1 for the row as it is now, -1 for the row as it was (merged records
    # are not counted). An update that changes none of the keys writes nothing.
    op.execute(f"""
        CREATE TRIGGER care_compte_ajout AFTER INSERT ON care_personne
        WHEN NEW.fusionne_dans_id IS NULL
        BEGIN INSERT INTO care_compte_delta ({COMPTE}, n) VALUES ({_valeurs("NEW", 1)}); END""")
    op.execute(f"""
        CREATE TRIGGER care_compte_retrait AFTER DELETE ON care_personne
        WHEN OLD.fusionne_dans_id IS NULL
        BEGIN INSERT INTO care_compte_delta ({COMPTE}, n) VALUES ({_valeurs("OLD", -1)}); END""")
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CLES)
    op.execute(f"""
        CREATE TRIGGER care_compte_changement
        AFTER UPDATE OF {COMPTE}, fusionne_dans_id ON care_personne
        WHEN {changed} OR (OLD.fusionne_dans_id IS NULL) IS NOT (NEW.fusionne_dans_id IS NULL)
        BEGIN
            INSERT INTO care_compte_delta ({COMPTE}, n)
                SELECT {_valeurs("OLD", -1)} WHERE OLD.fusionne_dans_id IS NULL;
            INSERT INTO care_compte_delta ({COMPTE}, n)
                SELECT {_valeurs("NEW", 1)} WHERE NEW.fusionne_dans_id IS NULL;
        END""")

    # Passages: the arrival counts in its hour, the departure (once there is one) in its
    # own. SQLite keeps « YYYY-MM-DD HH:MM:SS » in UTC: the hour is the first 13 characters.
    def ligne(row, colonne, arrivees, departs, condition="1"):
        return f"""
            INSERT INTO care_flux_delta (evenement_id, heure, arrivees, departs)
                SELECT c.evenement_id, substr({row}.{colonne}, 1, 13), {arrivees}, {departs}
                FROM care_centre c WHERE c.id = {row}.centre_id AND {condition};"""

    op.execute(f"""
        CREATE TRIGGER care_flux_ajout AFTER INSERT ON care_passage
        BEGIN {ligne("NEW", "arrivee_at", 1, 0)}
              {ligne("NEW", "depart_at", 0, 1, "NEW.depart_at IS NOT NULL")} END""")
    op.execute(f"""
        CREATE TRIGGER care_flux_retrait AFTER DELETE ON care_passage
        BEGIN {ligne("OLD", "arrivee_at", -1, 0)}
              {ligne("OLD", "depart_at", 0, -1, "OLD.depart_at IS NOT NULL")} END""")
    centre = "OLD.centre_id IS NOT NEW.centre_id"
    arrivee = f"({centre} OR OLD.arrivee_at IS NOT NEW.arrivee_at)"
    depart = f"({centre} OR OLD.depart_at IS NOT NEW.depart_at)"
    op.execute(f"""
        CREATE TRIGGER care_flux_changement
        AFTER UPDATE OF centre_id, arrivee_at, depart_at ON care_passage
        WHEN {arrivee} OR {depart}
        BEGIN {ligne("OLD", "arrivee_at", -1, 0, arrivee)}
              {ligne("NEW", "arrivee_at", 1, 0, arrivee)}
              {ligne("OLD", "depart_at", 0, -1, f"OLD.depart_at IS NOT NULL AND {depart}")}
              {ligne("NEW", "depart_at", 0, 1, f"NEW.depart_at IS NOT NULL AND {depart}")}
        END""")


def _postgresql():
    op.execute(f"""
        CREATE FUNCTION care_compte_suivre() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.fusionne_dans_id IS NULL THEN
                    INSERT INTO care_compte_delta ({COMPTE}, n) VALUES ({_valeurs("OLD", -1)});
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.fusionne_dans_id IS NULL THEN
                    INSERT INTO care_compte_delta ({COMPTE}, n) VALUES ({_valeurs("NEW", 1)});
                END IF;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER care_compte_ajout_retrait AFTER INSERT OR DELETE ON
                  care_personne FOR EACH ROW EXECUTE FUNCTION care_compte_suivre()""")
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CLES)
    op.execute(f"""CREATE TRIGGER care_compte_changement
                   AFTER UPDATE OF {COMPTE}, fusionne_dans_id ON care_personne FOR EACH ROW
                   WHEN ({changed} OR (OLD.fusionne_dans_id IS NULL)
                         <> (NEW.fusionne_dans_id IS NULL))
                   EXECUTE FUNCTION care_compte_suivre()""")

    def heure(x):
        return f"to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"

    op.execute(f"""
        CREATE FUNCTION care_flux_suivre() RETURNS trigger AS $$
        DECLARE
            ancien integer;
            nouveau integer;
            arrivee boolean := true;
            depart boolean := true;
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                arrivee := OLD.centre_id IS DISTINCT FROM NEW.centre_id
                           OR OLD.arrivee_at IS DISTINCT FROM NEW.arrivee_at;
                depart := OLD.centre_id IS DISTINCT FROM NEW.centre_id
                          OR OLD.depart_at IS DISTINCT FROM NEW.depart_at;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                SELECT evenement_id INTO ancien FROM care_centre WHERE id = OLD.centre_id;
                IF ancien IS NOT NULL AND arrivee THEN
                    INSERT INTO care_flux_delta (evenement_id, heure, arrivees, departs)
                    VALUES (ancien, {heure("OLD.arrivee_at")}, -1, 0);
                END IF;
                IF ancien IS NOT NULL AND depart AND OLD.depart_at IS NOT NULL THEN
                    INSERT INTO care_flux_delta (evenement_id, heure, arrivees, departs)
                    VALUES (ancien, {heure("OLD.depart_at")}, 0, -1);
                END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                SELECT evenement_id INTO nouveau FROM care_centre WHERE id = NEW.centre_id;
                IF nouveau IS NOT NULL AND arrivee THEN
                    INSERT INTO care_flux_delta (evenement_id, heure, arrivees, departs)
                    VALUES (nouveau, {heure("NEW.arrivee_at")}, 1, 0);
                END IF;
                IF nouveau IS NOT NULL AND depart AND NEW.depart_at IS NOT NULL THEN
                    INSERT INTO care_flux_delta (evenement_id, heure, arrivees, departs)
                    VALUES (nouveau, {heure("NEW.depart_at")}, 0, 1);
                END IF;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""")
    op.execute("""CREATE TRIGGER care_flux_ajout_retrait AFTER INSERT OR DELETE ON
                  care_passage FOR EACH ROW EXECUTE FUNCTION care_flux_suivre()""")
    op.execute("""CREATE TRIGGER care_flux_changement
                  AFTER UPDATE OF centre_id, arrivee_at, depart_at ON care_passage
                  FOR EACH ROW WHEN (OLD.centre_id IS DISTINCT FROM NEW.centre_id
                                     OR OLD.arrivee_at IS DISTINCT FROM NEW.arrivee_at
                                     OR OLD.depart_at IS DISTINCT FROM NEW.depart_at)
                  EXECUTE FUNCTION care_flux_suivre()""")


def upgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        # Desks keep writing while « crise setup » runs: nothing may be written between
        # the count of what is there and the triggers that count from then on (held until
        # the migration commits). SQLite: the count's INSERT takes the only writer's lock,
        # and the triggers are created in the same transaction.
        op.execute("LOCK TABLE care_personne, care_passage IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "care_compte",
        sa.Column("evenement_id", sa.Integer(), nullable=False),
        sa.Column("mairie_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("categorie", sa.String(length=16), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*CLES, name=op.f("pk_care_compte")))
    op.create_table(
        "care_compte_delta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evenement_id", sa.Integer(), nullable=False),
        sa.Column("mairie_id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("categorie", sa.String(length=16), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_compte_delta")))
    op.create_index("ix_care_compte_delta_evenement", "care_compte_delta",
                    ["evenement_id", "mairie_id", "categorie", "present", "n"], unique=False)
    op.create_table(
        "care_flux",
        sa.Column("evenement_id", sa.Integer(), nullable=False),
        sa.Column("heure", sa.String(length=13), nullable=False),
        sa.Column("arrivees", sa.Integer(), nullable=False),
        sa.Column("departs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("evenement_id", "heure", name=op.f("pk_care_flux")))
    op.create_table(
        "care_flux_delta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evenement_id", sa.Integer(), nullable=False),
        sa.Column("heure", sa.String(length=13), nullable=False),
        sa.Column("arrivees", sa.Integer(), nullable=False),
        sa.Column("departs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_flux_delta")))
    op.create_index("ix_care_flux_delta_evenement", "care_flux_delta",
                    ["evenement_id", "heure", "arrivees", "departs"], unique=False)

    # What is there already, counted once; the triggers count every change from now on.
    op.execute(f"""
        INSERT INTO care_compte ({COMPTE}, n)
        SELECT {COMPTE}, count(*) FROM care_personne WHERE fusionne_dans_id IS NULL
        GROUP BY {COMPTE}""")

    def heure(x):
        return f"to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')" if pg \
            else f"substr({x}, 1, 13)"

    op.execute(f"""
        INSERT INTO care_flux (evenement_id, heure, arrivees, departs)
        SELECT evenement_id, heure, sum(arrivees), sum(departs) FROM (
            SELECT c.evenement_id, {heure("p.arrivee_at")} AS heure, 1 AS arrivees,
                   0 AS departs
            FROM care_passage p JOIN care_centre c ON c.id = p.centre_id
            UNION ALL
            SELECT c.evenement_id, {heure("p.depart_at")}, 0, 1
            FROM care_passage p JOIN care_centre c ON c.id = p.centre_id
            WHERE p.depart_at IS NOT NULL) AS f
        GROUP BY evenement_id, heure""")
    if pg:
        _postgresql()
    else:
        _sqlite()
    # The very condition the queries write (Personne.besoin_condition).
    op.create_index("ix_care_personne_demande_toit", "care_personne",
                    ["evenement_id", "present", "fusionne_dans_id", "mairie_id", "foyer_id"],
                    unique=False, sqlite_where=sa.text(DEMANDE_TOIT),
                    postgresql_where=sa.text(DEMANDE_TOIT))


def downgrade():
    op.drop_index("ix_care_personne_demande_toit", table_name="care_personne")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER care_flux_changement ON care_passage")
        op.execute("DROP TRIGGER care_flux_ajout_retrait ON care_passage")
        op.execute("DROP FUNCTION care_flux_suivre()")
        op.execute("DROP TRIGGER care_compte_changement ON care_personne")
        op.execute("DROP TRIGGER care_compte_ajout_retrait ON care_personne")
        op.execute("DROP FUNCTION care_compte_suivre()")
    else:
        for name in ("care_flux_changement", "care_flux_retrait", "care_flux_ajout",
                     "care_compte_changement", "care_compte_retrait", "care_compte_ajout"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_care_flux_delta_evenement", table_name="care_flux_delta")
    op.drop_table("care_flux_delta")
    op.drop_table("care_flux")
    op.drop_index("ix_care_compte_delta_evenement", table_name="care_compte_delta")
    op.drop_table("care_compte_delta")
    op.drop_table("care_compte")
