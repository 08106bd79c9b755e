"""SCOP requests through the web: the mairie asks, the SCOP handles, both see the same truth."""

import re

import pytest
import sqlalchemy as sa

from crise.extensions import db
from crise.scop.models import DemandeScop, EtapeDemande
from tests.conftest import count, get_db_object


def vpu_form(**overrides):
    data = {"urgence": "heure", "articles-couvertures": "80", "articles-eau": "24",
            "articles-hygiene": "", "nb_personnes": "12", "centre": "", "lieu": "Gymnase Japy",
            "contact": "Claire Dupont 06 11 22 33 44", "jeton": "jeton-vpu-1"}
    data.update(overrides)
    return data


def soon(hours=2):
    """An estimated arrival a couple of hours ahead, as typed in Paris."""
    from datetime import datetime, timedelta

    from crise.formatting import PARIS

    return (datetime.now(PARIS) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def act(client, app, demande_id, action, follow_redirects=False, **data):
    """Post an action from the request's page as it stands (with its version)."""
    version = get_db_object(app, DemandeScop, demande_id).version
    return client.post(f"/scop/demandes/{demande_id}/{action}",
                       data={"version": version, **data}, follow_redirects=follow_redirects)



@pytest.fixture
def scene(app, create_user, create_evenement, create_centre):
    evenement = create_evenement(titre="Incendie rue Oberkampf", mairies=("11e",))
    centre = create_centre(mairie="11e", evenement=evenement)
    return {"evenement": evenement, "centre": centre,
            "mairie": create_user("responsable_care", mairie="11e", nom="Claire Dupont"),
            "op1": create_user("scop", nom="Opérateur Un"),
            "op2": create_user("scop", nom="Opérateur Deux")}


def ask_vpu(client, auth, scene, **overrides):
    auth.login(scene["mairie"])
    response = client.post(f"/scop/evenements/{scene['evenement'].id}/demander/vpu",
                           data=vpu_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_mairie_sends_a_vpu_request_to_a_care_and_sees_it_on_the_event(app, client, auth,
                                                                       scene):
    auth.login(scene["mairie"])
    page = client.get(f"/evenements/{scene['evenement'].id}").get_data(as_text=True)
    assert "Demander le VPU" in page and "Demander l'UMIP" in page
    assert "CUMP" in page and "Préfecture ou le SAMU" in page  # information, no request
    assert "/demander/cump" not in page
    form = client.get(f"/scop/evenements/{scene['evenement'].id}/demander/vpu")
    assert f'<option selected value="{scene["centre"].id}">C.A.RE Gymnase Japy' in \
        form.get_data(as_text=True)
    demande_id = ask_vpu(client, auth, scene, centre=str(scene["centre"].id), lieu="")
    auth.login(scene["mairie"])
    demande = get_db_object(app, DemandeScop, demande_id)
    assert demande.contenu["articles"] == {"couvertures": 80, "eau": 24}
    assert demande.centre_id == scene["centre"].id and demande.statut == "nouvelle"
    html = client.get(f"/scop/demandes/{demande_id}").get_data(as_text=True)
    assert "80 Couvertures, 24 Eau (bouteilles)" in html and "C.A.RE Gymnase Japy" in html
    fragment = client.get(f"/scop/evenements/{scene['evenement'].id}/demandes")
    assert "VPU — prestations d&#39;urgence" in fragment.get_data(as_text=True)
    assert "Nouvelle" in fragment.get_data(as_text=True)


def test_double_submission_creates_one_request(app, client, auth, scene):
    first = ask_vpu(client, auth, scene)
    second = ask_vpu(client, auth, scene)
    assert first == second and count(app, DemandeScop) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"articles-couvertures": "-3"}, "Entre 0 et 10000."),
    ({"articles-couvertures": "1000000000"}, "Entre 0 et 10000."),
    ({"articles-couvertures": "", "articles-eau": ""}, "Indiquez au moins un article"),
    ({"nb_personnes": ""}, "Indiquez le nombre de personnes concernées."),
    ({"lieu": "", "centre": ""}, "Indiquez où"),
    ({"articles-autre": "3", "autre_detail": ""}, "Précisez ce que recouvre"),
])
def test_bad_vpu_requests_come_back_with_what_was_typed(app, client, auth, scene, overrides,
                                                        message):
    auth.login(scene["mairie"])
    response = client.post(f"/scop/evenements/{scene['evenement'].id}/demander/vpu",
                           data=vpu_form(**{"autre_detail": "Lait infantile l'été",
                                            **overrides}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message.replace("'", "&#39;") in html
    assert 'class="form-errors"' in html  # said at the top, the fields keep what was typed
    assert 'value="12"' in html or overrides.get("nb_personnes") == ""
    assert "Lait infantile l&#39;été" in html or overrides.get("autre_detail") == ""
    assert count(app, DemandeScop) == 0


def test_umip_request_needs_people_and_a_contact(app, client, auth, scene):
    auth.login(scene["mairie"])
    url = f"/scop/evenements/{scene['evenement'].id}/demander/umip"
    html = client.post(url, data={"urgence": "immediate", "impliques": "", "contact": "",
                                  "nature": "Incendie d'immeuble", "jeton": "u1",
                                  "centre": str(scene["centre"].id)}).get_data(as_text=True)
    assert "Indiquez un contact sur place" in html and "Incendie d&#39;immeuble" in html
    response = client.post(url, data={"urgence": "immediate", "impliques": "14", "enfants": "3",
                                      "contact": "Mme Lefèvre 06 12 34 56 78", "jeton": "u1",
                                      "centre": str(scene["centre"].id), "nature": "Incendie"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "14 impliqués, 3 enfants" in page and "Mme Lefèvre 06 12 34 56 78" in page


def test_signalement_clears_the_warning_on_the_event_page(app, client, auth, create_user,
                                                          create_evenement):
    evenement = create_evenement(mairies=("11e",), source="exterieur")
    auth.login(create_user("responsable_care", mairie="11e"))
    page = client.get(f"/evenements/{evenement.id}").get_data(as_text=True)
    assert "SCOP non informée" in page and "envoyer un signalement" in page
    client.post(f"/scop/evenements/{evenement.id}/demander/signalement", data={
        "urgence": "immediate", "texte": "Incendie au 12 rue Oberkampf, 3 étages touchés",
        "source": "Commissariat du 11e", "jeton": "s1"})
    page = client.get(f"/evenements/{evenement.id}").get_data(as_text=True)
    assert "SCOP non informée" not in page and "Signalement transmis" in page


def test_scop_queue_take_engage_and_mairie_sees_progress(app, client, auth, scene):
    demande_id = ask_vpu(client, auth, scene, urgence="journee")
    urgent_id = ask_vpu(client, auth, scene, urgence="immediate", jeton="autre")
    auth.login(scene["op1"])
    queue = client.get("/scop/").get_data(as_text=True)
    assert queue.index(f"file-{urgent_id}") < queue.index(f"file-{demande_id}")
    assert "Mairie du 11e" in queue or "11e" in queue
    act(client, app, demande_id, "prendre")
    demande = get_db_object(app, DemandeScop, demande_id)
    assert demande.statut == "prise_en_compte" and demande.operateur_id == scene["op1"].id
    eta = soon()
    response = act(client, app, demande_id, "statut", vers="engagee", arrivee_estimee_at=eta)
    assert response.status_code == 302
    act(client, app, demande_id, "note", reference="SCOP-2026-0042", texte="")
    auth.logout()
    auth.login(scene["mairie"])
    etat = client.get(f"/scop/demandes/{demande_id}/etat").get_data(as_text=True)
    shown = f"{eta[8:10]}/{eta[5:7]}/{eta[:4]} {eta[11:]}"
    assert "Engagée" in etat and shown in etat and "Opérateur Un" in etat
    assert "Référence SCOP : SCOP-2026-0042" in etat
    board = client.get(f"/scop/evenements/{scene['evenement'].id}/demandes").get_data(
        as_text=True)
    assert "réf. SCOP-2026-0042" in board and "Délais moyens" in board


def test_engaging_needs_an_arrival_time_and_keeps_the_form(app, client, auth, scene):
    demande_id = ask_vpu(client, auth, scene)
    auth.login(scene["op1"])
    act(client, app, demande_id, "prendre")
    response = act(client, app, demande_id, "statut", vers="engagee", arrivee_estimee_at="",
                   texte="Départ du dépôt d'Ivry")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Indiquez l&#39;heure d&#39;arrivée estimée." in html
    assert "Départ du dépôt d&#39;Ivry" in html
    assert get_db_object(app, DemandeScop, demande_id).statut == "prise_en_compte"
    html = act(client, app, demande_id, "statut", vers="engagee",
               arrivee_estimee_at="2026-02-30T10:00").get_data(as_text=True)
    assert "Date ou heure invalide" in html
    html = act(client, app, demande_id, "statut", vers="engagee",
               arrivee_estimee_at="2028-01-01T10:00").get_data(as_text=True)
    assert "dans les 48 heures" in html


def test_forbidden_jump_is_refused(app, client, auth, scene):
    demande_id = ask_vpu(client, auth, scene)
    auth.login(scene["op1"])
    act(client, app, demande_id, "prendre")
    for vers, eta in (("engagee", soon()), ("terminee", "")):
        act(client, app, demande_id, "statut", vers=vers, arrivee_estimee_at=eta)
    assert get_db_object(app, DemandeScop, demande_id).statut == "terminee"
    html = act(client, app, demande_id, "statut", vers="engagee",
               arrivee_estimee_at=soon()).get_data(as_text=True)
    assert "Passage impossible : « Terminée » → « Engagée »." in html
    assert get_db_object(app, DemandeScop, demande_id).statut == "terminee"


def test_second_operator_on_a_stale_page_is_told_and_changes_nothing(app, client, auth, scene):
    demande_id = ask_vpu(client, auth, scene)
    version = get_db_object(app, DemandeScop, demande_id).version
    auth.login(scene["op1"])
    client.post(f"/scop/demandes/{demande_id}/prendre", data={"version": version})
    auth.logout()
    auth.login(scene["op2"])
    # op2 clicks « Prendre » on the queue he loaded before op1 took it.
    response = client.post(f"/scop/demandes/{demande_id}/prendre", data={"version": version},
                           follow_redirects=True)
    assert "Cette demande a changé depuis l&#39;affichage de la page" in response.get_data(
        as_text=True)
    # From a page shown after op1 took it: the service says who has it.
    response = act(client, app, demande_id, "prendre", follow_redirects=True)
    assert "Demande déjà prise par Opérateur Un" in response.get_data(as_text=True)
    assert get_db_object(app, DemandeScop, demande_id).operateur_id == scene["op1"].id
    # A post without the page's version was not sent by the page: refused as stale.
    response = client.post(f"/scop/demandes/{demande_id}/prendre",
                           data={"reprendre": "1"}, follow_redirects=True)
    assert "Cette demande a changé" in response.get_data(as_text=True)
    assert get_db_object(app, DemandeScop, demande_id).operateur_id == scene["op1"].id
    # Taking over is explicit, and it is in the history.
    act(client, app, demande_id, "prendre", reprendre="1")
    assert get_db_object(app, DemandeScop, demande_id).operateur_id == scene["op2"].id
    with app.app_context():
        textes = db.session.scalars(sa.select(EtapeDemande.texte).where(
            EtapeDemande.demande_id == demande_id).order_by(EtapeDemande.id)).all()
    assert textes[-1] == "Reprise à Opérateur Un"


def test_counter_proposal_answered_by_the_mairie(app, client, auth, scene):
    demande_id = ask_vpu(client, auth, scene)
    auth.login(scene["op1"])
    act(client, app, demande_id, "prendre")
    act(client, app, demande_id, "statut", vers="contre_proposition",
        texte="40 couvertures au lieu de 80")
    auth.logout()
    auth.login(scene["mairie"])
    html = client.get(f"/scop/demandes/{demande_id}").get_data(as_text=True)
    assert "Contre-proposition de la SCOP" in html and "40 couvertures au lieu de 80" in html
    board = client.get(f"/evenements/{scene['evenement'].id}").get_data(as_text=True)
    assert "À vous de répondre :" in board and "40 couvertures au lieu de 80" in board
    act(client, app, demande_id, "contre-proposition", reponse="accepter",
        texte="D'accord, merci")
    demande = get_db_object(app, DemandeScop, demande_id)
    assert demande.statut == "prise_en_compte"


def test_mairie_cancels_and_scop_cannot_act_any_more(app, client, auth, scene):
    demande_id = ask_vpu(client, auth, scene)
    auth.login(scene["mairie"])
    act(client, app, demande_id, "annuler", texte="Plus nécessaire")
    assert get_db_object(app, DemandeScop, demande_id).statut == "annulee"
    auth.logout()
    auth.login(scene["op1"])
    assert f"file-{demande_id}" not in client.get("/scop/").get_data(as_text=True)
    assert f"file-{demande_id}" in client.get("/scop/?vue=closes").get_data(as_text=True)
    response = act(client, app, demande_id, "prendre", follow_redirects=True)
    assert "Cette demande est close." in response.get_data(as_text=True)


def test_another_mairie_cannot_read_or_act_on_the_request(app, client, auth, scene,
                                                          create_user):
    demande_id = ask_vpu(client, auth, scene)
    auth.login(create_user("responsable_care", mairie="12e"))
    for url in (f"/scop/demandes/{demande_id}", f"/scop/demandes/{demande_id}/etat"):
        assert client.get(url).status_code == 404
    assert client.post(f"/scop/demandes/{demande_id}/annuler").status_code == 404
    assert client.get(f"/scop/evenements/{scene['evenement'].id}/demandes").status_code == 404
    assert get_db_object(app, DemandeScop, demande_id).statut == "nouvelle"


def test_roles_that_may_not_use_the_scop_screens(app, client, auth, scene, create_user):
    demande_id = ask_vpu(client, auth, scene)
    auth.login(create_user("agent_accueil", mairie="11e"))
    assert client.get(f"/scop/demandes/{demande_id}").status_code == 200  # reads its mairie's
    assert client.get("/scop/").status_code == 403
    assert client.get(f"/scop/evenements/{scene['evenement'].id}/demander/vpu").status_code \
        == 403
    response = act(client, app, demande_id, "prendre", follow_redirects=True)
    assert "Seule la SCOP prend en charge" in response.get_data(as_text=True)
    auth.logout()
    auth.login(scene["op1"])
    assert client.get(f"/scop/evenements/{scene['evenement'].id}/demander/vpu").status_code \
        == 403
    auth.logout()
    auth.login(create_user("dsol"))  # a central role that has no business with the SCOP
    assert client.get(f"/scop/evenements/{scene['evenement'].id}/demandes").status_code == 403
    assert client.get(f"/scop/demandes/{demande_id}").status_code == 404


def test_request_on_a_closed_event_is_refused(app, client, auth, scene):
    from crise.evenements.models import Evenement
    from crise.evenements import services as ev_services
    from crise.auth.models import User

    with app.app_context():
        ev_services.clore_evenement(db.session.get(User, scene["mairie"].id),
                                    db.session.get(Evenement, scene["evenement"].id))
        db.session.commit()
    auth.login(scene["mairie"])
    html = client.post(f"/scop/evenements/{scene['evenement'].id}/demander/vpu",
                       data=vpu_form()).get_data(as_text=True)
    assert "Cet événement est clos : plus de demande à la SCOP." in html
    assert count(app, DemandeScop) == 0


def test_queue_filters_by_type_and_free_requests(app, client, auth, scene):
    vpu_id = ask_vpu(client, auth, scene)
    auth.login(scene["mairie"])
    client.post(f"/scop/evenements/{scene['evenement'].id}/demander/umip", data={
        "urgence": "heure", "impliques": "4", "contact": "M. Martin", "jeton": "u2",
        "centre": str(scene["centre"].id)})
    auth.logout()
    auth.login(scene["op1"])
    html = client.get("/scop/file?type=umip").get_data(as_text=True)
    assert "UMIP" in html and f"file-{vpu_id}" not in html
    act(client, app, vpu_id, "prendre")
    html = client.get("/scop/?libres=1").get_data(as_text=True)
    assert f"file-{vpu_id}" not in html and re.search(r"file-\d+", html)


def test_back_then_send_again_makes_one_request_and_says_so(app, client, auth, scene):
    """The form's token changes on Back; the same content a moment later is recognised."""
    first = ask_vpu(client, auth, scene)
    auth.login(scene["mairie"])
    response = client.post(f"/scop/evenements/{scene['evenement'].id}/demander/vpu",
                           data=vpu_form(jeton="after-back"), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Cette demande avait déjà été envoyée (n° {first}" in html
    assert count(app, DemandeScop) == 1
    assert "Claire Dupont 06 11 22 33 44" in client.get(f"/scop/demandes/{first}").get_data(
        as_text=True)  # the on-site contact to call back


def test_a_late_request_is_marked_in_the_queue(app, client, auth, scene):
    from datetime import timedelta

    from crise.db import utcnow

    demande_id = ask_vpu(client, auth, scene, urgence="immediate")
    with app.app_context():
        db.session.get(DemandeScop, demande_id).created_at = utcnow() - timedelta(minutes=25)
        db.session.commit()
    auth.login(scene["op1"])
    html = client.get("/scop/file").get_data(as_text=True)
    row = html[html.index(f'data-testid="file-{demande_id}"'):]
    assert "row--late" in html and "Non prise au-delà du délai" in row[:1500]


def test_closing_an_event_with_an_untaken_immediate_request_asks_first(app, client, auth,
                                                                       scene):
    ask_vpu(client, auth, scene, urgence="immediate")
    auth.login(scene["mairie"])
    evenement_id = scene["evenement"].id
    page = client.get(f"/evenements/{evenement_id}").get_data(as_text=True)
    assert "1 demande(s) « Immédiate » n'ont pas encore été prises" in page
    response = client.post(f"/evenements/{evenement_id}/clore", follow_redirects=True)
    assert "attendent encore d&#39;être prises par la SCOP" in response.get_data(as_text=True)
    from crise.evenements.models import Evenement

    assert get_db_object(app, Evenement, evenement_id).en_cours
    client.post(f"/evenements/{evenement_id}/clore", data={"malgre_demandes": "1"})
    assert not get_db_object(app, Evenement, evenement_id).en_cours
