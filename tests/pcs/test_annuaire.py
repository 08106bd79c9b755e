"""The operational directory: numbers that are numbers, no contact twice, freshness, the
search at 3 a.m. in every script, each mairie's own, CSV both ways, the pocket PDF."""

import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db
from crise.mairies.models import mairie_by_code
from crise.pcs import annuaire
from crise.pcs.annuaire import ContactData, normaliser_telephone
from crise.pcs.models import Contact
from crise.pcs.documents import annuaire_poche_pdf
from tests.conftest import count, pdf_text, render


@pytest.mark.parametrize("typed,shown", [
    ("0142764040", "01 42 76 40 40"), ("01.42.76.40.40", "01 42 76 40 40"),
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"), ("0033612345678", "+33 6 12 34 56 78"),
    ("+33 (0)6 12 34 56 78", "06 12 34 56 78"), ("3975", "3975"), ("115", "115"),
    ("+44 20 7946 0958", "+442079460958")])
def test_a_phone_number_is_kept_as_it_is_read_aloud(typed, shown):
    assert normaliser_telephone(typed) == shown


@pytest.mark.parametrize("typed", ["01 42 76", "appeler Paul", "0042", "00 00 00 00 00",
                                   "06 12 34 56 78 90 12 34 56 78"])
def test_what_is_not_a_phone_number_is_refused_in_french(typed):
    with pytest.raises(ValueError, match="numéro"):
        normaliser_telephone(typed)


def _contact(actor, mairie="11e", **champs):
    data = dict(fonction="astreinte_dsol", nom="Astreinte DSOL Est", telephone="01 43 47 77 77",
                horaires="24 h/24")
    data.update(champs)
    return annuaire.enregistrer_contact(actor, None, mairie=mairie_by_code(mairie) if mairie
                                        else None, data=ContactData(**data))


def test_contacts_are_found_by_any_word_any_script_and_any_digits(app, create_user):
    with app.app_context():
        resp = db.session.merge(create_user("responsable_care", mairie="11e"))
        _contact(resp)
        _contact(resp, fonction="interprete", nom="Лейла Иванова", organisme="ISM Interprétariat",
                 telephone="01 53 26 52 62", notes="Russe, ukrainien")
        _contact(resp, fonction="interprete", nom="王伟", telephone="06 11 22 33 44",
                 notes="Mandarin")
        _contact(resp, fonction="bailleur", nom="Paris Habitat — gardien d'astreinte",
                 telephone="+33 1 71 37 00 00")
        _contact(resp, fonction="association", nom="Awa N'Diaye", telephone="0033 1 42 76 40 40")
        db.session.commit()
        noms = lambda q: [c.nom for c in annuaire.rechercher(resp, q)]  # noqa: E731
        assert noms("dsol") == ["Astreinte DSOL Est"]
        assert noms("ИВАНОВА") == ["Лейла Иванова"]
        assert noms("ukrainien") == ["Лейла Иванова"]
        assert noms("王伟") == ["王伟"]
        assert noms("interpretariat") == ["Лейла Иванова"]
        assert noms("5262") == ["Лейла Иванова"]
        assert noms("01 53 26") == ["Лейла Иванова"]
        assert noms("gardien habitat") == ["Paris Habitat — gardien d'astreinte"]
        assert noms("interprète") == ["Лейла Иванова", "王伟"]
        assert noms("nobody") == []
        # As typed at night: joined, in Latin letters, the number the French way.
        assert noms("ndiaye") == ["Awa N'Diaye"] and noms("n'diaye awa") == ["Awa N'Diaye"]
        assert noms("ivanova") == ["Лейла Иванова"] and noms("wang") == ["王伟"]
        assert noms("0142764040") == ["Awa N'Diaye"] and noms("01 71 37") == [
            "Paris Habitat — gardien d'astreinte"]


def test_a_duplicate_a_bad_number_and_a_stale_edit_are_refused_and_nothing_is_lost(
        app, create_user):
    with app.app_context():
        resp = db.session.merge(create_user("responsable_care", mairie="11e"))
        autre = db.session.merge(create_user("cellule", email="cellule2@crise.test"))
        contact = _contact(resp)
        db.session.commit()
        with pytest.raises(ServiceError, match="déjà dans l'annuaire : Astreinte DSOL Est"):
            _contact(resp, nom="Autre nom", telephone="0143477777")
        with pytest.raises(ServiceError, match="déjà dans l'annuaire"):
            _contact(resp, nom="astreinte dsol EST", telephone="01 43 47 00 00")
        # The same contact in another mairie's directory is another line.
        _contact(autre, mairie="12e")
        with pytest.raises(ServiceError, match="Ce n'est pas un numéro") as refus:
            _contact(resp, nom="X", telephone="12")
        assert refus.value.field == "telephone"
        version = contact.version
        annuaire.enregistrer_contact(autre, contact, mairie=None, version_vue=version, data=
                                     ContactData("astreinte_dsol", "Astreinte DSOL Est",
                                                 "01 43 47 77 78"))
        db.session.commit()
        with pytest.raises(ServiceError, match=r"modifié par .* pendant que vous"):
            annuaire.enregistrer_contact(resp, contact, mairie=None, version_vue=version, data=
                                         ContactData("astreinte_dsol", "DSOL", "01 43 47 77 79"))
        db.session.rollback()
        assert db.session.get(Contact, contact.id).telephone == "01 43 47 77 78"


def test_what_to_check_this_month(app, create_user):
    with app.app_context():
        resp = db.session.merge(create_user("responsable_care", mairie="11e"))
        agent = db.session.merge(create_user("agent_accueil", mairie="11e",
                                             email="agent@crise.test"))
        frais, vieux, bientot = (_contact(resp, nom=n, telephone=t) for n, t in (
            ("Frais", "01 00 00 00 01"), ("Vieux", "01 00 00 00 02"),
            ("Bientôt", "01 00 00 00 03")))
        now = utcnow()
        vieux.verifie_at = now - timedelta(days=200)
        bientot.verifie_at = annuaire.fin_du_mois(now) - timedelta(days=190)
        db.session.commit()
        assert vieux.perime(now) and not frais.perime(now)
        assert annuaire.a_verifier_ce_mois(resp, now) == 2  # « Vieux » and « Bientôt »
        assert {c.nom for c in annuaire.rechercher(resp, a_verifier=True, now=now)} == {
            "Vieux", "Bientôt"}
        assert annuaire.a_verifier_ce_mois(agent, now) == 0  # checks nothing
        annuaire.verifier_contact(resp, vieux)
        db.session.commit()
        assert not vieux.perime() and vieux.verifie_par_nom == str(resp)


def test_each_mairie_reads_its_own_and_the_villes_and_edits_its_own(app, client, login_as,
                                                                      create_user):
    with app.app_context():
        cellule = db.session.merge(create_user("cellule", email="c@crise.test"))
        resp12 = db.session.merge(create_user("responsable_care", mairie="12e",
                                              email="r12@crise.test"))
        ville = _contact(cellule, mairie=None, fonction="scop", nom="SCOP permanence",
                         telephone="01 42 76 00 00")
        douze = _contact(resp12, mairie="12e", nom="DSOL du 12e", telephone="01 44 68 00 00")
        db.session.commit()
        ville_id, douze_id = ville.id, douze.id
    login_as("responsable_care", mairie="11e")
    html = client.get("/pcs/annuaire").get_data(as_text=True)
    assert "SCOP permanence" in html and "DSOL du 12e" not in html
    assert client.get(f"/pcs/annuaire/{douze_id}").status_code == 404
    assert client.post(f"/pcs/annuaire/{douze_id}", data={"nom": "x"}).status_code == 404
    assert client.post(f"/pcs/annuaire/{douze_id}/verifie").status_code == 404
    # The Ville's entry: read, not edited by a mairie.
    page = client.get(f"/pcs/annuaire/{ville_id}")
    assert page.status_code == 200 and "Modifier la fiche" not in page.get_data(as_text=True)
    assert client.post(f"/pcs/annuaire/{ville_id}", data={"nom": "x"}).status_code == 403
    # A contact added by the form lands in the mairie's own directory.
    before = count(app, Contact)
    r = client.post("/pcs/annuaire/nouveau", data={
        "annuaire": "12e", "fonction": "ehpad", "nom": "EHPAD Les Lilas",
        "telephone": "01 40 00 00 00"})
    assert r.status_code == 200 and "choix valide" in r.get_data(as_text=True)
    r = client.post("/pcs/annuaire/nouveau", data={
        "annuaire": "11e", "fonction": "ehpad", "nom": "EHPAD l'Orée",
        "telephone": "01 40 00 00 00", "horaires": "24 h/24"})
    assert r.status_code == 302
    with app.app_context():
        created = db.session.scalar(sa.select(Contact).where(Contact.nom == "EHPAD l'Orée"))
        assert created.mairie.code == "11e" and created.verifie_at is not None
    assert count(app, Contact) == before + 1


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(app, client, login_as):
    login_as("responsable_care", mairie="11e")
    r = client.post("/pcs/annuaire/nouveau", data={
        "annuaire": "11e", "fonction": "interprete", "nom": "Nguyễn Thị Hoa",
        "telephone": "appeler le standard", "notes": "Vietnamien\x0b, cantonais"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Un numéro de téléphone ne contient que des chiffres" in html
    assert "Nguyễn Thị Hoa" in html and "appeler le standard" in html
    assert count(app, Contact) == 0
    r = client.post("/pcs/annuaire/nouveau", data={
        "annuaire": "11e", "fonction": "interprete", "nom": "Nguyễn Thị Hoa",
        "telephone": "06 98 76 54 32", "notes": "Vietnamien\x0b, cantonais"})
    assert r.status_code == 302
    assert "Nguyễn Thị Hoa" in client.get("/pcs/annuaire?q=nguyen+hoa").get_data(as_text=True)


def test_two_people_editing_one_contact_the_second_is_told_and_keeps_the_typing(
        app, client, login_as, create_user):
    resp = login_as("responsable_care", mairie="11e")
    with app.app_context():
        contact_id = _contact(db.session.merge(resp)).id
        db.session.commit()
    form = {"fonction": "astreinte_dsol", "nom": "Astreinte DSOL Est", "version": "1",
            "telephone": "01 43 47 77 70"}
    assert client.post(f"/pcs/annuaire/{contact_id}", data=form).status_code == 302
    r = client.post(f"/pcs/annuaire/{contact_id}", data={**form, "telephone": "01 43 47 77 71"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "pendant que vous le modifiiez" in html
    assert "01 43 47 77 71" in html and 'name="version" type="hidden" value="2"' in html


CSV = ("Fonction;Nom;Organisme;Téléphone;Horaires;Commentaires\n"
       "Astreinte DSOL;Permanence Est;DSOL;01 43 47 77 77;24 h/24;\n"
       "Interprète;Ahmad Al-Khatib;;06 12 34 56 78;soirs;Arabe, dari\n"
       "Pompiers du secteur;Caserne Chaligny;BSPP;01 43 43 00 00;;\n")


def test_a_csv_of_the_mairie_comes_in_once_and_goes_out_the_same(app, client, login_as):
    login_as("responsable_care", mairie="11e")
    envoi = lambda contenu: client.post("/pcs/annuaire/import", data={  # noqa: E731
        "annuaire": "11e", "fichier": (__import__("io").BytesIO(contenu), "annuaire.csv")},
        content_type="multipart/form-data")
    assert envoi(("\ufeff" + CSV).encode("utf-8")).status_code == 302
    assert count(app, Contact) == 3
    assert envoi(CSV.encode("cp1252")).status_code == 302  # the same, from Excel: no double
    assert count(app, Contact) == 3
    with app.app_context():
        autre = db.session.scalar(sa.select(Contact).where(Contact.nom == "Caserne Chaligny"))
        assert autre.fonction == "autre" and "Pompiers du secteur" in autre.notes
    exporte = client.get("/pcs/annuaire.csv")
    assert exporte.status_code == 200 and exporte.headers["Cache-Control"] == "no-store"
    texte = exporte.get_data().decode("utf-8-sig")
    assert texte.splitlines()[0].startswith("Mairie;Fonction;Nom")
    assert "Ahmad Al-Khatib" in texte and "06 12 34 56 78" in texte
    retour = envoi(exporte.get_data())
    assert retour.status_code == 302, retour.get_data(as_text=True)[:3000]  # comes back in
    assert count(app, Contact) == 3


def test_a_wrong_csv_is_refused_whole_with_its_lines_and_nothing_written(app, client,
                                                                          login_as):
    login_as("responsable_care", mairie="11e")
    envoi = lambda contenu: client.post("/pcs/annuaire/import", data={  # noqa: E731
        "annuaire": "11e", "fichier": (__import__("io").BytesIO(contenu.encode()),
                                       "a.csv")}, content_type="multipart/form-data")
    r = envoi("Nom,Adresse\nDupont,rue X\n")
    assert r.status_code == 200 and "Colonnes manquantes : Fonction, Téléphone" in r.get_data(
        as_text=True)
    r = envoi(CSV + "EHPAD;Les Lilas;;pas de numéro;;\nEHPAD;Doublon;;01 43 47 77 77;;\n")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "rien n&#39;a été importé" in html.lower() or \
        "rien n'a été importé" in html
    assert "Ligne 5 (Les Lilas)" in html and "Ligne 6 (Doublon) : en double avec la ligne 2" in html
    assert count(app, Contact) == 0


def test_the_pocket_directory_prints_every_script_grouped_by_function(app, create_user,
                                                                      tmp_path):
    with app.app_context():
        resp = db.session.merge(create_user("responsable_care", mairie="11e"))
        _contact(resp)
        _contact(resp, fonction="interprete", nom="محمد العلي", telephone="06 11 22 33 44")
        _contact(resp, fonction="interprete", nom="王伟", telephone="06 11 22 33 45")
        db.session.commit()
        pdf = annuaire_poche_pdf(annuaire.rechercher(resp), titre="Annuaire de poche — 11e",
                                 now=utcnow())
    texte = pdf_text(pdf, tmp_path)
    assert texte.index("Astreinte DSOL") < texte.index("Interprète")
    assert "01 43 47 77 77" in texte and "王伟" in texte and "Page 1 / " in texte
    info = subprocess.run(["pdfinfo", str(tmp_path / "text.pdf")], capture_output=True,
                          text=True).stdout
    assert "298 x 420 pts" in info or "297.638 x 419.528 pts" in info  # A6, for a pocket
    assert render(pdf, tmp_path).exists()


def test_a_file_is_not_a_check_and_the_export_reads_back_whatever_its_numbers(
        app, client, login_as):
    login_as("responsable_care", mairie="11e")
    envoi = lambda contenu: client.post("/pcs/annuaire/import", data={  # noqa: E731
        "annuaire": "11e", "fichier": (__import__("io").BytesIO(contenu), "a.csv")},
        content_type="multipart/form-data")
    fichier = ("Fonction\tNom\tTéléphone\tVérifié le\n"
               "Interprète\tИван Петров\t+33 6 11 22 33 44\t\n"
               "EHPAD\tEHPAD Les Lilas\t01 40 00 00 00\t03/01/2026\n")
    assert envoi(fichier.encode("utf-8")).status_code == 302  # tab-separated
    with app.app_context():
        par_nom = {c.nom: c for c in db.session.scalars(sa.select(Contact))}
        assert par_nom["Иван Петров"].verifie_at is None  # never checked: to check
        assert par_nom["EHPAD Les Lilas"].verifie_at.date().isoformat() == "2026-01-03"
    exporte = client.get("/pcs/annuaire.csv").get_data()
    assert "'+33 6 11 22 33 44" in exporte.decode("utf-8-sig")  # kept from formulas
    assert envoi(exporte).status_code == 302 and count(app, Contact) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(Contact.verifie_at).where(
            Contact.nom == "Иван Петров")) is None  # re-importing checks nothing
    r = envoi(("Fonction;Nom;Téléphone;Notes;Vérifié le\n"
               f"EHPAD;Long;01 40 00 00 01;{'x' * 501};\n"
               "EHPAD;Futur;01 40 00 00 02;;01/01/2099\n").encode())
    html = r.get_data(as_text=True)
    assert "Ligne 2 (Long) : 500 caractères au maximum." in html
    assert "Ligne 3 (Futur) : La date de vérification « 01/01/2099 » est dans le futur." in html
