"""F.3.13 indicators: events needing a C.A.RE, people taken in charge; exercises apart."""


from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil
from crise.care.services import PersonneData
from crise.extensions import db


def fill(app, centre, user, categories):
    with app.app_context():
        services.enregistrer(db.session.get(User, user.id), db.session.get(CentreAccueil,
                                                                           centre.id),
                          [PersonneData(nom=f"P{i}", categorie=c)
                           for i, c in enumerate(categories)])
        db.session.commit()


def test_indicators_count_real_events_and_keep_exercises_apart(app, create_centre,
                                                               create_user, create_evenement):
    admin = create_user("admin")
    reel = create_centre(mairie="11e")
    autre_reel = create_centre(mairie="12e")
    exercice = create_centre(mairie="11e", exercice=True)
    create_evenement(titre="Sans C.A.RE")
    fill(app, reel, admin, ["sinistre", "sinistre", "proche"])
    fill(app, autre_reel, admin, ["implique"])
    fill(app, exercice, admin, ["sinistre"] * 5)
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        data = services.indicateurs(db.session.get(User, admin.id))
        assert data.evenements_reels == 3 and data.evenements_avec_care == 2
        assert data.personnes_reelles == {"sinistre": 2, "implique": 1, "proche": 1,
                                          "total": 4}
        assert data.personnes_exercices["total"] == 5
        scoped = services.indicateurs(db.session.get(User, agent.id))
        assert scoped.personnes_reelles["total"] == 3 and scoped.evenements_avec_care == 1


def test_indicators_page(client, login_as, create_centre, create_user, app):
    admin = create_user("admin")
    centre = create_centre(mairie="11e")
    exercice = create_centre(mairie="11e", exercice=True)
    fill(app, centre, admin, ["sinistre", "proche"])
    fill(app, exercice, admin, ["sinistre"])
    login_as("cellule")
    html = client.get("/care/indicateurs").get_data(as_text=True)
    reels = html.split('data-testid="indicateurs-reels"')[1].split("</section>")[0]
    assert '<span class="counter__value">2</span><span class="counter__label">personnes' in reels
    exercices = html.split('data-testid="indicateurs-exercices"')[1]
    assert "1 personne(s) fictive(s)" in exercices
    assert client.get("/care/indicateurs?annee=1999").status_code == 200
    assert client.get("/care/indicateurs?annee=abc").status_code == 200
