"""The audit trail kept apart: the database refuses to change or delete an entry (on both
databases), the chain names a removed or altered entry, the purge leaves an anchor."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crise.audit import chaine
from crise.audit.models import AuditAncre, AuditEntry, AuditPersonne
from crise.audit.services import record
from crise.auth.models import ActeurSysteme
from crise.db import purge_autorisee, utcnow
from crise.extensions import db
from tests.audit.outils import sans_garde

ACTEUR = ActeurSysteme("dsol@paris.fr")


def _ecrire(n, **kw):
    entries = [record(ACTEUR, "view", "personne", i, summary=f"Fiche K7M-{i:03d}",
                      personnes=[(i, f"K7M-{i:03d}")], **kw) for i in range(n)]
    db.session.commit()
    return [e.id for e in entries]


def test_sealed_entries_verify_and_the_database_refuses_to_change_them(app):
    with app.app_context():
        ids = _ecrire(5)
        assert chaine.verifier().non_scellees == 5
        assert chaine.sceller(lot=2) == 5
        assert chaine.sceller() == 0  # idempotent
        resultat = chaine.verifier()
        assert resultat.intacte and resultat.verifiees == 5 and resultat.non_scellees == 0
        rangs = db.session.scalars(sa.select(AuditEntry.rang).order_by(AuditEntry.id)).all()
        assert rangs == [1, 2, 3, 4, 5]
        for statement in ("UPDATE audit_entry SET summary = 'Rien' WHERE id = :id",
                          "UPDATE audit_entry SET empreinte = 'x' WHERE id = :id",
                          "UPDATE audit_entry SET rang = NULL, empreinte = NULL WHERE id = :id",
                          "DELETE FROM audit_entry WHERE id = :id",
                          "UPDATE audit_personne SET code = 'X' WHERE entry_id = :id",
                          "DELETE FROM audit_personne WHERE entry_id = :id"):
            with pytest.raises(sa.exc.DatabaseError, match="ne se modifie ni ne se supprime"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement), {"id": ids[2]})
        # Not sealed yet, an entry's content is as fixed: only its seal may be written.
        (neuve,) = _ecrire(1)
        with pytest.raises(sa.exc.DatabaseError, match="ne se modifie ni ne se supprime"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE audit_entry SET actor_email = 'autre@paris.fr' "
                                     "WHERE id = :id"), {"id": neuve})
        assert chaine.sceller() == 1 and chaine.verifier().intacte


@pytest.mark.parametrize("alteration", ["resume", "personne", "suppression", "ajout_non_scelle"])
def test_an_entry_changed_or_removed_around_the_application_is_named(app, alteration):
    with app.app_context():
        ids = _ecrire(6)
        chaine.sceller()
        statements = {
            "resume": "UPDATE audit_entry SET summary = 'Consultation' WHERE id = :id",
            "personne": "DELETE FROM audit_personne WHERE entry_id = :id",
            "suppression": "DELETE FROM audit_entry WHERE id = :id",
            "ajout_non_scelle": "UPDATE audit_entry SET rang = NULL, empreinte = NULL, "
                                "at = :vieux WHERE id = :id",
        }
        with sans_garde():
            if alteration == "suppression":
                db.session.execute(sa.text("DELETE FROM audit_personne WHERE entry_id = :id"),
                                   {"id": ids[3]})
            db.session.execute(sa.text(statements[alteration]),
                               {"id": ids[3], "vieux": utcnow() - timedelta(days=3)})
            resultat = chaine.verifier()
        assert not resultat.intacte
        texte = " ".join(resultat.ruptures)
        if alteration in ("resume", "personne"):
            assert f"Entrée n° {ids[3]} (rang 4" in texte and "modifiée" in texte
        elif alteration == "suppression":
            assert "1 entrée(s) manquante(s)" in texte and f"l'entrée n° {ids[4]}" in texte
        else:
            assert "jamais scellée" in texte and "manquante" in texte
        # Put back as it was (the guard's block rolled back): intact again.
        assert chaine.verifier().intacte


def test_the_purge_takes_the_oldest_run_and_leaves_an_anchor(app):
    with app.app_context():
        vieux = _ecrire(4)
        garde = record(ACTEUR, "view", "personne", 99, summary="Fiche gelée", evenement_id=None)
        db.session.commit()
        recents = _ecrire(2)
        chaine.sceller()
        with sans_garde():  # written two years ago
            db.session.execute(sa.update(AuditEntry).where(
                AuditEntry.id.in_(vieux + [garde.id])).values(
                at=utcnow() - timedelta(days=800)))
            db.session.commit()
        # Aging them broke their prints: seal again from scratch, as the migration would.
        with sans_garde():
            db.session.execute(sa.update(AuditEntry).values(rang=None, empreinte=None))
            db.session.execute(sa.text("DELETE FROM audit_sceau"))
            db.session.commit()
        chaine.sceller()
        assert chaine.verifier().intacte

        # Outside the purge, nothing goes.
        with pytest.raises(sa.exc.DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_entry"))
        assert chaine.purger_avant(utcnow() - timedelta(days=365), set(), lot=3) == 5
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditPersonne)) == 2
        assert sorted(db.session.scalars(sa.select(AuditEntry.id))) == recents
        ancres = db.session.scalars(sa.select(AuditAncre).order_by(AuditAncre.id)).all()
        assert [a.nombre for a in ancres] == [3, 2] and ancres[-1].rang == 5
        resultat = chaine.verifier()
        assert resultat.intacte and resultat.verifiees == 2
        assert chaine.purger_avant(utcnow() - timedelta(days=365), set()) == 0


def test_a_legal_hold_stops_the_purge_at_its_first_entry(app, create_evenement):
    evenement = create_evenement()
    with app.app_context():
        with purge_autorisee():  # the setup's own entries aside
            db.session.execute(sa.delete(AuditPersonne))
            db.session.execute(sa.delete(AuditEntry))
        db.session.commit()
        avant = _ecrire(2)
        gele = record(ACTEUR, "view", "evenement", evenement.id, evenement_id=evenement.id)
        db.session.commit()
        apres = _ecrire(2)
        chaine.sceller()
        limite = utcnow() + timedelta(seconds=1)  # everything is older
        assert chaine.purger_avant(limite, {evenement.id}) == 2
        assert sorted(db.session.scalars(sa.select(AuditEntry.id))) == [gele.id] + apres
        assert chaine.verifier().intacte
        assert not set(avant) & set(db.session.scalars(sa.select(AuditEntry.id)))


def test_the_commands_seal_and_verify(app, runner):
    with app.app_context():
        ids = _ecrire(3)
    result = runner.invoke(args=["audit", "verifier"])
    assert result.exit_code == 0 and "3 entrée(s) récente(s) pas encore scellée(s)" in result.output
    result = runner.invoke(args=["audit", "sceller"])
    assert result.exit_code == 0 and "3 entrée(s) scellée(s)" in result.output
    result = runner.invoke(args=["audit", "verifier"])
    assert result.exit_code == 0 and "intact : 3 entrée(s)" in result.output
    with app.app_context(), sans_garde():
        db.session.execute(sa.text("UPDATE audit_entry SET actor_email = 'x@paris.fr' "
                                   "WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
        result = runner.invoke(args=["audit", "verifier"])
    assert result.exit_code == 1
    assert f"RUPTURE : Entrée n° {ids[1]} (rang 2" in result.output
    assert "Journal d'audit rompu : 1 rupture(s) sur 3" in result.output


def test_removing_the_newest_entries_is_detected_against_the_seal(app, runner):
    with app.app_context():
        ids = _ecrire(5)
        chaine.sceller()
        assert chaine.tete()[0] == 5
        with sans_garde():
            for ident in ids[-2:]:
                db.session.execute(sa.text("DELETE FROM audit_personne WHERE entry_id = :id"),
                                   {"id": ident})
                db.session.execute(sa.text("DELETE FROM audit_entry WHERE id = :id"),
                                   {"id": ident})
            resultat = chaine.verifier()
        assert not resultat.intacte
        assert "a disparu : les entrées les plus récentes ont été supprimées" in " ".join(
            resultat.ruptures)
    result = runner.invoke(args=["audit", "sceller"])
    assert "Tête de la chaîne : rang 5, empreinte " in result.output
