"""Counts kept by the database (crise.care.comptes): whatever writes people and passages
(a desk, a departure, a return, a correction, a merge and its undo, the retention, a bulk
update), the counts read are the ones a count of the rows gives, before and after folding,
and with desks writing while the counts are folded."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import comptes, services
from crise.care.models import CentreAccueil, Passage, Personne
from crise.care.services import PersonneData
from crise.db import utcnow
from crise.extensions import db
from crise.rgpd.conservation import anonymiser_personnes


def _heure(instant):
    return instant.strftime("%Y-%m-%d %H")


def comptes_des_lignes(evenement_id):
    """What counting the rows gives: ({(mairie, catégorie, present): n}, {hour: (a, d)})."""
    personnes = {(m, c, bool(p)): n for m, c, p, n in db.session.execute(
        sa.select(Personne.mairie_id, Personne.categorie, Personne.present, sa.func.count())
        .where(Personne.evenement_id == evenement_id, Personne.fusionne_dans_id.is_(None))
        .group_by(Personne.mairie_id, Personne.categorie, Personne.present))}
    flux = {}
    for arrivee, depart in db.session.execute(sa.select(
            Passage.arrivee_at, Passage.depart_at).join(
            CentreAccueil, CentreAccueil.id == Passage.centre_id).where(
            CentreAccueil.evenement_id == evenement_id)):
        a, d = flux.get(_heure(arrivee), (0, 0))
        flux[_heure(arrivee)] = (a + 1, d)
        if depart is not None:
            a, d = flux.get(_heure(depart), (0, 0))
            flux[_heure(depart)] = (a, d + 1)
    return personnes, flux


def comptes_gardes(evenement_id):
    rows, _ = comptes.personnes_par_mairie(evenement_id)
    personnes = {(m, c, bool(p)): n for m, c, p, n in rows if n}
    flux, _ = comptes.flux_par_heure(evenement_id, "0000")
    return personnes, {h: v for h, v in flux.items() if v != (0, 0)}


def assert_justes(*evenement_ids):
    db.session.expire_all()
    for evenement_id in evenement_ids:
        assert comptes_gardes(evenement_id) == comptes_des_lignes(evenement_id)


def lignes_en_attente():
    return db.session.scalar(sa.select(sa.func.count()).select_from(comptes.CompteDelta)) + \
        db.session.scalar(sa.select(sa.func.count()).select_from(comptes.FluxDelta))


@pytest.fixture
def deux_care(app, create_centre, create_user, create_evenement):
    centre = create_centre(capacite=500)
    autre = create_centre(mairie="20e", capacite=500, nom="Gymnase des Vignoles")
    agent = create_user("agent_accueil", mairie="11e")
    agent_20e = create_user("agent_accueil", mairie="20e")
    responsable = create_user("responsable_care", mairie="11e")
    return {"centre": centre, "autre": autre, "agent": agent, "agent_20e": agent_20e, "responsable": responsable}


def _enregistrer(agent, centre, membres, now):
    return services.enregistrer(agent, centre, [PersonneData(**m) for m in membres], now=now)[0]


def test_every_way_people_are_written_keeps_the_counts_exact(app, deux_care):
    now = utcnow()
    with app.app_context():
        agent = db.session.get(User, deux_care["agent"].id)
        responsable = db.session.get(User, deux_care["responsable"].id)
        centre = db.session.get(CentreAccueil, deux_care["centre"].id)
        autre = db.session.get(CentreAccueil, deux_care["autre"].id)
        evenements = (centre.evenement_id, autre.evenement_id)
        assert_justes(*evenements)
        famille = _enregistrer(agent, centre, [
            {"nom": "Nguyễn", "prenom": "Thị Mai", "categorie": "sinistre"},
            {"nom": "Nguyễn", "prenom": "Văn Hùng", "categorie": "implique"},
            {"nom": "Nguyễn", "prenom": "An", "categorie": "proche"}], now - timedelta(hours=5))
        seule, = _enregistrer(agent, centre, [{"nom": "Иванова", "prenom": "Светлана",
                                               "categorie": "sinistre"}],
                              now - timedelta(hours=3))
        double, = _enregistrer(agent, centre, [{"nom": "Ivanova", "prenom": "Svetlana",
                                                "categorie": "sinistre"}],
                               now - timedelta(hours=3))
        _enregistrer(db.session.get(User, deux_care["agent_20e"].id), autre,
                     [{"nom": "حداد", "prenom": "فاطمة", "categorie": "implique"}], now)
        db.session.commit()
        assert_justes(*evenements)

        services.depart(agent, famille[1], destination="domicile", now=now - timedelta(hours=2))
        db.session.commit()
        assert_justes(*evenements)
        services.retour(agent, famille[1], now=now - timedelta(hours=1))
        db.session.commit()
        assert_justes(*evenements)

        services.modifier_personne(agent, seule, PersonneData(
            nom="Иванова", prenom="Светлана", categorie="implique"))
        db.session.commit()
        assert_justes(*evenements)

        fusion = services.fusionner(responsable, seule, double)
        db.session.commit()
        assert_justes(*evenements)
        assert comptes.compacter() > 0
        assert lignes_en_attente() == 0
        assert_justes(*evenements)

        services.annuler_fusion(responsable, fusion)
        db.session.commit()
        assert_justes(*evenements)

        # A write that is not the ORM's (a bulk update) is counted all the same.
        db.session.execute(sa.update(Personne).where(Personne.id == famille[2].id)
                           .values(present=False))
        db.session.execute(sa.update(Passage).where(Passage.personne_id == famille[2].id)
                           .values(depart_at=now))
        db.session.commit()
        assert_justes(*evenements)

        anonymiser_personnes([p.id for p in famille], now)
        db.session.commit()
        assert_justes(*evenements)
        comptes.compacter()
        assert lignes_en_attente() == 0
        assert_justes(*evenements)
        # The other mairie's event was never touched by any of it.
        assert comptes_gardes(autre.evenement_id)[0] == {(autre.mairie_id, "implique", True): 1}


def test_the_dashboard_reads_the_counts_and_folds_them(app, client, login_as, deux_care):
    with app.app_context():
        centre = db.session.get(CentreAccueil, deux_care["centre"].id)
        evenement_id, now = centre.evenement_id, utcnow()
        # More lines than a board leaves unfolded: a bulk load, as a busy afternoon.
        db.session.execute(sa.insert(Personne.__table__), [{
            "centre_id": centre.id, "evenement_id": evenement_id,
            "mairie_id": centre.mairie_id, "categorie": ("sinistre", "implique")[k % 2],
            "nom": f"Martin {k}", "badge_token": f"t{k}", "code_court": f"C{k}",
            "present": k % 3 != 0, "created_at": now, "updated_at": now}
            for k in range(comptes.SEUIL + 10)])
        db.session.commit()
        assert lignes_en_attente() == comptes.SEUIL + 10
    login_as("cellule")
    page = client.get(f"/cellule/evenements/{evenement_id}/tableau-de-bord")
    assert page.status_code == 200
    total = f'<span class="counter__value">{comptes.SEUIL + 10}</span> <span ' \
        'class="counter__label">personne(s) prise(s) en charge'
    presents = sum(1 for k in range(comptes.SEUIL + 10) if k % 3 != 0)
    assert total in page.get_data(as_text=True)
    assert f'<span class="counter__value">{presents}</span>' in page.get_data(as_text=True)
    with app.app_context():
        assert lignes_en_attente() == 0  # folded by that display
        assert_justes(evenement_id)
    # Folded, the board says the same.
    again = client.get(f"/cellule/evenements/{evenement_id}/tableau-de-bord")
    assert total in again.get_data(as_text=True)


def test_desks_writing_while_the_counts_are_folded_lose_nothing(app, deux_care):
    """Two desks register and send people away while the counts are folded again and
    again (PostgreSQL: a line committed between the sum and the deletion would be lost)."""
    with app.app_context():
        centre_id = deux_care["centre"].id
        evenement_id = db.session.get(CentreAccueil, centre_id).evenement_id
        agent_id = deux_care["agent"].id
    erreurs, fini = [], threading.Event()

    def guichet(k):
        try:
            with app.app_context():
                agent = db.session.get(User, agent_id)
                for i in range(15):
                    centre = db.session.get(CentreAccueil, centre_id)
                    p, = _enregistrer(agent, centre, [
                        {"nom": f"Trần {k}-{i}", "prenom": "Lê", "categorie": "sinistre"}],
                        utcnow())
                    db.session.commit()
                    if i % 3 == 0:
                        services.depart(agent, p, destination="proche")
                        db.session.commit()
        except Exception as exc:  # pragma: no cover - the assertion below says it
            erreurs.append(repr(exc))

    def replier():
        try:
            with app.app_context():
                while not fini.is_set():
                    comptes.compacter()
        except Exception as exc:  # pragma: no cover
            erreurs.append(repr(exc))

    guichets = [threading.Thread(target=guichet, args=(k,)) for k in range(2)]
    repli = threading.Thread(target=replier)
    repli.start()
    for t in guichets:
        t.start()
    for t in guichets:
        t.join()
    fini.set()
    repli.join()
    assert erreurs == []
    with app.app_context():
        assert_justes(evenement_id)
        personnes, _ = comptes_gardes(evenement_id)
        assert sum(personnes.values()) == 30
        comptes.compacter()
        assert lignes_en_attente() == 0
        assert_justes(evenement_id)


def test_the_operator_checks_the_counts_and_rebuilds_them(app, runner, deux_care):
    """« crise comptes » says the counts are right; counts written wrong behind the
    application's back are named, and « --reconstruire » counts everything again."""
    with app.app_context():
        agent = db.session.get(User, deux_care["agent"].id)
        centre = db.session.get(CentreAccueil, deux_care["centre"].id)
        personne, = _enregistrer(agent, centre, [{"nom": "O'Brien", "prenom": "Siobhán",
                                                  "categorie": "proche"}], utcnow())
        services.depart(agent, personne, destination="domicile")
        db.session.commit()
        comptes.compacter()
        evenement_id = centre.evenement_id
    result = runner.invoke(args=["comptes"])
    assert result.exit_code == 0, result.output
    assert "Comptes justes" in result.output

    with app.app_context():
        db.session.execute(sa.update(comptes.ComptePersonnes).values(n=7))
        db.session.execute(sa.delete(comptes.FluxHeure))
        db.session.commit()
    result = runner.invoke(args=["comptes"])
    assert result.exit_code != 0
    assert f"C.A.RE n° {deux_care['centre'].id}" in result.output
    assert "proche, partis : 7 gardé(s), 1 compté(s)" in result.output
    assert "proche, présents : 7 gardé(s), 0 compté(s)" in result.output
    assert "0 arrivée(s) et 0 départ(s) gardés, 1 et 1 comptés" in result.output
    assert "--reconstruire" in result.output

    result = runner.invoke(args=["comptes", "--reconstruire"])
    assert result.exit_code == 0, result.output
    assert "Comptes reconstruits" in result.output and "Comptes justes" in result.output
    with app.app_context():
        assert_justes(evenement_id)
        assert comptes_gardes(evenement_id)[0] == {(centre.mairie_id, "proche", False): 1}
