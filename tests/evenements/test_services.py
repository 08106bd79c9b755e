"""Événements: declaration rules, scope, SCOP warning, closing, audit."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements import services
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import mairie_by_code


def data(**overrides):
    values = dict(titre="Incendie rue Oberkampf", type="incendie",
                  survenu_at=utcnow() - timedelta(hours=2), source_information="scop",
                  mairies=[mairie_by_code("11e")])
    values.update(overrides)
    return services.EvenementData(**values)


@pytest.fixture
def actor(app, create_user):
    user = create_user("responsable_care", mairie="11e")

    def get():
        return db.session.get(User, user.id)

    return get


def test_create_evenement_is_audited(app, actor):
    with app.app_context():
        evenement, created = services.declarer_evenement(actor(), data(
            titre="  Effondrement d'un immeuble — 12, rue de l'Évangile  ", type="effondrement"))
        db.session.commit()
        assert created and evenement.titre == "Effondrement d'un immeuble — 12, rue de l'Évangile"
        assert evenement.en_cours and not evenement.exercice
        entry = db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.object_type == "evenement"))
        assert entry.action == "create" and entry.evenement_id == evenement.id


@pytest.mark.parametrize("overrides, field, message", [
    ({"titre": "   "}, "titre", "Donnez un titre"),
    ({"titre": "x" * 201}, "titre", "200 caractères"),
    ({"type": "tempete"}, "type", "type d'événement"),
    ({"survenu_at": None}, "survenu_at", "date et l'heure"),
    ({"survenu_at": utcnow() + timedelta(days=2)}, "survenu_at", "dans le futur"),
    ({"fin_at": utcnow() - timedelta(days=3)}, "fin_at", "ne peut pas précéder"),
    ({"description": "é" * 10_000}, "description", "5000 caractères"),
    ({"source_information": "rumeur"}, "source_information", "informée"),
    ({"mairies": []}, "mairies", "au moins une mairie"),
    ({"mairies": "12e"}, "mairies", "Votre mairie"),  # codes resolved in the test
])
def test_bad_input_is_refused_and_nothing_is_written(app, actor, overrides, field, message):
    with app.app_context():
        if isinstance(overrides.get("mairies"), str):
            overrides = {"mairies": [mairie_by_code(overrides["mairies"])]}
        with pytest.raises(ServiceError) as error:
            services.declarer_evenement(actor(), data(**overrides))
        assert error.value.field == field and message in error.value.message
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Evenement.id))) == 0


def test_exercise_may_be_scheduled_in_the_future(app, actor):
    with app.app_context():
        evenement, _ = services.declarer_evenement(actor(), data(
            exercice=True, type="crue", survenu_at=utcnow() + timedelta(days=30)))
        assert evenement.exercice


def test_same_form_token_twice_creates_one_event(app, actor):
    with app.app_context():
        first, created = services.declarer_evenement(actor(), data(), jeton="abc")
        second, created_again = services.declarer_evenement(actor(), data(), jeton="abc")
        assert created and not created_again and first.id == second.id
        assert db.session.scalar(sa.select(sa.func.count(Evenement.id))) == 1


def test_roles_that_cannot_declare(app, create_user):
    for role in ("agent_accueil", "dsol", "dlh"):
        user = create_user(role)
        with app.app_context():
            with pytest.raises(ServiceError, match="ne permet pas"):
                services.declarer_evenement(db.session.get(User, user.id), data())


def test_animateur_declares_exercises_only(app, create_user):
    user = create_user("animateur")
    with app.app_context():
        with pytest.raises(ServiceError, match="que des exercices"):
            services.declarer_evenement(db.session.get(User, user.id), data())
        evenement, _ = services.declarer_evenement(db.session.get(User, user.id),
                                                   data(exercice=True))
        assert evenement.exercice


def test_scop_warning_follows_the_source(app, actor):
    with app.app_context():
        by_scop, _ = services.declarer_evenement(actor(), data(source_information="scop"))
        by_police, _ = services.declarer_evenement(actor(), data(
            source_information="exterieur", source_detail="Commissariat du 11e"))
        assert not by_scop.scop_non_informee
        assert by_police.scop_non_informee
        services.noter_scop_informee(actor(), by_police, informed_at=utcnow(),
                                     contact="M. Durand, opérateur SCOP")
        assert not by_police.scop_non_informee
        assert by_police.scop_informee_par.id == actor().id
        entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert "SCOP informée" in entry.summary


def test_scop_informee_needs_who_and_a_past_time(app, actor):
    with app.app_context():
        evenement, _ = services.declarer_evenement(actor(), data(source_information="ville"))
        with pytest.raises(ServiceError, match="qui a été prévenu"):
            services.noter_scop_informee(actor(), evenement, informed_at=utcnow(), contact=" ")
        with pytest.raises(ServiceError, match="futur"):
            services.noter_scop_informee(actor(), evenement,
                                         informed_at=utcnow() + timedelta(hours=3),
                                         contact="SCOP")
        assert evenement.scop_non_informee


def test_scope_of_visibility(app, create_user, create_evenement):
    onze = create_evenement(titre="Onzième", mairies=("11e",))
    douze = create_evenement(titre="Douzième", mairies=("12e",))
    partage = create_evenement(titre="Partagé", mairies=("11e", "12e"))
    agent = create_user("agent_accueil", mairie="11e")
    cellule = create_user("cellule")
    with app.app_context():
        agent_db = db.session.get(User, agent.id)
        titles = [e.titre for e in db.session.scalars(
            services.visible_evenements_query(agent_db))]
        assert set(titles) == {"Onzième", "Partagé"}
        assert len(db.session.scalars(services.visible_evenements_query(
            db.session.get(User, cellule.id))).all()) == 3
        assert db.session.get(Evenement, douze.id).can_view(agent_db) is False
        assert db.session.get(Evenement, onze.id).can_view(agent_db) is True
        # an agent d'accueil sees but does not edit
        assert db.session.get(Evenement, partage.id).can_edit(agent_db) is False


def test_current_events_first_then_most_recent(app, create_user, create_evenement):
    now = utcnow()
    old = create_evenement(titre="Ancien en cours", survenu_at=now - timedelta(days=10))
    recent_closed = create_evenement(titre="Récent clos", survenu_at=now - timedelta(hours=1))
    new = create_evenement(titre="Nouveau en cours", survenu_at=now - timedelta(hours=3))
    admin = create_user("admin")
    with app.app_context():
        services.clore_evenement(db.session.get(User, admin.id),
                                 db.session.get(Evenement, recent_closed.id))
        db.session.commit()
        order = [e.id for e in db.session.scalars(services.visible_evenements_query(
            db.session.get(User, admin.id)))]
        assert order == [new.id, old.id, recent_closed.id]


def test_close_and_reopen(app, actor):
    with app.app_context():
        evenement, _ = services.declarer_evenement(actor(), data())
        services.clore_evenement(actor(), evenement)
        assert evenement.statut == "clos" and evenement.clos_at and evenement.fin_at
        with pytest.raises(ServiceError, match="déjà clos"):
            services.clore_evenement(actor(), evenement)
        services.rouvrir_evenement(actor(), evenement)
        assert evenement.en_cours and evenement.clos_at is None


def test_update_is_audited_and_exercise_flag_is_fixed(app, actor):
    with app.app_context():
        evenement, _ = services.declarer_evenement(actor(), data())
        services.modifier_evenement(actor(), evenement, data(
            titre="Incendie rue Oberkampf (2 immeubles)",
            mairies=[mairie_by_code("11e"), mairie_by_code("20e")]))
        entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert entry.changes["titre"][1] == "Incendie rue Oberkampf (2 immeubles)"
        assert entry.changes["mairie_codes"] == ["['11e']", "['11e', '20e']"]
        with pytest.raises(ServiceError, match="exercice"):
            services.modifier_evenement(actor(), evenement, data(exercice=True))


def test_spent_form_token_with_another_title_declares_a_new_event(app, actor):
    with app.app_context():
        first, _ = services.declarer_evenement(actor(), data(), jeton="restored")
        other, created = services.declarer_evenement(actor(), data(titre="Autre incendie"),
                                                     jeton="restored")
        assert created and other.id != first.id


def test_an_event_declared_again_after_back_is_one_event(app, create_user):
    from crise.evenements import services as ev_services
    from crise.mairies.models import mairie_by_code

    user = create_user("responsable_care", mairie="11e")
    with app.app_context():
        actor = db.session.get(User, user.id)
        survenu = (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0)

        def data():
            return ev_services.EvenementData(
                titre="Incendie 45 rue de la Roquette", type="incendie",
                survenu_at=survenu, source_information="scop",
                mairies=[mairie_by_code("11e")])

        first, _ = ev_services.declarer_evenement(actor, data(), jeton="a")
        again, created = ev_services.declarer_evenement(actor, data(), jeton="b")
        assert not created and again.id == first.id
