"""The complete record: SINUS, the sought person, consents, medical notes, audit without values."""

from dataclasses import replace

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, Personne
from crise.care.services import PersonneData
from crise.errors import ServiceError
from crise.extensions import db
from tests.conftest import get_db_object

SINUS = "FR075PPOL2026TR000123"


@pytest.fixture
def registered(app, create_centre, create_user):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        people, _ = services.enregistrer(db.session.get(User, agent.id),
                                         db.session.get(CentreAccueil, centre.id), [
            PersonneData(nom="Lefèvre", prenom="Hélène", categorie="proche"),
            PersonneData(nom="Martin", categorie="sinistre")])
        db.session.commit()
        ids = [p.id for p in people]
    return {"centre": centre, "agent": agent, "responsable": responsable, "ids": ids}


def data_of(personne, **changes):
    base = PersonneData(**{name: getattr(personne, name)
                           for name in services.PERSON_FIELDS}, sinus=personne.sinus or "")
    return replace(base, **changes)


def test_sinus_is_normalised_and_validated(app, registered):
    with app.app_context():
        agent = db.session.get(User, registered["agent"].id)
        personne = db.session.get(Personne, registered["ids"][0])
        services.modifier_personne(agent, personne, data_of(personne,
                                                            sinus="fr-075 ppol 2026 tr 000123"))
        assert personne.sinus == SINUS
        assert personne.sinus_affiche == "FR 075 PPOL 2026 TR 000123"
        for wrong in ("FR075PPOL2026XX000123", "FR075PPOL2026TR00012", "123"):
            with pytest.raises(ServiceError, match="SINUS invalide"):
                services.modifier_personne(agent, personne, data_of(personne, sinus=wrong))
        other = db.session.get(Personne, registered["ids"][1])
        with pytest.raises(ServiceError, match="déjà attribué"):
            services.modifier_personne(agent, other, data_of(other, sinus=SINUS))


def test_proche_links_to_the_person_sought(app, registered):
    with app.app_context():
        agent = db.session.get(User, registered["agent"].id)
        proche = db.session.get(Personne, registered["ids"][0])
        sought = db.session.get(Personne, registered["ids"][1])
        services.modifier_personne(agent, proche, data_of(proche, recherche_nom="Paul Martin"),
                                   recherche_code=sought.code_court.lower().replace("-", ""))
        assert proche.recherche_personne.id == sought.id
        with pytest.raises(ServiceError, match="Aucune personne"):
            services.modifier_personne(agent, proche, data_of(proche), recherche_code="ZZZ-ZZZ")
        with pytest.raises(ServiceError, match="elle-même"):
            services.modifier_personne(agent, proche, data_of(proche),
                                       recherche_code=proche.code_court)


def test_medical_notes_only_for_the_crisis_lead(app, registered):
    with app.app_context():
        agent = db.session.get(User, registered["agent"].id)
        responsable = db.session.get(User, registered["responsable"].id)
        personne = db.session.get(Personne, registered["ids"][1])
        assert not personne.can_see_medical(agent) and personne.can_see_medical(responsable)
        with pytest.raises(ServiceError, match="notes médicales"):
            services.modifier_personne(agent, personne, data_of(personne),
                                       notes_medicales="Crise d'angoisse")
        services.modifier_personne(responsable, personne, data_of(personne),
                                   notes_medicales="Crise d'angoisse, vue par l'UMIP")
        db.session.commit()
        entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert "notes_medicales" in entry.summary
        assert "angoisse" not in (entry.summary + str(entry.changes))


def test_audit_names_fields_not_values(app, registered):
    with app.app_context():
        agent = db.session.get(User, registered["agent"].id)
        personne = db.session.get(Personne, registered["ids"][1])
        services.modifier_personne(agent, personne, data_of(
            personne, telephone="06 12 34 56 78", prenom="Paul", consent_ciav=True,
            besoins=["hebergement"]))
        entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert entry.summary == ("Fiche complétée : besoins, consent_ciav, prenom, telephone")
        assert "06 12" not in str(entry.changes) and entry.changes is None
        # the new prénom is searchable
        found = services.search_names(agent, personne.evenement_id, "Paul Martin")
        assert found[0][0].id == personne.id


@pytest.mark.parametrize("changes, field, message", [
    ({"email": "pas-une-adresse"}, "email", "e-mail invalide"),
    ({"sexe": "Z"}, "sexe", "F, M, X"),
    ({"notes": "n" * 2001}, "notes", "2000 caractères"),
    ({"besoins": ["jacuzzi"]}, "besoins", "Besoin inconnu"),
    ({"telephone": "0" * 41}, "telephone", "40 caractères"),
])
def test_bad_input_changes_nothing(app, registered, changes, field, message):
    with app.app_context():
        agent = db.session.get(User, registered["agent"].id)
        personne = db.session.get(Personne, registered["ids"][1])
        with pytest.raises(ServiceError) as error:
            services.modifier_personne(agent, personne, data_of(personne, **changes))
        assert error.value.field == field and message in error.value.message
        db.session.rollback()
    assert get_db_object(app, Personne, registered["ids"][1]).email == ""


def test_edit_through_the_web(app, client, auth, registered):
    pid = registered["ids"][1]
    auth.login(registered["agent"])
    page = client.get(f"/care/personnes/{pid}/modifier").get_data(as_text=True)
    assert "Notes médicales" not in page
    form = {"nom": "Martin", "prenom": "Élodie", "categorie": "sinistre", "taille_groupe": "2",
            "sinus": "FR 075 PPOL 2026 TR 000123", "langue": "Tamoul", "interprete": "y",
            "adresse_actuelle": "3 passage de l'Ermitage", "consent_recherche": "y",
            "notes_medicales": "ne doit pas passer"}
    response = client.post(f"/care/personnes/{pid}/modifier", data=form)
    assert response.status_code == 302
    personne = get_db_object(app, Personne, pid)
    assert personne.sinus == SINUS and personne.interprete and personne.consent_recherche
    assert personne.notes_medicales == ""
    html = client.get(f"/care/personnes/{pid}").get_data(as_text=True)
    assert "FR 075 PPOL 2026 TR 000123" in html and "interprète nécessaire" in html
    bad = client.post(f"/care/personnes/{pid}/modifier", data={
        **form, "date_naissance": "2099-01-01"}).get_data(as_text=True)
    assert "La date de naissance est dans le futur." in bad
    assert "3 passage de l&#39;Ermitage" in bad
    bad = client.post(f"/care/personnes/{pid}/modifier", data={
        **form, "sinus": "FR-075-XX"}).get_data(as_text=True)
    assert "Numéro SINUS invalide" in bad and 'value="FR-075-XX"' in bad
    auth.logout()
    auth.login(registered["responsable"])
    assert "Notes médicales" in client.get(f"/care/personnes/{pid}/modifier").get_data(
        as_text=True)
    client.post(f"/care/personnes/{pid}/modifier", data={**form, "notes_medicales": "Choc"})
    assert 'data-testid="notes-medicales">Choc' in client.get(
        f"/care/personnes/{pid}").get_data(as_text=True)
    auth.logout()
    auth.login(registered["agent"])
    assert "Choc" not in client.get(f"/care/personnes/{pid}").get_data(as_text=True)


def test_other_mairie_cannot_edit_by_url(client, login_as, registered):
    login_as("responsable_care", mairie="12e")
    pid = registered["ids"][0]
    assert client.get(f"/care/personnes/{pid}/modifier").status_code == 404
    assert client.post(f"/care/personnes/{pid}/modifier", data={"nom": "X"}).status_code == 404
    assert client.get(f"/care/personnes/{pid}").status_code == 404
