"""Housing through the web: open from the person page, house, extend, move, lists, scope."""

import re
from datetime import timedelta

import pytest

from crise.audit.models import AuditEntry
from crise.hebergement import services
from crise.hebergement.models import DossierHebergement, Solution
from tests.conftest import count, get_db_object


def dossier_form(**overrides):
    data = {"logement_habitable": "non", "nb_personnes": "4", "nb_enfants": "2",
            "besoins": ["animaux"], "animaux_detail": "un chien (labrador)", "nb_nuits": "3",
            "secteur_souhaite": "Près de l'école Parmentier", "notes": "", "jeton": "d1"}
    data.update(overrides)
    return data


def d(day):
    return day.strftime("%Y-%m-%d")


def open_dossier(client, auth, famille, **overrides):
    auth.login(famille["dsol"])
    response = client.post(f"/hebergement/personnes/{famille['ids'][3]}/ouvrir",
                           data=dossier_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_person_page_leads_to_the_household_dossier(app, client, auth, famille):
    auth.login(famille["dsol"])
    page = client.get(f"/care/personnes/{famille['ids'][0]}").get_data(as_text=True)
    assert "Besoin d'hébergement du foyer" in page
    form = client.get(f"/hebergement/personnes/{famille['ids'][0]}/ouvrir").get_data(
        as_text=True)
    assert 'value="4"' in form and 'value="2"' in form  # counted from the household
    assert "N&#39;DIAYE Awa" in form  # the dog said at the desk is ticked already
    assert re.search(r'<input checked[^>]*value="animaux"', form)
    dossier_id = open_dossier(client, auth, famille)
    html = client.get(f"/hebergement/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Sans solution pour la nuit" in html and "un chien (labrador)" in html
    assert "Près de l&#39;école Parmentier" in html
    # From any member's page, the same dossier.
    assert client.get(f"/hebergement/personnes/{famille['ids'][1]}/ouvrir").headers[
        "Location"].endswith(f"/hebergement/dossiers/{dossier_id}")
    assert count(app, AuditEntry, AuditEntry.object_type == "hebergement",
                 AuditEntry.action == "view") == 1


def test_double_submission_opens_one_dossier(app, client, auth, famille):
    first = open_dossier(client, auth, famille)
    second = open_dossier(client, auth, famille)
    assert first == second and count(app, DossierHebergement) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"nb_nuits": "0"}, "Entre 1 et 365."),
    ({"nb_nuits": ""}, "Indiquez le nombre de nuits."),
    ({"nb_personnes": "-3"}, "Entre 1 et 50."),
    ({"animaux_detail": ""}, "Précisez les animaux"),
    ({"nb_enfants": "9"}, "Pas plus d&#39;enfants que de personnes."),
])
def test_bad_dossier_input_keeps_what_was_typed(app, client, auth, famille, overrides,
                                                message):
    auth.login(famille["dsol"])
    response = client.post(f"/hebergement/personnes/{famille['ids'][0]}/ouvrir",
                           data=dossier_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert "Près de l&#39;école Parmentier" in html
    assert count(app, DossierHebergement) == 0


def test_house_extend_and_move_through_the_forms(app, client, auth, famille):
    dossier_id = open_dossier(client, auth, famille)
    nuit = services.nuit_en_cours()
    page = client.get(f"/hebergement/dossiers/{dossier_id}").get_data(as_text=True)
    assert f'value="{d(nuit)}"' in page and f'value="{d(nuit + timedelta(days=3))}"' in page
    response = client.post(f"/hebergement/dossiers/{dossier_id}/heberger", data={
        "type": "hotel", "lieu": "Hôtel Ibis Bastille", "adresse": "15 rue Bréguet",
        "du": d(nuit), "au": d(nuit + timedelta(days=3)), "chambres": "2", "lits": "4"})
    assert response.status_code == 302
    solution = get_db_object(app, Solution, 1)
    response = client.post(f"/hebergement/solutions/{solution.id}/prolonger", data={
        "prolonger-au": d(nuit + timedelta(days=1))})
    assert response.status_code == 422
    assert "Pour prolonger, choisissez une date après le" in response.get_data(as_text=True)
    client.post(f"/hebergement/solutions/{solution.id}/prolonger", data={
        "prolonger-au": d(nuit + timedelta(days=5))})
    assert get_db_object(app, Solution, solution.id).nuits == 5
    client.post(f"/hebergement/solutions/{solution.id}/deplacer", data={
        "type": "centre_urgence", "lieu": "CHU Saint-Michel", "du": d(nuit + timedelta(days=1)),
        "au": d(nuit + timedelta(days=8))})
    html = client.get(f"/hebergement/dossiers/{dossier_id}").get_data(as_text=True)
    assert "Ce soir : Hôtel — Hôtel Ibis Bastille" in html
    assert "Déplacé de Hôtel Ibis Bastille vers CHU Saint-Michel" in html


def test_end_date_before_start_is_refused(app, client, auth, famille):
    dossier_id = open_dossier(client, auth, famille)
    nuit = services.nuit_en_cours()
    response = client.post(f"/hebergement/dossiers/{dossier_id}/heberger", data={
        "type": "gymnase", "lieu": "Gymnase Japy", "du": d(nuit),
        "au": d(nuit - timedelta(days=1))})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "La date de départ doit suivre" in html
    assert 'value="Gymnase Japy"' in html
    response = client.post(f"/hebergement/dossiers/{dossier_id}/heberger", data={
        "type": "gymnase", "lieu": "Gymnase Japy", "du": "2026-02-30", "au": ""})
    html = response.get_data(as_text=True)
    assert "Indiquez la date de départ." in html and count(app, Solution) == 0


def test_tonight_list_totals_and_exports(app, client, auth, famille):
    dossier_id = open_dossier(client, auth, famille)
    evenement_id = get_db_object(app, DossierHebergement, dossier_id).evenement_id
    index = client.get("/evenements/").get_data(as_text=True)  # one click from the start
    assert f'href="/hebergement/evenements/{evenement_id}"' in index
    board = client.get(f"/hebergement/evenements/{evenement_id}").get_data(as_text=True)
    assert f'data-testid="dossier-{dossier_id}"' in board and "Aucune solution" in board
    nuit = services.nuit_en_cours()
    client.post(f"/hebergement/dossiers/{dossier_id}/heberger", data={
        "type": "proche", "lieu": "Chez la sœur de Mme N'Diaye", "du": d(nuit),
        "au": d(nuit + timedelta(days=3)), "lits": "4"})
    board = client.get(f"/hebergement/evenements/{evenement_id}").get_data(as_text=True)
    assert "Tous les foyers recensés ont une solution pour ce soir." in board
    heberges = client.get(f"/hebergement/evenements/{evenement_id}?vue=heberges").get_data(
        as_text=True)
    assert "Chez la sœur de Mme N&#39;Diaye" in heberges
    response = client.get(f"/hebergement/evenements/{evenement_id}/export/heberges.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Chez la sœur de Mme N'Diaye" in response.data.decode("utf-8-sig")
    assert client.get(f"/hebergement/evenements/{evenement_id}/export/x.csv").status_code \
        == 404
    assert count(app, AuditEntry, AuditEntry.action == "export") == 1
    event_page = client.get(f"/evenements/{evenement_id}").get_data(as_text=True)
    assert "4 personne(s) hébergée(s) ce soir" in event_page


def test_dlh_evaluates_rehousing(app, client, auth, famille):
    dossier_id = open_dossier(client, auth, famille)
    client.post(f"/hebergement/dossiers/{dossier_id}/relogement", data={
        "relogement-texte": "Appartement inhabitable pour des mois"})
    auth.logout()
    auth.login(famille["dlh"])
    html = client.get(f"/hebergement/dossiers/{dossier_id}").get_data(as_text=True)
    assert "À évaluer" in html and "Appartement inhabitable" in html
    response = client.post(f"/hebergement/dossiers/{dossier_id}/relogement/note", data={
        "note-statut": "sans_suite", "note-texte": ""})
    assert response.status_code == 422
    assert "Expliquez pourquoi" in response.get_data(as_text=True)
    client.post(f"/hebergement/dossiers/{dossier_id}/relogement/note", data={
        "note-statut": "proposition", "note-texte": "T4 proposé, visite jeudi"})
    evenement_id = get_db_object(app, DossierHebergement, dossier_id).evenement_id
    liste = client.get(f"/hebergement/evenements/{evenement_id}?vue=relogement"
                       "&statut=proposition").get_data(as_text=True)
    assert "Proposition faite" in liste and "T4 proposé, visite jeudi" in liste
    # DLH reads, but does not house.
    nuit = services.nuit_en_cours()
    assert client.post(f"/hebergement/dossiers/{dossier_id}/heberger", data={
        "type": "hotel", "lieu": "X", "du": d(nuit), "au": d(nuit + timedelta(days=1))}
    ).status_code == 403


def test_another_mairie_gets_nothing_by_url(app, client, auth, famille, create_user):
    dossier_id = open_dossier(client, auth, famille)
    solution_id = None
    auth.logout()
    auth.login(create_user("responsable_care", mairie="12e"))
    assert client.get(f"/hebergement/dossiers/{dossier_id}").status_code == 404
    assert client.post(f"/hebergement/dossiers/{dossier_id}/clore",
                       data={"cloture-motif": "x"}).status_code == 404
    assert client.get(f"/hebergement/personnes/{famille['ids'][0]}/ouvrir").status_code == 404
    evenement_id = get_db_object(app, DossierHebergement, dossier_id).evenement_id
    assert client.get(f"/hebergement/evenements/{evenement_id}").status_code == 404
    assert solution_id is None
    assert not get_db_object(app, DossierHebergement, dossier_id).clos


def test_roles_without_housing(app, client, auth, famille, create_user):
    dossier_id = open_dossier(client, auth, famille)
    auth.logout()
    auth.login(create_user("scop"))
    assert client.get(f"/hebergement/dossiers/{dossier_id}").status_code == 404  # not shown
    evenement_id = get_db_object(app, DossierHebergement, dossier_id).evenement_id
    assert client.get(f"/hebergement/evenements/{evenement_id}").status_code == 403
    auth.logout()
    auth.login(famille["desk"])  # the desk agent houses for its own C.A.RE, exports nothing
    assert client.get(f"/hebergement/dossiers/{dossier_id}").status_code == 200
    assert client.get(f"/hebergement/evenements/{evenement_id}/export/dossiers.csv"
                      ).status_code == 403


def test_lists_page_through_many_households(app, client, auth, famille, monkeypatch):
    from crise.auth.models import User
    from crise.care import services as care_services
    from crise.care.models import CentreAccueil
    from crise.extensions import db
    from crise.hebergement import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    with app.app_context():
        (seul,), _ = care_services.enregistrer(
            db.session.get(User, famille["desk"].id),
            db.session.get(CentreAccueil, famille["centre"].id),
            [care_services.PersonneData(nom="Durand", prenom="Léon", categorie="sinistre")])
        db.session.commit()
        seul_id = seul.id
    first = open_dossier(client, auth, famille)
    client.post(f"/hebergement/personnes/{seul_id}/ouvrir", data=dossier_form(
        jeton="d2", nb_personnes="1", nb_enfants="0", besoins=[]))
    evenement_id = get_db_object(app, DossierHebergement, first).evenement_id
    page1 = client.get(f"/hebergement/evenements/{evenement_id}").get_data(as_text=True)
    assert "Page 1 sur 2" in page1 and f"/hebergement/evenements/{evenement_id}?page=2" in page1
    page2 = client.get(f"/hebergement/evenements/{evenement_id}?page=2").get_data(as_text=True)
    assert "DURAND Léon" in page2 and "DURAND Léon" not in page1  # oldest first


def test_tonight_list_counts_and_opens_the_households_without_dossier(app, client, auth,
                                                                      famille):
    """Flagged at the desk, no dossier: counted on the board and the event page, opened
    from the list in one click, its phone on the dossier."""
    evenement_id = famille["centre"].evenement_id
    auth.login(famille["dsol"])
    html = client.get(f"/hebergement/evenements/{evenement_id}").get_data(as_text=True)
    assert re.search(r'counter__value">1</span> <span class="counter__label">foyer\(s\) sans '
                     r'solution ce soir \(4 pers\.\)', html)
    section = html[html.index('data-testid="a-recenser"'):]
    assert "06 12 34 56 78" in section and "Hébergement" in section
    link = re.search(r'href="(/hebergement/personnes/\d+/ouvrir)"', section).group(1)
    assert client.get(link).status_code == 200
    page = client.get(f"/evenements/{evenement_id}").get_data(as_text=True)
    assert "1 foyer(s) sans solution ce soir" in page
    response = client.post(link, data=dossier_form())
    dossier = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "06 12 34 56 78" in dossier.split('data-testid="telephone"')[1][:300]
