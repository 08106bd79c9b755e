"""Watching a run: the animateur names observers (an ``observateur`` account, or an animateur
acting as one) with the objectives and mairies they watch; an observer rates the scenario's
grid (P / S / M / U, or NO: not observed) with a comment, until the FINEX, then the grid is
frozen; every rating given is kept; a rating changed elsewhere meanwhile is not overwritten
unseen. Observers also write notes, timed in both clocks, about an objective, a mairie, an
inject.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import Role, User
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.exercices.models import (NOTES_GRILLE, OBSERVATION_ROLES, Evaluation,
                                    EvaluationHistorique, Exercice, Livraison, NoteObservation,
                                    Observateur, can_animate)
from crise.exercices.partie import instant, verrouiller
from crise.exercices.plan import plan_de
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.text import clean

__all__ = ["nommer_observateur", "observateur_de", "peut_observer", "grille_pour", "evaluer",
           "evaluations_de", "synthese_grille", "noter_observation", "notes_query",
           "COMMENTAIRE_MAX", "NOTE_MAX"]

COMMENTAIRE_MAX, NOTE_MAX = 2000, 5000


def nommer_observateur(actor: User, exercice: Exercice, user: User, *, objectifs: list[str],
                       mairies: list[str]) -> tuple[Observateur, bool]:
    """Name (or re-scope) an observer of a run. Returns (observer, created)."""
    if not can_animate(actor):
        raise ServiceError("Seul un animateur nomme les observateurs.")
    if exercice.termine:
        raise ServiceError("Cet exercice est terminé : plus d'observateur à nommer.")
    if not user.actif or not user.has_role(*OBSERVATION_ROLES):
        raise ServiceError(f"{user} n'est ni observateur ni animateur : créez-lui un compte "
                           "« Observateur d'exercice ».", field="observateur")
    donnees = plan_de(exercice.source).donnees
    connus = {o["id"] for o in donnees["objectifs"]}
    inconnus = [o for o in objectifs if o not in connus]
    if inconnus:
        raise ServiceError(f"Objectif(s) absent(s) du scénario : {', '.join(inconnus)}.",
                           field="objectifs")
    codes = set(donnees["participants"].get("mairies") or [])
    hors = [m for m in mairies if codes and m not in codes]
    if hors:
        raise ServiceError(f"Mairie(s) hors du scénario : {', '.join(hors)}.", field="mairies")
    observateur = observateur_de(exercice, user)
    cree = observateur is None
    if cree:
        observateur = Observateur(exercice_id=exercice.id, user_id=user.id)
        db.session.add(observateur)
    observateur.objectifs = list(dict.fromkeys(objectifs))
    observateur.mairies = list(dict.fromkeys(mairies))
    record(actor, Action.CREATE if cree else Action.UPDATE, "exercice", exercice.id,
           summary=f"Observateur {user} : objectifs {', '.join(objectifs) or 'tous'}, "
                   f"mairies {', '.join(mairies) or 'toutes'}"[:300],
           evenement_id=exercice.evenement_id)
    db.session.flush()
    return observateur, cree


def observateur_de(exercice: Exercice, user: User) -> Observateur | None:
    return db.session.scalar(sa.select(Observateur).where(
        Observateur.exercice_id == exercice.id, Observateur.user_id == user.id))


def peut_observer(user: User, exercice: Exercice) -> bool:
    """A named observer, or any animateur (acting as one, watching everything)."""
    return can_animate(user) or (user.has_role(Role.OBSERVATEUR)
                                 and observateur_de(exercice, user) is not None)


def grille_pour(user: User, exercice: Exercice) -> list[dict]:
    """The grid items this user rates: those of their objectives (all, for an animateur or
    an observer given none), with the objective's and the critical task's names."""
    donnees = plan_de(exercice.source).donnees
    objectifs = {o["id"]: o for o in donnees["objectifs"]}
    taches = {t["id"]: t["libelle"] for o in donnees["objectifs"]
              for t in o.get("taches_critiques") or []}
    observateur = observateur_de(exercice, user)
    items = []
    for item in donnees.get("grille_observation") or []:
        if observateur is not None and not observateur.observe(item["objectif"]):
            continue
        items.append({**item, "objectif_libelle": objectifs[item["objectif"]]["libelle"],
                      "tache_libelle": taches.get(item.get("tache_critique"), "")})
    return items


def evaluer(actor: User, exercice: Exercice, grille_id: str, note: str, commentaire: str, *,
            version: int | None = None, now: datetime | None = None) -> Evaluation:
    """Rate one item of the grid (or change one's rating). ``version``: the one the form
    showed; if the rating changed since (another tablet), nothing is written and the
    observer sees the rating as it now is."""
    now = now or utcnow()
    if not peut_observer(actor, exercice):
        raise ServiceError("Vous n'observez pas cet exercice.")
    verrouiller(exercice, now)  # the FINEX freezes the grid: not a rating after it
    if exercice.termine:
        raise ServiceError("La FINEX est prononcée : la grille est figée.")
    if exercice.debex_at is None:
        raise ServiceError("La grille se remplit pendant l'exercice, après le DEBEX.")
    item = next((i for i in grille_pour(actor, exercice) if i["id"] == grille_id), None)
    if item is None:
        raise ServiceError("Ce critère n'est pas dans votre grille (un objectif qui ne vous a "
                           "pas été confié ?).")
    if note not in NOTES_GRILLE:
        raise ServiceError("Choisissez P, S, M, U ou NO (non observé).", field="note")
    commentaire = clean(commentaire or "").strip()
    if len(commentaire) > COMMENTAIRE_MAX:
        raise ServiceError(f"Le commentaire ne doit pas dépasser {COMMENTAIRE_MAX} caractères "
                           f"(actuellement {len(commentaire)}).", field="commentaire")
    if note in ("M", "U") and not commentaire:
        raise ServiceError("Une difficulté majeure ou une tâche non réalisée se justifie : "
                           "écrivez ce que vous avez vu.", field="commentaire")
    scenario_at = instant(exercice, now).scenario
    evaluation = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.exercice_id == exercice.id, Evaluation.grille_id == grille_id,
        Evaluation.observateur_id == actor.id))
    if evaluation is not None and evaluation.note == note \
            and evaluation.commentaire == commentaire:
        return evaluation  # sent twice: nothing new
    if evaluation is not None and evaluation.version != version:
        raise ServiceError(f"Votre note de ce critère a changé entre-temps (sur un autre "
                           f"appareil ?) : elle est maintenant « {evaluation.note} ». Vérifiez "
                           "et renvoyez.", field="note")
    if evaluation is None:
        evaluation = Evaluation(exercice_id=exercice.id, grille_id=grille_id,
                                objectif=item["objectif"], observateur_id=actor.id)
        db.session.add(evaluation)
    evaluation.observateur_nom = str(actor)[:120]
    evaluation.note, evaluation.commentaire = note, commentaire
    evaluation.evalue_at, evaluation.scenario_at = now, scenario_at
    try:
        with db.session.begin_nested():
            db.session.flush()
    except (StaleDataError, sa.exc.IntegrityError):
        raise ServiceError("Votre note de ce critère vient de changer sur un autre appareil : "
                           "vérifiez et renvoyez.", field="note") from None
    db.session.add(EvaluationHistorique(evaluation_id=evaluation.id, note=note,
                                        commentaire=commentaire, at=now,
                                        scenario_at=scenario_at, par_id=actor.id))
    db.session.flush()
    return evaluation


def evaluations_de(user: User, exercice: Exercice) -> dict[str, Evaluation]:
    return {e.grille_id: e for e in db.session.scalars(sa.select(Evaluation).where(
        Evaluation.exercice_id == exercice.id, Evaluation.observateur_id == user.id))}


def synthese_grille(exercice: Exercice) -> dict[str, dict[str, int]]:
    """{grid item: {rating: how many observers gave it}} for the console and the RETEX."""
    synthese: dict[str, dict[str, int]] = {}
    for grille_id, note, nombre in db.session.execute(
            sa.select(Evaluation.grille_id, Evaluation.note, sa.func.count())
            .where(Evaluation.exercice_id == exercice.id)
            .group_by(Evaluation.grille_id, Evaluation.note)):
        synthese.setdefault(grille_id, {})[note] = nombre
    return synthese


def noter_observation(actor: User, exercice: Exercice, texte: str, *, objectif: str = "",
                      mairie: str = "", livraison_id: int | None = None,
                      now: datetime | None = None) -> NoteObservation:
    """A timed note of an observer (both clocks), about an objective, a mairie, an inject."""
    now = now or utcnow()
    if not peut_observer(actor, exercice):
        raise ServiceError("Vous n'observez pas cet exercice.")
    if exercice.debex_at is None:
        raise ServiceError("Les notes d'observation commencent au DEBEX.")
    texte = clean(texte or "").strip()
    if not texte:
        raise ServiceError("Écrivez la note.", field="texte")
    if len(texte) > NOTE_MAX:
        raise ServiceError(f"La note ne doit pas dépasser {NOTE_MAX} caractères "
                           f"(actuellement {len(texte)}).", field="texte")
    donnees = plan_de(exercice.source).donnees
    if objectif and objectif not in {o["id"] for o in donnees["objectifs"]}:
        raise ServiceError("Cet objectif n'est pas dans le scénario.", field="objectif")
    mairie_id = None
    if mairie:
        if mairie not in (donnees["participants"].get("mairies") or []):
            raise ServiceError("Cette mairie ne joue pas dans ce scénario.", field="mairie")
        mairie_id = db.session.scalar(sa.select(Mairie.id).where(Mairie.code == mairie))
    if livraison_id is not None and db.session.scalar(sa.select(Livraison.id).where(
            Livraison.id == livraison_id, Livraison.exercice_id == exercice.id)) is None:
        raise ServiceError("Cet inject n'a pas été envoyé dans cet exercice.", field="inject")
    twin = recent_twin(NoteObservation, NoteObservation.ecrit_at, now,
                       NoteObservation.exercice_id == exercice.id,
                       NoteObservation.auteur_id == actor.id, NoteObservation.texte == texte,
                       minutes=2)
    if twin is not None:
        return twin
    note = NoteObservation(exercice_id=exercice.id, auteur_id=actor.id,
                           auteur_nom=str(actor)[:120], texte=texte, ecrit_at=now,
                           scenario_at=instant(exercice, now).scenario, objectif=objectif,
                           mairie_id=mairie_id, livraison_id=livraison_id)
    db.session.add(note)
    db.session.flush()
    return note


def notes_query(exercice: Exercice, user: User | None = None):
    query = sa.select(NoteObservation).where(NoteObservation.exercice_id == exercice.id)
    if user is not None:
        query = query.where(NoteObservation.auteur_id == user.id)
    return query.order_by(NoteObservation.ecrit_at.desc(), NoteObservation.id.desc())
