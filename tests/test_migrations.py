"""Migrations carry existing data forward (run on a SQLite database of their own)."""

import sqlalchemy as sa
from flask_migrate import upgrade

from crise import create_app
from crise.extensions import db


def _app(tmp_path):
    return create_app({"SECRET_KEY": "x", "CRISE_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite3"})


def _person(conn, id_, nom, prenom, mairie=True):
    conn.execute(sa.text(
        "INSERT INTO care_personne (id, centre_id, evenement_id, mairie_id, categorie, "
        "nom, prenom, nom_usage, sexe, telephone, telephone_chiffres, email, "
        "adresse_actuelle, adresse_permanente, langue, interprete, nationalite, "
        "recherche_nom, besoins, consent_recherche, consent_ciav, notes, "
        "notes_medicales, taille_groupe, badge_token, code_court, present, created_at, "
        "updated_at) VALUES (:id, 1, 1, 8, 'sinistre', :nom, :prenom, '', '', '', '', '', "
        "'', '', '', 0, '', '', '[]', 0, 0, '', '', 1, :tok, :code, 1, :t, :t)"),
        {"id": id_, "nom": nom, "prenom": prenom, "tok": f"tok{id_}", "code": f"AAA-AA{id_}",
         "t": "2026-11-23 10:00:00"})


def _event_and_centre(conn):
    now = "2026-11-23 10:00:00"
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


def test_search_keys_are_rebuilt_for_names_in_every_script(tmp_path):
    """Keys once kept only a-z: « Иванов » and « 王伟 » had none. The migration rebuilds
    every person's keys; a merged record keeps none."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision="2108de48b94c")
        with db.engine.begin() as conn:
            _event_and_centre(conn)
            _person(conn, 1, "Иванов", "Сергей")
            _person(conn, 2, "王伟", "")
            _person(conn, 3, "Martin", "Léa")
            _person(conn, 4, "Martin", "Lea")
            conn.execute(sa.text("UPDATE care_personne SET fusionne_dans_id = 3 WHERE id = 4"))
            conn.execute(sa.text("INSERT INTO care_personne_cle (personne_id, cle, "
                                 "evenement_id, mairie_id, poids) VALUES (3, 'n:martin', 1, 8,"
                                 " 6), (1, 'x:stale', 1, 8, 1)"))
        upgrade()
        with db.engine.connect() as conn:
            keys = {(row.personne_id, row.cle) for row in conn.execute(sa.text(
                "SELECT personne_id, cle FROM care_personne_cle"))}
        assert {(1, "n:иванов"), (1, "n:ivanov"), (2, "n:王伟"), (2, "n:wang"),
                (2, "n:wei"), (3, "n:martin"), (3, "n:lea")} <= keys
        assert (1, "x:stale") not in keys and not {k for k in keys if k[0] == 4}
        db.engine.dispose()


def test_search_keys_get_their_mairie_from_their_person(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision="319de1bc6112")
        with db.engine.begin() as conn:
            _event_and_centre(conn)
            _person(conn, 1, "Martin", "")
            conn.execute(sa.text("INSERT INTO care_personne_cle (personne_id, cle, "
                                 "evenement_id, poids) VALUES (1, 'n:martin', 1, 6)"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT DISTINCT mairie_id FROM care_personne_cle")).scalar_one() == 8
        db.engine.dispose()


def test_existing_stays_keep_the_size_their_household_had(tmp_path):
    """Stays recorded before each stay kept its own count take their household's size."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision="4b5ff21d4bb0")
        with db.engine.begin() as conn:
            _event_and_centre(conn)
            _person(conn, 1, "N'Diaye", "Awa")
            t = "2026-11-23 10:00:00"
            conn.execute(sa.text(
                "INSERT INTO hebergement_dossier (id, evenement_id, mairie_id, centre_id, "
                "referent_id, nb_personnes, nb_enfants, logement_habitable, besoins, "
                "animaux_detail, nb_nuits, secteur_souhaite, notes, clos, clos_motif, "
                "created_at, updated_at) VALUES (1, 1, 8, 1, 1, 4, 2, 'non', '[]', '', 3, '', "
                "'', 0, '', :t, :t)"), {"t": t})
            conn.execute(sa.text(
                "INSERT INTO hebergement_solution (id, dossier_id, type, lieu, adresse, du, au, "
                "nuits, trouve_par_id, termine, fin_motif, created_at, updated_at) VALUES "
                "(1, 1, 'hotel', 'Hôtel du Marais', '', '2026-11-23', '2026-11-26', 3, NULL, 0,"
                " '', :t, :t)"), {"t": t})
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT nb_personnes FROM hebergement_solution")).scalar_one() == 4
        db.engine.dispose()
