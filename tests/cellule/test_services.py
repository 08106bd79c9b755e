"""The cellule's rules: an append-only main courante, system entries, decisions followed up."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.cellule import services
from crise.cellule.models import EntreeMainCourante
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import mairie_by_code


@pytest.fixture
def ctx(app, create_user, create_evenement):
    return {"evenement": create_evenement(mairies=("11e", "12e", "20e")),
            "cellule": create_user("cellule", nom="Chef de salle"),
            "m11": create_user("responsable_care", mairie="11e", nom="Claire 11e"),
            "m12": create_user("responsable_care", mairie="12e", nom="Paul 12e"),
            "m15": create_user("responsable_care", mairie="15e"),
            "dsol": create_user("dsol")}


def u(ctx, name):
    return db.session.get(User, ctx[name].id)


def ev(ctx):
    return db.session.get(Evenement, ctx["evenement"].id)


def entries(ctx):
    return db.session.scalars(services.main_courante_query(ev(ctx), services.Filtres())).all()


def test_entries_are_never_edited_nor_deleted(app, ctx):
    with app.app_context():
        entree = services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(
            texte="La PP annonce 40 sinistrés rue d'Avron", source="PP", support="telephone",
            priorite="haute"))
        db.session.commit()
        entree.texte = "Autre chose"
        with pytest.raises(ServiceError, match="ne se modifie pas"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(EntreeMainCourante, entree.id))
        with pytest.raises(ServiceError, match="ne se supprime pas"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(ServiceError):
            db.session.execute(sa.update(EntreeMainCourante).values(texte="x"))
        with pytest.raises(ServiceError):
            db.session.execute(sa.delete(EntreeMainCourante))
        db.session.rollback()
        assert db.session.get(EntreeMainCourante, entree.id).texte.startswith("La PP annonce")


def test_strike_through_needs_a_reason_and_stays_visible(app, ctx):
    with app.app_context():
        entree = services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(
            texte="40 sinistrés", type="information"))
        with pytest.raises(ServiceError) as error:
            services.barrer(u(ctx, "cellule"), entree, "  ")
        assert error.value.field == "motif"
        services.barrer(u(ctx, "cellule"), entree, "Erreur de chiffre : 14 sinistrés")
        db.session.commit()
        with pytest.raises(ServiceError, match="déjà barrée"):
            services.barrer(u(ctx, "cellule"), entree, "encore")
        assert entries(ctx)[0].barree_motif == "Erreur de chiffre : 14 sinistrés"
        hidden = services.Filtres(barrees=False)
        assert db.session.scalars(services.main_courante_query(ev(ctx), hidden)).all() == []


@pytest.mark.parametrize("data, field", [
    ({"texte": ""}, "texte"), ({"texte": "x" * 5001}, "texte"), ({"type": "rumeur"}, "type"),
    ({"priorite": "extreme"}, "priorite"), ({"objet": "centre:999"}, "objet"),
    ({"fait_at": utcnow() + timedelta(hours=2)}, "fait_at"),
])
def test_bad_entries_are_refused(app, ctx, data, field):
    with app.app_context():
        with pytest.raises(ServiceError) as error:
            services.ecrire(u(ctx, "cellule"), ev(ctx),
                            services.EntreeData(**{"texte": "ok", **data}))
        assert error.value.field == field


def test_only_the_cellule_writes(app, ctx):
    with app.app_context():
        with pytest.raises(ServiceError, match="cellule"):
            services.ecrire(u(ctx, "m11"), ev(ctx), services.EntreeData(texte="x"))


def test_the_application_writes_what_happens(app, ctx, create_centre):
    centre = create_centre(mairie="11e", evenement=ctx["evenement"])
    with app.app_context():
        from crise.scop import services as scop

        services.activer(u(ctx, "cellule"), ev(ctx))
        scop.demander(u(ctx, "m11"), ev(ctx), type="vpu", urgence="heure", nb_personnes=10,
                      lieu="Gymnase", contenu={"articles": {"eau": 20}, "contact": "C. Dupont"})
        db.session.commit()
        textes = [e.texte for e in entries(ctx)]
        assert any(t.startswith("C.A.RE ouvert : Gymnase Japy (11e") for t in textes)
        assert any(t.startswith("Demande SCOP n° 1 (VPU") for t in textes)
        assert "Cellule centrale de crise activée par Chef de salle" in textes
        assert all(e.systeme for e in entries(ctx))
        assert entries(ctx)[-1].objet_type == "centre" and entries(ctx)[-1].objet_id == centre.id
        # Each entry says who acted (what a person did or typed is theirs): none is
        # « the application » alone, so each may be struck through like any other.
        assert all(e.auteur_id for e in entries(ctx))
        services.barrer(u(ctx, "cellule"), entries(ctx)[0], "motif")


def test_activation_and_members(app, ctx):
    with app.app_context():
        activation = services.activer(u(ctx, "cellule"), ev(ctx))
        with pytest.raises(ServiceError, match="déjà activée"):
            services.activer(u(ctx, "cellule"), ev(ctx))
        membre = services.ajouter_membre(u(ctx, "cellule"), activation, nom="Mme Roux",
                                         direction="DSOL", fonction="Cadre d'astreinte")
        with pytest.raises(ServiceError):
            services.ajouter_membre(u(ctx, "cellule"), activation, nom="")
        services.desactiver(u(ctx, "cellule"), activation)
        assert membre.jusqu_at is not None and not activation.active


def test_decision_acknowledged_and_applied_by_its_addressees(app, ctx):
    with app.app_context():
        decision, created = services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
            texte="Ouvrir un gymnase par arrondissement touché", mairies=[
                mairie_by_code("11e"), mairie_by_code("12e")], directions=["DSOL"],
            echeance_at=utcnow() + timedelta(hours=2)), jeton="dec-1")
        again, created_again = services.decider(u(ctx, "cellule"), ev(ctx),
                                                services.DecisionData(texte="x"), jeton="dec-1")
        assert created and not created_again and again.id == decision.id
        assert [d.libelle for d in decision.destinataires] == ["11e", "12e",
                                                               "DSOL — solidarités"]
        with pytest.raises(ServiceError, match="pas destinataire"):
            services.prendre_connaissance(u(ctx, "m15"), decision)
        services.prendre_connaissance(u(ctx, "m11"), decision)
        services.rendre_compte(u(ctx, "m11"), decision, "appliquee")
        with pytest.raises(ServiceError) as error:
            services.rendre_compte(u(ctx, "m12"), decision, "impossible", "")
        assert error.value.field == "motif"
        services.rendre_compte(u(ctx, "m12"), decision, "impossible", "Gymnase en travaux")
        dsol_dest = decision.destinataires[2]
        services.prendre_connaissance(u(ctx, "dsol"), decision, dsol_dest)
        progres = decision.progres()
        assert progres == {"total": 3, "pris_connaissance": 3, "appliquee": 1, "impossible": 1,
                           "en_retard": 0}
        assert decision.progres(utcnow() + timedelta(hours=3))["en_retard"] == 1  # DSOL
        waiting = services.decisions_en_attente(u(ctx, "dsol"))
        assert [d.id for d, _ in waiting] == [decision.id]
        assert services.decisions_en_attente(u(ctx, "m11")) == []
        from crise.evenements.services import clore_evenement

        clore_evenement(u(ctx, "cellule"), ev(ctx))  # a closed event waits for nobody
        assert services.decisions_en_attente(u(ctx, "dsol")) == []


def test_decision_needs_addressees_and_a_future_deadline(app, ctx):
    with app.app_context():
        with pytest.raises(ServiceError) as error:
            services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(texte="x"))
        assert error.value.field == "mairies"
        with pytest.raises(ServiceError) as error:
            services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
                texte="x", toutes_mairies=True, echeance_at=utcnow() - timedelta(hours=1)))
        assert error.value.field == "echeance_at"
        decision, _ = services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
            texte="Point à 18 h", toutes_mairies=True))
        assert [d.libelle for d in decision.destinataires] == ["11e", "12e", "20e"]


def test_the_database_itself_refuses_to_rewrite_an_entry(app, ctx):
    """Even a raw SQL UPDATE, outside the application's models, is refused."""
    with app.app_context():
        entree = services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(texte="Vrai"))
        db.session.commit()
        for statement in ("UPDATE cellule_main_courante SET texte = 'Faux' WHERE id = :id",
                          "UPDATE cellule_main_courante SET auteur_nom = 'Autre' "
                          "WHERE id = :id"):
            with pytest.raises(sa.exc.DatabaseError, match="ne se modifie ni ne se supprime"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement), {"id": entree.id})
        services.barrer(u(ctx, "cellule"), entree, "Erreur")  # the strike-through is allowed
        db.session.commit()
        # Once struck, who, when and why are frozen too; and no entry is deleted.
        for statement in ("UPDATE cellule_main_courante SET barree_at = NULL WHERE id = :id",
                          "UPDATE cellule_main_courante SET barree_motif = 'Autre raison' "
                          "WHERE id = :id",
                          "UPDATE cellule_main_courante SET barree_par_nom = 'Quelqu''un' "
                          "WHERE id = :id",
                          "DELETE FROM cellule_main_courante WHERE id = :id"):
            with pytest.raises(sa.exc.DatabaseError, match="ne se modifie ni ne se supprime"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement), {"id": entree.id})
        entree = db.session.get(EntreeMainCourante, entree.id)
        assert entree.texte == "Vrai" and entree.barree_motif == "Erreur"


def test_only_the_retention_purge_deletes_entries(app, ctx):
    from crise.evenements.journal import purge_autorisee

    with app.app_context():
        entree = services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(texte="Vieux"))
        db.session.commit()
        ident = entree.id
        with purge_autorisee():
            db.session.execute(sa.text("DELETE FROM cellule_main_courante WHERE id = :id"),
                               {"id": ident})
        db.session.expunge(entree)
        db.session.commit()
        # The permission ends with the block: a delete after it is refused again.
        autre = services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(texte="Neuf"))
        db.session.flush()
        with pytest.raises(sa.exc.DatabaseError, match="ne se modifie ni ne se supprime"):
            db.session.execute(sa.text("DELETE FROM cellule_main_courante WHERE id = :id"),
                               {"id": autre.id})
        db.session.rollback()
        assert db.session.get(EntreeMainCourante, ident) is None


def test_two_strike_throughs_at_the_same_instant(app, ctx):
    """Two members strike the same entry through at once: the second is told, no 500."""
    with app.app_context():
        entree = services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(texte="Vrai"))
        db.session.commit()
        entree = db.session.get(EntreeMainCourante, entree.id)
        assert entree.barree_at is None  # what the second member's page showed
        with db.engine.begin() as conn:  # the first member, in another request
            conn.execute(sa.text(
                "UPDATE cellule_main_courante SET barree_at = :t, barree_motif = 'Doublon', "
                "barree_par_nom = 'Autre' WHERE id = :id"), {"t": utcnow().replace(
                    tzinfo=None) if db.engine.dialect.name == "sqlite" else utcnow(),
                    "id": entree.id})
        with pytest.raises(ServiceError, match="déjà été barrée"):
            services.barrer(u(ctx, "cellule"), entree, "Erreur de saisie")
        db.session.rollback()
        assert db.session.get(EntreeMainCourante, entree.id).barree_motif == "Doublon"


def test_a_long_entry_flows_over_pages_in_the_pdf(app, ctx):
    """A pasted list of evacuated buildings (66 lines), or 5,000 characters: the register
    of the crisis still prints, entirely."""
    import subprocess

    from crise.cellule import exports

    liste = "\n".join(f"{n} rue de la Roquette, bât. {chr(65 + n % 5)} : évacué ({n} pers.)"
                      for n in range(1, 67))
    with app.app_context():
        services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(texte=liste))
        services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(
            texte=" ".join(["Immeuble évacué quai de Valmy"] * 200)[:services.TEXTE_MAX]))
        services.ecrire(u(ctx, "cellule"), ev(ctx), services.EntreeData(texte="Fin de liste"))
        db.session.commit()
        data, mimetype, _ = exports.export(u(ctx, "cellule"), ev(ctx), services.Filtres(), "pdf")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode()
    assert "66 rue de la Roquette" in text and "1 rue de la Roquette" in text
    assert "Fin de liste" in text
    assert text.count("\f") >= 2  # several pages


def test_a_decision_is_reminded_closed_cancelled_or_amended_as_new_steps(app, ctx):
    with app.app_context():
        t0 = utcnow()
        decision, _ = services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
            texte="Ouvrir un gymnase de repli", toutes_mairies=True,
            echeance_at=t0 + timedelta(hours=1)), now=t0)
        later = t0 + timedelta(hours=2)
        # Late, and reminded: the mairie's home page says both.
        [(_, dest)] = [(d, x) for d, x in services.decisions_en_attente(u(ctx, "m11"))]
        assert decision.en_retard(dest, later)
        relances = services.relancer(u(ctx, "cellule"), decision, now=later)
        assert {d.libelle for d in relances} == {"11e", "12e", "20e"}
        assert dest.relance_at == later and dest.relances == 1
        # A report after the deadline is marked late.
        services.rendre_compte(u(ctx, "m11"), decision, "appliquee", now=later)
        assert decision.compte_tardif(dest)
        assert "(après l'échéance)" in entries(ctx)[0].texte
        # Amended: a new decision replaces it, the old one stays with its answers.
        nouvelle, created = services.modifier_decision(
            u(ctx, "cellule"), decision, services.DecisionData(
                texte="Ouvrir deux gymnases de repli", toutes_mairies=True), now=later)
        assert created and nouvelle.remplace_id == decision.id
        assert decision.statut == "remplacee" and decision.destinataires[0].etat == "appliquee"
        assert [d.id for d, _ in services.decisions_en_attente(u(ctx, "m12"))] == [nouvelle.id]
        with pytest.raises(ServiceError, match="plus en vigueur"):
            services.rendre_compte(u(ctx, "m12"), decision, "appliquee")
        # Cancelled, with its reason: it leaves every home page.
        with pytest.raises(ServiceError, match="pourquoi"):
            services.terminer_decision(u(ctx, "cellule"), nouvelle, "annulee")
        services.terminer_decision(u(ctx, "cellule"), nouvelle, "annulee", "Décrue",
                                   now=later + timedelta(minutes=1))
        assert services.decisions_en_attente(u(ctx, "m12")) == []
        assert "annulée par Chef de salle : Décrue" in entries(ctx)[0].texte
        with pytest.raises(ServiceError):
            services.terminer_decision(u(ctx, "m11"), nouvelle, "close")


def test_entries_are_numbered_per_event_without_gaps(app, ctx, create_evenement):
    """An exercise's entries written alongside leave no gap in the real event's log."""
    exercice = create_evenement(titre="Exercice crue", exercice=True, mairies=("11e",))
    with app.app_context():
        reel = ev(ctx)
        other = db.session.get(Evenement, exercice.id)
        written = []
        for i in range(3):
            written.append(services.ecrire(u(ctx, "cellule"), reel,
                                           services.EntreeData(texte=f"Réel {i}")))
            services.ecrire(u(ctx, "cellule"), other, services.EntreeData(texte=f"Ex. {i}"))
        db.session.commit()
        numeros = services.numeros(reel.id, written)
        assert [numeros[e.id] for e in written] == [1, 2, 3]
        assert services.numeros(other.id, entries({"evenement": exercice})) == {
            e.id: n for n, e in enumerate(sorted(entries({"evenement": exercice}),
                                                 key=lambda e: e.id), start=1)}


def test_what_is_sent_again_after_back_is_created_once(app, ctx):
    """Back, then send again: the form's token is new, the content is the same."""
    from crise.cellule import reunions, situation

    with app.app_context():
        cellule, reel = u(ctx, "cellule"), ev(ctx)
        data = services.EntreeData(texte="La PP ferme le pont d'Austerlitz")
        first = services.ecrire(cellule, reel, data)
        assert services.ecrire(cellule, reel, data) is first
        decision, _ = services.decider(cellule, reel, services.DecisionData(
            texte="Fermer les berges", toutes_mairies=True), jeton="a")
        again, created = services.decider(cellule, reel, services.DecisionData(
            texte="Fermer les berges", toutes_mairies=True), jeton="b")
        assert not created and again is decision
        other, created = services.decider(cellule, reel, services.DecisionData(
            texte="Fermer les berges", mairies=[mairie_by_code("11e")]), jeton="c")
        assert created  # other addressees: another decision
        point, _ = situation.envoyer(u(ctx, "m11"), reel, situation.PointData(situation="RAS"),
                                     jeton="p1")
        assert situation.envoyer(u(ctx, "m11"), reel, situation.PointData(situation="RAS"),
                                 jeton="p2") == (point, False)
        debut = utcnow() + timedelta(hours=2)
        reunion = reunions.planifier(cellule, reel, type="suivi", debut_at=debut)
        assert reunions.planifier(cellule, reel, type="suivi", debut_at=debut) is reunion
        activation = services.activer(cellule, reel)
        membre = services.ajouter_membre(cellule, activation, nom="M. Blanc", direction="DPE")
        assert services.ajouter_membre(cellule, activation, nom="M. Blanc",
                                       direction="DPE") is membre


def test_amending_only_the_deadline_makes_a_new_decision(app, ctx):
    with app.app_context():
        t0 = utcnow()
        decision, _ = services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
            texte="Fermer les berges", toutes_mairies=True,
            echeance_at=t0 + timedelta(hours=1)), now=t0)
        nouvelle, created = services.modifier_decision(
            u(ctx, "cellule"), decision, services.DecisionData(
                texte="Fermer les berges", toutes_mairies=True,
                echeance_at=t0 + timedelta(hours=3)), now=t0 + timedelta(minutes=2))
        assert created and nouvelle.id != decision.id
        assert nouvelle.echeance_at == t0 + timedelta(hours=3)
        assert decision.statut == "remplacee"


def test_a_decision_is_addressed_only_to_the_mairies_of_its_event(app, ctx):
    with app.app_context():
        with pytest.raises(ServiceError, match="n'en fait pas partie") as error:
            services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
                texte="Ouvrir un gymnase", mairies=[mairie_by_code("11e"),
                                                    mairie_by_code("15e")]))
        assert error.value.field == "mairies" and "15e" in error.value.message
        db.session.rollback()


def test_a_form_s_token_says_nothing_to_someone_who_may_not_send_it(app, ctx):
    """A decision's token replayed by a mairie account: refused for its role, the existing
    decision is not handed back."""
    with app.app_context():
        services.decider(u(ctx, "cellule"), ev(ctx), services.DecisionData(
            texte="Point à 18 h", toutes_mairies=True), jeton="jeton-de-la-cellule")
        db.session.commit()
        with pytest.raises(ServiceError):
            services.decider(u(ctx, "m11"), ev(ctx), services.DecisionData(
                texte="x", toutes_mairies=True), jeton="jeton-de-la-cellule")
        db.session.rollback()
