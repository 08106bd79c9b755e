"""The cellule through the web: main courante, strike-through, exports, decisions, scope."""

import pytest

from crise.audit.models import AuditEntry
from crise.cellule.models import DestinataireDecision, EntreeMainCourante
from tests.conftest import count, get_db_object


@pytest.fixture
def scene(create_user, create_evenement):
    return {"evenement": create_evenement(mairies=("11e", "12e")),
            "cellule": create_user("cellule", nom="Chef de salle"),
            "m11": create_user("responsable_care", mairie="11e"),
            "m12": create_user("responsable_care", mairie="12e"),
            "m15": create_user("responsable_care", mairie="15e")}


def write(client, scene, **data):
    form = {"type": "information", "priorite": "normale", "fait_at": "", "source": "PP",
            "support": "telephone", "objet": "", "texte": "Feu maîtrisé au 12 rue d'Avron"}
    form.update(data)
    return client.post(f"/cellule/evenements/{scene['evenement'].id}/main-courante", data=form)


def test_write_filter_search_and_strike(app, client, auth, scene):
    auth.login(scene["cellule"])
    assert write(client, scene).status_code == 302
    write(client, scene, type="demande", priorite="urgente",
          texte="La mairie du 12e demande des lits de camp")
    url = f"/cellule/evenements/{scene['evenement'].id}/main-courante"
    html = client.get(url).get_data(as_text=True)
    assert "Feu maîtrisé au 12 rue d&#39;Avron" in html and "lits de camp" in html
    html = client.get(url + "?priorite=urgente").get_data(as_text=True)
    assert "lits de camp" in html and "Feu maîtrisé" not in html
    html = client.get(url + "?q=avron").get_data(as_text=True)
    assert "Feu maîtrisé" in html and "lits de camp" not in html
    entree_id = max(e for e in range(1, 5) if get_db_object(app, EntreeMainCourante, e))
    response = client.post(f"/cellule/entrees/{entree_id}/barrer", data={"motif": ""},
                           follow_redirects=True)
    assert "Indiquez pourquoi l&#39;entrée est barrée" in response.get_data(as_text=True)
    client.post(f"/cellule/entrees/{entree_id}/barrer", data={"motif": "Doublon de l'entrée 1"})
    html = client.get(url).get_data(as_text=True)
    assert "<del>La mairie du 12e demande des lits de camp</del>" in html
    assert "Doublon de l&#39;entrée 1" in html


def test_bad_entry_comes_back_with_the_text(app, client, auth, scene):
    auth.login(scene["cellule"])
    response = write(client, scene, texte="Arrivée du préfet", fait_at="2026-02-30T10:00")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Date ou heure invalide" in html
    assert "Arrivée du préfet" in html
    response = write(client, scene, texte="  ")
    assert "Écrivez le contenu de l&#39;entrée." in response.get_data(as_text=True)
    assert count(app, EntreeMainCourante) == 0


def test_no_route_edits_or_deletes_an_entry(app, client, auth, scene):
    auth.login(scene["cellule"])
    write(client, scene)
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/cellule/entrees/1").status_code in (404, 405)
    assert client.post("/cellule/entrees/1/modifier").status_code == 404
    assert client.post("/cellule/entrees/1/supprimer").status_code == 404
    assert get_db_object(app, EntreeMainCourante, 1).texte.startswith("Feu maîtrisé")


def test_exports_pdf_and_csv_are_audited(app, client, auth, scene):
    auth.login(scene["cellule"])
    write(client, scene)
    url = f"/cellule/evenements/{scene['evenement'].id}/main-courante"
    csv = client.get(url + ".csv")
    assert csv.status_code == 200 and "Feu maîtrisé au 12 rue d'Avron" in \
        csv.data.decode("utf-8-sig")
    pdf = client.get(url + ".pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "no-store"
    assert count(app, AuditEntry, AuditEntry.object_type == "main_courante") == 2
    assert client.get(url + ".xls").status_code == 404


def test_the_main_courante_is_built_before_its_audit_entry_takes_the_writer(
        app, client, auth, scene, monkeypatch):
    from crise.cellule import exports as cellule_exports
    from tests.conftest import construit_sans_ecrire

    constats = []
    build, mimetype = cellule_exports.FORMATS["pdf"]
    monkeypatch.setitem(cellule_exports.FORMATS, "pdf",
                        (construit_sans_ecrire(build, constats), mimetype))
    auth.login(scene["cellule"])
    write(client, scene)
    pdf = client.get(f"/cellule/evenements/{scene['evenement'].id}/main-courante.pdf")
    assert pdf.data.startswith(b"%PDF") and constats == [False]
    assert count(app, AuditEntry, AuditEntry.object_type == "main_courante") == 1


def test_main_courante_is_for_the_cellule(app, client, auth, scene):
    auth.login(scene["m11"])
    url = f"/cellule/evenements/{scene['evenement'].id}/main-courante"
    assert client.get(url).status_code == 403
    assert write(client, scene).status_code == 403
    assert client.get(f"/cellule/evenements/{scene['evenement'].id}").status_code == 403


def test_decision_pushed_acknowledged_and_reported(app, client, auth, scene):
    auth.login(scene["cellule"])
    url = f"/cellule/evenements/{scene['evenement'].id}/decisions/nouvelle"
    html = client.post(url, data={"texte": "Ouvrir un gymnase", "jeton": "j"}).get_data(
        as_text=True)
    assert "Choisissez au moins un destinataire" in html and "Ouvrir un gymnase" in html
    response = client.post(url, data={"texte": "Ouvrir un gymnase par arrondissement",
                                      "mairies": ["11e", "12e"], "jeton": "j"})
    assert response.status_code == 302
    decision_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.logout()

    auth.login(scene["m11"])
    home = client.get("/evenements/").get_data(as_text=True)
    assert f"Décision n° {decision_id}" in home and "À lire" in home
    client.post(f"/cellule/decisions/{decision_id}/connaissance")
    client.post(f"/cellule/decisions/{decision_id}/compte", data={"etat": "appliquee"})
    assert f"Décision n° {decision_id}" not in client.get("/evenements/").get_data(as_text=True)
    auth.logout()

    auth.login(scene["m12"])
    response = client.post(f"/cellule/decisions/{decision_id}/compte", data={
        "etat": "impossible", "motif": ""})
    assert response.status_code == 422
    assert "Expliquez pourquoi" in response.get_data(as_text=True)
    client.post(f"/cellule/decisions/{decision_id}/compte", data={
        "etat": "impossible", "motif": "Gymnase en travaux"})
    auth.logout()

    auth.login(scene["m15"])  # not an addressee: does not even see it
    assert client.get(f"/cellule/decisions/{decision_id}").status_code == 404
    assert client.get(f"/cellule/decisions/{decision_id}/suivi").status_code == 404
    assert client.get("/cellule/").status_code == 403
    assert client.post(f"/cellule/decisions/{decision_id}/connaissance").status_code == 404
    auth.logout()

    auth.login(scene["cellule"])
    html = client.get(f"/cellule/decisions/{decision_id}").get_data(as_text=True)
    assert "Prise de connaissance : 2 / 2 · appliquée : 1 / 2 · impossible : 1" in html
    assert "Gymnase en travaux" in html
    suivi = client.get(f"/cellule/decisions/{decision_id}/suivi").get_data(as_text=True)
    assert "appliquée : 1 / 2 · impossible : 1" in suivi  # what the page fetches by itself
    home = client.get("/cellule/").get_data(as_text=True)  # the cellule's home
    assert "1 impossible(s)" in home and "0 / 2 à jour" in home and "Non activée" in home
    assert count(app, DestinataireDecision, DestinataireDecision.etat == "appliquee") == 1
    log = client.get(f"/cellule/evenements/{scene['evenement'].id}/main-courante").get_data(
        as_text=True)
    assert "11e — Appliquée" in log and "12e — Impossible : Gymnase en travaux" in log


def test_another_mairies_destinataire_id_is_refused(app, client, auth, scene):
    auth.login(scene["cellule"])
    response = client.post(f"/cellule/evenements/{scene['evenement'].id}/decisions/nouvelle",
                           data={"texte": "Point à 18 h", "toutes_mairies": "y", "jeton": "k"})
    decision_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    auth.login(scene["m11"])
    assert count(app, DestinataireDecision) == 2  # 11e (id 1) and 12e (id 2)
    # The 11e posts the 12e's line: refused, nothing changes.
    response = client.post(f"/cellule/decisions/{decision_id}/connaissance",
                           data={"destinataire": "2"}, follow_redirects=True)
    assert "Vous ne répondez pas pour ce destinataire" in response.get_data(as_text=True)
    assert get_db_object(app, DestinataireDecision, 2).pris_connaissance_at is None


def test_late_decision_on_the_mairie_home_page_and_the_cellules_steps(app, client, auth,
                                                                     create_user,
                                                                     create_evenement):
    from datetime import timedelta

    from crise.auth.models import User
    from crise.cellule import services
    from crise.cellule.models import Decision
    from crise.db import utcnow
    from crise.evenements.models import Evenement
    from crise.extensions import db

    evenement = create_evenement(mairies=("11e",))
    cellule, mairie = create_user("cellule"), create_user("responsable_care", mairie="11e")
    with app.app_context():
        decision, _ = services.decider(
            db.session.get(User, cellule.id), db.session.get(Evenement, evenement.id),
            services.DecisionData(texte="Fermer les berges", toutes_mairies=True,
                                  echeance_at=utcnow() + timedelta(minutes=30)))
        db.session.commit()
        decision_id = decision.id
        db.session.get(Decision, decision_id).echeance_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    auth.login(cellule)
    client.post(f"/cellule/decisions/{decision_id}/relancer")
    page = client.get(f"/cellule/decisions/{decision_id}").get_data(as_text=True)
    assert "relancé(e) le" in page and "Modifier (nouvelle version)" in page
    form = client.get(f"/cellule/decisions/{decision_id}/modifier").get_data(as_text=True)
    assert "Fermer les berges" in form and "Modifier la décision n°" in form
    auth.logout()
    auth.login(mairie)
    home = client.get("/evenements/").get_data(as_text=True)
    assert 'data-testid="decision-en-retard"' in home and "Relancé(e) le" in home
    auth.logout()
    auth.login(cellule)
    response = client.post(f"/cellule/decisions/{decision_id}/terminer",
                           data={"statut": "annulee", "motif": ""}, follow_redirects=True)
    assert "Dites pourquoi la décision est annulée" in response.get_data(as_text=True)
    client.post(f"/cellule/decisions/{decision_id}/terminer",
                data={"statut": "close", "motif": "Berges fermées"})
    page = client.get(f"/cellule/decisions/{decision_id}").get_data(as_text=True)
    assert "Close (appliquée)" in page and "Berges fermées" in page


def test_sent_again_after_back_is_said_not_repeated(app, client, auth, scene):
    """Back, then send again: one entry, one decision, and the user is told so."""
    auth.login(scene["cellule"])
    client.get(write(client, scene).headers["Location"])  # its message read
    html = client.get(write(client, scene).headers["Location"]).get_data(as_text=True)
    assert "venait d&#39;être écrite (n° 1)" in html and "n° 1 écrite" not in html
    assert count(app, EntreeMainCourante) == 1
    url = f"/cellule/evenements/{scene['evenement'].id}/decisions/nouvelle"
    data = {"texte": "Ouvrir un gymnase", "mairies": ["11e"], "jeton": "jeton-retour"}
    client.post(url, data=data, follow_redirects=True)
    html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Cette décision venait d&#39;être transmise" in html
    assert count(app, DestinataireDecision) == 1
