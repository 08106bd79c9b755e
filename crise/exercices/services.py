"""Exercise runs: starting one (an événement flagged EXERCICE, its players), and its clock.

The clock is an anchor in the run's row and a log: at the anchor's real time, the plan had
been played for so long and the run had been in play for so long; in play, both advance
(the plan's time × the speed chosen by the animateur), in a pause neither does. The
scenario's time is the plan's clock read at the plan's time played. Every move takes the
run's row under lock first (an UPDATE, on SQLite and PostgreSQL alike): two animateurs, or
an animateur and the ``tick``, move it one after the other.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.journal import ecrire_application
from crise.evenements.models import SourceInformation
from crise.evenements.services import EvenementData, declarer_evenement
from crise.exercices import scenario
from crise.exercices.attendus import manquer_restants
from crise.exercices.livraisons import avancer
from crise.exercices.models import (Exercice, Joueur, MouvementHorloge, NoteAnimation,
                                    StatutExercice, can_animate)
from crise.exercices.partie import Instant, instant, verrouiller
from crise.exercices.plan import Plan, plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.text import clean, clean_line

__all__ = ["lancer", "nommer_joueurs", "debex", "mettre_en_pause", "reprendre", "sauter",
           "changer_cadence", "finex", "ecrire_note", "CADENCE_MIN",
           "CADENCE_MAX", "NOTE_MAX"]

CADENCE_MIN, CADENCE_MAX = 0.1, 20.0
MOTIF_MAX = 500
S = StatutExercice


def _exiger_animateur(actor) -> None:
    if not can_animate(actor):
        raise ServiceError("Seul un animateur d'exercice conduit un exercice.")


# --- Starting a run ------------------------------------------------------------------------

def lancer(actor: User, source: str, joueurs: list[User], *, nom_fichier: str = "",
           titre: str = "", jeton: str | None = None,
           now: datetime | None = None) -> tuple[Exercice, bool]:
    """Prepare a run of a scenario: its événement (flagged EXERCICE, type and mairies from
    the scenario) and its players. The clock starts at the DEBEX."""
    _exiger_animateur(actor)
    now = now or utcnow()
    if jeton:
        existing = db.session.scalar(sa.select(Exercice).where(
            Exercice.jeton_creation == jeton))
        if existing is not None:
            return existing, False
    lecture = scenario.lire(source, nom_fichier or "scénario")
    if not lecture.valide:
        raise ServiceError("Le scénario a des erreurs : corrigez-les avant de lancer "
                           "l'exercice. " + " ; ".join(str(p) for p in lecture.erreurs[:5]))
    donnees = lecture.donnees
    plan = plan_de(source)
    codes = donnees["participants"].get("mairies") or []
    mairies = db.session.scalars(sa.select(Mairie).where(Mairie.code.in_(codes))
                                 .order_by(Mairie.ordre)).all()
    if not mairies:
        mairies = db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()
    titre = clean_line(titre or "").strip() or donnees["titre"]
    evenement, _ = declarer_evenement(actor, EvenementData(
        titre=titre[:200], type=donnees["type_evenement"], survenu_at=now,
        source_information=SourceInformation.VILLE,
        source_detail="Exercice : cellule d'animation", mairies=list(mairies),
        description=(donnees.get("description") or "")[:2000], exercice=True), now=now,
        jumeau_recent=False)  # the run's jeton tells a repeat from a second run
    exercice = Exercice(evenement=evenement, scenario_id=donnees["id"],
                        scenario_titre=donnees["titre"][:300], source=source,
                        source_nom=(nom_fichier or "")[:255], statut=S.PRET,
                        created_at=now, created_by_id=actor.id, jeton_creation=jeton or None)
    db.session.add(exercice)
    db.session.flush()
    nommer_joueurs(actor, exercice, joueurs, plan=plan)
    record(actor, Action.CREATE, "exercice", exercice.id,
           summary=f"Exercice préparé : « {exercice.scenario_titre[:150]} » "
                   f"({len(exercice.joueurs)} joueur(s))", evenement_id=evenement.id)
    ecrire_application(evenement.id, f"EXERCICE — Exercice préparé sur le scénario "
                       f"« {exercice.scenario_titre} » : {len(exercice.joueurs)} joueur(s) "
                       "nommé(s).", objet_type="exercice", objet_id=exercice.id, now=now,
                       auteur=actor)
    return exercice, True


def _refus_joueur(user: User, participants: dict) -> str | None:
    roles = set(participants["roles"])
    codes = set(participants.get("mairies") or [])
    if not user.actif:
        return f"{user} : compte désactivé"
    if user.role not in roles:
        return f"{user} : le rôle « {user.role_label} » ne joue pas dans ce scénario"
    if user.role_enum.is_mairie_role and codes and (user.mairie is None
                                                    or user.mairie.code not in codes):
        mairie = user.mairie.nom_court if user.mairie else "sans mairie"
        return f"{user} : sa mairie ({mairie}) ne joue pas dans ce scénario"
    return None


def nommer_joueurs(actor: User, exercice: Exercice, joueurs: list[User], *,
                   plan: Plan | None = None) -> list[Joueur]:
    """Name the players, checked against the scenario's participants (roles and mairies)."""
    _exiger_animateur(actor)
    if exercice.termine:
        raise ServiceError("Cet exercice est terminé : plus de joueur à nommer.")
    plan = plan or plan_de(exercice.source)
    participants = plan.donnees["participants"]
    refus = [r for u in joueurs if (r := _refus_joueur(u, participants))]
    if refus:
        raise ServiceError("Ces comptes ne peuvent pas jouer : " + " ; ".join(refus) + ".",
                           field="joueurs")
    deja = {j.user_id for j in exercice.joueurs}
    nouveaux = [Joueur(user=u) for u in dict.fromkeys(joueurs) if u.id not in deja]
    exercice.joueurs.extend(nouveaux)
    db.session.flush()
    return nouveaux


# --- The clock -----------------------------------------------------------------------------

def _ancrer(exercice: Exercice, now: datetime, plan: Plan) -> Instant:
    """Fold the time elapsed since the anchor into it: the clock then reads the same."""
    moment = instant(exercice, now, plan)
    exercice.joue_s = moment.joue.total_seconds()
    exercice.en_jeu_s = moment.en_jeu.total_seconds()
    exercice.ancre_at = now
    return moment


def _noter(actor, exercice: Exercice, quoi: str, now: datetime, plan: Plan, *,
           avant: datetime | None = None, motif: str = "", journal: str = "",
           jeton: str | None = None) -> None:
    moment = instant(exercice, now, plan)
    db.session.add(MouvementHorloge(
        exercice_id=exercice.id, quoi=quoi, reel_at=now, scenario_at=moment.scenario,
        scenario_avant=avant, joue_s=exercice.joue_s, en_jeu_s=exercice.en_jeu_s,
        cadence=exercice.cadence, statut=exercice.statut, par_id=getattr(actor, "id", None),
        par_nom=(getattr(actor, "nom", "") or getattr(actor, "email", "") or "")[:120],
        motif=motif[:MOTIF_MAX], jeton=jeton or None))
    texte = journal or f"{MouvementHorloge.QUOI_LABELS[quoi]} de l'exercice"
    heure = f"heure du scénario : {moment.relatif}"
    ecrire_application(exercice.evenement_id,
                       f"EXERCICE — {texte} ({heure})" + (f" — {motif}" if motif else ""),
                       objet_type="exercice", objet_id=exercice.id, now=now,
                       auteur=actor if getattr(actor, "id", None) else None)
    db.session.flush()


def _preparer(actor, exercice: Exercice, now: datetime | None) -> tuple[datetime, Plan]:
    _exiger_animateur(actor)
    now = now or utcnow()
    verrouiller(exercice, now)
    return now, plan_de(exercice.source)


def debex(actor: User, exercice: Exercice, *, now: datetime | None = None) -> Exercice:
    """Start the clock; the injects due at T+0 go at once."""
    now, plan = _preparer(actor, exercice, now)
    if exercice.statut != S.PRET:
        raise ServiceError("Le DEBEX de cet exercice a déjà été donné.")
    if not exercice.evenement.en_cours:
        raise ServiceError("L'événement de cet exercice est clos.")
    exercice.statut, exercice.debex_at, exercice.ancre_at = S.EN_COURS, now, now
    exercice.joue_s = exercice.en_jeu_s = 0.0
    _noter(actor, exercice, "debex", now, plan,
           journal=f"DEBEX : début de l'exercice « {exercice.scenario_titre} »")
    avancer(exercice, now=now)
    return exercice


def mettre_en_pause(actor: User, exercice: Exercice, *, motif: str = "",
                    now: datetime | None = None) -> Exercice:
    """Freeze both clocks: what was due is delivered first, then nothing is, and no deadline
    runs until play resumes."""
    now, plan = _preparer(actor, exercice, now)
    if exercice.statut == S.EN_PAUSE:
        raise ServiceError("L'exercice est déjà en pause.")
    if exercice.statut != S.EN_COURS:
        raise ServiceError("Seul un exercice en cours se met en pause.")
    avancer(exercice, now=now, verrou=False)
    _ancrer(exercice, now, plan)
    exercice.statut = S.EN_PAUSE
    _noter(actor, exercice, "pause", now, plan, motif=clean_line(motif or ""))
    return exercice


def reprendre(actor: User, exercice: Exercice, *, now: datetime | None = None) -> Exercice:
    now, plan = _preparer(actor, exercice, now)
    if exercice.statut != S.EN_PAUSE:
        raise ServiceError("L'exercice n'est pas en pause.")
    exercice.statut, exercice.ancre_at = S.EN_COURS, now
    _noter(actor, exercice, "reprise", now, plan)
    avancer(exercice, now=now, verrou=False)
    return exercice


def sauter(actor: User, exercice: Exercice, *, duree: timedelta | None = None,
           vers: datetime | None = None, motif: str = "", jeton: str | None = None,
           now: datetime | None = None) -> bool:
    """An unplanned jump forward in the story (by a duration, or to a moment): no real time
    passes; what falls due in between goes at once (at the resumption, if the run is
    paused), marked « pendant le saut »."""
    now, plan = _preparer(actor, exercice, now)
    if jeton and db.session.scalar(sa.select(MouvementHorloge.id).where(
            MouvementHorloge.jeton == jeton)) is not None:
        return False  # this very jump was made a moment ago
    if exercice.statut not in (S.EN_COURS, S.EN_PAUSE):
        raise ServiceError("Un saut se fait pendant l'exercice (après le DEBEX, avant la "
                           "FINEX).")
    avancer(exercice, now=now, verrou=False)
    avant = _ancrer(exercice, now, plan)
    if vers is None:
        if duree is None or duree <= timedelta():
            raise ServiceError("Un saut ne va qu'en avant : indiquez une durée positive.",
                               field="duree")
        vers = avant.scenario + duree
    if vers <= avant.scenario:
        raise ServiceError("Un saut ne va qu'en avant : ce moment est déjà passé dans le "
                           f"scénario (il est {avant.relatif}).", field="vers")
    if vers > plan.horloge.fin:
        raise ServiceError("Ce moment est après la fin du scénario "
                           f"({format_relatif(plan.horloge.fin, plan.t0)}).", field="vers")
    joue, _ = plan.horloge.reel_pour(vers)
    exercice.joue_s = max(joue.total_seconds(), exercice.joue_s)
    # reel_pour gives the plan's time when the story reaches the moment; inside a played
    # segment that is the moment itself.
    _noter(actor, exercice, "saut", now, plan, avant=avant.scenario,
           motif=clean_line(motif or ""), jeton=jeton,
           journal=f"Saut de {avant.relatif} à {format_relatif(vers, plan.t0)}")
    avancer(exercice, now=now, verrou=False)
    return True


def changer_cadence(actor: User, exercice: Exercice, cadence: float, *,
                    now: datetime | None = None) -> Exercice:
    """Play faster or slower than the plan (× the speed of each segment)."""
    now, plan = _preparer(actor, exercice, now)
    if exercice.statut not in (S.PRET, S.EN_COURS, S.EN_PAUSE):
        raise ServiceError("Cet exercice est terminé.")
    if cadence is None or not CADENCE_MIN <= cadence <= CADENCE_MAX:
        raise ServiceError(f"Vitesse : entre {CADENCE_MIN:g} et {CADENCE_MAX:g} fois le plan"
                           .replace(".", ",") + ".", field="cadence")
    if exercice.statut == S.EN_COURS:
        avancer(exercice, now=now, verrou=False)
    _ancrer(exercice, now, plan)
    avant = exercice.cadence
    exercice.cadence = float(cadence)
    if exercice.statut != S.PRET:
        _noter(actor, exercice, "cadence", now, plan,
               journal=f"Vitesse changée : × {avant:g} → × {cadence:g} du plan"
               .replace(".", ","))
    return exercice


def finex(actor: User, exercice: Exercice, *, now: datetime | None = None) -> Exercice:
    """End of the exercise: the clock stops, the expected actions still pending are missed."""
    now, plan = _preparer(actor, exercice, now)
    if exercice.statut == S.TERMINE:
        raise ServiceError("La FINEX de cet exercice a déjà été prononcée.")
    if exercice.statut == S.EN_COURS:
        avancer(exercice, now=now, verrou=False)
    if exercice.statut != S.PRET:
        _ancrer(exercice, now, plan)
    exercice.statut, exercice.finex_at = S.TERMINE, now
    manquer_restants(exercice, now)
    _noter(actor, exercice, "finex", now, plan,
           journal=f"FINEX : fin de l'exercice « {exercice.scenario_titre} »")
    return exercice


NOTE_MAX = 5000


def ecrire_note(actor: User, exercice: Exercice, texte: str, *,
                now: datetime | None = None) -> NoteAnimation:
    """A line of the animation log: the facilitators' own, never shown to players."""
    _exiger_animateur(actor)
    now = now or utcnow()
    texte = clean(texte or "").strip()
    if not texte:
        raise ServiceError("Écrivez la note.", field="texte")
    if len(texte) > NOTE_MAX:
        raise ServiceError(f"La note ne doit pas dépasser {NOTE_MAX} caractères "
                           f"(actuellement {len(texte)}).", field="texte")
    twin = recent_twin(NoteAnimation, NoteAnimation.ecrit_at, now,
                       NoteAnimation.exercice_id == exercice.id, NoteAnimation.texte == texte,
                       NoteAnimation.auteur_id == actor.id, minutes=2)
    if twin is not None:
        return twin
    moment = instant(exercice, now) if exercice.debex_at else None
    note = NoteAnimation(exercice_id=exercice.id, ecrit_at=now, texte=texte,
                         scenario_at=moment.scenario if moment else None,
                         auteur_id=actor.id, auteur_nom=str(actor)[:120])
    db.session.add(note)
    db.session.flush()
    return note
