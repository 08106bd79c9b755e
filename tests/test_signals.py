"""Modules announce what happened (crise.signals); the main courante and the audit trail
listen. Each fait carries its record and time, never a name; a listener writes in the
announcer's transaction, so a refusal takes its writes away too."""

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil
from crise.db import in_transaction
from crise.errors import ServiceError
from crise.evenements.journal import EntreeMainCourante
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.scop import services as scop


def named(faits, name):
    return [fait for signal, fait in faits if signal == name]


def test_opening_and_closing_a_centre_are_announced_and_written_by_the_journal(
        app, faits, create_centre, create_user):
    centre = create_centre(mairie="11e")
    responsable = create_user("responsable_care", mairie="11e")
    with app.app_context():
        in_transaction(lambda: care.fermer_centre(db.session.get(User, responsable.id),
                                                  db.session.get(CentreAccueil, centre.id)))
        [ouvert] = named(faits, "centre-ouvert")
        [ferme] = named(faits, "centre-ferme")
        assert (ouvert.objet_type, ouvert.objet_id, ouvert.evenement_id) == \
            ("centre", centre.id, centre.evenement_id)
        assert ferme.acteur.id == responsable.id and ferme.details == {"departs": 0}
        written = db.session.scalars(sa.select(EntreeMainCourante.texte).where(
            EntreeMainCourante.objet_type == "centre", EntreeMainCourante.systeme.is_(True))
            .order_by(EntreeMainCourante.id)).all()
        assert written == [ouvert.texte, ferme.texte]
        assert written[0].startswith("C.A.RE ouvert : Gymnase Japy (11e")


def test_a_registration_is_announced_with_counts_never_names(app, faits, create_centre,
                                                             create_user):
    centre = create_centre(mairie="11e")
    desk = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        people, _ = in_transaction(lambda: care.enregistrer(
            db.session.get(User, desk.id), db.session.get(CentreAccueil, centre.id),
            [care.PersonneData(nom="Иванов", prenom="Сергей", categorie="sinistre"),
             care.PersonneData(nom="N'Diaye", prenom="Awa", categorie="proche")]))
        [fait] = named(faits, "personne-enregistree")
        assert fait.details == {"centre_id": centre.id, "personnes": 2,
                                "categories": ["sinistre", "proche"]}
        assert fait.objet_id == people[0].id and fait.mairie_id == people[0].mairie_id
        told = fait.texte + repr(fait.details)
        assert "Иванов" not in told and "Diaye" not in told and "Awa" not in told
        # Registrations are not main courante material: nothing written for them.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EntreeMainCourante)
                                 .where(EntreeMainCourante.objet_type == "personne")) == 0


def test_a_refusal_takes_the_listeners_writes_away(app, faits, create_evenement, create_site,
                                                   create_user):
    evenement = create_evenement(mairies=("11e",))
    site = create_site(mairie="11e")
    responsable = create_user("responsable_care", mairie="11e")

    def open_then_refuse():
        from crise.care.models import Site

        care.ouvrir_centre(db.session.get(User, responsable.id),
                           db.session.get(Evenement, evenement.id),
                           site=db.session.get(Site, site.id), capacite=40,
                           responsable_nom="Claire Dupont")
        raise ServiceError("refusé plus loin")

    with app.app_context():
        with pytest.raises(ServiceError):
            in_transaction(open_then_refuse)
        assert named(faits, "centre-ouvert")  # announced…
        # …and rolled back with the C.A.RE itself: no orphan line in the main courante.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EntreeMainCourante)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CentreAccueil)) == 0


def test_a_scop_request_sent_then_moved_is_announced_and_journaled(app, faits,
                                                                   create_evenement, create_user):
    evenement = create_evenement(mairies=("11e",), source="exterieur")
    mairie = create_user("responsable_care", mairie="11e")
    operateur = create_user("scop", nom="Opérateur Un")
    with app.app_context():
        demande, _ = in_transaction(lambda: scop.demander(
            db.session.get(User, mairie.id), db.session.get(Evenement, evenement.id),
            type="signalement", urgence="immediate",
            contenu={"texte": "Fumée au 3e étage, rue de la Roquette"}))
        in_transaction(lambda: scop.prendre(db.session.get(User, operateur.id), demande))
        [envoyee] = named(faits, "demande-scop-envoyee")
        [prise] = named(faits, "demande-scop-changee")
        assert envoyee.objet_id == prise.objet_id == demande.id
        assert (prise.details["de"], prise.details["vers"]) == ("nouvelle", "prise_en_compte")
        types = db.session.scalars(sa.select(EntreeMainCourante.type).where(
            EntreeMainCourante.objet_type == "demande").order_by(EntreeMainCourante.id)).all()
        assert types == ["demande", "information"]
        # The signalement also told the event that the SCOP knows (one path, audited).
        assert db.session.get(Evenement, evenement.id).scop_informee_at is not None
