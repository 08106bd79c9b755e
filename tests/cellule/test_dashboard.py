"""The dashboard: people by catégorie and mairie, C.A.RE, arrivals and presence, SCOP, housing."""

from crise.auth.models import User
from crise.care import services as care_services
from crise.care.models import CentreAccueil, Personne
from crise.cellule.dashboard import tableau_de_bord
from crise.evenements.models import Evenement
from crise.extensions import db


def test_dashboard_counts_and_charts(app, client, auth, create_user, create_evenement,
                                     create_centre):
    evenement = create_evenement(mairies=("11e", "12e"))
    centre = create_centre(mairie="11e", evenement=evenement)
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        people, _ = care_services.enregistrer(
            db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id), [
                care_services.PersonneData(nom="Roux", categorie="sinistre"),
                care_services.PersonneData(nom="Roux", prenom="Léa", categorie="proche"),
                care_services.PersonneData(nom="Roux", prenom="Tom", categorie="sinistre")])
        care_services.depart(db.session.get(User, agent.id),
                             db.session.get(Personne, people[0].id), destination="domicile")
        db.session.commit()
        data = tableau_de_bord(db.session.get(Evenement, evenement.id))
        assert data["total"] == 3 and data["presents"] == 2
        assert data["par_categorie"]["sinistre"] == 2 and data["centres_ouverts"] == 1
        assert sum(b.valeur for b in data["arrivees"].barres) == 3
        assert data["presence"].barres[-1].valeur == 2
        # Values on the axes: counts up the side, Paris hours along the bottom.
        assert data["arrivees"].graduations_y == [3, 0]  # no half person
        assert data["presence"].graduations_y == [2, 1, 0]
        assert data["arrivees"].graduations_x[-1] == data["arrivees"].dernier
    auth.login(create_user("cellule"))
    html = client.get(f"/cellule/evenements/{evenement.id}/tableau-de-bord").get_data(
        as_text=True)
    assert "<svg" in html and "Arrivées par heure" in html and "prise(s) en charge" in html
    assert '<ol class="chart__y" aria-hidden="true"><li>3</li><li>0</li></ol>' in html
    auth.logout()
    auth.login(agent)
    assert client.get(f"/cellule/evenements/{evenement.id}/tableau-de-bord").status_code == 403


def test_exercise_dashboard_says_exercice(app, client, auth, create_user, create_evenement):
    evenement = create_evenement(exercice=True, titre="Paris à 50°C")
    auth.login(create_user("cellule"))
    html = client.get(f"/cellule/evenements/{evenement.id}/tableau-de-bord").get_data(
        as_text=True)
    assert "EXERCICE" in html and "ne comptent jamais" in html
