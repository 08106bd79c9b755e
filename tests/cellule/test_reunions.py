"""Meetings: scheduled ahead, agenda from what is open, minutes, decisions taken in them."""

from datetime import timedelta

import pytest

from crise.auth.models import User
from crise.cellule import reunions, services
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import mairie_by_code


@pytest.fixture
def ctx(app, create_user, create_evenement):
    return {"evenement": create_evenement(mairies=("12e", "13e")),
            "cellule": create_user("cellule", nom="Chef de salle"),
            "m12": create_user("responsable_care", mairie="12e")}


def u(ctx, name):
    return db.session.get(User, ctx[name].id)


def ev(ctx):
    return db.session.get(Evenement, ctx["evenement"].id)


def test_a_meeting_in_the_past_is_refused(app, ctx):
    with app.app_context():
        with pytest.raises(ServiceError) as error:
            reunions.planifier(u(ctx, "cellule"), ev(ctx), type="suivi",
                               debut_at=utcnow() - timedelta(hours=1))
        assert error.value.field == "debut_at"
        with pytest.raises(ServiceError, match="cellule"):
            reunions.planifier(u(ctx, "m12"), ev(ctx), type="suivi",
                               debut_at=utcnow() + timedelta(hours=1))


def test_agenda_minutes_and_decisions_of_a_meeting(app, ctx):
    with app.app_context():
        now = utcnow()
        reunion = reunions.planifier(u(ctx, "cellule"), ev(ctx), type="synthese",
                                     debut_at=now + timedelta(minutes=10), lieu="Salle Lobau")
        assert reunions.prochaine(ev(ctx), now) == reunion
        decision, _ = services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
            texte="Fermer les berges", mairies=[mairie_by_code("12e")],
            echeance_at=now + timedelta(minutes=5)), reunion_id=reunion.id, now=now)
        later = now + timedelta(hours=5)  # past the deadline, and past the first points due
        agenda = reunions.ordre_du_jour(ev(ctx), later)
        assert any(p.startswith(f"Décision n° {decision.id} en retard (12e)") for p in agenda)
        assert any("Points de situation en retard ou manquants : 12e, 13e" in p
                   for p in agenda)
        with pytest.raises(ServiceError) as error:
            reunions.compte_rendu(u(ctx, "cellule"), reunion, participants="", mairies=[],
                                  texte="x", now=later)
        assert error.value.field == "participants"
        reunions.compte_rendu(u(ctx, "cellule"), reunion, participants="M. Blanc (DPE)",
                              mairies=[mairie_by_code("12e")], texte="Berges fermées à 18 h",
                              now=later)
        assert reunion.tenue_at == later and reunion.mairies_presentes == ["12e"]
        assert reunion.ordre_du_jour == agenda and reunion.decisions == [decision]
        assert reunions.prochaine(ev(ctx), later) is None


def test_meeting_through_the_web(app, client, auth, ctx):
    auth.login(ctx["cellule"])
    evenement_id = ctx["evenement"].id
    html = client.post(f"/cellule/evenements/{evenement_id}/reunions", data={
        "type": "suivi", "debut_at": "2020-01-01T10:00", "lieu": "Salle de crise"}
    ).get_data(as_text=True)
    assert "une réunion se planifie à venir" in html and 'value="Salle de crise"' in html
    soon = (utcnow() + timedelta(hours=26)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/cellule/evenements/{evenement_id}/reunions", data={
        "type": "suivi", "debut_at": soon, "lieu": "Salle de crise"})
    assert response.status_code == 302
    reunion_url = response.headers["Location"]
    reunion_id = int(reunion_url.rsplit("/", 1)[1])
    response = client.post(f"/cellule/reunions/{reunion_id}/decisions", data={
        "d-texte": "Pré-positionner des pompes", "d-mairies": ["13e"], "d-jeton": "r1"})
    assert response.status_code == 302
    page = client.get(reunion_url).get_data(as_text=True)
    assert "Pré-positionner des pompes" in page and "Ordre du jour" in page
    log_url = f"/cellule/evenements/{evenement_id}/main-courante"
    assert f'value="reunion:{reunion_id}"' in client.get(log_url).get_data(as_text=True)
    client.post(log_url, data={"type": "information", "priorite": "normale",
                               "texte": "Ordre du jour diffusé aux mairies",
                               "objet": f"reunion:{reunion_id}"})
    assert f'href="/cellule/reunions/{reunion_id}">réunion</a>' in client.get(
        log_url + "?origine=humain").get_data(as_text=True)
    # The event was just declared: no point de situation is due yet, none is « missing ».
    assert "Points de situation en retard ou manquants" not in page
    auth.logout()
    auth.login(ctx["m12"])  # the mairies see when the next meeting is
    assert "Prochaine réunion de la cellule centrale" in client.get(
        f"/evenements/{evenement_id}").get_data(as_text=True)
    assert client.get(reunion_url).status_code == 403


def test_minutes_keep_every_version_and_wait_for_the_meeting(app, ctx):
    with app.app_context():
        now = utcnow()
        reunion = reunions.planifier(u(ctx, "cellule"), ev(ctx), type="suivi",
                                     debut_at=now + timedelta(minutes=20))
        with pytest.raises(ServiceError, match="pas encore commencé"):
            reunions.compte_rendu(u(ctx, "cellule"), reunion, participants="DPE", mairies=[],
                                  texte="Écrit d'avance", now=now)
        later = now + timedelta(minutes=40)
        reunions.compte_rendu(u(ctx, "cellule"), reunion, participants="DPE", mairies=[],
                              texte="Berges fermées", now=later)
        reunions.compte_rendu(u(ctx, "cellule"), reunion, participants="DPE", mairies=[],
                              texte="Berges fermées", now=later)  # unchanged: no version
        reunions.compte_rendu(u(ctx, "cellule"), reunion, participants="DPE, DSOL",
                              mairies=[], texte="Berges fermées à 18 h, RER C fermé",
                              now=later + timedelta(minutes=5))
        assert [v.texte for v in reunion.versions] == [
            "Berges fermées", "Berges fermées à 18 h, RER C fermé"]
        assert reunion.versions[0].auteur_nom == "Chef de salle"
        assert reunion.compte_rendu == "Berges fermées à 18 h, RER C fermé"
