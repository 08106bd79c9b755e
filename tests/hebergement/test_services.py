"""Housing rules: one dossier per household, dated stays, tonight's list, totals, rehousing."""

from datetime import date, datetime, timedelta, timezone

import pytest

from crise.auth.models import User
from crise.care.models import Personne
from crise.db import in_transaction, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.hebergement import services
from crise.hebergement.models import DossierHebergement
from crise.hebergement.services import DossierData, SolutionData


def u(user):
    return db.session.get(User, user.id)


def person(famille, i=0):
    return db.session.get(Personne, famille["ids"][i])


def ouvrir(famille, **data):
    dossier, _ = services.ouvrir_dossier(u(famille["dsol"]), person(famille, 2), DossierData(
        **{"logement_habitable": "non", "besoins": ["animaux"], "animaux_detail": "un chien",
           "nb_nuits": 3, **data}))
    return dossier


def hotel(du, au, **extra):
    return SolutionData(**{"type": "hotel", "lieu": "Hôtel du Marais",
                           "adresse": "12 rue de Turenne", "du": du, "au": au, "chambres": 2,
                           "lits": 4, **extra})


def test_tonight_is_still_last_night_before_six(app):
    paris_2am = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)  # 02:00 in Paris
    paris_8pm = datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc)
    assert services.nuit_en_cours(paris_2am) == date(2026, 11, 23)
    assert services.nuit_en_cours(paris_8pm) == date(2026, 11, 24)


def test_dossier_counts_the_household_from_any_member(app, famille):
    with app.app_context():
        dossier = ouvrir(famille)
        assert dossier.referent_id == famille["ids"][0]  # the household's référent
        assert (dossier.nb_personnes, dossier.nb_enfants) == (4, 2)
        assert [p.prenom for p in dossier.membres] == ["Aïssatou", "Moussa", "Awa", "Issa"]
        with pytest.raises(ServiceError, match="déjà un dossier"):
            ouvrir(famille)


@pytest.mark.parametrize("data, field", [
    ({"nb_nuits": 0}, "nb_nuits"), ({"nb_nuits": 10**9}, "nb_nuits"),
    ({"nb_personnes": -3}, "nb_personnes"), ({"nb_enfants": 7}, "nb_enfants"),
    ({"animaux_detail": ""}, "animaux_detail"), ({"logement_habitable": "peut-être"},
                                                 "logement_habitable"),
])
def test_bad_dossier_data_is_refused(app, famille, data, field):
    with app.app_context():
        with pytest.raises(ServiceError) as error:
            ouvrir(famille, **data)
        assert error.value.field == field


def test_housing_a_family_and_tonights_list(app, famille):
    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille)
        evenement = db.session.get(Evenement, dossier.evenement_id)
        nuit = services.nuit_en_cours()
        sans = db.session.scalars(services.sans_solution_query(dsol, evenement, nuit)).all()
        assert sans == [dossier]
        services.heberger(dsol, dossier, hotel(nuit, nuit + timedelta(days=3)))
        assert db.session.scalars(services.sans_solution_query(dsol, evenement, nuit)).all() == []
        t = services.totaux(dsol, evenement, nuit)
        assert (t.personnes_hebergees, t.nuits, t.nuitees, t.places, t.chambres) == \
            (4, 3, 12, 4, 2)
        # The night after the last one, they are without a solution again.
        later = nuit + timedelta(days=3)
        assert db.session.scalars(services.sans_solution_query(dsol, evenement, later)).all() == \
            [dossier]


def test_stay_dates_are_checked(app, famille):
    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille)
        nuit = services.nuit_en_cours()
        for du, au, field in ((nuit, nuit, "au"), (nuit, nuit - timedelta(days=2), "au"),
                              (None, nuit, "du"), (nuit, nuit + timedelta(days=400), "au")):
            with pytest.raises(ServiceError) as error:
                services.heberger(dsol, dossier, hotel(du, au))
            assert error.value.field == field
        with pytest.raises(ServiceError) as error:
            services.heberger(dsol, dossier, hotel(nuit, nuit + timedelta(days=1), lits=10**9))
        assert error.value.field == "lits"
        services.heberger(dsol, dossier, hotel(nuit, nuit + timedelta(days=3)))
        with pytest.raises(ServiceError, match="déjà hébergé"):
            services.heberger(dsol, dossier, hotel(nuit + timedelta(days=1),
                                                   nuit + timedelta(days=2)))


def test_extend_end_and_move(app, famille):
    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille)
        nuit = services.nuit_en_cours()
        stay = services.heberger(dsol, dossier, hotel(nuit, nuit + timedelta(days=3)))
        with pytest.raises(ServiceError, match="après le"):
            services.prolonger(dsol, stay, nuit + timedelta(days=2))
        services.prolonger(dsol, stay, nuit + timedelta(days=5))
        assert stay.nuits == 5
        nouvelle = services.deplacer(dsol, stay, SolutionData(
            type="centre_urgence", lieu="CHU Saint-Michel", du=nuit + timedelta(days=2),
            au=nuit + timedelta(days=9)))
        assert (stay.au, stay.termine, stay.nuits) == (nuit + timedelta(days=2), True, 2)
        assert nouvelle.nuits == 7
        with pytest.raises(ServiceError) as error:
            services.terminer(dsol, nouvelle, nuit - timedelta(days=1))
        assert error.value.field == "le"
        services.terminer(dsol, nouvelle, nuit + timedelta(days=4), "Retour au domicile")
        textes = [e.texte for e in dossier.journal]
        assert any(t.startswith("Prolongé : Hôtel du Marais") for t in textes)
        assert any(t.startswith("Déplacé de Hôtel du Marais vers CHU Saint-Michel")
                   for t in textes)
        assert textes[-1].endswith("Retour au domicile")


def test_close_needs_a_reason_and_no_stay_ahead(app, famille):
    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille)
        nuit = services.nuit_en_cours()
        services.heberger(dsol, dossier, hotel(nuit, nuit + timedelta(days=2)))
        with pytest.raises(ServiceError) as error:
            services.clore_dossier(dsol, dossier, "")
        assert error.value.field == "motif"
        with pytest.raises(ServiceError, match="encore en cours"):
            services.clore_dossier(dsol, dossier, "Retour au domicile")
        services.terminer(dsol, dossier.solutions[0], nuit)
        services.clore_dossier(dsol, dossier, "Retour au domicile")
        evenement = db.session.get(Evenement, dossier.evenement_id)
        assert db.session.scalars(services.sans_solution_query(dsol, evenement, nuit)).all() == []
        with pytest.raises(ServiceError, match="clos"):
            services.heberger(dsol, dossier, hotel(nuit, nuit + timedelta(days=1)))


def test_another_mairie_cannot_open_or_change_a_dossier(app, famille, create_user):
    autre = create_user("responsable_care", mairie="12e")
    own = create_user("responsable_care", mairie="11e")
    with app.app_context():
        with pytest.raises(ServiceError):
            services.ouvrir_dossier(u(autre), person(famille), DossierData(nb_nuits=1))
        dossier = ouvrir(famille)
        nuit = services.nuit_en_cours()
        with pytest.raises(ServiceError):
            services.heberger(u(autre), dossier, hotel(nuit, nuit + timedelta(days=1)))
        evenement = db.session.get(Evenement, dossier.evenement_id)
        assert db.session.scalars(services.tous_dossiers_query(u(autre), evenement)).all() == []
        # The mairie's own crisis lead sees and may house its households.
        assert db.session.scalars(
            services.tous_dossiers_query(u(own), evenement)).all() == [dossier]


def test_closed_event_refuses_new_dossiers(app, famille, create_user):
    from crise.evenements import services as ev_services

    cellule = create_user("cellule")
    with app.app_context():
        evenement = db.session.get(Evenement, person(famille).evenement_id)
        ev_services.clore_evenement(u(cellule), evenement)
        with pytest.raises(ServiceError, match="clos"):
            ouvrir(famille)


def test_people_who_asked_for_a_roof_without_dossier(app, famille):
    with app.app_context():
        dsol = u(famille["dsol"])
        evenement = db.session.get(Evenement, person(famille).evenement_id)
        assert [d.personne.id for d in services.a_recenser(dsol, evenement)] == [famille["ids"][0]]
        ouvrir(famille)
        assert services.a_recenser(dsol, evenement) == []


def test_rehousing_evaluation_with_dated_notes(app, famille):
    with app.app_context():
        dossier = ouvrir(famille)
        dsol, dlh = u(famille["dsol"]), u(famille["dlh"])
        relogement = services.demander_relogement(dsol, dossier, "Appartement détruit")
        with pytest.raises(ServiceError, match="existe déjà"):
            services.demander_relogement(dsol, dossier)
        with pytest.raises(ServiceError, match="Seule la DLH"):
            services.noter_relogement(dsol, relogement, statut="en_cours")
        with pytest.raises(ServiceError) as error:
            services.noter_relogement(dlh, relogement)
        assert error.value.field == "texte"
        with pytest.raises(ServiceError, match="sans suite"):
            services.noter_relogement(dlh, relogement, statut="sans_suite")
        services.noter_relogement(dlh, relogement, statut="en_cours", texte="Dossier reçu")
        services.noter_relogement(dlh, relogement, statut="proposition",
                                  texte="T4 proposé rue Oberkampf")
        assert relogement.statut == "proposition"
        assert [n.statut for n in relogement.notes] == ["a_evaluer", "en_cours", "proposition"]
        evenement = db.session.get(Evenement, dossier.evenement_id)
        assert db.session.scalars(services.relogements_query(dlh, evenement, "proposition")).all() \
            == [relogement]


def test_exports_are_audited(app, famille):
    from openpyxl import load_workbook
    import io

    from crise.audit.models import AuditEntry

    with app.app_context():
        dossier = ouvrir(famille)
        dsol = u(famille["dsol"])
        evenement = db.session.get(Evenement, dossier.evenement_id)
        data, mimetype, name = services.export(dsol, evenement, liste="sans-solution",
                                               fmt="csv")
        text = data.decode("utf-8-sig")
        assert "N'DIAYE;Aïssatou;06 12 34 56 78" in text and "AUCUNE" in text
        data, _, name = services.export(dsol, evenement, liste="dossiers", fmt="xlsx")
        sheet = load_workbook(io.BytesIO(data))["Hébergement"]
        assert sheet["C5"].value == "N'DIAYE" and name.endswith(".xlsx")
        entries = db.session.query(AuditEntry).filter_by(action="export").all()
        assert len(entries) == 2 and "1 foyer(s)" in entries[0].summary
        with pytest.raises(ServiceError):
            services.export(u(famille["desk"]), evenement, liste="dossiers", fmt="csv")
        with pytest.raises(ServiceError):
            services.export(dsol, evenement, liste="tout", fmt="csv")


def test_a_household_that_asked_at_the_desk_counts_as_without_solution(app, famille):
    """Flagged « hébergement » at the desk, no dossier yet: 0 was shown everywhere."""
    from crise.cellule import situation

    with app.app_context():
        dsol = u(famille["dsol"])
        evenement = db.session.get(Evenement, person(famille).evenement_id)
        nuit = services.nuit_en_cours()
        t = services.totaux(dsol, evenement, nuit)
        assert (t.sans_solution, t.personnes_sans_solution) == (1, 4)
        assert services.totaux(None, evenement, nuit).sans_solution == 1  # dashboard
        figures = situation.chiffres(evenement)
        assert sum(f["foyers_sans_solution"] for f in figures.values()) == 1
        [demande] = services.demandes_sans_dossier(dsol, evenement)
        assert demande.taille == 4 and demande.personne.id == famille["ids"][0]
        # Once the dossier is open it is counted once, as a dossier without a stay.
        ouvrir(famille)
        t = services.totaux(dsol, evenement, nuit)
        assert (t.sans_solution, t.personnes_sans_solution) == (1, 4)


def test_nights_already_spent_keep_their_count_of_people(app, famille):
    """3 people for 3 nights, then a fourth joins: the past stays 9 person-nights."""
    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille, nb_personnes=3)
        evenement = db.session.get(Evenement, dossier.evenement_id)
        nuit = services.nuit_en_cours()
        services.heberger(dsol, dossier, hotel(nuit - timedelta(days=3),
                                               nuit + timedelta(days=2)))
        assert services.totaux(dsol, evenement, nuit).nuitees == 15
        services.modifier_dossier(dsol, dossier, DossierData(
            logement_habitable="non", nb_nuits=3, nb_personnes=4))
        passe, suite = dossier.solutions
        assert (passe.du, passe.au, passe.nb_personnes) == (nuit - timedelta(days=3), nuit, 3)
        assert (suite.du, suite.au, suite.nb_personnes) == (nuit, nuit + timedelta(days=2), 4)
        t = services.totaux(dsol, evenement, nuit)
        assert t.nuitees == 3 * 3 + 2 * 4 and t.personnes_hebergees == 4
        assert "3 → 4 personne(s)" in dossier.journal[-1].texte



def test_an_end_already_recorded_stays_with_the_last_part_of_a_split_stay(app, famille):
    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille, nb_personnes=3)
        nuit = services.nuit_en_cours()
        sejour = services.heberger(dsol, dossier, hotel(nuit - timedelta(days=2),
                                                        nuit + timedelta(days=3)))
        services.terminer(dsol, sejour, nuit + timedelta(days=2), "Retour chez un proche")
        services.modifier_dossier(dsol, dossier, DossierData(
            logement_habitable="non", nb_nuits=3, nb_personnes=4))
        passe, suite = dossier.solutions
        assert (passe.termine, passe.fin_motif) == (False, "")
        assert (suite.termine, suite.fin_motif) == (True, "Retour chez un proche")
        assert (suite.du, suite.au, suite.nb_personnes) == (nuit, nuit + timedelta(days=2), 4)


def test_the_most_vulnerable_come_first_tonight(app, famille, create_user, create_centre):
    from crise.care import services as care_services
    from crise.care.models import CentreAccueil

    with app.app_context():
        dsol = u(famille["dsol"])
        first = ouvrir(famille)  # the oldest, with a dog only
        centre = db.session.get(CentreAccueil, famille["centre"].id)
        (bebe,), _ = care_services.enregistrer(u(famille["desk"]), centre, [
            care_services.PersonneData(nom="Petit", categorie="sinistre")])
        dossier_bebe, _ = services.ouvrir_dossier(dsol, bebe, DossierData(
            logement_habitable="non", besoins=["nourrisson"]))
        evenement = db.session.get(Evenement, first.evenement_id)
        sans = db.session.scalars(services.sans_solution_query(dsol, evenement,
                                                         services.nuit_en_cours())).all()
        assert sans == [dossier_bebe, first]


def test_a_housing_list_is_built_before_its_audit_entry_takes_the_writer(app, famille,
                                                                         monkeypatch):
    from crise.hebergement import exports as hebergement_exports
    from tests.conftest import construit_sans_ecrire

    constats = []
    build, mimetype = hebergement_exports.FORMATS["xlsx"]
    monkeypatch.setitem(hebergement_exports.FORMATS, "xlsx",
                        (construit_sans_ecrire(build, constats), mimetype))
    with app.app_context():
        dossier = ouvrir(famille)
        db.session.commit()
        evenement = db.session.get(Evenement, dossier.evenement_id)
        data, _, _ = services.export(u(famille["dsol"]), evenement, liste="sans-solution",
                                     fmt="xlsx")
        db.session.commit()
    assert data.startswith(b"PK") and constats == [False]


def test_stays_export_one_line_per_stay_for_the_invoices(app, famille):
    import csv
    import io

    with app.app_context():
        dsol = u(famille["dsol"])
        dossier = ouvrir(famille)
        nuit = services.nuit_en_cours()
        solution = services.heberger(dsol, dossier, hotel(nuit - timedelta(days=2),
                                                          nuit + timedelta(days=1)))
        services.deplacer(dsol, solution, hotel(nuit, nuit + timedelta(days=2),
                                                lieu="Hôtel Ibis Bercy"))
        data, _, name = services.export(dsol, db.session.get(Evenement, dossier.evenement_id),
                                        liste="sejours", fmt="csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[4]
    lines = [dict(zip(header, row)) for row in rows[5:]]
    assert [(line["Lieu"], line["Nuits"], line["Personnes"], line["Nuitées"])
            for line in lines] == [("Hôtel du Marais", "2", "4", "8"),
                                   ("Hôtel Ibis Bercy", "2", "4", "8")]
    assert "sejours" in name


def test_a_household_housed_is_announced_without_its_address(app, faits, famille):
    with app.app_context():
        dsol = db.session.get(User, famille["dsol"].id)
        dossier, _ = in_transaction(lambda: services.ouvrir_dossier(
            dsol, db.session.get(Personne, famille["ids"][0]),
            DossierData(logement_habitable="non", nb_nuits=2)))
        nuit = services.nuit_en_cours()
        in_transaction(lambda: services.heberger(dsol, dossier, SolutionData(
            type="hotel", lieu="Hôtel du Marais", adresse="12 rue de Turenne", du=nuit,
            au=nuit + timedelta(days=2))))
        [fait] = [fait for signal, fait in faits if signal == "menage-heberge"]
        assert fait.objet_id == dossier.id and fait.at <= utcnow()
        assert fait.details == {"type": "hotel", "nuits": 2, "personnes": 4}
        assert "Marais" not in fait.texte and "Turenne" not in fait.texte
