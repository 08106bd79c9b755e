"""The retention: what is anonymised or deleted, when, and why; ``crise retention`` does it.

Each rule (models.REGLES) picks its records from events closed long enough ago and not under a
legal hold, then treats them in small batches, each in its own transaction: a record is
either untouched or fully treated, whatever stops the run (kill -9 included), and a batch
holds the database (SQLite's single writer) for a few milliseconds, never long enough to stop
the desks of open events. What is kept is what the statistics need (catégorie, sexe, age,
language, needs, passages, orientations, nights): the F.3.13 indicators and every RETEX stay
true. The run is idempotent (a treated record is not picked again) and writes what it did in
the audit trail, as counts.
"""

import fcntl
import gc
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from crise.audit import chaine
from crise.audit.models import Action, AuditEntry
from crise.audit.services import record
from crise.auth.models import LimiteTentatives, SessionCompte
from crise.care import comptes
from crise.care.models import (Consentement, Fusion, Orientation, Passage, Personne,
                               PersonneCle)
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement, Statut
from crise.extensions import db
from crise.hebergement.models import (DossierHebergement, JournalHebergement, NoteRelogement,
                                      Relogement, Solution)
from crise.rgpd.models import REGLES, REGLES_PAR_CODE, GelJuridique, RegleConservation

# Batches start small and adapt, so that one lasts about a target time at most. SQLite has
# one writer: a desk of an open event waits for a batch's commit, so a batch lasts ~40 ms.
# PostgreSQL locks rows, and the desks of open events write other rows: they do not wait for
# a batch, which may grow (fewer round trips), bounded so that each transaction stays short.
# (largest batch, target in ms) per database.
RYTHME = {"sqlite": (500, 40), "postgresql": (5000, 250)}
LOT = RYTHME["sqlite"][0]
LOT_DEPART, LOT_MIN = 100, 20
JOURNAL_EFFACE = "Entrée effacée (conservation des données)."


# --- Rules and holds ---------------------------------------------------------------------

def delais() -> dict[str, int]:
    """Each rule's delay in days: as the administrator set it, or its default."""
    fixes = dict(db.session.execute(
        sa.select(RegleConservation.code, RegleConservation.jours)).all())
    return {r.code: fixes.get(r.code, r.defaut) for r in REGLES}


def fixer_delai(actor, code: str, jours: int | None) -> bool:
    """Set a rule's delay, within what the texts allow. Returns whether it changed."""
    regle = REGLES_PAR_CODE.get(code)
    if regle is None:
        raise ServiceError("Règle de conservation inconnue.")
    if jours is None:
        raise ServiceError("Indiquez un nombre de jours.", field=f"jours_{code}")
    if not regle.minimum <= jours <= regle.maximum:
        raise ServiceError(
            f"« {regle.libelle} » : de {regle.minimum} à {regle.maximum} jours "
            f"({regle.fondement})", field=f"jours_{code}")
    avant = delais()[code]
    if avant == jours:
        return False
    ligne = db.session.get(RegleConservation, code) or RegleConservation(code=code)
    ligne.jours = jours
    ligne.modifie_at = utcnow()
    ligne.modifie_par_nom = getattr(actor, "email", "") or ""
    db.session.add(ligne)
    record(actor, Action.UPDATE, "conservation", code,
           summary=f"Conservation « {regle.libelle} » : {avant} → {jours} jours",
           changes={"jours": [avant, jours]})
    return True


def fixer_delais(actor, jours: dict[str, int | None]) -> int:
    """Set several rules at once, all or nothing: how many changed."""
    return sum(fixer_delai(actor, code, n) for code, n in jours.items())


def evenements_geles() -> set[int]:
    return set(db.session.scalars(sa.select(GelJuridique.evenement_id).where(
        GelJuridique.leve_at.is_(None))))


def poser_gel(actor, evenement: Evenement, motif: str) -> GelJuridique:
    motif = (motif or "").strip()
    if not motif:
        raise ServiceError("Indiquez le motif du gel (la réquisition, son auteur, sa date).",
                           field="motif")
    if evenement.id in evenements_geles():
        raise ServiceError(f"L'événement « {evenement.titre} » est déjà gelé.")
    gel = GelJuridique(evenement=evenement, motif=motif[:500],
                       pose_par_nom=getattr(actor, "email", "") or "")
    db.session.add(gel)
    db.session.flush()
    record(actor, Action.CREATE, "gel_juridique", gel.id, evenement_id=evenement.id,
           summary=f"Gel juridique posé sur l'événement n° {evenement.id} : {motif[:300]}")
    return gel


def lever_gel(actor, gel: GelJuridique, motif: str) -> None:
    motif = (motif or "").strip()
    if not motif:
        raise ServiceError("Indiquez pourquoi le gel est levé.", field="motif")
    if not gel.actif:
        raise ServiceError("Ce gel est déjà levé.")
    gel.leve_at = utcnow()
    gel.leve_par_nom = getattr(actor, "email", "") or ""
    gel.leve_motif = motif[:500]
    record(actor, Action.UPDATE, "gel_juridique", gel.id, evenement_id=gel.evenement_id,
           summary=f"Gel juridique levé sur l'événement n° {gel.evenement_id} : {motif[:300]}")


# --- What each rule picks ------------------------------------------------------------------

@dataclass
class Ligne:
    """One line of the plan: a rule, an event, how many records, and why."""

    regle: str
    evenement_id: int | None
    titre: str
    nombre: int
    quoi: str
    pourquoi: str


@dataclass
class Plan:
    now: datetime
    lignes: list[Ligne] = field(default_factory=list)
    geles: list[Evenement] = field(default_factory=list)

    @property
    def vide(self) -> bool:
        return not any(ligne.nombre for ligne in self.lignes if ligne.regle != "attente")


def _evenements(exercice: bool, avant: datetime, geles: set[int]) -> list[Evenement]:
    """Events closed before ``avant``, not under a hold (an open event is never treated)."""
    query = sa.select(Evenement).where(
        Evenement.exercice.is_(exercice), Evenement.statut == Statut.CLOS,
        Evenement.clos_at < avant).order_by(Evenement.id)
    return [e for e in db.session.scalars(query) if e.id not in geles]


def _notes(evenement_ids, anonymisees=None):
    """People whose notes are erased; ``anonymisees``: the condition of those the identities
    step anonymises in the same run (their notes go with the rest, not twice)."""
    avec_note = sa.exists().where(Orientation.personne_id == Personne.id, Orientation.note != "")
    query = sa.select(Personne.id).where(
        Personne.evenement_id.in_(evenement_ids),
        sa.or_(Personne.notes != "", Personne.notes_medicales != "", avec_note))
    if anonymisees is not None:
        query = query.where(~anonymisees)
    return query


def _dossier_vivant(traites):
    """A housing dossier of this person's household not treated yet, nor by this run
    (``traites``: the dossiers it treats first): the identities wait."""
    referent = aliased(Personne)
    return sa.exists().where(
        DossierHebergement.anonymise_at.is_(None), DossierHebergement.id.not_in(traites),
        DossierHebergement.referent_id == referent.id,
        sa.or_(referent.id == Personne.id,
               sa.and_(Personne.foyer_id.is_not(None), referent.foyer_id == Personne.foyer_id)))


def _anonymisables(evenement_ids, dernier_contact: datetime | None, traites=None):
    """The condition on a person of the identities step (see ``_identites``)."""
    condition = sa.and_(Personne.evenement_id.in_(evenement_ids),
                        Personne.anonymise_at.is_(None))
    if dernier_contact is not None:
        condition = sa.and_(condition, Personne.updated_at < dernier_contact,
                            ~_dossier_vivant(traites))
    return condition


def _identites(evenement_ids, dernier_contact: datetime | None, traites=None):
    return sa.select(Personne.id).where(_anonymisables(evenement_ids, dernier_contact, traites))


def _dossiers(evenement_ids, derniere_activite: datetime | None):
    query = sa.select(DossierHebergement.id).where(
        DossierHebergement.evenement_id.in_(evenement_ids),
        DossierHebergement.anonymise_at.is_(None))
    if derniere_activite is not None:
        nuit = derniere_activite.date()
        query = query.where(
            DossierHebergement.updated_at < derniere_activite,
            ~sa.exists().where(Solution.dossier_id == DossierHebergement.id, Solution.au > nuit),
            ~sa.exists().where(Relogement.dossier_id == DossierHebergement.id,
                               Relogement.updated_at >= derniere_activite))
    return query


def _compter(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _etapes(now: datetime, plan: bool = False
            ) -> list[tuple[str, str, list[Evenement], object, str, str]]:
    """Every step of a run, in its order: (rule, what, events, query maker, kind, why).
    The notes come after the identities: a record anonymised has no notes left to erase (a
    run erases them once). ``plan``: counted before anything is done, so the notes' count
    leaves out those the identities step will take."""
    jours = delais()
    geles = evenements_geles()
    limite = {code: now - timedelta(days=n) for code, n in jours.items()}
    exercices = _evenements(True, limite["exercices"], geles)
    reels_notes = _evenements(False, limite["notes"], geles)
    reels = _evenements(False, limite["identites"], geles)
    reels_heb = _evenements(False, limite["hebergement"], geles)
    # The housing rule counts from the dossier's last night; its event may close later.
    dossiers_traites = _dossiers([e.id for e in reels_heb], limite["hebergement"])
    return [
        ("exercices", "dossier(s) d'hébergement anonymisé(s)", exercices,
         lambda ids: _dossiers(ids, None), "dossier",
         f"exercice clos depuis plus de {jours['exercices']} jours"),
        ("exercices", "personne(s) anonymisée(s)", exercices,
         lambda ids: _identites(ids, None), "identite",
         f"exercice clos depuis plus de {jours['exercices']} jours"),
        ("hebergement", "dossier(s) d'hébergement anonymisé(s)", reels_heb,
         lambda ids: _dossiers(ids, limite["hebergement"]), "dossier",
         f"dernière nuit et dernière modification il y a plus de {jours['hebergement']} jours"),
        ("identites", "personne(s) anonymisée(s)", reels,
         lambda ids: _identites(ids, limite["identites"], dossiers_traites), "identite",
         f"dernier contact il y a plus de {jours['identites']} jours, événement clos, "
         "aucun dossier d'hébergement en cours"),
        ("notes", "personne(s) : notes effacées", reels_notes,
         lambda ids: _notes(ids, _anonymisables([e.id for e in reels], limite["identites"],
                                                dossiers_traites) if plan else None),
         "notes", f"événement clos depuis plus de {jours['notes']} jours"),
    ]


def planifier(now: datetime | None = None) -> Plan:
    """What a run would do now, and why (``crise retention --dry-run``, the page)."""
    now = now or utcnow()
    plan = Plan(now=now)
    geles = evenements_geles()
    plan.geles = [db.session.get(Evenement, i) for i in sorted(geles)]
    for code, quoi, evenements, requete, _, pourquoi in _etapes(now, plan=True):
        for evenement in evenements:
            nombre = _compter(requete([evenement.id]))
            if nombre:
                plan.lignes.append(Ligne(code, evenement.id, evenement.titre, nombre, quoi,
                                         pourquoi))
    # What the identities rule keeps back, and why: a dossier still alive, a recent contact.
    jours_id = delais()["identites"]
    limite_id = now - timedelta(days=jours_id)
    for evenement in _evenements(False, limite_id, geles):
        attente = _compter(sa.select(Personne.id).where(
            Personne.evenement_id == evenement.id, Personne.anonymise_at.is_(None))) - next(
            (ligne.nombre for ligne in plan.lignes if ligne.regle == "identites"
             and ligne.evenement_id == evenement.id), 0)
        if attente:
            plan.lignes.append(Ligne(
                "attente", evenement.id, evenement.titre, attente,
                "personne(s) gardée(s) pour l'instant",
                "un dossier d'hébergement ou de relogement de leur foyer est encore actif, "
                f"ou un contact date de moins de {jours_id} jours"))
    jours = delais()["audit"]
    limite = now - timedelta(days=jours)
    anciennes = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.at < limite)) or 0
    if anciennes:
        plan.lignes.append(Ligne("audit", None, "Journal d'audit", anciennes,
                                 "entrée(s) supprimée(s) (les plus anciennes, sauf gel)",
                                 f"écrites il y a plus de {jours} jours"))
    sessions = _compter(_sessions_echues(limite))
    if sessions:
        plan.lignes.append(Ligne("audit", None, "Sessions de connexion", sessions,
                                 "session(s) close(s) supprimée(s)",
                                 f"closes depuis plus de {jours} jours"))
    db.session.rollback()
    return plan


# --- Doing it ------------------------------------------------------------------------------

def _age(naissance: date | None, au: datetime) -> int | None:
    if naissance is None:
        return None
    jour = au.date()
    return jour.year - naissance.year - ((jour.month, jour.day) < (naissance.month,
                                                                    naissance.day))


def anonymiser_personnes(ids: list[int], now: datetime) -> int:
    """Remove what identifies these people (one transaction, the caller commits)."""
    rows = db.session.execute(sa.select(
        Personne.id, Personne.date_naissance, Personne.age_estime, Personne.created_at).where(
        Personne.id.in_(ids), Personne.anonymise_at.is_(None))).all()
    if not rows:
        return 0
    table = Personne.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
            nom="Anonyme", prenom="", nom_usage="", date_naissance=None,
            age_estime=sa.bindparam("b_age"), telephone="", telephone_chiffres="", email="",
            adresse_actuelle="", adresse_permanente="", nationalite="", sinus=None,
            recherche_nom="", notes="", notes_medicales="", cle_identite="",
            jeton_creation=None, badge_token=sa.bindparam("b_badge"), anonymise_at=now,
            # Nobody to find, to badge or to send anywhere any more.
            present=False, consent_recherche=False, consent_ciav=False, consent_pav=False,
            consent_bailleur=False, updated_at=now),
        [{"b_id": r.id, "b_badge": f"anonyme-{r.id}",
          "b_age": (_age(r.date_naissance, r.created_at) if r.date_naissance
                    else r.age_estime)} for r in rows],
        execution_options={"synchronize_session": False})
    faits = [r.id for r in rows]
    db.session.execute(sa.update(Passage).where(Passage.personne_id.in_(faits)).values(
        destination_detail=""), execution_options={"synchronize_session": False})
    db.session.execute(sa.update(Orientation).where(Orientation.personne_id.in_(faits)).values(
        note=""), execution_options={"synchronize_session": False})
    db.session.execute(sa.delete(PersonneCle).where(PersonneCle.personne_id.in_(faits)),
                       execution_options={"synchronize_session": False})
    # A consent's steps stay (who, when, how: the proof); the words said go.
    db.session.execute(sa.update(Consentement).where(Consentement.personne_id.in_(faits))
                       .values(motif=""), execution_options={"synchronize_session": False})
    db.session.execute(sa.update(Fusion).where(sa.or_(
        Fusion.gardee_id.in_(faits), Fusion.absorbee_id.in_(faits))).values(avant={}),
        execution_options={"synchronize_session": False})
    return len(faits)


def effacer_notes(ids: list[int], now: datetime) -> int:
    db.session.execute(sa.update(Personne).where(Personne.id.in_(ids)).values(
        notes="", notes_medicales="", updated_at=Personne.updated_at),
        execution_options={"synchronize_session": False})
    db.session.execute(sa.update(Orientation).where(Orientation.personne_id.in_(ids)).values(
        note=""), execution_options={"synchronize_session": False})
    return len(ids)


def anonymiser_dossiers(ids: list[int], now: datetime) -> int:
    faits = list(db.session.scalars(sa.select(DossierHebergement.id).where(
        DossierHebergement.id.in_(ids), DossierHebergement.anonymise_at.is_(None))))
    if not faits:
        return 0
    options = {"synchronize_session": False}
    db.session.execute(sa.update(DossierHebergement).where(
        DossierHebergement.id.in_(faits)).values(
        notes="", animaux_detail="", secteur_souhaite="", clos_motif="", jeton_creation=None,
        anonymise_at=now, updated_at=now), execution_options=options)
    db.session.execute(sa.update(JournalHebergement).where(
        JournalHebergement.dossier_id.in_(faits)).values(texte=JOURNAL_EFFACE),
        execution_options=options)
    db.session.execute(sa.update(Solution).where(Solution.dossier_id.in_(faits)).values(
        adresse="", fin_motif=""), execution_options=options)
    relogements = sa.select(Relogement.id).where(Relogement.dossier_id.in_(faits))
    db.session.execute(sa.update(NoteRelogement).where(
        NoteRelogement.relogement_id.in_(relogements)).values(texte=""),
        execution_options=options)
    return len(faits)


TRAITEMENTS = {"identite": anonymiser_personnes, "notes": effacer_notes,
               "dossier": anonymiser_dossiers}


def _sessions_echues(limite: datetime):
    return sa.select(SessionCompte.id).where(
        sa.func.coalesce(SessionCompte.fermee_at, SessionCompte.vue_at) < limite)


@contextmanager
def verrou_d_execution():
    """One run at a time, across processes and hosts; a run killed (kill -9) leaves no lock
    behind: on PostgreSQL a session lock on a connection of its own, on SQLite a lock on a
    file beside the database (both are released by the system when the process dies)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    deja = ServiceError("Une exécution de la conservation est déjà en cours : rien n'a été "
                        "fait. Réessayez quand elle sera finie.")
    if url.startswith("postgresql"):
        with db.engine.connect() as conn:
            if not conn.execute(sa.text("SELECT pg_try_advisory_lock(4242002)")).scalar():
                raise deja
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(4242002)"))
        return
    chemin = (db.engine.url.database or "") + ".conservation.lock"
    if not db.engine.url.database or db.engine.url.database == ":memory:":
        chemin = os.path.join(current_app.instance_path, "conservation.lock")
    fd = os.open(chemin, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise deja from None
        yield
    finally:
        os.close(fd)


@dataclass
class Bilan:
    comptes: dict[tuple[str, str], int] = field(default_factory=dict)
    lots: int = 0
    lot_max_ms: float = 0.0
    audit_scellees: int = 0

    def ajouter(self, regle: str, quoi: str, nombre: int) -> None:
        if nombre:
            self.comptes[(regle, quoi)] = self.comptes.get((regle, quoi), 0) + nombre

    def lignes(self) -> list[str]:
        return [f"{REGLES_PAR_CODE[regle].libelle} : {nombre} {quoi}"
                for (regle, quoi), nombre in self.comptes.items()]


def executer(acteur, now: datetime | None = None, lot: int | None = None,
             apres_lot=None) -> Bilan:
    """Do what the plan says, batch by batch; ``apres_lot`` is told after each commit."""
    now = now or utcnow()
    bilan = Bilan()
    plus_grand, cible_ms = RYTHME.get(db.session.connection().dialect.name, RYTHME["sqlite"])
    lot = lot or plus_grand
    with verrou_d_execution():
        for code, quoi, evenements, requete, genre, _ in _etapes(now):
            ids_evenements = [e.id for e in evenements]
            if not ids_evenements:
                continue
            dernier = 0
            base = requete(ids_evenements)
            colonne = base.selected_columns[0]
            taille = min(lot, LOT_DEPART)
            while True:
                ids = list(db.session.scalars(base.where(colonne > dernier).order_by(
                    colonne).limit(taille)))
                if not ids:
                    break
                debut = time.perf_counter()
                with _sans_ramasse_miettes():
                    nombre = TRAITEMENTS[genre](ids, now)
                    db.session.commit()
                duree = (time.perf_counter() - debut) * 1000
                _vider_le_journal_sqlite()
                bilan.lot_max_ms = max(bilan.lot_max_ms, duree)
                bilan.lots += 1
                # A batch holds SQLite's only writer: kept short whatever the machine's load.
                if duree > cible_ms and taille > LOT_MIN:
                    taille = max(LOT_MIN, taille // 2)
                elif duree < cible_ms / 3 and taille < lot:
                    taille = min(lot, taille * 2)
                bilan.ajouter(code, quoi, nombre)
                dernier = ids[-1]
                if apres_lot:
                    apres_lot(bilan)
        _purger_les_traces(now, bilan)
        if bilan.comptes:
            record(acteur, Action.DELETE, "conservation", None,
                   summary="Conservation des données : " + " ; ".join(bilan.lignes()))
            db.session.commit()
        bilan.audit_scellees += chaine.sceller(lot=LOT_DEPART)
        # Records anonymised leave their C.A.RE: the lines of change this wrote to the
        # counts (crise.care.comptes) are folded, a batch at a time, by the same run.
        comptes.compacter()
    return bilan


@contextmanager
def _sans_ramasse_miettes():
    """No garbage collection while a batch holds the database: a full collection of a big
    process paused a batch for 100 ms and more (measured), desks waiting behind it."""
    actif = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if actif:
            gc.enable()


def _vider_le_journal_sqlite() -> None:
    """SQLite: copy what the batch wrote into the database file now, by this process and
    without stopping the writers (PASSIVE), rather than leave a large write-ahead log for the
    next desk whose commit crosses the automatic checkpoint's threshold to copy."""
    if db.session.connection().dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA wal_checkpoint(PASSIVE)"))
        db.session.commit()


def _purger_les_traces(now: datetime, bilan: Bilan) -> None:
    """The audit's own rule: its oldest entries (sealed first), closed sessions, spent
    login counters."""
    limite = now - timedelta(days=delais()["audit"])
    bilan.audit_scellees += chaine.sceller(lot=LOT_DEPART)
    bilan.ajouter("audit", "entrée(s) du journal supprimée(s)",
                  chaine.purger_avant(limite, evenements_geles(), lot=LOT))
    sessions = db.session.execute(sa.delete(SessionCompte).where(
        SessionCompte.id.in_(_sessions_echues(limite)))).rowcount
    compteurs = db.session.execute(sa.delete(LimiteTentatives).where(
        LimiteTentatives.dernier_at < now - timedelta(days=1),
        sa.or_(LimiteTentatives.attente_jusqua.is_(None),
               LimiteTentatives.attente_jusqua < now))).rowcount
    db.session.commit()
    bilan.ajouter("audit", "session(s) close(s) supprimée(s)", sessions)
    bilan.ajouter("audit", "compteur(s) de connexion échu(s) supprimé(s)", compteurs)
