"""Fiches réflexes: written and versioned (who changed what, when; never a version lost),
shown on the event page of their type to their role as a checklist whose ticks are
recorded; the C.A.RE opening checklist is one of them, editable and versioned."""

import threading

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care.models import CentreAccueil, EtapeOuverture
from crise.errors import ServiceError
from crise.extensions import db
from crise.pcs import fiches
from crise.pcs.models import FICHE_OUVERTURE_CARE, CocheFiche, FicheReflexe, FicheVersion
from tests.conftest import count


@pytest.fixture
def fiches_de_depart(app):
    with app.app_context():
        assert fiches.charger_fiches_par_defaut() == len(fiches.FICHES_PAR_DEFAUT)
        assert fiches.charger_fiches_par_defaut() == 0
        db.session.commit()
        return {f.code: f.id for f in db.session.scalars(sa.select(FicheReflexe))}


def test_a_new_version_keeps_the_old_one_the_unchanged_lines_keep_their_code(
        app, create_user, fiches_de_depart):
    with app.app_context():
        chef = db.session.merge(create_user("cellule", nom="Chef de salle"))
        fiche = db.session.get(FicheReflexe, fiches_de_depart["crue-responsable"])
        codes = [i["code"] for i in fiche.items]
        texte = "\n".join(i["texte"] for i in fiche.items[1:]) + (
            "\n- Vérifier les groupes électrogènes des sites de repli")
        fiches.enregistrer_fiche(chef, fiche, titre=fiche.titre, risque="crue",
                                 role="responsable_care", texte=texte, version_vue=1)
        db.session.commit()
        assert fiche.version == 2 and fiche.modifie_par_nom == "Chef de salle"
        assert [i["code"] for i in fiche.items][:len(codes) - 1] == codes[1:]
        assert fiche.items[-1]["texte"] == "Vérifier les groupes électrogènes des sites de repli"
        v1, v2 = sorted(fiche.versions, key=lambda v: v.version)
        changes = fiches.differences(v1, v2)
        assert ("retrait", v1.items[0]["texte"]) in changes
        assert ("ajout", "Vérifier les groupes électrogènes des sites de repli") in changes
        # The same text again writes no version; a stale one is refused, nothing lost.
        fiches.enregistrer_fiche(chef, fiche, titre=fiche.titre, risque="crue",
                                 role="responsable_care", texte=texte, version_vue=2)
        assert fiche.version == 2
        with pytest.raises(ServiceError, match="modifiée par Chef de salle"):
            fiches.enregistrer_fiche(chef, fiche, titre="Autre", risque="crue",
                                     role="responsable_care", texte="x", version_vue=1)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FicheVersion).where(
            FicheVersion.fiche_id == fiche.id)) == 2


def test_bad_fiches_are_refused_in_french(app, create_user, fiches_de_depart):
    with app.app_context():
        chef = db.session.merge(create_user("cellule"))
        resp = db.session.merge(create_user("responsable_care", mairie="11e",
                                            email="r@crise.test"))
        for kwargs, message in (
                ({"texte": " \n \n"}, "au moins une action"),
                ({"texte": "x" * 300}, "255 caractères"),
                ({"texte": "\n".join(f"action {i}" for i in range(41))}, "40 actions au plus"),
                ({"risque": "tsunami"}, "Choisissez le risque"),
                ({"titre": ""}, "Donnez un titre")):
            data = {"titre": "Fiche", "risque": "crue", "role": "dsol", "texte": "Agir"}
            with pytest.raises(ServiceError, match=message):
                fiches.enregistrer_fiche(chef, None, **{**data, **kwargs})
        with pytest.raises(ServiceError, match="Seuls la cellule"):
            fiches.enregistrer_fiche(resp, None, titre="F", risque="crue", role="dsol",
                                     texte="Agir")


def test_the_event_page_shows_the_fiches_of_its_type_for_my_role_and_records_ticks(
        app, client, login_as, create_evenement, fiches_de_depart):
    crue = create_evenement(titre="Crue de la Seine", type="crue", mairies=("11e", "12e"))
    resp = login_as("responsable_care", mairie="11e", nom="Claire Dupont")
    html = client.get(f"/evenements/{crue.id}").get_data(as_text=True)
    assert "Responsable de crise de la mairie — la première heure" in html
    assert "Crue de la Seine — responsable de crise de la mairie" in html
    assert "Canicule" not in html and "DSOL — la première heure" not in html
    assert "Ouverture d&#39;un C.A.RE" not in html  # on each C.A.RE's page
    fiche_id = fiches_de_depart["crue-responsable"]
    with app.app_context():
        code = db.session.get(FicheReflexe, fiche_id).items[1]["code"]
    url = f"/pcs/fiches/{fiche_id}/evenements/{crue.id}/cocher"
    assert client.post(url, data={"ligne": code, "fait": "1"}).status_code == 302
    assert client.post(url, data={"ligne": code, "fait": "1"}).status_code == 302  # twice
    with app.app_context():
        coche = db.session.scalar(sa.select(CocheFiche))
        assert count(app, CocheFiche) == 1 and coche.fait_par_nom == "Claire Dupont"
        assert coche.portee == f"m{resp.mairie_id}"
    html = client.get(f"/evenements/{crue.id}").get_data(as_text=True)
    assert "par Claire Dupont" in html and 'aria-pressed="true"' in html
    # The 12e's responsable has its own copy of the fiche.
    client.post("/auth/deconnexion")
    login_as("responsable_care", mairie="12e", email="r12@crise.test")
    assert "par Claire Dupont" not in client.get(f"/evenements/{crue.id}").get_data(
        as_text=True)
    # A line that is no more, another role's fiche, another type's: refused in French.
    r = client.post(url, data={"ligne": "plus-la", "fait": "1"}, follow_redirects=True)
    assert "Cette ligne n&#39;est plus dans la fiche" in r.get_data(as_text=True)
    dsol_url = f"/pcs/fiches/{fiches_de_depart['dsol-premiere-heure']}/evenements/{crue.id}/cocher"
    r = client.post(dsol_url, data={"ligne": "x", "fait": "1"}, follow_redirects=True)
    assert "pas celle de votre rôle" in r.get_data(as_text=True)
    canicule = f"/pcs/fiches/{fiches_de_depart['canicule-responsable']}/evenements/{crue.id}/cocher"
    r = client.post(canicule, data={"ligne": "x", "fait": "1"}, follow_redirects=True)
    assert "pas celle de ce type" in r.get_data(as_text=True)
    assert count(app, CocheFiche) == 1


def test_two_ticks_at_the_same_instant_make_one(app, create_user, create_evenement,
                                                fiches_de_depart):
    crue = create_evenement(type="crue", mairies=("11e",))
    resp = create_user("responsable_care", mairie="11e")
    fiche_id = fiches_de_depart["responsable-premiere-heure"]
    erreurs = []

    def tick():
        with app.app_context():
            try:
                from crise.db import in_transaction
                from crise.evenements.models import Evenement

                fiche = db.session.get(FicheReflexe, fiche_id)
                in_transaction(lambda: fiches.cocher(
                    db.session.get(User, resp.id), db.session.get(Evenement, crue.id), fiche,
                    fiche.items[0]["code"], True), retry_conflict=True)
            except Exception as error:  # noqa: BLE001 (reported below)
                erreurs.append(error)

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert erreurs == [] and count(app, CocheFiche) == 1


def test_the_care_opening_checklist_is_the_fiche_as_the_admin_wrote_it(
        app, client, login_as, create_user, create_centre, create_evenement, fiches_de_depart):
    login_as("admin", email="admin2@crise.test")
    fiche_id = fiches_de_depart[FICHE_OUVERTURE_CARE]
    page = client.get(f"/pcs/fiches/{fiche_id}").get_data(as_text=True)
    assert "Informer la SCOP de l&#39;ouverture du C.A.RE" in page
    with app.app_context():
        fiche = db.session.get(FicheReflexe, fiche_id)
        texte = "\n".join(i["texte"] for i in fiche.items) + "\nOuvrir le registre papier"
    r = client.post(f"/pcs/fiches/{fiche_id}", data={
        "titre": "Ouverture d'un C.A.RE", "risque": "tous", "role": "responsable_care",
        "texte": texte, "version": "1"})
    assert r.status_code == 302
    r = client.post(f"/pcs/fiches/{fiche_id}", data={
        "titre": "Ouverture d'un C.A.RE", "risque": "crue", "role": "responsable_care",
        "texte": texte, "version": "2"})
    assert "reste celle du responsable de crise" in r.get_data(as_text=True)
    # A stale form: 409, the text typed kept, the version shown is the new one.
    r = client.post(f"/pcs/fiches/{fiche_id}", data={
        "titre": "Ouverture d'un C.A.RE", "risque": "tous", "role": "responsable_care",
        "texte": texte + "\nAutre", "version": "1"})
    assert r.status_code == 409 and "\nAutre" in r.get_data(as_text=True)
    historique = client.get(f"/pcs/fiches/{fiche_id}").get_data(as_text=True)
    assert "Ajouté : Ouvrir le registre papier" in historique
    centre = create_centre(mairie="11e", evenement=create_evenement(mairies=("11e",)))
    with app.app_context():
        etapes = db.session.scalars(sa.select(EtapeOuverture.libelle).where(
            EtapeOuverture.centre_id == centre.id).order_by(EtapeOuverture.ordre)).all()
        assert etapes[-1] == "Ouvrir le registre papier" and len(etapes) == 8
        assert etapes[0] == "Informer la SCOP de l'ouverture du C.A.RE"
        assert db.session.get(CentreAccueil, centre.id) is not None


def test_who_reads_and_who_writes_the_fiches(client, login_as, fiches_de_depart):
    login_as("agent_accueil", mairie="11e")
    assert client.get("/pcs/fiches").status_code == 200
    fiche_id = fiches_de_depart["agent-premiere-heure"]
    page = client.get(f"/pcs/fiches/{fiche_id}").get_data(as_text=True)
    assert "Installer le poste d&#39;accueil" in page and "Écrire une nouvelle version" not in page
    assert client.post(f"/pcs/fiches/{fiche_id}", data={"titre": "x"}).status_code == 403
    assert client.get("/pcs/fiches/nouvelle").status_code == 403


def test_a_line_reworded_where_it_stood_keeps_its_ticks(app, create_user, create_evenement,
                                                        fiches_de_depart):
    crue = create_evenement(type="crue", mairies=("11e",))
    with app.app_context():
        from crise.evenements.models import Evenement

        chef = db.session.merge(create_user("cellule", email="c@crise.test"))
        resp = db.session.merge(create_user("responsable_care", mairie="11e"))
        fiche = db.session.get(FicheReflexe, fiches_de_depart["responsable-premiere-heure"])
        ev = db.session.get(Evenement, crue.id)
        fiches.cocher(resp, ev, fiche, fiche.items[1]["code"], True)
        textes = [i["texte"] for i in fiche.items]
        textes[1] = "Prévenir l'élu d'astreinte, le cabinet et le directeur général des services"
        fiches.enregistrer_fiche(chef, fiche, titre=fiche.titre, risque="tous",
                                 role="responsable_care", texte="\n".join(textes), version_vue=1)
        db.session.commit()
        assert fiche.items[1]["texte"].endswith("directeur général des services")
        assert (fiche.id, fiche.items[1]["code"]) in fiches.coches(ev, resp)
