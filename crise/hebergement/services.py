"""Housing rules: a dossier per household, dated stays, tonight's list, rehousing.

Services flush, never commit. Every change is written in the dossier's journal.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import Personne
from crise.care.services.personnes import membres_du_foyer
from crise.care.services.consentements import exiger_consentement
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.signals import Fait, annoncer, menage_heberge
from crise.text import clean_data
from crise.exports import export_filename
from crise.formatting import to_paris
from crise.hebergement.demandes import (DemandeSansDossier, demandes_sans_dossier,
                                        demandes_sans_dossier_comptees)
from crise.hebergement.models import (BESOINS_HEBERGEMENT, HABITABLE_LABELS,
                                      HEBERGEMENT_EDIT_ROLES, HEBERGEMENT_VIEW_ROLES,
                                      RELOGEMENT_ASK_ROLES, RELOGEMENT_EDIT_ROLES,
                                      DossierHebergement, JournalHebergement, NoteRelogement,
                                      Relogement, Solution, StatutRelogement, TypeSolution)

NUITS_MAX = 365
PERSONNES_MAX = 50
PLACES_MAX = 500
# Before this hour, « tonight » is still the night that began yesterday evening.
HEURE_BASCULE = 6


def nuit_en_cours(now: datetime | None = None) -> date:
    """The night a DSOL agent means by « ce soir »: at 2 a.m. it is still last night."""
    local = to_paris(now or utcnow())
    return (local - timedelta(hours=HEURE_BASCULE)).date()


def _age(personne: Personne, today: date) -> int | None:
    if personne.date_naissance:
        born = personne.date_naissance
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return personne.age_estime


def _log(dossier: DossierHebergement, actor: User | None, texte: str,
         now: datetime | None = None) -> None:
    """Written in the dossier's journal, and in the audit trail with the household's
    people (the access log sees every change of a person's data, issue 13 §3)."""
    dossier.journal.append(JournalHebergement(auteur_id=getattr(actor, "id", None),
                                              texte=texte[:1000], at=now or utcnow()))
    db.session.flush()
    record(actor, Action.CREATE if not dossier.journal[:-1] else Action.UPDATE,
           "hebergement", dossier.id,
           summary=f"Foyer de {dossier.referent.code_court} — {texte}",
           mairie_id=dossier.mairie_id, evenement_id=dossier.evenement_id,
           personnes=dossier.membres)


def _fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# --- The dossier --------------------------------------------------------------------------


@dataclass
class DossierData:
    logement_habitable: str = "inconnu"
    besoins: list = field(default_factory=list)
    animaux_detail: str = ""
    nb_nuits: int | None = 1
    secteur_souhaite: str = ""
    notes: str = ""
    nb_personnes: int | None = None
    nb_enfants: int | None = None


def _check_dossier_data(data: DossierData) -> None:
    clean_data(data, multiline=("notes",))
    if data.logement_habitable not in HABITABLE_LABELS:
        raise ServiceError("Indiquez si le logement est habitable.", field="logement_habitable")
    unknown = [b for b in data.besoins if b not in BESOINS_HEBERGEMENT]
    if unknown:
        raise ServiceError("Besoin inconnu.", field="besoins")
    if data.nb_nuits is None or not 1 <= data.nb_nuits <= NUITS_MAX:
        raise ServiceError(f"Nombre de nuits : entre 1 et {NUITS_MAX}.", field="nb_nuits")
    if data.nb_personnes is not None and not 1 <= data.nb_personnes <= PERSONNES_MAX:
        raise ServiceError(f"Entre 1 et {PERSONNES_MAX} personnes.", field="nb_personnes")
    if data.nb_enfants is not None and not 0 <= data.nb_enfants <= (data.nb_personnes or 0):
        raise ServiceError("Pas plus d'enfants que de personnes.", field="nb_enfants")
    if "animaux" in data.besoins and not data.animaux_detail.strip():
        raise ServiceError("Précisez les animaux (ex. : un chien de taille moyenne).",
                           field="animaux_detail")
    if len(data.notes) > 2000:
        raise ServiceError("2000 caractères au maximum.", field="notes")


def _apply(dossier: DossierHebergement, data: DossierData) -> None:
    dossier.logement_habitable = data.logement_habitable
    dossier.besoins = list(data.besoins)
    dossier.animaux_detail = data.animaux_detail.strip()[:255]
    dossier.nb_nuits = data.nb_nuits
    dossier.secteur_souhaite = data.secteur_souhaite.strip()[:255]
    dossier.notes = data.notes.strip()
    if data.nb_personnes is not None:
        dossier.nb_personnes = data.nb_personnes
    if data.nb_enfants is not None:
        dossier.nb_enfants = data.nb_enfants


def referent_of(personne: Personne) -> Personne:
    """The household's référent: its first member (or the person registered alone)."""
    return (membres_du_foyer(personne) or [personne])[0]


def composition(membres: list[Personne], now: datetime | None = None) -> tuple[int, int]:
    """(people, children under 18) of a household, as the dossier counts them at first."""
    today = to_paris(now or utcnow()).date()
    return len(membres), sum(1 for p in membres if (_age(p, today) or 99) < 18)


def dossier_of(personne: Personne) -> DossierHebergement | None:
    return db.session.scalar(sa.select(DossierHebergement).where(
        DossierHebergement.referent_id == referent_of(personne).id))


def ouvrir_dossier(actor: User, personne: Personne, data: DossierData, *,
                   jeton: str | None = None,
                   now: datetime | None = None) -> tuple[DossierHebergement, bool]:
    """Open the housing dossier of a person's household (one per household)."""
    now = now or utcnow()
    if not (actor.has_role(*HEBERGEMENT_EDIT_ROLES) and personne.can_view(actor)
            and actor.can_access_mairie(personne.mairie_id)):  # who may, before any token
        raise ServiceError("Votre rôle ne permet pas d'ouvrir un dossier d'hébergement pour "
                           "cette personne.")
    if jeton:
        existing = db.session.scalar(sa.select(DossierHebergement).where(
            DossierHebergement.jeton_creation == jeton))
        if existing is not None and existing.created_by_id == actor.id:
            return existing, False
    if personne.fusionne_dans_id is not None:
        raise ServiceError("Cette fiche a été fusionnée dans une autre : ouvrez le dossier "
                           "depuis la fiche gardée.")
    evenement = db.session.get(Evenement, personne.evenement_id)
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos : plus de nouveau dossier d'hébergement.")
    referent = referent_of(personne)
    if dossier_of(referent) is not None:
        raise ServiceError("Ce foyer a déjà un dossier d'hébergement.")
    personnes, enfants = composition(membres_du_foyer(referent), now)
    if data.nb_personnes is None:
        data.nb_personnes = personnes
    if data.nb_enfants is None:
        data.nb_enfants = enfants
    _check_dossier_data(data)
    dossier = DossierHebergement(
        evenement_id=evenement.id, mairie_id=referent.mairie_id, centre_id=referent.centre_id,
        referent_id=referent.id, created_by_id=actor.id, jeton_creation=jeton or None,
        created_at=now, updated_at=now)
    _apply(dossier, data)
    db.session.add(dossier)
    _log(dossier, actor, f"Dossier ouvert : {dossier.nb_personnes} personne(s), "
                         f"{dossier.nb_nuits} nuit(s) demandée(s)", now)
    return dossier, True


def _check_edit(actor: User, dossier: DossierHebergement) -> None:
    if not dossier.can_edit(actor):
        raise ServiceError("Votre rôle ne permet pas de modifier ce dossier d'hébergement.")


def modifier_dossier(actor: User, dossier: DossierHebergement, data: DossierData,
                     now: datetime | None = None) -> DossierHebergement:
    _check_edit(actor, dossier)
    _check_dossier_data(data)
    avant = dossier.nb_personnes
    _apply(dossier, data)
    _log(dossier, actor, "Besoins du foyer mis à jour", now)
    if dossier.nb_personnes != avant:
        _recompose(actor, dossier, avant, now)
    db.session.flush()
    return dossier


def _recompose(actor: User, dossier: DossierHebergement, avant: int,
               now: datetime | None) -> None:
    """The household's size changed: stays to come take the new count; the stay under way
    ends this morning and continues tonight with it. Nights already spent keep theirs."""
    nuit = nuit_en_cours(now)
    for solution in list(dossier.solutions):
        if solution.au <= nuit or solution.nb_personnes == dossier.nb_personnes:
            continue
        if solution.du >= nuit:
            solution.nb_personnes = dossier.nb_personnes
            continue
        suite = Solution(type=solution.type, lieu=solution.lieu, adresse=solution.adresse,
                         chambres=solution.chambres, lits=solution.lits,
                         trouve_par_id=solution.trouve_par_id,
                         nb_personnes=dossier.nb_personnes,
                         # How the stay ends belongs to its last part.
                         termine=solution.termine, fin_motif=solution.fin_motif)
        suite.set_dates(nuit, solution.au)
        solution.set_dates(solution.du, nuit)
        solution.termine, solution.fin_motif = False, ""
        dossier.solutions.append(suite)
    _log(dossier, actor, f"Composition du foyer : {avant} → {dossier.nb_personnes} "
                         f"personne(s) à partir de la nuit du {_fr(nuit)}", now)


def clore_dossier(actor: User, dossier: DossierHebergement, motif: str, *,
                  now: datetime | None = None) -> DossierHebergement:
    """No more housing needed (back home, rehoused…); stays must be over first."""
    now = now or utcnow()
    _check_edit(actor, dossier)
    motif = (motif or "").strip()
    if not motif:
        raise ServiceError("Indiquez pourquoi le dossier est clos (ex. : retour au domicile).",
                           field="motif")
    nuit = nuit_en_cours(now)
    if any(s.au > nuit for s in dossier.solutions):
        raise ServiceError("Un hébergement est encore en cours ou prévu : terminez-le d'abord.")
    dossier.clos, dossier.clos_at, dossier.clos_motif = True, now, motif[:255]
    _log(dossier, actor, f"Dossier clos : {motif}", now)
    db.session.flush()
    return dossier


def rouvrir_dossier(actor: User, dossier: DossierHebergement,
                    now: datetime | None = None) -> DossierHebergement:
    _check_edit(actor, dossier)
    dossier.clos, dossier.clos_at, dossier.clos_motif = False, None, ""
    _log(dossier, actor, "Dossier rouvert", now)
    db.session.flush()
    return dossier


# --- Stays --------------------------------------------------------------------------------


@dataclass
class SolutionData:
    type: str = ""
    lieu: str = ""
    adresse: str = ""
    du: date | None = None
    au: date | None = None
    chambres: int | None = None
    lits: int | None = None


def _check_dates(du: date | None, au: date | None, nuit: date) -> None:
    if du is None:
        raise ServiceError("Indiquez la date d'arrivée.", field="du")
    if au is None:
        raise ServiceError("Indiquez la date de départ.", field="au")
    if au <= du:
        raise ServiceError("La date de départ doit suivre la date d'arrivée (au moins une "
                           "nuit).", field="au")
    if (au - du).days > NUITS_MAX:
        raise ServiceError(f"{NUITS_MAX} nuits au plus.", field="au")
    if du < nuit - timedelta(days=30):
        raise ServiceError("Date d'arrivée trop ancienne (plus de 30 jours).", field="du")


def _check_overlap(dossier: DossierHebergement, du: date, au: date,
                   ignore: Solution | None = None) -> None:
    for other in dossier.solutions:
        if other is not ignore and other.du < au and du < other.au:
            raise ServiceError(f"Ce foyer est déjà hébergé du {_fr(other.du)} au "
                               f"{_fr(other.au)} ({other.lieu}) : prolongez ou déplacez "
                               "plutôt.", field="du")


def heberger(actor: User, dossier: DossierHebergement, data: SolutionData, *,
             now: datetime | None = None) -> Solution:
    """Record the solution found: where, from when to when, rooms or beds, who found it."""
    now = now or utcnow()
    _check_edit(actor, dossier)
    if dossier.clos:
        raise ServiceError("Ce dossier est clos : rouvrez-le pour héberger le foyer.")
    if data.type not in set(TypeSolution):
        raise ServiceError("Choisissez le type de solution.", field="type")
    clean_data(data)
    lieu = (data.lieu or "").strip()
    if not lieu:
        raise ServiceError("Indiquez le lieu (nom de l'hôtel, du centre, du proche…).",
                           field="lieu")
    _check_dates(data.du, data.au, nuit_en_cours(now))
    for name in ("chambres", "lits"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= PLACES_MAX:
            raise ServiceError(f"Entre 0 et {PLACES_MAX}.", field=name)
    _check_overlap(dossier, data.du, data.au)
    solution = Solution(type=data.type, lieu=lieu[:200],
                        adresse=(data.adresse or "").strip()[:255],
                        chambres=data.chambres, lits=data.lits, trouve_par_id=actor.id,
                        nb_personnes=dossier.nb_personnes, created_at=now, updated_at=now)
    solution.set_dates(data.du, data.au)
    dossier.solutions.append(solution)
    _log(dossier, actor, f"Hébergé(e) : {TypeSolution(data.type).label} — {lieu}, du "
                         f"{_fr(data.du)} au {_fr(data.au)} ({solution.nuits} nuit(s))", now)
    db.session.flush()
    # Never a name nor an address in a fait: the kind of solution and the counts.
    annoncer(menage_heberge, Fait(
        f"Foyer de {dossier.nb_personnes} personne(s) hébergé : "
        f"{TypeSolution(data.type).label.lower()}, {solution.nuits} nuit(s)", now,
        dossier.evenement_id, "hebergement", dossier.id, actor, dossier.mairie_id,
        {"type": data.type, "nuits": solution.nuits, "personnes": dossier.nb_personnes}))
    return solution


def prolonger(actor: User, solution: Solution, au: date | None, *,
              now: datetime | None = None) -> Solution:
    dossier = solution.dossier
    _check_edit(actor, dossier)
    if au is None:
        raise ServiceError("Indiquez la nouvelle date de départ.", field="au")
    if au <= solution.au:
        raise ServiceError(f"Pour prolonger, choisissez une date après le {_fr(solution.au)}.",
                           field="au")
    if (au - solution.du).days > NUITS_MAX:
        raise ServiceError(f"{NUITS_MAX} nuits au plus.", field="au")
    _check_overlap(dossier, solution.du, au, ignore=solution)
    ancien = solution.au
    solution.set_dates(solution.du, au)
    _log(dossier, actor, f"Prolongé : {solution.lieu} jusqu'au {_fr(au)} (au lieu du "
                         f"{_fr(ancien)})", now)
    db.session.flush()
    return solution


def terminer(actor: User, solution: Solution, le: date | None, motif: str = "", *,
             now: datetime | None = None, _journal: bool = True) -> Solution:
    """The household leaves on the morning of ``le``: later nights are no longer booked."""
    dossier = solution.dossier
    _check_edit(actor, dossier)
    le = le or nuit_en_cours(now) + timedelta(days=1)
    if not solution.du <= le <= solution.au:
        raise ServiceError(f"La date de fin doit être comprise entre le {_fr(solution.du)} et "
                           f"le {_fr(solution.au)}.", field="le")
    solution.set_dates(solution.du, le)
    solution.termine, solution.fin_motif = True, (motif or "").strip()[:255]
    if _journal:
        _log(dossier, actor, f"Fin de l'hébergement {solution.lieu} le {_fr(le)}"
                             + (f" : {solution.fin_motif}" if solution.fin_motif else ""), now)
    db.session.flush()
    return solution


def deplacer(actor: User, solution: Solution, data: SolutionData, *,
             now: datetime | None = None) -> Solution:
    """Move the household: the current stay ends the day the new one begins."""
    if data.du is None:
        raise ServiceError("Indiquez la date du déplacement.", field="du")
    ancien = solution.lieu
    terminer(actor, solution, data.du, "Déplacé", now=now, _journal=False)
    nouvelle = heberger(actor, solution.dossier, data, now=now)
    _log(solution.dossier, actor, f"Déplacé de {ancien} vers {nouvelle.lieu} le "
                                  f"{_fr(data.du)}", now)
    db.session.flush()
    return nouvelle


# --- Lists and totals ---------------------------------------------------------------------


def check_view(actor: User, evenement: Evenement) -> None:
    if not (actor.has_role(*HEBERGEMENT_VIEW_ROLES) and evenement.can_view(actor)):
        raise ServiceError("Votre rôle ne donne pas accès à l'hébergement de cet événement.")


def dossiers_query(actor: User, evenement: Evenement):
    return sa.select(DossierHebergement).where(
        DossierHebergement.evenement_id == evenement.id,
        actor.perimetre(DossierHebergement.mairie_id, DossierHebergement.evenement_id))


def couvert(nuit: date):
    """« A stay of this dossier covers that night », for use inside a query."""
    return sa.select(Solution.id).where(Solution.dossier_id == DossierHebergement.id,
                                        Solution.du <= nuit, Solution.au > nuit).exists()


def _besoin(code: str):
    return sa.cast(DossierHebergement.besoins, sa.String).like(f'%"{code}"%')


# The most vulnerable first: a baby, reduced mobility, medical equipment, a pregnancy.
VULNERABILITE = sa.case((_besoin("nourrisson"), 0), (_besoin("pmr"), 1),
                        (_besoin("materiel_medical"), 2), (_besoin("grossesse"), 3), else_=9)


def sans_solution_query(actor: User, evenement: Evenement, nuit: date):
    """Open dossiers that no stay covers tonight, the most vulnerable first, then the
    longest waiting: the critical list."""
    return (dossiers_query(actor, evenement)
            .where(DossierHebergement.clos.is_(False), ~couvert(nuit))
            .order_by(VULNERABILITE, DossierHebergement.created_at, DossierHebergement.id))


def heberges_query(actor: User, evenement: Evenement, nuit: date):
    return (dossiers_query(actor, evenement).where(couvert(nuit))
            .order_by(DossierHebergement.created_at, DossierHebergement.id))


def tous_dossiers_query(actor: User, evenement: Evenement):
    return dossiers_query(actor, evenement).order_by(DossierHebergement.created_at.desc(),
                                                    DossierHebergement.id.desc())


@dataclass
class Totaux:
    dossiers: int = 0
    sans_solution: int = 0
    personnes_sans_solution: int = 0
    personnes_hebergees: int = 0
    foyers_heberges: int = 0
    nuits: int = 0
    nuitees: int = 0
    places: int = 0
    chambres: int = 0


def totaux(actor: User | None, evenement: Evenement, nuit: date) -> Totaux:
    """Per event: people housed tonight, nights allocated, places and rooms in use.

    ``actor`` None: every mairie (the cellule's dashboard)."""
    scope = [DossierHebergement.evenement_id == evenement.id]
    if actor is not None:
        scope.append(actor.perimetre(DossierHebergement.mairie_id, DossierHebergement.evenement_id))
    t = Totaux()
    t.dossiers = db.session.scalar(sa.select(sa.func.count()).where(*scope)) or 0
    row = db.session.execute(sa.select(sa.func.count(), sa.func.sum(
        DossierHebergement.nb_personnes)).where(
        *scope, DossierHebergement.clos.is_(False), ~couvert(nuit))).one()
    t.sans_solution, t.personnes_sans_solution = row[0] or 0, row[1] or 0
    foyers, personnes = demandes_sans_dossier_comptees(actor, evenement)
    t.sans_solution += foyers
    t.personnes_sans_solution += personnes
    joined = sa.select().select_from(Solution).join(DossierHebergement).where(*scope)
    row = db.session.execute(joined.add_columns(
        sa.func.sum(Solution.nuits),
        sa.func.sum(Solution.nuits * Solution.nb_personnes))).one()
    t.nuits, t.nuitees = row[0] or 0, row[1] or 0
    row = db.session.execute(joined.where(Solution.du <= nuit, Solution.au > nuit).add_columns(
        sa.func.count(sa.distinct(DossierHebergement.id)),
        sa.func.sum(Solution.nb_personnes),
        sa.func.sum(sa.func.coalesce(Solution.lits, Solution.nb_personnes)),
        sa.func.sum(sa.func.coalesce(Solution.chambres, 0)))).one()
    t.foyers_heberges, t.personnes_hebergees = row[0] or 0, row[1] or 0
    t.places, t.chambres = row[2] or 0, row[3] or 0
    return t


def a_recenser(actor: User, evenement: Evenement, limit: int = 100) -> list[DemandeSansDossier]:
    return demandes_sans_dossier(actor, evenement, limit=limit)


# --- Rehousing (DLH) ----------------------------------------------------------------------


def demander_relogement(actor: User, dossier: DossierHebergement, texte: str = "", *,
                        now: datetime | None = None) -> Relogement:
    now = now or utcnow()
    if not (actor.has_role(*RELOGEMENT_ASK_ROLES) and dossier.can_view(actor)):
        raise ServiceError("Votre rôle ne permet pas de demander un relogement.")
    if dossier.relogement is not None:
        raise ServiceError("Une demande de relogement existe déjà pour ce foyer.")
    # The DLH shares the dossier with the bailleurs: the household's référent consented.
    exiger_consentement(dossier.referent, "bailleur", "Demande de relogement impossible")
    relogement = Relogement(dossier=dossier, evenement_id=dossier.evenement_id,
                            statut=StatutRelogement.A_EVALUER, demande_par_id=actor.id,
                            created_at=now, updated_at=now)
    db.session.add(relogement)
    relogement.notes.append(NoteRelogement(
        auteur_id=actor.id, statut=StatutRelogement.A_EVALUER, at=now,
        texte=(texte or "").strip()[:2000] or "Demande de relogement transmise à la DLH"))
    _log(dossier, actor, "Demande de relogement transmise à la DLH", now)
    db.session.flush()
    return relogement


def noter_relogement(actor: User, relogement: Relogement, *, statut: str = "",
                     texte: str = "", now: datetime | None = None) -> NoteRelogement:
    """A dated note of the DLH, possibly moving the evaluation to another status."""
    now = now or utcnow()
    if not (actor.has_role(*RELOGEMENT_EDIT_ROLES) and relogement.dossier.can_view(actor)):
        raise ServiceError("Seule la DLH évalue les demandes de relogement.")
    texte = (texte or "").strip()
    if statut and statut not in set(StatutRelogement):
        raise ServiceError("Statut inconnu.", field="statut")
    change = bool(statut) and statut != relogement.statut
    if not texte and not change:
        raise ServiceError("Écrivez une note ou choisissez un nouveau statut.", field="texte")
    if len(texte) > 2000:
        raise ServiceError("2000 caractères au maximum.", field="texte")
    if statut == StatutRelogement.SANS_SUITE and not texte:
        raise ServiceError("Expliquez pourquoi la demande reste sans suite.", field="texte")
    note = NoteRelogement(auteur_id=actor.id, statut=statut if change else "", texte=texte,
                          at=now)
    relogement.notes.append(note)
    if change:
        relogement.statut = statut
    relogement.updated_at = now
    db.session.flush()
    return note


def relogements_query(actor: User, evenement: Evenement, statut: str = ""):
    query = (sa.select(Relogement).join(DossierHebergement)
             .where(Relogement.evenement_id == evenement.id,
                    actor.perimetre(DossierHebergement.mairie_id, DossierHebergement.evenement_id))
             .order_by(Relogement.created_at, Relogement.id))
    if statut in set(StatutRelogement):
        query = query.where(Relogement.statut == statut)
    return query


# --- Exports ------------------------------------------------------------------------------


def export(actor: User, evenement: Evenement, *, liste: str, fmt: str,
           now: datetime | None = None) -> tuple[bytes, str, str]:
    """(content, mimetype, file name) of a housing list, audited as an export."""
    from crise.hebergement import exports
    from crise.hebergement.models import HEBERGEMENT_EXPORT_ROLES

    now = now or utcnow()
    check_view(actor, evenement)
    if not actor.has_role(*HEBERGEMENT_EXPORT_ROLES):
        raise ServiceError("Votre rôle ne permet pas d'exporter ces listes.")
    if liste not in exports.LISTES or fmt not in exports.FORMATS:
        raise ServiceError("Export inconnu.")
    content = exports.liste(actor, evenement, liste, now)
    build, mimetype = exports.FORMATS[fmt]
    fichier = build(content)  # before the audit entry takes SQLite's only writer
    record(actor, Action.EXPORT, "hebergement_evenement", evenement.id,
           summary=f"Liste exportée ({exports.LISTES[liste]}, {fmt.upper()}, "
                   f"{len(content.dossiers)} foyer(s))",
           personnes=[m for d in content.dossiers for m in d.membres],
           mairie_id=actor.mairie_id, evenement_id=evenement.id)
    db.session.flush()
    return fichier, mimetype, export_filename(f"hebergement-{evenement.id}-{liste}", fmt,
                                                     now, exercice=evenement.exercice)

