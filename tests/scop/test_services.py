"""SCOP requests: validation, the queue, one owner, the workflow, counter-proposals, delays."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.scop import services
from crise.scop.models import DemandeScop, EtapeDemande


@pytest.fixture
def ctx(app, create_user, create_evenement):
    evenement = create_evenement(mairies=("11e",), source="exterieur")
    return {"evenement": evenement,
            "mairie": create_user("responsable_care", mairie="11e", nom="Claire Dupont"),
            "autre_mairie": create_user("responsable_care", mairie="12e"),
            "op1": create_user("scop", nom="Opérateur Un"),
            "op2": create_user("scop", nom="Opérateur Deux")}


def u(ctx, name):
    return db.session.get(User, ctx[name].id)


def ev(ctx):
    return db.session.get(Evenement, ctx["evenement"].id)


_NEXT = iter(range(12, 10_000))


def vpu(ctx, **overrides):
    # Each call asks for a different number of people: the same request sent twice within
    # minutes is recognised as one (see test_the_same_request_sent_again_is_recognised).
    kwargs = {"type": "vpu", "urgence": "heure", "nb_personnes": next(_NEXT),
              "lieu": "Gymnase Japy",
              "contenu": {"articles": {"couvertures": 80, "eau": 24},
                          "contact": "C. Dupont 06 00 00 00 00"}}
    kwargs.update(overrides)
    return services.demander(u(ctx, "mairie"), ev(ctx), **kwargs)[0]


def test_signalement_clears_the_scop_warning(app, ctx):
    with app.app_context():
        assert ev(ctx).scop_non_informee
        services.demander(u(ctx, "mairie"), ev(ctx), type="signalement", urgence="immediate",
                          contenu={"texte": "Incendie signalé par le commissariat du 11e"})
        assert not ev(ctx).scop_non_informee


@pytest.mark.parametrize("overrides, field, message", [
    ({"contenu": {"articles": {"couvertures": -3}}}, "articles-couvertures", "entre 0"),
    ({"contenu": {"articles": {"couvertures": 10**9}}}, "articles-couvertures", "entre 0"),
    ({"contenu": {"articles": {}}}, "articles", "au moins un article"),
    ({"contenu": {"articles": {"autre": 3}}}, "autre_detail", "Autre"),
    ({"nb_personnes": None}, "nb_personnes", "nombre de personnes"),
    ({"lieu": ""}, "lieu", "Indiquez où"),
    ({"urgence": "demain"}, "urgence", "urgence"),
])
def test_bad_requests_are_refused(app, ctx, overrides, field, message):
    with app.app_context():
        with pytest.raises(ServiceError) as error:
            vpu(ctx, **overrides)
        assert error.value.field == field and message in error.value.message
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(DemandeScop.id))) == 0


def test_umip_needs_people_and_a_contact(app, ctx):
    with app.app_context():
        with pytest.raises(ServiceError, match="combien"):
            services.demander(u(ctx, "mairie"), ev(ctx), type="umip", urgence="immediate",
                              lieu="Gymnase", contenu={"contact": "C. Dupont 06…"})
        with pytest.raises(ServiceError, match="contact"):
            services.demander(u(ctx, "mairie"), ev(ctx), type="umip", urgence="immediate",
                              lieu="Gymnase", contenu={"impliques": 12, "enfants": 3})
        demande, _ = services.demander(u(ctx, "mairie"), ev(ctx), type="umip",
                                       urgence="immediate", lieu="Gymnase",
                                       contenu={"impliques": 12, "enfants": 3,
                                                "contact": "C. Dupont 06 12 34 56 78"})
        assert demande.contenu["impliques"] == 12


def test_closed_event_and_other_mairie_are_refused(app, ctx):
    with app.app_context():
        with pytest.raises(ServiceError, match="ne concerne pas"):
            services.demander(u(ctx, "autre_mairie"), ev(ctx), type="signalement",
                              urgence="heure", contenu={"texte": "x"})
        ev(ctx).statut = "clos"
        with pytest.raises(ServiceError, match="clos"):
            vpu(ctx)


def test_queue_most_urgent_then_oldest(app, ctx):
    with app.app_context():
        now = utcnow()
        a = vpu(ctx, urgence="journee", now=now - timedelta(hours=3))
        b = vpu(ctx, urgence="heure", now=now - timedelta(hours=1))
        c = vpu(ctx, urgence="heure", now=now - timedelta(hours=2))
        d = vpu(ctx, urgence="immediate", now=now)
        # All three older ones waited past their urgency's delay untaken: late, first.
        order = [x.id for x in db.session.scalars(services.file_scop_query(u(ctx, "op1")))]
        assert order == [c.id, b.id, a.id, d.id]
        assert services.en_retard(a) and not services.en_retard(d)
        # Within their delays: the most urgent, then the oldest.
        order = [x.id for x in db.session.scalars(services.file_scop_query(
            u(ctx, "op1"), now=now - timedelta(hours=3)))]
        assert order == [d.id, c.id, b.id, a.id]
        with pytest.raises(ServiceError, match="SCOP"):
            services.file_scop_query(u(ctx, "mairie"))


def test_one_owner_takeover_is_explicit(app, ctx):
    with app.app_context():
        demande = vpu(ctx)
        services.prendre(u(ctx, "op1"), demande)
        assert demande.statut == "prise_en_compte" and demande.operateur_id == ctx["op1"].id
        with pytest.raises(ServiceError, match="déjà prise par Opérateur Un"):
            services.prendre(u(ctx, "op2"), demande)
        with pytest.raises(ServiceError, match="Prenez d'abord"):
            services.changer_statut(u(ctx, "op2"), demande, "refusee", texte="Non")
        services.prendre(u(ctx, "op2"), demande, reprendre=True)
        assert demande.operateur_id == ctx["op2"].id
        texts = [e.texte for e in demande.etapes]
        assert texts == ["Demande envoyée", "Prise en charge", "Reprise à Opérateur Un"]
        assert [(e.de, e.vers) for e in demande.etapes][1] == ("nouvelle", "prise_en_compte")


def test_two_operators_at_the_same_moment(app, ctx):
    """The second operator works on a stale copy: told, nothing changed."""
    with app.app_context():
        demande = vpu(ctx)
        db.session.commit()
        demande_id = demande.id
        # Operator 2 takes it from another connection, between our read and our write.
        with db.engine.begin() as conn:
            conn.execute(sa.update(DemandeScop).where(DemandeScop.id == demande_id).values(
                operateur_id=ctx["op2"].id, statut="prise_en_compte",
                version=DemandeScop.version + 1))
        with pytest.raises(ServiceError, match="Un autre opérateur"):
            services.prendre(u(ctx, "op1"), demande)
        db.session.rollback()
        assert db.session.get(DemandeScop, demande_id).operateur_id == ctx["op2"].id


def test_workflow_delays_and_forbidden_jumps(app, ctx):
    with app.app_context():
        t0 = utcnow() - timedelta(hours=2)
        demande = vpu(ctx, now=t0)
        op = u(ctx, "op1")
        services.prendre(op, demande, now=t0 + timedelta(minutes=4))
        with pytest.raises(ServiceError, match="arrivée estimée"):
            services.changer_statut(op, demande, "engagee", now=t0 + timedelta(minutes=10))
        services.changer_statut(op, demande, "engagee", reference="SCOP-2026-0042",
                                arrivee_estimee_at=t0 + timedelta(minutes=50),
                                now=t0 + timedelta(minutes=10))
        services.changer_statut(op, demande, "sur_place", now=t0 + timedelta(minutes=47))
        services.changer_statut(op, demande, "terminee", now=t0 + timedelta(minutes=90))
        with pytest.raises(ServiceError, match="Passage impossible"):
            services.changer_statut(op, demande, "engagee",
                                    arrivee_estimee_at=utcnow() + timedelta(hours=1))
        assert services.delais(demande) == {"prise": timedelta(minutes=4),
                                            "engagement": timedelta(minutes=10),
                                            "arrivee": timedelta(minutes=47)}
        assert demande.reference_scop == "SCOP-2026-0042"
        assert len(demande.etapes) == 5


def test_counter_proposal_accepted_or_declined_and_cancel(app, ctx):
    with app.app_context():
        op, mairie = u(ctx, "op1"), u(ctx, "mairie")
        demande = vpu(ctx)
        services.prendre(op, demande)
        with pytest.raises(ServiceError, match="contre-proposition"):
            services.changer_statut(op, demande, "contre_proposition")
        services.changer_statut(op, demande, "contre_proposition",
                                texte="40 couvertures au lieu de 80")
        with pytest.raises(ServiceError, match="mairie demandeuse"):
            services.repondre_contre_proposition(u(ctx, "autre_mairie"), demande, accepte=True)
        services.repondre_contre_proposition(mairie, demande, accepte=True)
        assert demande.statut == "prise_en_compte"
        services.annuler(mairie, demande, texte="Les familles sont relogées")
        assert demande.statut == "annulee" and demande.close_at
        with pytest.raises(ServiceError, match="ne peut plus"):
            services.annuler(mairie, demande)
        history = db.session.scalars(sa.select(EtapeDemande.vers).where(
            EtapeDemande.demande_id == demande.id).order_by(EtapeDemande.id)).all()
        assert history == ["nouvelle", "prise_en_compte", "contre_proposition",
                           "prise_en_compte", "annulee"]


def test_same_form_twice_makes_one_request(app, ctx):
    with app.app_context():
        first = vpu(ctx, jeton="j")
        again, created = services.demander(
            u(ctx, "mairie"), ev(ctx), type="vpu", urgence="heure", nb_personnes=12,
            lieu="Gymnase Japy", contenu={"articles": {"couvertures": 80},
                                          "contact": "C. Dupont"}, jeton="j")
        assert not created and again.id == first.id


def test_a_van_past_its_arrival_is_late_and_the_arrival_can_be_revised(app, ctx):
    with app.app_context():
        demande = vpu(ctx)
        op = u(ctx, "op1")
        services.prendre(op, demande)
        t0 = utcnow()
        with pytest.raises(ServiceError, match="48 heures"):
            services.changer_statut(op, demande, "engagee",
                                    arrivee_estimee_at=t0 + timedelta(days=700))
        services.changer_statut(op, demande, "engagee",
                                arrivee_estimee_at=t0 + timedelta(minutes=30), now=t0)
        assert not services.en_retard(demande, now=t0 + timedelta(minutes=20))
        assert services.en_retard(demande, now=t0 + timedelta(minutes=40)) == \
            "Arrivée estimée dépassée"
        with pytest.raises(ServiceError, match="pourquoi"):
            services.changer_statut(op, demande, "engagee",
                                    arrivee_estimee_at=t0 + timedelta(minutes=90), now=t0)
        services.changer_statut(op, demande, "engagee", texte="Panne du camion, relais envoyé",
                                arrivee_estimee_at=t0 + timedelta(minutes=90),
                                now=t0 + timedelta(minutes=20))
        assert demande.statut == "engagee" and demande.engagee_at == t0
        assert demande.arrivee_estimee_at == t0 + timedelta(minutes=90)
        assert "Panne du camion" in demande.etapes[-1].texte
        assert "Arrivée révisée" in demande.etapes[-1].texte


def test_the_same_request_sent_again_is_recognised(app, ctx):
    """Back after sending, then send again: the form's token is new, the content is not."""
    with app.app_context():
        first = vpu(ctx, nb_personnes=30)
        again, created = services.demander(
            u(ctx, "mairie"), ev(ctx), type="vpu", urgence="heure", nb_personnes=30,
            lieu="Gymnase Japy", jeton="another-token",
            contenu={"articles": {"couvertures": 80, "eau": 24},
                     "contact": "C. Dupont 06 00 00 00 00"})
        assert not created and again.id == first.id
        other, created = services.demander(
            u(ctx, "mairie"), ev(ctx), type="vpu", urgence="heure", nb_personnes=30,
            lieu="Gymnase Japy", contenu={"articles": {"couvertures": 81, "eau": 24},
                                          "contact": "C. Dupont 06 00 00 00 00"})
        assert created and other.id != first.id
        later, created = services.demander(
            u(ctx, "mairie"), ev(ctx), type="vpu", urgence="heure", nb_personnes=30,
            lieu="Gymnase Japy", now=utcnow() + timedelta(minutes=20),
            contenu={"articles": {"couvertures": 80, "eau": 24},
                     "contact": "C. Dupont 06 00 00 00 00"})
        assert created  # twenty minutes later it is a new need


def test_closed_requests_are_found(app, ctx):
    with app.app_context():
        demande = vpu(ctx)
        services.annuler(u(ctx, "mairie"), demande)
        services.noter(u(ctx, "op1"), demande, reference="SCOP-2026-77")
        op = u(ctx, "op1")
        for q in ("", "SCOP-2026-77", str(demande.id), "couvertures", "11e"):
            assert demande in db.session.scalars(services.demandes_closes_query(op, q)).all(), q
        assert db.session.scalars(services.demandes_closes_query(op, "zzz")).all() == []
        for odd in ("²", "9" * 40, "n° 12345678901234567890"):  # never a 500
            assert db.session.scalars(services.demandes_closes_query(op, odd)).all() == []
        accents, _ = services.demander(u(ctx, "mairie"), ev(ctx), type="signalement",
                                       urgence="heure", contenu={"texte": "Inondation école"})
        services.annuler(u(ctx, "mairie"), accents)
        for q in ("école", "Inondation École"[11:], "inondation"):
            assert accents in db.session.scalars(services.demandes_closes_query(op, q)).all(), q
