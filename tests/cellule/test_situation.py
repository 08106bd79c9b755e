"""Points de situation: figures filled in, own territory only, the mairies' board, synthesis."""

from datetime import timedelta

import pytest

from crise.auth.models import User
from crise.care import services as care_services
from crise.care.models import CentreAccueil
from crise.cellule import services, situation
from crise.cellule.models import PointSituation
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from tests.conftest import count


@pytest.fixture
def ctx(app, create_user, create_evenement, create_centre):
    evenement = create_evenement(mairies=("11e", "12e", "20e"))
    centre = create_centre(mairie="11e", evenement=evenement)
    m11 = create_user("responsable_care", mairie="11e")
    with app.app_context():
        care_services.enregistrer(db.session.get(User, m11.id),
                                  db.session.get(CentreAccueil, centre.id), [
            care_services.PersonneData(nom="Roux", categorie="sinistre"),
            care_services.PersonneData(nom="Roux", prenom="Léa", categorie="proche")])
        db.session.commit()
    return {"evenement": evenement, "m11": m11,
            "m12": create_user("responsable_care", mairie="12e"),
            "m15": create_user("responsable_care", mairie="15e"),
            "agent": create_user("agent_accueil", mairie="11e"),
            "cellule": create_user("cellule")}


def u(ctx, name):
    return db.session.get(User, ctx[name].id)


def ev(ctx):
    return db.session.get(Evenement, ctx["evenement"].id)


def test_point_carries_the_figures_of_the_mairie(app, ctx):
    with app.app_context():
        point, _ = situation.envoyer(u(ctx, "m11"), ev(ctx), situation.PointData(
            situation="Incendie maîtrisé, 2 personnes au C.A.RE", besoins="Lits de camp"))
        assert point.chiffres["care_ouverts"] == 1 and point.chiffres["presents_total"] == 2
        assert point.chiffres["presents"]["proche"] == 1
        assert any(e.type == "point_situation" for e in db.session.scalars(
            services.main_courante_query(ev(ctx), services.Filtres())))


@pytest.mark.parametrize("who, message", [
    ("m15", "ne concerne pas votre mairie"), ("agent", "responsable de crise"),
    ("cellule", "responsable de crise")])
def test_only_a_concerned_mairie_reports_for_itself(app, ctx, who, message):
    with app.app_context():
        with pytest.raises(ServiceError, match=message):
            situation.envoyer(u(ctx, who), ev(ctx), situation.PointData(situation="x"))


def test_board_up_to_date_late_missing(app, ctx):
    with app.app_context():
        now = utcnow()
        situation.envoyer(u(ctx, "m11"), ev(ctx), situation.PointData(situation="RAS"), now=now)
        situation.envoyer(u(ctx, "m12"), ev(ctx), situation.PointData(situation="Calme"),
                          now=now - timedelta(hours=5))
        etats = {ligne.mairie.code: ligne.etat for ligne in situation.etat_des_points(ev(ctx), now)}
        # Nothing was due yet from the 20e: expected, not « missing » in red.
        assert etats == {"11e": "a_jour", "12e": "en_retard", "20e": "attendu"}
        later = {ligne.mairie.code: ligne.etat
                 for ligne in situation.etat_des_points(ev(ctx), now + timedelta(hours=5))}
        assert later["20e"] == "manquant"
        activation = services.activer(u(ctx, "cellule"), ev(ctx))
        situation.definir_rythme(u(ctx, "cellule"), activation, 360)
        etats = {ligne.mairie.code: ligne.etat for ligne in situation.etat_des_points(ev(ctx), now)}
        assert etats["12e"] == "a_jour"
        data = situation.synthese(ev(ctx), now)
        assert data["totaux"]["presents_total"] == 2 and data["totaux"]["care_ouverts"] == 1


def test_point_through_the_web(app, client, auth, ctx):
    auth.login(ctx["m11"])
    url = f"/cellule/evenements/{ctx['evenement'].id}/point"
    page = client.get(url).get_data(as_text=True)
    assert "C.A.RE ouverts</dt><dd>1" in page
    html = client.post(url, data={"situation": "", "besoins": "Eau pour l'après-midi",
                                  "jeton": "p1"}).get_data(as_text=True)
    assert "Décrivez la situation sur votre territoire." in html
    assert "Eau pour l&#39;après-midi" in html
    response = client.post(url, data={"situation": "Feu éteint", "jeton": "p1"})
    assert response.status_code == 302
    client.post(url, data={"situation": "Feu éteint", "jeton": "p1"})  # sent twice
    assert count(app, PointSituation) == 1
    auth.logout()
    auth.login(ctx["m12"])  # another mairie reads nothing of it
    assert client.get(response.headers["Location"]).status_code == 404
    auth.logout()
    auth.login(ctx["cellule"])
    board = client.get(f"/cellule/evenements/{ctx['evenement'].id}/points").get_data(
        as_text=True)
    assert "À jour" in board and "Premier point attendu" in board and "Manquant" not in board
    fragment = client.get(f"/cellule/evenements/{ctx['evenement'].id}/points/tableau")
    assert 'data-testid="point-11e"' in fragment.get_data(as_text=True)
    synth = client.get(f"/cellule/evenements/{ctx['evenement'].id}/synthese").get_data(
        as_text=True)
    assert "Feu éteint" in synth and "Aucun point de situation reçu." in synth


def test_the_synthesis_keeps_earlier_needs_in_sight(app, ctx):
    """The last point said nothing of the blankets asked for at 18:00: they stay shown."""
    with app.app_context():
        now = utcnow()
        situation.envoyer(u(ctx, "m11"), ev(ctx), situation.PointData(
            situation="40 sinistrés", besoins="80 couvertures, un interprète en tamoul"),
            now=now - timedelta(hours=3))
        situation.envoyer(u(ctx, "m11"), ev(ctx), situation.PointData(
            situation="Calme", besoins="Des lits de camp"), now=now)
        ligne = next(l for l in situation.synthese(ev(ctx), now)["lignes"]
                     if l.mairie.code == "11e")
        assert [p.besoins for p in ligne.besoins_precedents] == [
            "80 couvertures, un interprète en tamoul"]
