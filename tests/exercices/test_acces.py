"""The animateur reads what the players did in an exercise event (its C.A.RE and people, SCOP
requests, cellule, housing), writes nothing there, and sees no real event nor anyone in it."""

import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services as care
from crise.cellule import services as cellule
from crise.evenements.models import Evenement
from crise.exercices.models import Exercice
from crise.extensions import db
from crise.hebergement.models import DossierHebergement
from crise.hebergement import services as hebergement
from crise.scop import services as scop
from tests.conftest import csrf_token_from


def peupler(app, evenement_id, responsable, cellule_user):
    """A C.A.RE with a household, a VPU request, a main courante entry and a decision."""
    with app.app_context():
        evenement = db.session.get(Evenement, evenement_id)
        resp, cel = db.session.get(User, responsable.id), db.session.get(User, cellule_user.id)
        from crise.care.models import Site

        site = Site(mairie_id=resp.mairie_id, nom="Gymnase Cévennes", adresse="rue Lacordaire",
                    capacite=60, actif=True)
        db.session.add(site)
        centre, _ = care.ouvrir_centre(resp, evenement, site=site, capacite=60,
                                       responsable_nom="Zoé L'Hermite")
        (personne,), _ = care.enregistrer(resp, centre, [care.PersonneData(
            nom="Иванова", prenom="Ольга", categorie="sinistre")])
        demande, _ = scop.demander(resp, evenement, type="vpu", urgence="heure", contenu={
            "articles": {"couvertures": 20}, "contact": "Zoé L'Hermite"},
            nb_personnes=20, centre=centre)
        cellule.activer(cel, evenement)
        entree = cellule.ecrire(cel, evenement, cellule.EntreeData(texte="Point RER C"))
        dossier, _ = hebergement.ouvrir_dossier(resp, personne, hebergement.DossierData())
        db.session.commit()
        return {"centre": centre.id, "personne": personne.id, "demande": demande.id,
                "entree": entree.id, "dossier": dossier.id}


def pages(evenement_id, ids):
    urls = [f"/evenements/{evenement_id}",
            f"/care/{ids['centre']}", f"/care/personnes/{ids['personne']}", f"/scop/demandes/{ids['demande']}",
            f"/cellule/evenements/{evenement_id}",
            f"/cellule/evenements/{evenement_id}/main-courante",
            f"/cellule/evenements/{evenement_id}/synthese"]
    return urls + [f"/hebergement/dossiers/{ids['dossier']}"]


def test_the_animateur_reads_an_exercise_and_no_real_event(app, client, auth, exercice,
                                                          joueurs, animateur, create_user,
                                                          create_evenement):
    ident = exercice(debex=False)
    with app.app_context():
        exercise_event = db.session.get(Exercice, ident).evenement_id
    jeu = peupler(app, exercise_event, joueurs["15e"], joueurs["cellule"])
    reel = create_evenement(titre="Incendie rue Blomet", mairies=("15e",))
    vrai = peupler(app, reel.id, create_user("responsable_care", mairie="15e"),
                   create_user("cellule"))
    auth.login(animateur)
    for url in pages(exercise_event, jeu):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "ИВАНОВА Ольга" in client.get(f"/care/personnes/{jeu['personne']}").get_data(
        as_text=True)
    for url in pages(reel.id, vrai):
        assert client.get(url).status_code in (403, 404), url
    home = client.get("/evenements/").get_data(as_text=True)
    assert "Incendie rue Blomet" not in home and "Gymnase Cévennes" in home
    assert client.get("/evenements/?nature=reels").get_data(as_text=True).count(
        "Incendie rue Blomet") == 0
    # Reading is not writing: no main courante entry, no registration, no cellule.
    page = client.get(f"/cellule/evenements/{exercise_event}/main-courante")
    assert "Écrire dans la main courante" not in page.get_data(as_text=True)
    token = csrf_token_from(client.get("/exercices/").get_data(as_text=True))
    assert client.post(f"/cellule/evenements/{exercise_event}/main-courante", data={
        "csrf_token": token, "texte": "Intrusion", "type": "information",
        "priorite": "normale"}).status_code == 403
    assert client.post(f"/cellule/evenements/{exercise_event}/activer",
                       data={"csrf_token": token}).status_code == 403
    assert client.get(f"/care/{jeu['centre']}/enregistrer").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DossierHebergement)
                                 ) == 2


def test_the_scope_rule_keeps_an_animateur_to_exercise_events():
    from crise.care.models import Personne

    animateur = User(role="animateur")
    assert str(animateur.perimetre(Personne.mairie_id)) == "false"
    scope = str(animateur.perimetre(Personne.mairie_id, Personne.evenement_id))
    assert "care_personne.evenement_id IN (SELECT evenement.id" in scope
    assert "evenement.exercice IS" in scope
    assert str(User(role="cellule").perimetre(Personne.mairie_id, Personne.evenement_id)) \
        == "true"
