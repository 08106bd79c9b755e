"""The retention: what each rule removes and keeps, that no identifying value remains anywhere
in the database, that the statistics do not move, holds, bounds, one run at a time."""

import dataclasses
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import LIGNE_DE_COMMANDE, User
from crise.care import services as care
from crise.care.models import CentreAccueil, Orientation, Personne, PersonneCle
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.evenements.services import clore_evenement
from crise.extensions import db
from crise.hebergement import services as hebergement
from crise.hebergement.models import DossierHebergement, Relogement, Solution
from crise.rgpd import conservation
from crise.rgpd.models import GelJuridique

# What identifies the people of the closed event: none of it may remain anywhere.
IDENTIFIANTS = ["Иванова", "Светлана", "Nguyễn", "Thị Mai", "O'Brien", "Siobhán", "Benali",
                "06 12 34 56 78", "0612345678", "siobhan@exemple.ie", "rue Saint-Maur",
                "boulevard de Belleville", "Irlandaise", "FR075PPOL2026TR000123",
                "Fatima Zahra", "Diabète", "insuline", "Cauchemars", "chez sa sœur Aoife",
                "Chat nommé Minou", "Près de l'école Titon", "Famille très éprouvée",
                "1975-03-14", "14/03/1975", "ivanova", "nguyen"]


def _vieillir(evenement_id, jours):
    passe = utcnow() - timedelta(days=jours)
    db.session.execute(sa.update(Evenement).where(Evenement.id == evenement_id).values(
        clos_at=passe))
    db.session.execute(sa.update(Personne).where(Personne.evenement_id == evenement_id)
                       .values(updated_at=passe))
    db.session.execute(sa.update(DossierHebergement).where(
        DossierHebergement.evenement_id == evenement_id).values(updated_at=passe))
    db.session.execute(sa.update(Relogement).where(Relogement.evenement_id == evenement_id)
                       .values(updated_at=passe))
    db.session.execute(sa.update(Solution).where(Solution.dossier_id.in_(
        sa.select(DossierHebergement.id).where(DossierHebergement.evenement_id == evenement_id)
    )).values(du=passe.date() - timedelta(days=3), au=passe.date()))
    db.session.commit()


@pytest.fixture
def monde(app, create_user, create_centre, create_evenement):
    resp = create_user("responsable_care", mairie="11e")
    dsol = create_user("dsol")
    chef = create_user("cellule")
    ancien = create_evenement(titre="Incendie rue Oberkampf")
    ouvert = create_evenement(titre="Inondation quai de Valmy")
    exercice = create_evenement(titre="Exercice crue", exercice=True)
    ids = {}
    with app.app_context():
        r, d, c = (db.session.get(User, u.id) for u in (resp, dsol, chef))
        for evenement in (ancien, ouvert, exercice):
            centre = create_centre(mairie="11e", evenement=evenement, by=resp)
            centre = db.session.get(CentreAccueil, centre.id)
            personnes, _ = care.enregistrer(r, centre, [
                care.PersonneData(nom="Иванова", prenom="Светлана", categorie="sinistre",
                                  sexe="F", date_naissance=date(1975, 3, 14),
                                  telephone="06 12 34 56 78", adresse_actuelle="3 rue Saint-Maur",
                                  besoins=["hebergement"], notes="Famille très éprouvée",
                                  consent_bailleur=True),
                care.PersonneData(nom="Nguyễn", prenom="Thị Mai", categorie="implique",
                                  age_estime=40, langue="vietnamien", interprete=True),
                care.PersonneData(nom="O'Brien", prenom="Siobhán", categorie="proche",
                                  email="siobhan@exemple.ie", nationalite="Irlandaise",
                                  adresse_permanente="12 boulevard de Belleville",
                                  recherche_nom="Fatima Zahra Benali")])
            ivanova, nguyen, obrien = personnes
            ivanova.notes_medicales = "Diabète, insuline"
            ivanova.sinus = "FR075PPOL2026TR000123"
            care.orienter(r, ivanova, "medico_psy", note="Cauchemars depuis l'incendie")
            care.depart(r, obrien, destination="proche", detail="chez sa sœur Aoife")
            care.changer_consentement(r, obrien, "pav", donne=True)
            care.changer_consentement(r, obrien, "pav", donne=False,
                                      motif="Suivie par Fatima Zahra Benali, sa cousine")
            doublon, _ = care.enregistrer(r, centre, [care.PersonneData(
                nom="Nguyen", prenom="Thi Mai", categorie="implique")], jeton=f"doublon-{evenement.id}")
            care.fusionner(r, nguyen, doublon[0])
            dossier, _ = hebergement.ouvrir_dossier(d, ivanova, hebergement.DossierData(
                animaux_detail="Chat nommé Minou", secteur_souhaite="Près de l'école Titon",
                notes="Famille très éprouvée"))
            hebergement.heberger(d, dossier, hebergement.SolutionData(
                type="hotel", lieu="Hôtel du Nord", adresse="102 quai de Jemmapes",
                du=date.today(), au=date.today() + timedelta(days=2)))
            hebergement.demander_relogement(d, dossier, "Famille très éprouvée, Benali")
            db.session.commit()
            ids[evenement.titre] = {"evenement": evenement.id, "ivanova": ivanova.id,
                                    "nguyen": nguyen.id, "obrien": obrien.id,
                                    "dossier": dossier.id}
        for evenement in (ancien, exercice):
            clore_evenement(c, db.session.get(Evenement, evenement.id), malgre_demandes=True)
        db.session.commit()
    return ids


def _statistiques(app, admin_id, evenement_id):
    from crise.care.services.indicateurs import indicateurs
    from crise.retex.brouillon import brouillon

    admin = db.session.get(User, admin_id)
    ind = indicateurs(admin)
    evenement = db.session.get(Evenement, evenement_id)
    b = brouillon(evenement)
    nuit = db.session.scalar(sa.select(sa.func.min(Solution.du)).join(
        DossierHebergement).where(DossierHebergement.evenement_id == evenement_id))
    return (ind.personnes_reelles, ind.personnes_exercices, ind.evenements_reels,
            repr((b.contexte, b.participants, b.delais, b.activite, b.chiffres)),
            repr(hebergement.totaux(None, evenement, nuit)))


def _reste(valeur: str) -> list[str]:
    """Every text column of every table that still holds ``valeur``."""
    trouves = []
    for table in db.metadata.sorted_tables:
        for colonne in table.columns:
            if not isinstance(colonne.type, (sa.String, sa.Text, sa.JSON)):
                continue
            texte = sa.cast(colonne, sa.Text) if isinstance(colonne.type, sa.JSON) else colonne
            n = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                sa.func.lower(texte).contains(valeur.lower())))
            if n:
                trouves.append(f"{table.name}.{colonne.name}")
    return trouves


def test_a_closed_event_is_anonymised_and_nothing_identifying_remains(app, monde,
                                                                      create_user):
    admin = create_user("admin")
    ancien, ouvert = monde["Incendie rue Oberkampf"], monde["Inondation quai de Valmy"]
    exercice = monde["Exercice crue"]
    with app.app_context():
        _vieillir(ancien["evenement"], 800)
        avant = _statistiques(app, admin.id, ancien["evenement"])
        plan = conservation.planifier()
        lignes = {(ligne.regle, ligne.evenement_id): ligne for ligne in plan.lignes}
        assert lignes[("identites", ancien["evenement"])].nombre == 4  # the merged one too
        assert lignes[("hebergement", ancien["evenement"])].nombre == 1
        # Their notes go with their identities, in one step, not erased first then again.
        assert ("notes", ancien["evenement"]) not in lignes
        assert "dernier contact il y a plus de 730 jours" in lignes[
            ("identites", ancien["evenement"])].pourquoi
        assert not any(ligne.evenement_id in (ouvert["evenement"], exercice["evenement"])
                       for ligne in plan.lignes)  # open; an exercise closed today
        assert db.session.get(Personne, ancien["ivanova"]).nom == "Иванова"  # a plan only

        bilan = conservation.executer(LIGNE_DE_COMMANDE, lot=2)
        assert bilan.comptes[("identites", "personne(s) anonymisée(s)")] == 4
        assert bilan.comptes[("hebergement", "dossier(s) d'hébergement anonymisé(s)")] == 1
        assert ("notes", "personne(s) : notes effacées") not in bilan.comptes
        db.session.expire_all()

        # The open event and the exercise are untouched.
        assert db.session.get(Personne, ouvert["ivanova"]).notes_medicales == "Diabète, insuline"
        assert db.session.get(Personne, exercice["obrien"]).nom == "O'Brien"
        # The closed event: nameless, its figures kept.
        ivanova = db.session.get(Personne, ancien["ivanova"])
        assert (ivanova.nom, ivanova.prenom, ivanova.telephone, ivanova.sinus) == (
            "Anonyme", "", "", None)
        assert ivanova.date_naissance is None and ivanova.age_estime >= 51
        assert (ivanova.categorie, ivanova.sexe, ivanova.besoins) == (
            "sinistre", "F", ["hebergement"])
        assert ivanova.anonymise_at is not None and ivanova.badge_token.startswith("anonyme-")
        assert not ivanova.present and not ivanova.consent_bailleur
        assert not ivanova.can_edit(db.session.get(User, admin.id))  # nobody fills it again
        assert db.session.get(Personne, ancien["nguyen"]).langue == "vietnamien"
        assert db.session.scalar(sa.select(Orientation.cellule).where(
            Orientation.personne_id == ancien["ivanova"])) == "medico_psy"
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(PersonneCle).where(
            PersonneCle.personne_id == ancien["ivanova"]))
        dossier = db.session.get(DossierHebergement, ancien["dossier"])
        assert dossier.nb_personnes >= 1 and dossier.solutions[0].nuits >= 0
        assert dossier.solutions[0].lieu == "Hôtel du Nord"
        assert {j.texte for j in dossier.journal} == {conservation.JOURNAL_EFFACE}
        assert _statistiques(app, admin.id, ancien["evenement"]) == avant

        # Nothing identifying anywhere but in the records of the other two events.
        fiches_vivantes = {"care_personne", "care_consentement", "hebergement_dossier", "care_orientation",
                           "care_passage", "care_personne_cle", "care_fusion",
                           "hebergement_journal", "hebergement_relogement_note",
                           "hebergement_solution"}
        for valeur in IDENTIFIANTS:
            for ou in _reste(valeur):
                table = ou.split(".")[0]
                assert table in fiches_vivantes, f"« {valeur} » reste dans {ou}"
                # …and there, only in the open event and the exercise.
        restes = db.session.scalars(sa.select(Personne.id).where(
            Personne.evenement_id == ancien["evenement"], Personne.nom != "Anonyme")).all()
        assert restes == []

        # Idempotent: a second run finds nothing; the trail says what was done, as counts.
        assert not conservation.executer(LIGNE_DE_COMMANDE).comptes
        resume = db.session.scalar(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "conservation").order_by(AuditEntry.id.desc()))
        assert "4 personne(s) anonymisée(s)" in resume
        assert not any(v in resume for v in ("Иванова", "Nguyễn", "O'Brien"))


def test_no_identifying_value_remains_when_every_event_is_treated(app, monde):
    with app.app_context():
        for donnees in monde.values():
            if donnees["evenement"] == monde["Inondation quai de Valmy"]["evenement"]:
                clore_evenement(_cellule(), db.session.get(
                    Evenement, donnees["evenement"]), malgre_demandes=True)
                db.session.commit()
            _vieillir(donnees["evenement"], 800)
        conservation.executer(LIGNE_DE_COMMANDE)
        db.session.expire_all()
        for valeur in IDENTIFIANTS:
            assert _reste(valeur) == [], valeur


def _cellule():
    return db.session.scalar(sa.select(User).where(User.role == "cellule"))


def test_notes_go_first_and_identities_wait_for_the_housing_dossier(app, monde):
    ancien = monde["Incendie rue Oberkampf"]
    with app.app_context():
        _vieillir(ancien["evenement"], 40)  # past the notes' 30 days, not the 730
        conservation.executer(LIGNE_DE_COMMANDE)
        db.session.expire_all()
        ivanova = db.session.get(Personne, ancien["ivanova"])
        assert (ivanova.notes_medicales, ivanova.notes, ivanova.nom) == ("", "", "Иванова")
        assert db.session.scalar(sa.select(Orientation.note).where(
            Orientation.personne_id == ivanova.id)) == ""
        assert ivanova.updated_at < utcnow() - timedelta(days=39)  # not a new contact

        # Identities due, but the household's dossier had a night 100 days ago: it waits.
        conservation.fixer_delai(LIGNE_DE_COMMANDE, "identites", 30)
        db.session.execute(sa.update(Solution).values(au=date.today() - timedelta(days=100)))
        db.session.commit()
        bilan = conservation.executer(LIGNE_DE_COMMANDE)
        db.session.expire_all()
        attente = [ligne for ligne in conservation.planifier().lignes
                   if ligne.regle == "attente"]
        assert attente and attente[0].nombre == 3 and "encore actif" in attente[0].pourquoi
        # The whole household waits; the record registered apart (then merged) does not.
        assert db.session.get(Personne, ancien["ivanova"]).nom == "Иванова"
        assert db.session.get(Personne, ancien["obrien"]).nom == "O'Brien"
        assert db.session.scalars(sa.select(Personne.prenom).where(
            Personne.evenement_id == ancien["evenement"],
            Personne.anonymise_at.is_not(None))).all() == [""]
        assert ("hebergement", "dossier(s) d'hébergement anonymisé(s)") not in bilan.comptes
        conservation.fixer_delai(LIGNE_DE_COMMANDE, "hebergement", 30)
        db.session.commit()
        conservation.executer(LIGNE_DE_COMMANDE)
        db.session.expire_all()
        assert db.session.get(Personne, ancien["ivanova"]).nom == "Anonyme"


def test_exercises_are_purged_sooner_and_a_legal_hold_suspends_everything(app, monde):
    ancien, exercice = monde["Incendie rue Oberkampf"], monde["Exercice crue"]
    with app.app_context():
        _vieillir(exercice["evenement"], 31)
        _vieillir(ancien["evenement"], 800)
        gel = conservation.poser_gel(LIGNE_DE_COMMANDE, db.session.get(
            Evenement, ancien["evenement"]), "Réquisition du parquet de Paris du 02/12/2026")
        db.session.commit()
        with pytest.raises(ServiceError, match="déjà gelé"):
            conservation.poser_gel(LIGNE_DE_COMMANDE, db.session.get(
                Evenement, ancien["evenement"]), "Encore")
        plan = conservation.planifier()
        assert [e.id for e in plan.geles] == [ancien["evenement"]]
        assert {ligne.evenement_id for ligne in plan.lignes if ligne.evenement_id} == {
            exercice["evenement"]}
        conservation.executer(LIGNE_DE_COMMANDE)
        db.session.expire_all()
        assert db.session.get(Personne, exercice["ivanova"]).nom == "Anonyme"
        assert db.session.get(DossierHebergement, exercice["dossier"]).notes == ""
        assert db.session.get(Personne, ancien["ivanova"]).nom == "Иванова"

        with pytest.raises(ServiceError, match="pourquoi le gel est levé"):
            conservation.lever_gel(LIGNE_DE_COMMANDE, gel, "  ")
        conservation.lever_gel(LIGNE_DE_COMMANDE, db.session.get(GelJuridique, gel.id),
                               "Classement sans suite")
        db.session.commit()
        conservation.executer(LIGNE_DE_COMMANDE)
        db.session.expire_all()
        assert db.session.get(Personne, ancien["ivanova"]).nom == "Anonyme"


def test_delays_stay_within_what_the_texts_allow(app):
    with app.app_context():
        with pytest.raises(ServiceError, match="de 180 à 1095 jours") as refus:
            conservation.fixer_delai(LIGNE_DE_COMMANDE, "audit", 30)
        assert refus.value.field == "jours_audit"
        with pytest.raises(ServiceError, match="de 30 à 730 jours"):
            conservation.fixer_delai(LIGNE_DE_COMMANDE, "identites", 3650)
        assert conservation.fixer_delai(LIGNE_DE_COMMANDE, "audit", 400)
        assert not conservation.fixer_delai(LIGNE_DE_COMMANDE, "audit", 400)
        db.session.commit()
        assert conservation.delais()["audit"] == 400
        assert db.session.scalar(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "conservation")).endswith("365 → 400 jours")


def test_one_run_at_a_time(app, runner):
    with app.app_context(), conservation.verrou_d_execution():
        result = runner.invoke(args=["retention"])
    assert result.exit_code == 1
    assert "déjà en cours : rien n'a été fait" in result.output
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output


def test_the_command_lists_before_it_does(app, runner, monde):
    ancien = monde["Incendie rue Oberkampf"]
    with app.app_context():
        _vieillir(ancien["evenement"], 800)
    result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "« Incendie rue Oberkampf »" in result.output and "4 personne(s) anonymisée(s)" \
        in result.output and "rien n'a été modifié" in result.output
    with app.app_context():
        assert db.session.get(Personne, ancien["ivanova"]).nom == "Иванова"
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0 and "4 personne(s) anonymisée(s)" in result.output
    result = runner.invoke(args=["retention"])
    assert "rien à anonymiser ni à supprimer" in result.output


def test_a_run_killed_leaves_each_record_untouched_or_fully_anonymised(
        app, database_url, create_user, create_centre, create_evenement):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    resp = create_user("responsable_care", mairie="11e")
    chef = create_user("cellule")
    evenement = create_evenement(titre="Effondrement rue de Charonne")
    centre = create_centre(mairie="11e", evenement=evenement, by=resp, capacite=500)
    with app.app_context():
        r = db.session.get(User, resp.id)
        for foyer in range(40):
            care.enregistrer(r, db.session.get(CentreAccueil, centre.id), [
                care.PersonneData(nom=f"Ковалёва{foyer}", prenom=f"Анна {i}",
                                  categorie="sinistre", telephone=f"06 12 34 {foyer:02d} {i:02d}",
                                  adresse_actuelle=f"{foyer} rue de Charonne")
                for i in range(5)])
            db.session.commit()
        clore_evenement(db.session.get(User, chef.id),
                        db.session.get(Evenement, evenement.id), malgre_demandes=True)
        db.session.commit()
        _vieillir(evenement.id, 800)

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CRISE_ENV")}
    env.update(DATABASE_URL=database_url, CRISE_ENV="development")
    crise = Path(sys.executable).parent / "crise"
    run = subprocess.Popen([str(crise), "retention", "--lot", "1"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    compter = sa.select(sa.func.count(Personne.id)).where(Personne.anonymise_at.is_not(None))
    with app.app_context():
        limite = time.monotonic() + 60
        while db.session.scalar(compter) < 10 and time.monotonic() < limite:
            db.session.rollback()
            time.sleep(0.02)
        run.kill()  # SIGKILL: no cleanup, no handler
        run.wait()
        db.session.rollback()
        faits = db.session.scalar(compter)
        assert 10 <= faits < 200, "the run was not stopped midway"
        for p in db.session.scalars(sa.select(Personne)):
            cles = db.session.scalar(sa.select(sa.func.count()).select_from(PersonneCle).where(
                PersonneCle.personne_id == p.id))
            if p.anonymise_at is None:
                assert p.nom.startswith("Ковалёва") and p.telephone and p.adresse_actuelle \
                    and p.cle_identite and cles
            else:
                assert (p.nom, p.prenom, p.telephone, p.adresse_actuelle, p.cle_identite,
                        cles) == ("Anonyme", "", "", "", "", 0)
    # The next run is not blocked by the killed one, and finishes the work.
    fin = subprocess.run([str(crise), "retention"], env=env, capture_output=True, text=True)
    assert fin.returncode == 0, fin.stderr
    with app.app_context():
        assert db.session.scalar(compter) == 200
