"""care: search keys in every script, rebuilt; identity keys and dismissed doubles

Revision ID: 4b5ff21d4bb0
Revises: 2108de48b94c
Create Date: 2026-11-24 12:40:45.451969

"""
from alembic import op
import sqlalchemy as sa

import crise.db  # noqa: F401  (custom column types rendered by autogenerate)


# revision identifiers, used by Alembic.
revision = '4b5ff21d4bb0'
down_revision = '2108de48b94c'
branch_labels = None
depends_on = None


def upgrade():
    # Keys kept only a-z: names in Cyrillic, Arabic, Chinese… had none and were never found.
    # They are rebuilt with today's rules (crise.care.noms); the same rebuild is
    # `crise reindex`. Merged records keep none.
    from crise.care.noms import identity_key, person_keys

    op.create_table(
        'care_doublon_ecarte',
        sa.Column('personne_a_id', sa.Integer(), nullable=False),
        sa.Column('personne_b_id', sa.Integer(), nullable=False),
        sa.Column('evenement_id', sa.Integer(), nullable=False),
        sa.Column('at', crise.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('par_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['evenement_id'], ['evenement.id'],
                                name=op.f('fk_care_doublon_ecarte_evenement_id_evenement')),
        sa.ForeignKeyConstraint(['par_id'], ['user_account.id'],
                                name=op.f('fk_care_doublon_ecarte_par_id_user_account')),
        sa.ForeignKeyConstraint(['personne_a_id'], ['care_personne.id'],
                                name=op.f('fk_care_doublon_ecarte_personne_a_id_care_personne')),
        sa.ForeignKeyConstraint(['personne_b_id'], ['care_personne.id'],
                                name=op.f('fk_care_doublon_ecarte_personne_b_id_care_personne')),
        sa.PrimaryKeyConstraint('personne_a_id', 'personne_b_id',
                                name=op.f('pk_care_doublon_ecarte')))
    with op.batch_alter_table('care_doublon_ecarte', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_doublon_ecarte_evenement_id'),
                              ['evenement_id'], unique=False)
    with op.batch_alter_table('care_personne', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cle_identite', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.create_index('ix_care_personne_identite', ['evenement_id', 'cle_identite'],
                              unique=False)

    conn = op.get_bind()
    people = conn.execute(sa.text(
        "SELECT id, nom, prenom, nom_usage, evenement_id, mairie_id FROM care_personne "
        "WHERE fusionne_dans_id IS NULL ORDER BY id")).all()
    conn.execute(sa.text("DELETE FROM care_personne_cle"))
    insert = sa.text("INSERT INTO care_personne_cle (personne_id, cle, evenement_id, mairie_id,"
                     " poids) VALUES (:personne_id, :cle, :evenement_id, :mairie_id, :poids)")
    rows = []
    update = sa.text("UPDATE care_personne SET cle_identite = :cle WHERE id = :id")
    for person in people:
        conn.execute(update, {"cle": identity_key(person.nom, person.prenom or ""),
                              "id": person.id})
        rows.extend({"personne_id": person.id, "evenement_id": person.evenement_id,
                     "mairie_id": person.mairie_id, "cle": key, "poids": weight}
                    for key, weight in person_keys(person.nom, person.prenom or "",
                                                   person.nom_usage or "").items())
        if len(rows) >= 5000:
            conn.execute(insert, rows)
            rows = []
    if rows:
        conn.execute(insert, rows)


def downgrade():
    # The older search keys were a subset: searches work with the rebuilt ones.
    with op.batch_alter_table('care_personne', schema=None) as batch_op:
        batch_op.drop_index('ix_care_personne_identite')
        batch_op.drop_column('cle_identite')
    op.drop_table('care_doublon_ecarte')
