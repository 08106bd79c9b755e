"""Événements through the web: list, declare, detail, SCOP warning, scope by URL."""

from datetime import timedelta

import re

import pytest
import sqlalchemy as sa

from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.formatting import to_paris
from tests.conftest import count, get_db_object


def form(**overrides):
    values = {"titre": "Incendie rue de la Roquette", "type": "incendie",
              "survenu_at": to_paris(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "lieu": "45 rue de la Roquette", "mairies": ["11e"],
              "source_information": "scop", "description": "Feu au 3e étage."}
    values.update(overrides)
    return values


def test_declare_an_event_and_see_it_first_in_the_list(app, client, login_as,
                                                       create_evenement):
    create_evenement(titre="Ancien", survenu_at=utcnow() - timedelta(days=3))
    login_as("responsable_care", mairie="11e")
    page = client.get("/evenements/nouveau").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="11e"', page)  # own mairie pre-checked
    assert not re.search(r'<input checked [^>]*value="12e"', page)
    response = client.post("/evenements/nouveau", data=form(jeton="t1"))
    assert response.status_code == 302
    with app.app_context():
        from crise.extensions import db

        evenement = db.session.scalar(sa.select(Evenement).where(
            Evenement.titre == "Incendie rue de la Roquette"))
        assert evenement.lieu == "45 rue de la Roquette"
        assert [m.code for m in evenement.mairies] == ["11e"]
    html = client.get("/evenements/").get_data(as_text=True)
    assert html.index("Incendie rue de la Roquette") < html.index("Ancien")


def test_times_typed_in_paris_are_stored_in_utc(app, client, login_as):
    login_as("cellule")
    client.post("/evenements/nouveau", data=form(survenu_at="2026-07-14T22:30"))
    with app.app_context():
        from crise.extensions import db

        evenement = db.session.scalar(sa.select(Evenement))
        assert evenement.survenu_at.isoformat() == "2026-07-14T20:30:00+00:00"
    html = client.get(f"/evenements/{evenement.id}").get_data(as_text=True)
    assert "14/07/2026 22:30" in html


def test_double_submission_creates_one_event(app, client, login_as):
    login_as("cellule")
    first = client.post("/evenements/nouveau", data=form(jeton="same-token"))
    second = client.post("/evenements/nouveau", data=form(jeton="same-token"))
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app, Evenement) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"titre": ""}, "Donnez un titre à l&#39;événement."),
    ({"description": "a" * 10_000}, "La description ne doit pas dépasser 5000 caractères"),
    ({"survenu_at": "2026-02-30T10:00"}, "Date ou heure invalide"),
    ({"survenu_at": "2026-11-20T10:00", "fin_at": "2026-11-19T10:00"},
     "La fin ne peut pas précéder la survenue"),
    ({"mairies": []}, "Cochez au moins une mairie concernée."),
    ({"type": ""}, "Choisissez le type d&#39;événement."),
])
def test_bad_input_comes_back_with_what_was_typed(app, client, login_as, overrides, message):
    login_as("cellule")
    response = client.post("/evenements/nouveau", data=form(
        lieu="Square de l'Église — côté rue d'Angoulême", **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "Rien n&#39;a été enregistré" in html or "Rien n'a été enregistré" in html
    assert "Square de l&#39;Église — côté rue d&#39;Angoulême" in html
    assert count(app, Evenement) == 0


def test_mairie_user_cannot_declare_for_another_mairie_only(app, client, login_as):
    login_as("responsable_care", mairie="11e")
    html = client.post("/evenements/nouveau", data=form(mairies=["12e"])).get_data(
        as_text=True)
    assert "Votre mairie doit faire partie des mairies concernées." in html
    assert count(app, Evenement) == 0


def test_agent_accueil_cannot_declare(client, login_as):
    login_as("agent_accueil", mairie="11e")
    assert client.get("/evenements/nouveau").status_code == 403
    assert client.post("/evenements/nouveau", data=form()).status_code == 403
    assert "Déclarer un événement" not in client.get("/evenements/").get_data(as_text=True)


def test_another_mairies_event_by_url_is_404(client, login_as, create_evenement):
    other = create_evenement(titre="Dans le 12e", mairies=("12e",))
    login_as("responsable_care", mairie="11e")
    assert client.get(f"/evenements/{other.id}").status_code == 404
    assert client.get(f"/evenements/{other.id}/modifier").status_code == 404
    assert client.post(f"/evenements/{other.id}/clore").status_code == 404
    assert client.post(f"/evenements/{other.id}/scop-informee",
                       data={"contact": "x", "informed_at": "2026-01-01T10:00"}
                       ).status_code == 404
    assert "Dans le 12e" not in client.get("/evenements/?statut=tous").get_data(as_text=True)


def test_agent_sees_but_cannot_edit_own_mairie_event(client, login_as, create_evenement):
    evenement = create_evenement(mairies=("11e",))
    login_as("agent_accueil", mairie="11e")
    assert client.get(f"/evenements/{evenement.id}").status_code == 200
    assert client.get(f"/evenements/{evenement.id}/modifier").status_code == 403
    assert client.post(f"/evenements/{evenement.id}/clore").status_code == 403


def test_scop_warning_until_recorded(app, client, login_as, create_evenement):
    evenement = create_evenement(source="exterieur", source_detail="Commissariat du 11e")
    login_as("responsable_care", mairie="11e")
    html = client.get(f"/evenements/{evenement.id}").get_data(as_text=True)
    assert 'data-testid="scop-warning"' in html and "SCOP non informée" in html
    assert "SCOP non informée" in client.get("/evenements/").get_data(as_text=True)
    response = client.post(f"/evenements/{evenement.id}/scop-informee", data={"contact": ""})
    assert response.status_code == 422
    assert "Indiquez qui a été prévenu à la SCOP." in response.get_data(as_text=True)
    response = client.post(f"/evenements/{evenement.id}/scop-informee", data={
        "contact": "Mme Lefèvre, opératrice", "informed_at": to_paris(utcnow()).strftime(
            "%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    html = client.get(f"/evenements/{evenement.id}").get_data(as_text=True)
    assert 'data-testid="scop-warning"' not in html
    assert "Mme Lefèvre, opératrice" in html
    history = html.split('id="historique"')[1]
    assert history.index("SCOP informée (Mme Lefèvre, opératrice)") < history.index("déclaré")
    assert get_db_object(app, Evenement, evenement.id).scop_informee_at is not None


def test_exercise_banner_on_its_pages(client, login_as, create_evenement):
    exercice = create_evenement(titre="Paris à 50°C", type="canicule", exercice=True)
    reel = create_evenement(titre="Vraie crise")
    login_as("cellule")
    html = client.get(f"/evenements/{exercice.id}").get_data(as_text=True)
    assert "exercice-banner" in html and "EXERCICE — EXERCICE" in html
    assert "— EXERCICE · Ville de Paris</title>" in html
    assert "exercice-banner" in client.get(f"/evenements/{exercice.id}/modifier").get_data(
        as_text=True)
    assert "exercice-banner" not in client.get(f"/evenements/{reel.id}").get_data(as_text=True)
    listing = client.get("/evenements/?nature=reels").get_data(as_text=True)
    assert "Vraie crise" in listing and "Paris à 50°C" not in listing


def test_edit_close_reopen_through_the_web(app, client, login_as, create_evenement):
    evenement = create_evenement(mairies=("11e",))
    login_as("responsable_care", mairie="11e")
    response = client.post(f"/evenements/{evenement.id}/modifier", data=form(
        titre="Incendie — bilan révisé", mairies=["11e"]))
    assert response.status_code == 302
    assert get_db_object(app, Evenement, evenement.id).titre == "Incendie — bilan révisé"
    client.post(f"/evenements/{evenement.id}/clore")
    assert get_db_object(app, Evenement, evenement.id).statut == "clos"
    assert "Incendie — bilan révisé" not in client.get("/evenements/").get_data(as_text=True)
    assert "Incendie — bilan révisé" in client.get("/evenements/?statut=clos").get_data(
        as_text=True)
    response = client.post(f"/evenements/{evenement.id}/clore", follow_redirects=True)
    assert "déjà clos" in response.get_data(as_text=True)
    client.post(f"/evenements/{evenement.id}/rouvrir")
    assert get_db_object(app, Evenement, evenement.id).statut == "en_cours"


def test_unknown_event_is_404(client, login_as):
    login_as("cellule")
    assert client.get("/evenements/424242").status_code == 404


def test_same_form_arriving_twice_at_the_same_instant(app, client, login_as, monkeypatch):
    """Our insert fails on the form token another request committed just before: the view
    retries once and finds that event instead of answering 500."""
    from crise.evenements import services
    from crise.extensions import db

    login_as("cellule")
    real, calls = services.declarer_evenement, []

    def racing(actor, data, *, jeton=None, now=None):
        calls.append(jeton)
        if len(calls) == 1:
            def same_form():
                return Evenement(titre=data.titre, type=data.type, survenu_at=data.survenu_at,
                                 source_information="scop", jeton_creation=jeton,
                                 created_by_id=actor.id, mairies=list(data.mairies))

            db.session.add(same_form())  # the other request, committed first
            db.session.commit()
            db.session.add(same_form())  # ours
            db.session.flush()  # raises IntegrityError: the token is taken
        return real(actor, data, jeton=jeton, now=now)

    monkeypatch.setattr(services, "declarer_evenement", racing)
    response = client.post("/evenements/nouveau", data=form(jeton="parallel"))
    assert response.status_code == 302 and calls == ["parallel", "parallel"]
    assert count(app, Evenement) == 1
