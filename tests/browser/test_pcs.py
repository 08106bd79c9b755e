"""A mairie's crisis lead keeps the PCS between crises, with mouse and keyboard: the
directory's stale contacts checked and mended, a number found while typing, a site checked."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from crise.db import utcnow
from crise.extensions import db
from crise.mairies.models import mairie_by_code
from crise.pcs import annuaire
from crise.pcs.models import Contact
from tests.browser.conftest import login, screenshot_dir

pytestmark = pytest.mark.browser


def test_a_responsable_checks_and_mends_the_stale_contacts_of_the_month(
        page, app, live_server, create_user, create_site):
    responsable = create_user("responsable_care", mairie="11e", nom="Claire Dupont")
    create_site(mairie="11e", nom="Gymnase Japy", capacite=60)
    with app.app_context():
        resp = db.session.merge(responsable)
        for fonction, nom, tel in (("astreinte_dsol", "Astreinte DSOL Est", "01 43 47 77 77"),
                                   ("interprete", "Nguyễn Thị Hoa", "06 98 76 54 32"),
                                   ("bailleur", "Paris Habitat — gardien", "01 71 37 00 00")):
            annuaire.enregistrer_contact(resp, None, mairie=mairie_by_code("11e"),
                                         data=annuaire.ContactData(fonction, nom, tel))
        db.session.execute(sa.update(Contact).where(Contact.nom != "Paris Habitat — gardien")
                           .values(verifie_at=utcnow() - timedelta(days=220)))
        db.session.commit()
    login(page, live_server, responsable.email)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="PCS").click()
    a_verifier = page.get_by_test_id("a-verifier")
    expect(a_verifier).to_contain_text("2 contact(s) de l'annuaire")
    expect(a_verifier).to_contain_text("1 site(s) de repli")
    a_verifier.get_by_role("link", name="2 contact(s) de l'annuaire").click()
    rows = page.get_by_test_id("annuaire").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("À vérifier")

    # The interpreter answered: nothing changed.
    page.get_by_role("button", name="Noter Nguyễn Thị Hoa vérifié aujourd'hui").click()
    expect(page.get_by_text("« Nguyễn Thị Hoa » noté vérifié aujourd'hui.")).to_be_visible()
    expect(rows).to_have_count(1)

    # The DSOL's astreinte has a new number: mended, and checked at once.
    page.get_by_role("link", name="Astreinte DSOL Est").click()
    page.get_by_label(re.compile(r"^Téléphone")).fill("01 43 47 7 8 9 0")
    page.get_by_label("J'ai vérifié ce contact aujourd'hui").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Contact « Astreinte DSOL Est » enregistré.")).to_be_visible()
    expect(page.get_by_test_id("annuaire")).to_contain_text("01 43 47 78 90")

    # At 3 a.m.: the number found while typing, without pressing a key more.
    page.goto("/pcs/annuaire")
    page.get_by_role("searchbox").fill("hoa")
    expect(page.get_by_test_id("annuaire").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("annuaire")).to_contain_text("06 98 76 54 32")
    expect(page).to_have_url(re.compile(r"q=hoa"))
    page.get_by_role("searchbox").fill("habitat")
    expect(page.get_by_test_id("annuaire")).to_contain_text("Paris Habitat — gardien")

    # The site: checked on the ground today.
    page.goto("/pcs/")
    page.get_by_role("link", name="1 site(s) de repli").click()
    page.get_by_role("button", name="Noter Gymnase Japy vérifié aujourd'hui").click()
    expect(page.get_by_text("Site « Gymnase Japy » noté vérifié aujourd'hui.")).to_be_visible()
    page.goto("/pcs/")
    expect(page.get_by_test_id("rien-a-verifier")).to_be_visible()
    page.screenshot(path=str(screenshot_dir() / "pcs-accueil.png"), full_page=True)


def test_a_responsable_ticks_the_fiche_of_a_flood_and_opens_a_care_from_a_pcs_site(
        page, app, live_server, create_user, create_evenement, create_site):
    from crise.pcs.fiches import charger_fiches_par_defaut

    with app.app_context():
        charger_fiches_par_defaut()
        db.session.commit()
    responsable = create_user("responsable_care", mairie="15e", nom="Claire Dupont")
    crue = create_evenement(titre="Crue de la Seine", type="crue", mairies=("15e",))
    site = create_site(mairie="15e", nom="Gymnase Émile-Anthoine", capacite=300,
                       adresse="9 rue Jean Rey, 75015 Paris")
    with app.app_context():
        from crise.care.models import Site

        db.session.get(Site, site.id).capacite_couchage = 120
        db.session.commit()
    login(page, live_server, responsable.email)
    page.goto(f"/evenements/{crue.id}")
    fiches = page.get_by_test_id("fiches-reflexes")
    expect(fiches).to_contain_text("Crue de la Seine — responsable de crise de la mairie")
    ligne = fiches.get_by_role("button", name="Choisir des sites de repli hors zone inondable (PPRI)")
    expect(ligne).to_have_attribute("aria-pressed", "false")
    ligne.click()
    ligne = page.get_by_test_id("fiches-reflexes").get_by_role(
        "button", name="Choisir des sites de repli hors zone inondable (PPRI)")
    expect(ligne).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("fiche-crue-responsable")).to_contain_text("par Claire Dupont")
    page.get_by_test_id("fiches-reflexes").screenshot(
        path=str(screenshot_dir() / "pcs-fiche-crue.png"))

    # The C.A.RE opens in a site of the PCS; its opening checklist is the PCS's fiche.
    page.get_by_role("link", name="Ouvrir un C.A.RE").click()
    page.get_by_label("Site").select_option(
        label="Gymnase Émile-Anthoine — 9 rue Jean Rey, 75015 Paris (300 places)")
    page.get_by_role("button", name="Ouvrir le C.A.RE").click()
    expect(page.get_by_role("heading", name="Gymnase Émile-Anthoine")).to_be_visible()
    expect(page.locator("#fiche-reflexe")).to_contain_text(
        "Informer la SCOP de l'ouverture du C.A.RE")
