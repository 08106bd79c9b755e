import pytest

from crise.auth.models import User
from crise.care import services as care_services
from crise.care.models import CentreAccueil
from crise.extensions import db


@pytest.fixture
def famille(app, create_user, create_centre):
    """A family of four registered at a C.A.RE of the 11e (two adults, two children)."""
    centre = create_centre(mairie="11e")
    desk = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        people, _ = care_services.enregistrer(
            db.session.get(User, desk.id), db.session.get(CentreAccueil, centre.id), [
                care_services.PersonneData(nom="N'Diaye", prenom="Aïssatou", categorie="sinistre",
                                           age_estime=38, telephone="06 12 34 56 78",
                                           besoins=["hebergement", "animal"],
                                           consent_bailleur=True),
                care_services.PersonneData(nom="N'Diaye", prenom="Moussa", categorie="sinistre",
                                           age_estime=41),
                care_services.PersonneData(nom="N'Diaye", prenom="Awa", categorie="sinistre",
                                           age_estime=9),
                care_services.PersonneData(nom="N'Diaye", prenom="Issa", categorie="sinistre",
                                           age_estime=4)])
        db.session.commit()
        ids = [p.id for p in people]
    return {"centre": centre, "ids": ids, "desk": desk,
            "dsol": create_user("dsol", nom="Agent DSOL"),
            "dlh": create_user("dlh", nom="Agent DLH")}
