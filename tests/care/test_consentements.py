"""Consent per purpose: who collected it, when and how; a withdrawal needs its reason and takes
effect at once on every transmission; vital interest for the roles that need it, justified;
another mairie's person is refused."""

from datetime import date

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.care import services
from crise.care.exports import ListeNominative
from crise.care.models import CentreAccueil, Consentement, Personne
from crise.care.services import PersonneData
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db
from crise.hebergement import services as hebergement


@pytest.fixture
def accueil(app, create_user, create_centre, create_evenement):
    evenement = create_evenement(mairies=("11e", "12e"))
    centre = create_centre(mairie="11e", evenement=evenement)
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        (mariam, yusuf), _ = services.enregistrer(
            db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id), [
                PersonneData(nom="Al-Khatib", prenom="Mariam", categorie="sinistre",
                             consent_recherche=True, consent_ciav=True,
                             date_naissance=date(1984, 2, 9)),
                PersonneData(nom="Al-Khatib", prenom="Yusuf", categorie="sinistre")])
        db.session.commit()
        ids = (mariam.id, yusuf.id)
    return {"evenement": evenement, "centre": centre, "agent": agent, "ids": ids}


def _p(i):
    return db.session.get(Personne, i)


def test_registration_records_who_collected_consent_and_how(app, accueil):
    with app.app_context():
        etapes = services.consentements_de(_p(accueil["ids"][0]))
        assert [(e.finalite, e.donne, e.mode, e.par_nom) for e in etapes] == [
            ("recherche", True, "oral", accueil["agent"].email),
            ("ciav", True, "oral", accueil["agent"].email)]
        assert services.consentements_de(_p(accueil["ids"][1])) == []


def test_a_withdrawal_needs_its_reason_and_takes_effect_at_once(app, accueil, create_user):
    agent = accueil["agent"]
    with app.app_context():
        mariam = _p(accueil["ids"][0])
        acteur = db.session.get(User, agent.id)
        assert services.recherche_proche(acteur, accueil["evenement"].id, nom="Al-Khatib",
                                         prenom="Mariam").trouve
        with pytest.raises(ServiceError, match="se note avec son motif") as refus:
            services.changer_consentement(acteur, mariam, "recherche", donne=False)
        assert refus.value.field == "motif"
        services.changer_consentement(acteur, mariam, "ciav", donne=False,
                                      motif="Ne veut pas être recontactée")
        services.changer_consentement(acteur, mariam, "recherche", donne=False,
                                      motif="Elle craint son ex-conjoint")
        db.session.commit()
        # The relatives' enquiry and the CIAV list see the withdrawal at once.
        assert not services.recherche_proche(acteur, accueil["evenement"].id,
                                             nom="Al-Khatib", prenom="Mariam").trouve
        liste = ListeNominative(db.session.get(CentreAccueil, accueil["centre"].id), "ciav",
                                utcnow())
        assert liste.people == []
        resume = db.session.scalar(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "consentement").order_by(AuditEntry.id.desc()))
        assert "retiré (motif noté sur la fiche)" in resume
        assert "Mariam" not in resume and "ex-conjoint" not in resume
        # Said again the same way: nothing more is written.
        assert services.changer_consentement(acteur, mariam, "recherche", donne=False,
                                             motif="Encore") is None


def test_written_consent_after_oral_and_the_pav_list(app, accueil):
    with app.app_context():
        acteur = db.session.get(User, accueil["agent"].id)
        yusuf = _p(accueil["ids"][1])
        services.changer_consentement(acteur, yusuf, "pav", donne=True, mode="oral")
        services.changer_consentement(acteur, yusuf, "pav", donne=True, mode="ecrit")
        db.session.commit()
        assert [e.mode for e in services.consentements_de(yusuf)] == ["oral", "ecrit"]
        liste = ListeNominative(db.session.get(CentreAccueil, accueil["centre"].id), "pav",
                                utcnow())
        assert [p.prenom for p in liste.people] == ["Yusuf"]


def test_vital_interest_for_the_roles_that_need_it_with_a_reason(app, accueil, create_user):
    dsol = create_user("dsol")
    with app.app_context():
        agent = db.session.get(User, accueil["agent"].id)
        mariam = _p(accueil["ids"][0])
        dossier, _ = hebergement.ouvrir_dossier(db.session.get(User, dsol.id), mariam,
                                                hebergement.DossierData())
        db.session.commit()
        with pytest.raises(ServiceError, match="n'a pas consenti à « Partage avec le bailleur"):
            hebergement.demander_relogement(db.session.get(User, dsol.id), dossier)
        db.session.rollback()
        with pytest.raises(ServiceError, match="ne permet pas d'invoquer l'intérêt vital"):
            services.changer_consentement(agent, mariam, "bailleur", donne=True,
                                          mode="interet_vital", motif="Urgence")
        with pytest.raises(ServiceError, match="L'intérêt vital se justifie"):
            services.changer_consentement(db.session.get(User, dsol.id), mariam, "bailleur",
                                          donne=True, mode="interet_vital", motif=" ")
        services.changer_consentement(
            db.session.get(User, dsol.id), mariam, "bailleur", donne=True,
            mode="interet_vital", motif="Hospitalisée, inconsciente ; logement détruit")
        hebergement.demander_relogement(db.session.get(User, dsol.id), dossier)
        db.session.commit()
        etape = db.session.scalar(sa.select(Consentement).where(
            Consentement.finalite == "bailleur"))
        assert etape.mode == "interet_vital" and etape.par_nom == dsol.email
        assert db.session.scalar(sa.select(sa.func.count()).where(
            AuditEntry.summary.like("%intérêt vital invoqué (motif noté sur la fiche)"))) == 1
        assert etape.motif == "Hospitalisée, inconsciente ; logement détruit"
        # Withdrawn later: the rehousing request stops at once, said to the DLH.
        services.changer_consentement(db.session.get(User, dsol.id), mariam, "bailleur",
                                      donne=False, motif="Ne veut pas quitter le quartier")
        db.session.commit()
        db.session.refresh(dossier)
        assert dossier.relogement.statut == "sans_suite"
        assert "Consentement au partage avec le bailleur retiré" in dossier.journal[-1].texte
        assert "Consentement au partage" in dossier.relogement.notes[-1].texte


def test_another_mairie_s_person_is_refused(app, accueil, create_user):
    autre = create_user("agent_accueil", mairie="12e")
    with app.app_context():
        with pytest.raises(ServiceError, match="pas dans votre périmètre"):
            services.changer_consentement(db.session.get(User, autre.id),
                                          _p(accueil["ids"][1]), "pav", donne=True)


def test_the_record_page_notes_and_shows_consents(app, client, auth, accueil):
    auth.login(accueil["agent"])
    personne_id = accueil["ids"][0]
    url = f"/care/personnes/{personne_id}/consentements"
    r = client.post(url, data={"finalite": "recherche", "action": "retrait", "motif": ""},
                    follow_redirects=True)
    assert "se note avec son motif" in r.get_data(as_text=True)
    r = client.post(url, data={"finalite": "recherche", "action": "retrait",
                               "motif": "Ne souhaite pas être retrouvée"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "« Être signalé(e) aux proches qui le recherchent » : noté." in html
    assert "« Ne souhaite pas être retrouvée »" in html
    assert client.post(url, data={"finalite": "x", "action": "oral"},
                       follow_redirects=True).status_code == 200
    with app.app_context():
        assert not _p(personne_id).consent_recherche
    # The edit form: unticking needs the reason, said next to it, the typing kept.
    form = client.get(f"/care/personnes/{personne_id}/modifier").get_data(as_text=True)
    assert "Motif du retrait" in form
    r = client.post(f"/care/personnes/{personne_id}/modifier", data={
        "nom": "Al-Khatib", "prenom": "Mariam", "categorie": "sinistre", "taille_groupe": "1",
        "telephone": "06 01 02 03 04"})
    html = r.get_data(as_text=True)
    assert "se note avec son motif" in html and 'value="06 01 02 03 04"' in html
    with app.app_context():
        assert _p(personne_id).consent_ciav and not _p(personne_id).telephone


def test_a_form_left_open_does_not_undo_a_withdrawal_made_meanwhile(app, client, auth,
                                                                      accueil):
    auth.login(accueil["agent"])
    personne_id = accueil["ids"][0]
    form = client.get(f"/care/personnes/{personne_id}/modifier").get_data(as_text=True)
    assert 'value="recherche:1,ciav:1,pav:0,bailleur:0"' in form
    # Meanwhile, at the next desk, the CIAV consent is withdrawn.
    r = client.post(f"/care/personnes/{personne_id}/consentements", data={
        "finalite": "ciav", "action": "retrait", "etat_vu": "1", "motif": "Refuse"})
    assert r.status_code == 302
    # The form opened before still says « oui »: saving the phone leaves the consent alone.
    r = client.post(f"/care/personnes/{personne_id}/modifier", data={
        "nom": "Al-Khatib", "prenom": "Mariam", "categorie": "sinistre", "taille_groupe": "1",
        "telephone": "06 01 02 03 04", "consent_recherche": "y", "consent_ciav": "y",
        "consentements_vus": "recherche:1,ciav:1,pav:0,bailleur:0"})
    assert r.status_code == 302
    # A stale button of the consent table is refused, and says why.
    r = client.post(f"/care/personnes/{personne_id}/consentements", data={
        "finalite": "ciav", "action": "ecrit", "etat_vu": "1"})
    assert r.status_code == 422 and "a changé entre-temps" in r.get_data(as_text=True)
    with app.app_context():
        mariam = _p(personne_id)
        assert mariam.telephone == "06 01 02 03 04" and not mariam.consent_ciav
        # A reason typed for a withdrawal is not written on a consent given in the same save.
        acteur = db.session.get(User, accueil["agent"].id)
        services.modifier_personne(acteur, mariam, PersonneData(
            nom="Al-Khatib", prenom="Mariam", categorie="sinistre", consent_recherche=False,
            consent_pav=True, motif_consentement="Ne veut plus",
            consentements_vus={"recherche": True, "pav": False}))
        db.session.commit()
        etapes = {e.finalite: e for e in services.consentements_de(mariam)}
        assert etapes["pav"].motif == "" and etapes["recherche"].motif == "Ne veut plus"


def test_a_refused_note_is_said_in_its_row_with_the_typing_kept(app, client, auth, accueil):
    auth.login(accueil["agent"])
    long = "Elle a dit non " * 40
    r = client.post(f"/care/personnes/{accueil['ids'][0]}/consentements", data={
        "finalite": "recherche", "action": "retrait", "etat_vu": "1", "motif": long})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'aria-describedby="consentement-erreur"' in html
    assert "500 caractères au maximum." in html and "Elle a dit non Elle a dit non" in html
