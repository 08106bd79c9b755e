"""The data protection's page: for the administrator alone; rules, holds and the chain
from the browser's forms, bad input said in French with what was typed kept."""

from datetime import timedelta

import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.extensions import db
from crise.rgpd import conservation
from crise.rgpd.models import GelJuridique


def test_only_the_administrator_reaches_it(client, login_as):
    for role in ("cellule", "responsable_care", "dsol", "animateur"):
        login_as(role)
        assert client.get("/donnees-personnelles/").status_code == 403
        assert client.post("/donnees-personnelles/regles", data={}).status_code == 403
        client.post("/auth/deconnexion")
    login_as("admin")
    html = client.get("/donnees-personnelles/").get_data(as_text=True)
    assert "Règles de conservation" in html and "délibération 2023-095" in html
    assert 'value="730"' in html and 'value="365"' in html
    assert "Rien à anonymiser ni à supprimer aujourd'hui." in html


def test_rules_are_set_and_a_bad_one_keeps_what_was_typed(app, client, login_as):
    login_as("admin")
    data = {"jours_notes": "60", "jours_identites": "700", "jours_hebergement": "730",
            "jours_exercices": "15", "jours_audit": "90"}
    r = client.post("/donnees-personnelles/regles", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "De 180 à 1095 jours." in html
    assert 'value="90"' in html and 'value="60"' in html  # as typed
    with app.app_context():
        assert conservation.delais()["notes"] == 30  # all or nothing
    data["jours_audit"] = "deux ans"
    assert client.post("/donnees-personnelles/regles", data=data).status_code == 422
    data["jours_audit"] = "400"
    r = client.post("/donnees-personnelles/regles", data=data, follow_redirects=True)
    assert "Règles de conservation enregistrées (4 modifiée(s))." in r.get_data(as_text=True)
    with app.app_context():
        assert conservation.delais() == {"notes": 60, "identites": 700, "hebergement": 730,
                                         "exercices": 15, "audit": 400}


def test_a_hold_is_placed_and_lifted_with_its_reason(app, client, login_as, create_evenement):
    evenement = create_evenement(titre="Explosion rue de l'Aude")
    login_as("admin")
    r = client.post("/donnees-personnelles/gels", data={"evenement": str(evenement.id),
                                                        "motif": "  "})
    assert r.status_code == 422 and "Indiquez le motif du gel." in r.get_data(as_text=True)
    r = client.post("/donnees-personnelles/gels", data={"evenement": "999999", "motif": "x"})
    assert r.status_code == 422  # not a choice
    r = client.post("/donnees-personnelles/gels", data={
        "evenement": str(evenement.id),
        "motif": "Réquisition du parquet de Paris n° 2026/1234"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Gel juridique posé sur « Explosion rue de l&#39;Aude »" in html
    assert "Réquisition du parquet de Paris n° 2026/1234" in html
    with app.app_context():
        gel = db.session.scalar(sa.select(GelJuridique))
        assert gel.actif and gel.pose_par_nom.startswith("admin")
    r = client.post(f"/donnees-personnelles/gels/{gel.id}/lever", data={"motif": ""},
                    follow_redirects=True)
    assert "Indiquez pourquoi le gel est levé." in r.get_data(as_text=True)
    r = client.post(f"/donnees-personnelles/gels/{gel.id}/lever",
                    data={"motif": "Classement sans suite"}, follow_redirects=True)
    assert "Gel levé sur" in r.get_data(as_text=True)
    r = client.post(f"/donnees-personnelles/gels/{gel.id}/lever",
                    data={"motif": "Encore"}, follow_redirects=True)
    assert "Ce gel est déjà levé." in r.get_data(as_text=True)
    assert client.post("/donnees-personnelles/gels/2147483647/lever",
                       data={"motif": "x"}).status_code == 404
    with app.app_context():
        resumes = db.session.scalars(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "gel_juridique")).all()
        assert len(resumes) == 2 and "Classement sans suite" in resumes[1]


def test_the_page_shows_the_plan_and_checks_the_chain(app, client, login_as, create_evenement,
                                                      create_centre, create_user):
    from crise.auth.models import User
    from crise.care import services as care
    from crise.care.models import CentreAccueil
    from crise.db import utcnow
    from crise.evenements.models import Evenement
    from crise.evenements.services import clore_evenement

    resp = create_user("responsable_care", mairie="11e")
    chef = create_user("cellule")
    evenement = create_evenement(titre="Incendie passage Bullourde")
    centre = create_centre(mairie="11e", evenement=evenement, by=resp)
    with app.app_context():
        care.enregistrer(db.session.get(User, resp.id), db.session.get(CentreAccueil, centre.id),
                         [care.PersonneData(nom="Haddad", prenom="Leïla", categorie="sinistre",
                                            notes="Très choquée")])
        clore_evenement(db.session.get(User, chef.id), db.session.get(Evenement, evenement.id),
                        malgre_demandes=True)
        db.session.execute(sa.update(Evenement).values(clos_at=utcnow() - timedelta(days=40)))
        db.session.commit()
    login_as("admin")
    html = client.get("/donnees-personnelles/").get_data(as_text=True)
    assert "Incendie passage Bullourde" in html and "personne(s) : notes effacées" in html
    assert "Haddad" not in html  # counts, never names
    r = client.post("/donnees-personnelles/journal/verifier", follow_redirects=True)
    assert "Journal d&#39;audit intact" in r.get_data(as_text=True)


def test_the_register_follows_the_roles_and_the_rules_in_force(app, client, login_as,
                                                               tmp_path):
    from tests.conftest import pdf_text

    login_as("admin")
    html = client.get("/donnees-personnelles/registre").get_data(as_text=True)
    assert "Notes médicales et psychologiques" in html
    assert "Responsable de crise de la mairie (pour sa seule mairie)" in html
    assert "2 an(s) (730 jours) après le dernier contact" in html
    assert "Association d&#39;aide aux victimes (PAV)" in html
    with app.app_context():
        conservation.fixer_delai(None, "identites", 365)
        db.session.commit()
    html = client.get("/donnees-personnelles/registre").get_data(as_text=True)
    assert "1 an(s) (365 jours) après le dernier contact" in html
    r = client.get("/donnees-personnelles/registre.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    (tmp_path / "registre.pdf").write_bytes(r.data)
    texte = pdf_text(r.data, tmp_path)
    assert "Registre des traitements" in texte and "365 jours" in texte
    client.post("/auth/deconnexion")
    login_as("cellule")
    assert client.get("/donnees-personnelles/registre").status_code == 403
