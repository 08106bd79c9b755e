"""Lists for the authorities: content, consent, formats, roles, audit, formula injection."""

import csv
import io
import re
import subprocess

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, Personne
from crise.care.services import PersonneData
from crise.extensions import db


@pytest.fixture
def centre_with_people(app, create_centre, create_user):
    def make(exercice=False):
        centre = create_centre(exercice=exercice)
        agent = create_user("agent_accueil", mairie="11e")
        with app.app_context():
            services.enregistrer(db.session.get(User, agent.id),
                                 db.session.get(CentreAccueil, centre.id), [
                PersonneData(nom="Lefèvre", prenom="Hélène", categorie="sinistre",
                             consent_ciav=True, telephone="06 11 22 33 44"),
                PersonneData(nom="=HYPERLINK(\"http://x\")", prenom="Zoé",
                             categorie="implique"),
                PersonneData(nom="N'Guessan", prenom="Noël", categorie="proche",
                             consent_ciav=True)])
            db.session.commit()
        return centre

    return make


def export(app, centre, user, destinataire, fmt):
    with app.app_context():
        data, mimetype, name = services.export_liste(
            db.session.get(User, user.id), db.session.get(CentreAccueil, centre.id),
            destinataire=destinataire, fmt=fmt)
        db.session.commit()
        return data, mimetype, name


def test_csv_prefecture_has_everyone_and_counts(app, centre_with_people, create_user):
    centre = centre_with_people()
    responsable = create_user("responsable_care", mairie="11e")
    data, mimetype, name = export(app, centre, responsable, "prefecture", "csv")
    assert data.startswith("\ufeff".encode()) and mimetype.startswith("text/csv")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert "Sinistré : 1" in rows[2] and "Total : 3" in rows[2]
    header = rows[4]
    assert header[:5] == ["Code", "Nom", "Prénom", "Nom d'usage", "Catégorie"]
    names = [row[1] for row in rows[5:]]
    assert names == sorted(names) and "LEFÈVRE" in names and "N'GUESSAN" in names
    assert "'=HYPERLINK(\"HTTP://X\")" in names  # neutralised, stays text
    assert name.endswith(".csv") and "prefecture" in name


def test_ciav_gets_only_consenting_people(app, centre_with_people, create_user):
    centre = centre_with_people()
    cellule = create_user("cellule")
    data, _, _ = export(app, centre, cellule, "ciav", "xlsx")
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Liste nominative"]
    names = [ws.cell(row=r, column=2).value for r in range(5, ws.max_row + 1)]
    assert names == ["LEFÈVRE", "N'GUESSAN"]
    assert [c.value for c in wb["Effectifs"]["B"]][-1] == 2
    assert "CIAV" in ws["A1"].value


def test_pdf_list_and_exercise_marking(app, centre_with_people, create_user, tmp_path):
    centre = centre_with_people(exercice=True)
    responsable = create_user("responsable_care", mairie="11e")
    data, mimetype, name = export(app, centre, responsable, "prefecture", "pdf")
    assert mimetype == "application/pdf" and name.startswith("EXERCICE-")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    assert "EXERCICE" in text and "LEFÈVRE" in text and "Total : 3" in text


def test_exports_are_audited(app, centre_with_people, create_user):
    centre = centre_with_people()
    dsol = create_user("dsol")
    export(app, centre, dsol, "prefecture", "xlsx")
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.actor_email == dsol.email and "XLSX, 3 personne(s)" in entry.summary


def test_a_list_is_built_before_its_audit_entry_takes_the_writer(app, centre_with_people,
                                                                 create_user, monkeypatch):
    """On SQLite the audit entry's write holds the only writer until the request commits:
    built after it, a long list would keep every desk of the city waiting."""
    from crise.care import exports as care_exports
    from tests.conftest import construit_sans_ecrire

    centre = centre_with_people()
    dsol = create_user("dsol")
    constats = []
    build, mimetype = care_exports.FORMATS["pdf"]
    monkeypatch.setitem(care_exports.FORMATS, "pdf",
                        (construit_sans_ecrire(build, constats), mimetype))
    data, _, _ = export(app, centre, dsol, "prefecture", "pdf")
    assert data.startswith(b"%PDF") and constats == [False]
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))


def test_export_roles_and_scope_through_the_web(app, client, login_as, auth,
                                                centre_with_people):
    centre = centre_with_people()
    login_as("agent_accueil", mairie="11e")
    assert client.get(f"/care/{centre.id}/export/prefecture.csv").status_code == 403
    assert "Listes pour les autorités" not in client.get(f"/care/{centre.id}").get_data(
        as_text=True)
    auth.logout()
    login_as("responsable_care", mairie="12e")
    assert client.get(f"/care/{centre.id}/export/prefecture.csv").status_code == 404
    auth.logout()
    login_as("responsable_care", mairie="11e")
    assert client.get(f"/care/{centre.id}/export/inconnu.csv").status_code == 404
    assert client.get(f"/care/{centre.id}/export/prefecture.doc").status_code == 404
    for fmt in ("csv", "xlsx", "pdf"):
        with client.get(f"/care/{centre.id}/export/prefecture.{fmt}") as response:
            assert response.status_code == 200
            assert "attachment" in response.headers["Content-Disposition"]
            assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "export")) == 3


def test_medical_notes_are_never_exported(app, centre_with_people, create_user):
    from crise.care.models import Personne

    centre = centre_with_people()
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        personne = db.session.scalar(sa.select(Personne).where(Personne.prenom == "Hélène"))
        personne.notes_medicales = "Traitement anxiolytique"
        personne.notes = "Note de desk"
        db.session.commit()
    for fmt in ("csv", "xlsx"):
        data, _, _ = export(app, centre, responsable, "prefecture", fmt)
        if fmt == "xlsx":
            wb = load_workbook(io.BytesIO(data))
            data = " ".join(str(c.value) for row in wb["Liste nominative"].iter_rows()
                            for c in row).encode()
        assert b"anxiolytique" not in data and b"Note de desk" not in data


def test_control_characters_never_break_an_export(app, centre_with_people, create_user):
    """Word's Shift+Enter (a vertical tab) in an address made the XLSX answer 500 for the
    whole C.A.RE. Text is cleaned when it enters, and the exports clean what an older
    version may have stored."""
    centre = centre_with_people()
    responsable = create_user("responsable_care", mairie="11e")
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        [personne], _ = services.enregistrer(
            db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id),
            [PersonneData(nom="Dupont\x00", prenom="Léa", categorie="sinistre",
                          adresse_actuelle="12 rue Oberkampf\x0bBâtiment B\x0c")])
        db.session.commit()
        assert personne.nom == "Dupont"
        assert personne.adresse_actuelle == "12 rue Oberkampf Bâtiment B"
        # As a version before the cleaning could have stored it.
        db.session.execute(sa.text(
            "UPDATE care_personne SET adresse_actuelle = :a WHERE id = :id"),
            {"a": "3 rue Saint-Maur\x0b2e étage\x01", "id": personne.id})
        db.session.commit()
    data, _, _ = export(app, centre, responsable, "prefecture", "xlsx")
    ws = load_workbook(io.BytesIO(data))["Liste nominative"]
    adresses = [ws.cell(row=r, column=10).value for r in range(5, ws.max_row + 1)]
    assert "3 rue Saint-Maur\n2e étage" in adresses
    for fmt in ("csv", "pdf"):
        data, _, _ = export(app, centre, responsable, "ciav", fmt)
        assert data


def test_xlsx_keeps_text_as_typed_and_never_a_formula(app, centre_with_people, create_user):
    centre = centre_with_people()
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        services.enregistrer(db.session.get(User, agent.id),
                             db.session.get(CentreAccueil, centre.id),
                             [PersonneData(nom="Martin", categorie="sinistre",
                                           telephone="+33 6 12 34 56 78")])
        db.session.commit()
    data, _, _ = export(app, centre, create_user("responsable_care", mairie="11e"),
                        "prefecture", "xlsx")
    ws = load_workbook(io.BytesIO(data))["Liste nominative"]
    cells = {ws.cell(row=r, column=2).value: r for r in range(5, ws.max_row + 1)}
    formula = ws.cell(row=cells['=HYPERLINK("HTTP://X")'], column=2)
    assert formula.data_type == "s"  # text, not a formula
    assert ws.cell(row=cells["MARTIN"], column=9).value == "+33 6 12 34 56 78"  # no « ' »


def test_prefecture_pdf_reads_like_a_list(app, create_centre, create_user):
    """Codes and dates on one line, page numbers, names sorted as a reader expects
    (« de la Tour » beside « Delatour », case and accents ignored)."""
    centre = create_centre(capacite=500)
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        user, c = db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id)
        for i in range(4):
            services.enregistrer(user, c, [PersonneData(nom=nom, prenom=f"P{i}",
                                                        categorie="sinistre")
                                        for nom in ("Zola", "de la Tour", "Delatour",
                                                    "Élodie", "dupont", "Durand",
                                                    "Ebert", "Martin", "Abadie", "Yilmaz")])
        # A departure fills the widest one-line columns: the free ones get what is left.
        services.depart(user, db.session.scalar(sa.select(Personne).limit(1)),
                        destination="domicile")
        db.session.commit()
    data, _, _ = export(app, centre, create_user("responsable_care", mairie="11e"),
                        "prefecture", "pdf")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    assert "Page 1 / 2" in text and "Page 2 / 2" in text
    # Headers on one line each, never cut inside a word (« Nationalit / é »).
    header = next(line for line in text.splitlines() if "Code" in line and "Nom" in line)
    for label in ("Nationalité", "Téléphone", "Catégorie", "Naissance / âge", "Destination"):
        assert label in header, (label, header)
    lines = [line.strip() for line in text.splitlines() if CODE.match(line.strip())]
    assert len(lines) == 40  # every code whole on its line, none split over two
    assert all(DATE.search(line) for line in lines)  # and the date of arrival too
    names = [line.split()[1] for line in lines]
    order = [n for i, n in enumerate(names) if n not in names[:i]]
    assert order == ["ABADIE", "DE", "DELATOUR", "DUPONT", "DURAND", "EBERT", "ÉLODIE",
                     "MARTIN", "YILMAZ", "ZOLA"]


CODE = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}\s")
DATE = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")


def test_file_names_say_paris_time(app, centre_with_people, create_user):
    from datetime import datetime, timezone

    centre = centre_with_people()
    with app.app_context():
        _, _, name = services.export_liste(
            db.session.get(User, create_user("cellule").id),
            db.session.get(CentreAccueil, centre.id), destinataire="prefecture", fmt="csv",
            now=datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc))
    assert "20261125-0030" in name  # 00:30 in Paris, the next day
