"""The right of access and rectification: a request with its deadline, the person's records
found across events and scopes, everything held given as PDF and JSON, all in the trail."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry, AuditPersonne
from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil, Personne
from crise.errors import ServiceError
from crise.extensions import db
from crise.hebergement import services as hebergement
from crise.rgpd import droits
from crise.rgpd.models import DemandeDroits


def test_the_deadline_is_one_month_later():
    assert droits.un_mois_apres(date(2026, 3, 14)) == date(2026, 4, 14)
    assert droits.un_mois_apres(date(2026, 1, 31)) == date(2026, 2, 28)
    assert droits.un_mois_apres(date(2028, 1, 31)) == date(2028, 2, 29)
    assert droits.un_mois_apres(date(2026, 12, 15)) == date(2027, 1, 15)


@pytest.fixture
def deux_evenements(app, create_user, create_centre, create_evenement):
    """The same woman received at two events (11e, then 12e), and a namesake elsewhere."""
    r11 = create_user("responsable_care", mairie="11e")
    r12 = create_user("responsable_care", mairie="12e")
    dsol = create_user("dsol")
    ids = {"r11": r11.id, "r12": r12.id}
    with app.app_context():
        for titre, mairie, resp, nom in (("Incendie rue Oberkampf", "11e", r11, "Haddad"),
                                         ("Crue de la Seine", "12e", r12, "HADDAD")):
            evenement = create_evenement(titre=titre, mairies=(mairie,))
            centre = create_centre(mairie=mairie, evenement=evenement, by=resp)
            (p,), _ = care.enregistrer(db.session.get(User, resp.id),
                                       db.session.get(CentreAccueil, centre.id), [
                care.PersonneData(nom=nom, prenom="Leïla", categorie="sinistre",
                                  date_naissance=date(1988, 6, 2), telephone="06 11 22 33 44",
                                  notes="Sa fille dort chez une voisine")])
            p.notes_medicales = "Asthme"
            care.orienter(db.session.get(User, resp.id), p, "medico_psy", note="Choc")
            ids[mairie] = p.id
            db.session.commit()
        dossier, _ = hebergement.ouvrir_dossier(db.session.get(User, dsol.id),
                                                db.session.get(Personne, ids["11e"]),
                                                hebergement.DossierData(notes="Deux nuits"))
        hebergement.heberger(db.session.get(User, dsol.id), dossier, hebergement.SolutionData(
            type="hotel", lieu="Hôtel Ibis Bastille", du=date.today(),
            au=date.today() + timedelta(days=2)))
        db.session.commit()
    return ids


def test_a_request_finds_every_record_and_answers_with_everything_held(
        app, client, login_as, deux_evenements, tmp_path):
    from tests.conftest import pdf_text

    admin = login_as("admin")
    r = client.post("/donnees-personnelles/demandes", data={
        "type": "acces", "demandeur": "Leïla Haddad, pièce d'identité vue",
        "recue_le": date.today().isoformat(), "notes": ""}, follow_redirects=False)
    assert r.status_code == 302
    with app.app_context():
        demande = db.session.scalar(sa.select(DemandeDroits))
        assert demande.echeance == droits.un_mois_apres(date.today())
    page = client.get(f"/donnees-personnelles/demandes/{demande.id}?nom=leila+hadad")
    html = page.get_data(as_text=True)
    assert "2 fiche(s) trouvée(s)" in html  # one typo, two events, two mairies
    assert "Incendie rue Oberkampf" in html and "Crue de la Seine" in html
    for pid in (deux_evenements["11e"], deux_evenements["12e"]):
        r = client.post(f"/donnees-personnelles/demandes/{demande.id}/fiches",
                        data={"personne_id": pid, "nom": "leila hadad"}, follow_redirects=True)
        assert "jointe à la demande" in r.get_data(as_text=True)
    r = client.get(f"/donnees-personnelles/demandes/{demande.id}/reponse.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    contenu = json.loads(r.get_data(as_text=True))
    fiche = contenu["Fiches"][0]
    assert fiche["Identité et situation"]["Nom"] == "Haddad"
    assert fiche["Identité et situation"]["Notes médicales et psychologiques"] == "Asthme"
    assert fiche["Orientations"][0]["Note"] == "Choc"
    assert set(fiche["Consentements"]) == {
        "Être signalé(e) aux proches qui le recherchent",
        "Transmission de ses coordonnées à la CIAV",
        "Suivi par une association d'aide aux victimes (PAV)",
        "Partage avec le bailleur pour son relogement"}
    assert fiche["Historique des consentements"] == []
    assert fiche["Hébergement et relogement"]["Solutions"][0]["Lieu"] == "Hôtel Ibis Bastille"
    assert fiche["Passages au C.A.RE"][0]["Arrivée"]
    assert any(a["Par"] == admin.email for a in fiche["Accès à la fiche (journal d'audit)"])
    r = client.get(f"/donnees-personnelles/demandes/{demande.id}/reponse.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    texte = pdf_text(r.data, tmp_path)
    assert "Haddad" in texte and "Hôtel Ibis Bastille" in texte and "Asthme" in texte
    with app.app_context():
        exports = db.session.scalars(sa.select(AuditEntry.id).where(
            AuditEntry.object_type == "demande_droits", AuditEntry.action == "export")).all()
        assert len(exports) == 2
        vus = set(db.session.scalars(sa.select(AuditPersonne.personne_id).where(
            AuditPersonne.entry_id == exports[0])))
        assert vus == {deux_evenements["11e"], deux_evenements["12e"]}
    r = client.post(f"/donnees-personnelles/demandes/{demande.id}/repondre",
                    data={"reponse": ""})
    assert r.status_code == 422 and "Indiquez comment la réponse" in r.get_data(as_text=True)
    r = client.post(f"/donnees-personnelles/demandes/{demande.id}/repondre",
                    data={"reponse": "Remise en main propre au C.A.RE"}, follow_redirects=True)
    assert "Réponse enregistrée." in r.get_data(as_text=True)
    liste = client.get("/donnees-personnelles/demandes").get_data(as_text=True)
    assert f"Répondue le {date.today():%d/%m/%Y}" in liste


def test_a_mairie_sees_its_own_people_and_requests_only(app, client, login_as,
                                                         deux_evenements, create_user):
    with app.app_context():
        r11 = db.session.get(User, deux_evenements["r11"])
        demande = droits.ouvrir_demande(r11, type="rectification", demandeur="L. Haddad",
                                        recue_le=date.today())
        db.session.commit()
        trouves = droits.chercher(r11, demande, "Haddad")
        assert [p.id for p, _ in trouves] == [deux_evenements["11e"]]
        autre = db.session.get(Personne, deux_evenements["12e"])
        with pytest.raises(ServiceError, match="pas dans votre périmètre"):
            droits.rattacher(r11, demande, autre)
        demande_id = demande.id
    # The 12e's lead neither sees the 11e's request nor attaches to it.
    client.post("/auth/connexion", data={"email": create_user(
        "responsable_care", mairie="12e").email, "password": "mot-de-passe-de-test"})
    assert client.get(f"/donnees-personnelles/demandes/{demande_id}").status_code == 404
    assert client.post(f"/donnees-personnelles/demandes/{demande_id}/fiches",
                       data={"personne_id": deux_evenements["12e"]}).status_code == 404
    assert "L. Haddad" not in client.get("/donnees-personnelles/demandes").get_data(
        as_text=True)
    # The 11e's lead is told, not given, another mairie's record.
    client.post("/auth/deconnexion")
    login_as("responsable_care", mairie="11e", email="chef11@paris.test")
    r = client.post(f"/donnees-personnelles/demandes/{demande_id}/fiches",
                    data={"personne_id": deux_evenements["12e"]}, follow_redirects=True)
    assert "pas dans votre périmètre" in r.get_data(as_text=True)
    for role in ("agent_accueil", "cellule", "dsol"):
        client.post("/auth/deconnexion")
        login_as(role, email=f"{role}@paris.test")
        assert client.get("/donnees-personnelles/demandes").status_code == 403


def test_bad_requests_are_said_in_french_and_kept(app, client, login_as):
    login_as("admin")
    demain = (date.today() + timedelta(days=1)).isoformat()
    r = client.post("/donnees-personnelles/demandes", data={
        "type": "acces", "demandeur": "Nguyễn Văn An", "recue_le": demain})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "ne peut pas être dans le futur" in html
    assert 'value="Nguyễn Văn An"' in html
    r = client.post("/donnees-personnelles/demandes", data={
        "type": "acces", "demandeur": " ", "recue_le": "0001-01-01"})
    html = r.get_data(as_text=True)
    assert "Indiquez qui fait la demande." in html and "Date hors limites" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DemandeDroits.id))) == 0
        demande = droits.ouvrir_demande(_admin(),
                                        type="acces", demandeur="X", recue_le=date.today())
        db.session.commit()
        demande_id = demande.id
    r = client.get(f"/donnees-personnelles/demandes/{demande_id}?nom=a")
    assert "Tapez au moins deux lettres du nom." in r.get_data(as_text=True)
    r = client.get(f"/donnees-personnelles/demandes/{demande_id}/reponse.pdf",
                   follow_redirects=True)
    assert "Joignez d&#39;abord les fiches" in r.get_data(as_text=True)
    assert client.get("/donnees-personnelles/demandes/99999").status_code == 404


def _admin():
    return db.session.scalar(sa.select(User).where(User.role == "admin"))


def test_a_request_sent_twice_is_one(app, client, login_as):
    import re

    login_as("admin")
    page = client.get("/donnees-personnelles/demandes").get_data(as_text=True)
    jeton = re.search(r'name="jeton" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="jeton" name="jeton" type="hidden" value="([^"]+)"', page)
    jeton = jeton.group(1)
    data = {"type": "acces", "demandeur": "Mme Retour Arrière",
            "recue_le": date.today().isoformat(), "jeton": jeton}
    assert client.post("/donnees-personnelles/demandes", data=data).status_code == 302
    r = client.post("/donnees-personnelles/demandes", data=data, follow_redirects=True)
    assert "avait déjà été enregistrée" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(DemandeDroits.id))) == 1
    r = client.post("/donnees-personnelles/demandes", data={**data, "jeton": None,
                                                            "demandeur": "x" * 201})
    assert r.status_code == 422 and "200 caractères au maximum" in r.get_data(as_text=True)
