"""The hot wash (RETEX à chaud): at the FINEX every player gets the scenario's short
questionnaire (its questions, and a rating from 1 to 4 per category); each answers once;
anonymous answers carry no account and no time (who answered is kept apart, with nothing
leading from one to the other); the animateur sees them live, grouped, during the debrief.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.db import utcnow
from crise.errors import ServiceError
from crise.exercices.models import (CATEGORIES_DEFAUT, ECHELLE_A_CHAUD, QUESTIONS_DEFAUT,
                                    Exercice, Joueur, ParticipationAChaud, ReponseAChaud,
                                    StatutExercice, can_animate)
from crise.exercices.plan import plan_de
from crise.extensions import db
from crise.text import clean

__all__ = ["questionnaire", "a_repondu", "repondre", "a_chaud_en_attente", "synthese_a_chaud",
           "choisir_anonymat", "REPONSE_MAX", "OUVERT_PENDANT"]

REPONSE_MAX = 3000
OUVERT_PENDANT = timedelta(days=14)


def questionnaire(exercice: Exercice) -> tuple[list[str], list[str]]:
    """(questions, categories to rate) of the run's scenario."""
    retex = plan_de(exercice.source).donnees.get("retex") or {}
    return (list(retex.get("a_chaud") or QUESTIONS_DEFAUT),
            list(retex.get("categories") or CATEGORIES_DEFAUT))


def a_repondu(user: User, exercice: Exercice) -> bool:
    return db.session.get(ParticipationAChaud, (exercice.id, user.id)) is not None


def a_chaud_en_attente(user: User, now: datetime | None = None) -> list[Exercice]:
    """The runs ended in the last fortnight whose hot wash this player has not answered."""
    now = now or utcnow()
    return db.session.scalars(
        sa.select(Exercice).join(Joueur).where(
            Joueur.user_id == user.id, Exercice.statut == StatutExercice.TERMINE,
            Exercice.finex_at >= now - OUVERT_PENDANT,
            ~sa.exists().where(ParticipationAChaud.exercice_id == Exercice.id,
                               ParticipationAChaud.user_id == user.id))
        .order_by(Exercice.finex_at.desc()).limit(5)).all()


def choisir_anonymat(actor: User, exercice: Exercice, anonyme: bool) -> Exercice:
    """Anonymous or signed answers: decided before the FINEX, as the players are told."""
    if not can_animate(actor):
        raise ServiceError("Seul un animateur règle le RETEX à chaud.")
    if exercice.termine:
        raise ServiceError("La FINEX est prononcée : le questionnaire est ouvert tel qu'il a "
                           "été annoncé, l'anonymat ne change plus.")
    exercice.a_chaud_anonyme = bool(anonyme)
    record(actor, Action.UPDATE, "exercice", exercice.id,
           summary=f"RETEX à chaud : réponses {'anonymes' if anonyme else 'signées'}",
           evenement_id=exercice.evenement_id)
    db.session.flush()
    return exercice


def repondre(user: User, exercice: Exercice, reponses: list[str], notes: dict[str, int], *,
             anonyme_annonce: bool | None = None,
             now: datetime | None = None) -> ReponseAChaud:
    """A player's answers, once. ``anonyme_annonce``: what the form told the player; if it
    is no longer so, nothing is written. Nothing is written if anything is refused."""
    now = now or utcnow()
    if db.session.scalar(sa.select(Joueur.id).where(
            Joueur.exercice_id == exercice.id, Joueur.user_id == user.id)) is None:
        raise ServiceError("Vous n'avez pas joué cet exercice.")
    if not exercice.termine:
        raise ServiceError("Le RETEX à chaud s'ouvre à la FINEX.")
    if a_repondu(user, exercice):
        raise ServiceError("Vous avez déjà répondu à ce RETEX à chaud : merci.")
    questions, categories = questionnaire(exercice)
    textes = [clean(r or "").strip() for r in (reponses or [])][:len(questions)]
    textes += [""] * (len(questions) - len(textes))
    for question, texte in zip(questions, textes):
        if len(texte) > REPONSE_MAX:
            raise ServiceError(f"« {question} » : {REPONSE_MAX} caractères au plus "
                               f"(actuellement {len(texte)}).")
    cotes = {}
    for categorie, note in (notes or {}).items():
        if categorie not in categories:
            continue
        if note not in ECHELLE_A_CHAUD:
            raise ServiceError(f"« {categorie} » : une note de 1 à 4.")
        cotes[categorie] = note
    if not any(textes) and not cotes:
        raise ServiceError("Répondez à au moins une question ou notez une catégorie.")
    anonyme = exercice.a_chaud_anonyme
    if anonyme_annonce is not None and anonyme_annonce != anonyme:
        raise ServiceError("Le questionnaire a changé depuis son ouverture : relisez "
                           "comment vos réponses seront gardées, puis renvoyez.")
    reponse = ReponseAChaud(
        exercice_id=exercice.id, role=user.role,
        mairie_id=None if anonyme else user.mairie_id,
        user_id=None if anonyme else user.id, auteur_nom="" if anonyme else str(user)[:120],
        repondu_at=None if anonyme else now, reponses=list(zip(questions, textes)),
        notes=cotes)
    try:
        with db.session.begin_nested():
            db.session.add(ParticipationAChaud(exercice_id=exercice.id, user_id=user.id))
            db.session.add(reponse)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise ServiceError("Vous avez déjà répondu à ce RETEX à chaud : merci.") from None
    return reponse


def synthese_a_chaud(exercice: Exercice) -> dict:
    """The answers grouped for the debrief: per question, every answer with who (a role, a
    mairie; a name if not anonymous); per category, the count of each rating and the mean."""
    questions, categories = questionnaire(exercice)
    # By role, then by the random key: never in the order the answers came.
    reponses = db.session.scalars(sa.select(ReponseAChaud).where(
        ReponseAChaud.exercice_id == exercice.id).order_by(ReponseAChaud.role,
                                                            ReponseAChaud.id)).all()
    par_question = {q: [] for q in questions}
    for reponse in reponses:
        for question, texte in reponse.reponses:
            if texte and question in par_question:
                par_question[question].append((reponse.qui, texte))
    par_categorie = {}
    for categorie in categories:
        notes = [r.notes[categorie] for r in reponses if categorie in (r.notes or {})]
        par_categorie[categorie] = {
            "compte": {n: notes.count(n) for n in ECHELLE_A_CHAUD},
            "moyenne": round(sum(notes) / len(notes), 1) if notes else None}
    joueurs = db.session.scalar(sa.select(sa.func.count()).select_from(Joueur).where(
        Joueur.exercice_id == exercice.id))
    return {"questions": par_question, "categories": par_categorie,
            "repondu": len(reponses), "joueurs": joueurs, "anonyme": exercice.a_chaud_anonyme}
