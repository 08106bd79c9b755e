"""The audit trail screen, for administrators only."""

from datetime import timedelta

import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.audit.services import record
from crise.auth.models import ActeurSysteme
from crise.db import utcnow
from crise.extensions import db
from crise.formatting import to_paris


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
        # Later, a new consultation is a new line.
        views[0].at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    client.get(f"/auth/comptes/{agent.id}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "view")) == 2
