"""A run of an exercise, prepared as an animateur would: ``exercice(source=…)`` gives the
run's id and its players (the cellule, the responsable of the 15e and of Paris Centre)."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crise.auth.models import User
from crise.exercices import services
from crise.exercices.models import Exercice
from crise.extensions import db

ICI = Path(__file__).parent
MINI = (ICI / "fichiers" / "crue-mini.yaml").read_text(encoding="utf-8")
# A fixed real moment for the DEBEX: the tests move « now » by hand.
DEBEX = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)


@pytest.fixture
def joueurs(create_user):
    return {"cellule": create_user("cellule", nom="Cellule Une"),
            "15e": create_user("responsable_care", mairie="15e", nom="Resp Quinze"),
            "centre": create_user("responsable_care", mairie="centre", nom="Resp Centre")}


@pytest.fixture
def animateur(create_user):
    return create_user("animateur", nom="Anne Animatrice")


@pytest.fixture
def exercice(app, animateur, joueurs):
    """exercice(source=MINI, debex=True, at=DEBEX) → the run's id (started at ``at``)."""

    def factory(source=MINI, debex=True, players=None, at=DEBEX):
        with app.app_context():
            actor = db.session.get(User, animateur.id)
            users = [db.session.get(User, u.id) for u in (players or joueurs.values())]
            run, _ = services.lancer(actor, source, users, nom_fichier="crue-mini.yaml",
                                     now=at - 10 * MIN)
            db.session.commit()
            if debex:
                services.debex(actor, run, now=at)
                db.session.commit()
            return run.id

    return factory


def run(exercice_id) -> Exercice:
    return db.session.get(Exercice, exercice_id)
