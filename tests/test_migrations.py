"""Migrations carry existing data forward (run on a SQLite database of their own)."""

import sqlalchemy as sa
from flask_migrate import upgrade

from crise import create_app
from crise.extensions import db


def test_search_keys_get_their_mairie_from_their_person(tmp_path):
    app = create_app({"SECRET_KEY": "x", "CRISE_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite3"})
    with app.app_context():
        upgrade(revision="319de1bc6112")
        now = "2026-11-23 10:00:00"
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO mairie (id, code, nom, adresse, ordre) "
                                 "VALUES (8, '11e', 'Mairie du 11e', '', 8)"))
            conn.execute(sa.text(
                "INSERT INTO evenement (id, titre, type, survenu_at, lieu, description, statut, "
                "exercice, source_information, source_detail, scop_informee_contact, created_at,"
                " updated_at) VALUES (1, 'Incendie', 'incendie', :t, '', '', 'en_cours', 0, "
                "'scop', '', '', :t, :t)"), {"t": now})
            conn.execute(sa.text(
                "INSERT INTO care_centre (id, evenement_id, mairie_id, nom, adresse, capacite, "
                "responsable_nom, cai, caf, ouvert_at, created_at, updated_at) VALUES "
                "(1, 1, 8, 'Gymnase', '', 10, 'X', 0, 0, :t, :t, :t)"), {"t": now})
            conn.execute(sa.text(
                "INSERT INTO care_personne (id, centre_id, evenement_id, mairie_id, categorie, "
                "nom, prenom, nom_usage, sexe, telephone, telephone_chiffres, email, "
                "adresse_actuelle, adresse_permanente, langue, interprete, nationalite, "
                "recherche_nom, besoins, consent_recherche, consent_ciav, notes, "
                "notes_medicales, taille_groupe, badge_token, code_court, present, created_at, "
                "updated_at) VALUES (1, 1, 1, 8, 'sinistre', 'Martin', '', '', '', '', '', '', "
                "'', '', '', 0, '', '', '[]', 0, 0, '', '', 1, 'tok', 'AAA-AAA', 1, :t, :t)"),
                {"t": now})
            conn.execute(sa.text("INSERT INTO care_personne_cle (personne_id, cle, "
                                 "evenement_id, poids) VALUES (1, 'n:martin', 1, 6)"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT mairie_id FROM care_personne_cle")).scalar_one() == 8
        db.engine.dispose()
