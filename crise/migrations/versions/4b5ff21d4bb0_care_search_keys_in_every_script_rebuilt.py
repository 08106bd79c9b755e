"""care: search keys in every script, rebuilt

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
    # They are rebuilt with today's rules (crise.care.recherche); the same rebuild is
    # `crise reindex`. Merged records keep none.
    from crise.care.recherche import person_keys

    conn = op.get_bind()
    people = conn.execute(sa.text(
        "SELECT id, nom, prenom, nom_usage, evenement_id, mairie_id FROM care_personne "
        "WHERE fusionne_dans_id IS NULL ORDER BY id")).all()
    conn.execute(sa.text("DELETE FROM care_personne_cle"))
    insert = sa.text("INSERT INTO care_personne_cle (personne_id, cle, evenement_id, mairie_id,"
                     " poids) VALUES (:personne_id, :cle, :evenement_id, :mairie_id, :poids)")
    rows = []
    for person in people:
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
    pass  # the older keys were a subset: searches work with the rebuilt ones
