"""A run of the mini flood scenario played for a RETEX: the injects delivered, the C.A.RE of
the 15e opened by its player in time, the cellule's main courante and a decision read, an
observer's rating and note, a hot-wash answer, the FINEX."""


import pytest

from crise.auth.models import User
from crise.care.models import Site
from crise.cellule import services as cellule
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.exercices import a_chaud, livraisons, observation, services
from crise.extensions import db
from crise.mairies.models import mairie_by_code
from tests.exercices.conftest import MIN, MINI, animateur, exercice, joueurs, run

# The exercises' fixtures, for the runs played here.
__all__ = ["animateur", "exercice", "joueurs"]

GRILLE = MINI + (
    "grille_observation:\n"
    "  - {id: GO-2, objectif: OBJ-2, tache_critique: TC-2, critere: \"Délai d'ouverture\"}\n")


def user(u):
    return db.session.get(User, u.id)


@pytest.fixture
def partie(app, exercice, animateur, joueurs, create_user, create_site):
    """partie() → (run id, event id): a run played and ended an hour and a half ago... now."""

    def factory(source=GRILLE, finex=True):
        debex = utcnow() - 75 * MIN
        ident = exercice(source=source, at=debex)
        site = create_site(mairie="15e", nom="Gymnase Émile-Anthoine")
        observateur = create_user("observateur", nom="Olivier Observateur")
        with app.app_context():
            ex = run(ident)
            livraisons.avancer(ex, now=debex + 61 * MIN)  # INJ-020: evacuation of the 15e
            db.session.commit()
            from crise.care import services as care_services

            care_services.ouvrir_centre(user(joueurs["15e"]), ex.evenement,
                                        site=db.session.get(Site, site.id), capacite=80,
                                        responsable_nom="Lê Văn Thành")
            db.session.commit()
            cellule_user = user(joueurs["cellule"])
            evenement = db.session.get(Evenement, ex.evenement_id)
            cellule.activer(cellule_user, evenement)
            cellule.ecrire(cellule_user, evenement, cellule.EntreeData(
                texte="Demande de renfort d'interprètes (arabe, russe)", type="demande",
                priorite="urgente"))
            cellule.ecrire(cellule_user, evenement, cellule.EntreeData(
                texte="Appel du standard, rien à signaler", type="information"))
            decision, _ = cellule.decider(cellule_user, evenement, cellule.DecisionData(
                texte="Ouvrir un second C.A.RE au 15e", mairies=[mairie_by_code("15e")]))
            db.session.commit()
            cellule.prendre_connaissance(user(joueurs["15e"]), decision)
            db.session.commit()
            observation.nommer_observateur(user(animateur), ex, user(observateur),
                                           objectifs=["OBJ-2"], mairies=["15e"])
            observation.evaluer(user(observateur), ex, "GO-2", "S", "Ouvert, sans fléchage")
            observation.noter_observation(user(observateur), ex, "Files d'attente dehors",
                                          objectif="OBJ-2", mairie="15e")
            db.session.commit()
            if finex:
                services.finex(user(animateur), ex)
                db.session.commit()
                a_chaud.repondre(user(joueurs["15e"]), ex,
                                 ["La SCOP a répondu vite", "Du fléchage",
                                  "Commander des panneaux"], {})
                db.session.commit()
            return ident, ex.evenement_id

    return factory


def evenement(evenement_id) -> Evenement:
    return db.session.get(Evenement, evenement_id)


