"""The audit trail screen, for administrators only."""

from datetime import timedelta

import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.audit.services import record
from crise.auth.models import ActeurSysteme
from crise.db import utcnow
from crise.extensions import db
from crise.formatting import to_paris
from tests.audit.outils import sans_garde


def test_only_admin_reads_the_audit_trail(client, login_as):
    login_as("cellule")
    assert client.get("/audit/").status_code == 403


def test_audit_screen_lists_who_did_what(client, login_as, create_evenement):
    create_evenement(titre="Explosion de gaz rue de Charonne", type="explosion")
    login_as("admin")
    html = client.get("/audit/").get_data(as_text=True)
    assert "Événement « Explosion de gaz rue de Charonne » déclaré" in html
    assert "Connexion" in html
    assert '<a href="/evenements/1">Événement #1</a>' in html


def test_audit_filters_and_pages(app, client, login_as):
    admin = login_as("admin")
    with app.app_context():
        for i in range(60):
            record(ActeurSysteme("dsol@paris.fr"), "view", "evenement", i, summary=f"Consultation n°{i}")
        old = record(ActeurSysteme("ancien@paris.fr"), "export", "evenement", 1, summary="Export ancien")
        old.at = utcnow() - timedelta(days=40)
        db.session.commit()
    html = client.get("/audit/?action=view").get_data(as_text=True)
    assert "Consultation n°59" in html and "Page 1 sur 2" in html
    assert "Consultation n°0<" not in html
    assert "Consultation n°0<" in client.get("/audit/?action=view&page=2").get_data(
        as_text=True)
    html = client.get("/audit/?qui=ancien").get_data(as_text=True)
    assert "Export ancien" in html and "Consultation n°" not in html
    day = to_paris(utcnow() - timedelta(days=40)).strftime("%Y-%m-%d")  # the day in Paris
    html = client.get(f"/audit/?du={day}&au={day}").get_data(as_text=True)
    assert "Export ancien" in html and "Consultation n°" not in html
    html = client.get("/audit/?du=2026-02-31").get_data(as_text=True)  # ignored, no 500
    assert "Consultation n°59" in html
    assert admin.email in client.get("/audit/?action=login").get_data(as_text=True)


def test_audit_entries_are_never_edited_by_the_app(app):
    """No route changes or deletes an audit entry (append-only by construction)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_viewing_an_account_is_audited_once_per_ten_minutes(app, client, login_as,
                                                           create_user):
    agent = create_user("agent_accueil", mairie="11e")
    admin = login_as("admin")
    client.get(f"/auth/comptes/{agent.id}")
    client.get(f"/auth/comptes/{agent.id}")
    with app.app_context():
        views = db.session.scalars(sa.select(AuditEntry).where(
            AuditEntry.action == "view", AuditEntry.object_id == str(agent.id))).all()
        assert len(views) == 1 and views[0].actor_email == admin.email
        assert agent.email in views[0].summary
        # Later, a new consultation is a new line (the trail refuses changes: around it).
        with sans_garde():
            db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == views[0].id)
                               .values(at=utcnow() - timedelta(minutes=11)))
            db.session.commit()
    client.get(f"/auth/comptes/{agent.id}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "view")) == 2


def test_a_board_refresh_writes_only_for_newcomers(app):
    """Grouped per viewer and page over 10 minutes: the same people again write nothing,
    a newcomer on the board gets an entry of its own."""
    from crise.audit.models import AuditPersonne
    from crise.audit.services import record_view

    qui = ActeurSysteme("dsol@paris.fr")
    with app.app_context():
        assert record_view(qui, "cellule_soutien", "1-psy", personnes=[(1, "AAA-111")])
        assert record_view(qui, "cellule_soutien", "1-psy", personnes=[(1, "AAA-111")]) is None
        nouvelle = record_view(qui, "cellule_soutien", "1-psy",
                               personnes=[(1, "AAA-111"), (2, "BBB-222")])
        db.session.commit()
        assert [p.code for p in db.session.scalars(sa.select(AuditPersonne).where(
            AuditPersonne.entry_id == nouvelle.id))] == ["BBB-222"]


def test_the_admin_finds_who_saw_a_person_by_code_and_filters_by_mairie(app, client, login_as):
    from crise.mairies.models import mairie_by_code

    with app.app_context():
        m11, m12 = mairie_by_code("11e").id, mairie_by_code("12e").id
        record(ActeurSysteme("agent11@paris.fr"), "view", "centre", 1, summary="Page du C.A.RE",
               personnes=[(7, "K7M-4QX"), (8, "ZZZ-999")], mairie_id=m11)
        record(ActeurSysteme("agent12@paris.fr"), "view", "recherche", 2,
               summary="Recherche au C.A.RE", personnes=[(9, "QQQ-333")], mairie_id=m12)
        db.session.commit()
    login_as("admin")
    html = client.get("/audit/?personne=k7m4qx").get_data(as_text=True)
    assert "agent11@paris.fr" in html and "agent12@paris.fr" not in html
    assert 'href="/audit/?personne=ZZZ-999"' in html  # every person the line showed
    html = client.get("/audit/?mairie=12e").get_data(as_text=True)
    assert "agent12@paris.fr" in html and "agent11@paris.fr" not in html


def test_a_year_0001_in_the_filter_is_ignored_not_a_500(client, login_as):
    login_as("admin")
    for query in ("du=0001-01-01", "au=0001-01-01", "du=9999-12-31", "au=2100-12-31"):
        assert client.get(f"/audit/?{query}").status_code == 200


def test_the_admin_exports_the_filtered_trail_and_the_export_is_logged(app, client, login_as):
    import csv
    import io

    from openpyxl import load_workbook

    with app.app_context():
        record(ActeurSysteme("agent11@paris.fr"), "view", "centre", 1, summary="Page du C.A.RE",
               personnes=[(7, "K7M-4QX")])
        record(ActeurSysteme("autre@paris.fr"), "view", "centre", 2, summary="Autre page")
        db.session.commit()
    login_as("admin")
    html = client.get("/audit/?personne=K7M-4QX").get_data(as_text=True)
    assert "/audit/export.csv?personne=K7M-4QX" in html
    response = client.get("/audit/export.csv?personne=K7M-4QX")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert any("agent11@paris.fr" in row and "K7M-4QX" in row for row in rows)
    assert not any("autre@paris.fr" in row for row in rows)
    sheet = load_workbook(io.BytesIO(client.get("/audit/export.xlsx").data)).active
    assert any("autre@paris.fr" in [c.value for c in row] for row in sheet.iter_rows())
    with app.app_context():
        exports = db.session.scalars(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "audit")).all()
        assert len(exports) == 2 and "filtres : personne = K7M-4QX" in exports[0]


def test_from_a_record_the_admin_opens_who_saw_it(app, client, login_as, create_centre):
    from crise.auth.models import User
    from crise.care import services
    from crise.care.models import CentreAccueil

    centre = create_centre()
    admin = login_as("admin")
    with app.app_context():
        (personne,), _ = services.enregistrer(
            db.session.get(User, admin.id), db.session.get(CentreAccueil, centre.id),
            [services.PersonneData(nom="N'Diaye", prenom="Awa", categorie="sinistre")])
        db.session.commit()
        pid, code = personne.id, personne.code_court
    page = client.get(f"/care/personnes/{pid}").get_data(as_text=True)
    assert f'href="/audit/?personne={code}"' in page
    html = client.get(f"/audit/?personne={code}").get_data(as_text=True)
    assert f"Fiche {code}" in html and "N&#39;Diaye" not in html and "Awa" not in html
