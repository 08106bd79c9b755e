"""A right-of-access request end to end, with mouse and keyboard: the mairie's crisis lead
records it, finds the woman's record with a typo, attaches it, hands her everything held as
a PDF, and notes the answer; the administrator places a legal hold on the event."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil
from crise.extensions import db
from tests.browser.conftest import login
from tests.conftest import pdf_text

pytestmark = pytest.mark.browser


def test_a_right_of_access_request_end_to_end(page, app, live_server, create_user,
                                              create_centre, create_evenement, tmp_path):
    responsable = create_user("responsable_care", mairie="11e", nom="Claire Dupont")
    evenement = create_evenement(titre="Incendie rue Oberkampf")
    centre = create_centre(mairie="11e", evenement=evenement, by=responsable)
    with app.app_context():
        care.enregistrer(db.session.get(User, responsable.id),
                         db.session.get(CentreAccueil, centre.id), [
            care.PersonneData(nom="Benali", prenom="Fatima Zahra", categorie="sinistre",
                              date_naissance=date(1979, 11, 3), telephone="06 55 44 33 22")])
        db.session.commit()
    login(page, live_server, responsable.email)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Droits des personnes").click()
    page.get_by_label("Droit exercé").select_option("acces")
    page.get_by_label("Demandeur").fill("Fatima Zahra Benali (carte d'identité vue)")
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.get_by_text(re.compile(r"réponse à donner avant le"))).to_be_visible()

    page.get_by_label("Nom et prénom").fill("fatima benalli")
    page.get_by_role("button", name="Chercher").click()
    resultats = page.get_by_test_id("resultats")
    expect(resultats).to_contain_text("BENALI Fatima Zahra")
    resultats.get_by_role("button", name=re.compile("C'est elle ou lui")).click()
    expect(page.get_by_text("jointe à la demande.")).to_be_visible()
    expect(page.get_by_test_id("fiches-jointes")).to_contain_text("Incendie rue Oberkampf")

    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Tout ce qui est gardé (PDF)").click()
    chemin = tmp_path / "reponse.pdf"
    telechargement.value.save_as(chemin)
    texte = pdf_text(chemin.read_bytes(), tmp_path)
    assert "Benali" in texte and "06 55 44 33 22" in texte and "03/11/1979" in texte

    page.get_by_label("Réponse donnée").fill("Remise en main propre à l'accueil")
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.get_by_text("Réponse enregistrée.")).to_be_visible()
    page.get_by_role("link", name="Droits des personnes").first.click()
    expect(page.get_by_test_id("demandes")).to_contain_text(
        f"Répondue le {date.today():%d/%m/%Y}")


def test_the_administrator_places_a_legal_hold(page, app, live_server, create_user,
                                               create_evenement):
    admin = create_user("admin")
    create_evenement(titre="Explosion rue de l'Aude")
    login(page, live_server, admin.email)
    page.get_by_role("link", name="Données personnelles").click()
    page.get_by_role("button", name="Poser un gel").click()
    expect(page.get_by_text("Choisissez l'événement.")).to_be_visible()
    page.get_by_role("combobox", name="Événement").select_option(label="Explosion rue de l'Aude (en cours)")
    page.get_by_role("textbox", name="Motif", exact=True).fill("Réquisition du parquet n° 2026/77")
    page.get_by_role("button", name="Poser un gel").click()
    expect(page.get_by_text(re.compile("Gel juridique posé sur"))).to_be_visible()
    gels = page.get_by_test_id("gels")
    expect(gels).to_contain_text("Réquisition du parquet n° 2026/77")
    gels.get_by_label("Motif de la levée").fill("Classement sans suite")
    gels.get_by_role("button", name="Lever le gel").click()
    expect(page.get_by_text(re.compile("Gel levé sur"))).to_be_visible()
