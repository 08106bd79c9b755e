"""Expected actions: created when their inject is delivered, with a deadline in real time of
play or in the story's time; met automatically by what the players really do in the
application (the faits the modules announce on ``signals.tout``: a C.A.RE opened in the
15e, a decision whose text says « RER C »…), or by an animateur's hand with a comment;
missed at the FINEX if still pending. The record that met one and both times are kept.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from crise import signals
from crise.care.noms import normalise
from crise.db import utcnow
from crise.errors import ServiceError
from crise.exercices.models import (Attendu, Exercice, Livraison, StatutAttendu,
                                    StatutExercice, can_animate, evenement_d_exercice)
from crise.exercices.partie import Instant, instant, verrouiller
from crise.exercices.plan import Plan
from crise.exercices.temps import parse_duree
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.text import clean

__all__ = ["creer_attendus", "issues", "valider_a_la_main", "manquer_restants",
           "etat_attendu", "echeance_texte", "attendus_query", "COMMENTAIRE_MAX"]

COMMENTAIRE_MAX = 1000
A = StatutAttendu


def creer_attendus(exercice: Exercice, livraison: Livraison, inject: dict, plan: Plan,
                   moment: Instant) -> list[Attendu]:
    """The expected actions an inject asks for, due from its delivery."""
    codes = {a["acteur"].get("mairie") for a in plan.attendus.values()} - {None}
    mairies = dict(db.session.execute(sa.select(Mairie.code, Mairie.id)
                                      .where(Mairie.code.in_(codes))).all()) if codes else {}
    crees = []
    for ident in inject.get("attendus") or []:
        raw = plan.attendus[ident]
        delai = parse_duree(raw["delai"]) if raw.get("delai") else None
        reel = raw.get("temps", "reel") == "reel"
        attendu = Attendu(
            exercice_id=exercice.id, livraison=livraison, attendu_id=ident,
            action=raw["action"][:300], role=raw["acteur"]["role"],
            mairie_id=mairies.get(raw["acteur"].get("mairie")),
            objectif=raw.get("objectif", ""), tache_critique=raw.get("tache_critique", ""),
            validation=raw.get("validation", "manuelle"), observable=raw.get("observable"),
            temps="reel" if reel else "scenario", statut=A.EN_ATTENTE)
        if delai is not None and reel:
            attendu.echeance_en_jeu_s = (moment.en_jeu + delai).total_seconds()
        elif delai is not None:
            attendu.echeance_scenario_at = moment.scenario + delai
        db.session.add(attendu)
        crees.append(attendu)
    return crees


def _depasse(attendu: Attendu, moment: Instant) -> bool:
    if attendu.echeance_en_jeu_s is not None:
        return moment.en_jeu.total_seconds() > attendu.echeance_en_jeu_s
    if attendu.echeance_scenario_at is not None:
        return moment.scenario > attendu.echeance_scenario_at
    return False


def etat_attendu(attendu: Attendu, moment: Instant | None) -> str:
    """« en attente », « en retard » (deadline passed, still pending), « réalisée »,
    « réalisée en retard », « manquée » (an action attendue)."""
    if attendu.statut == A.ATTEINT:
        return "réalisée en retard" if attendu.en_retard else "réalisée"
    if attendu.statut == A.MANQUE:
        return "manquée"
    return "en retard" if moment is not None and _depasse(attendu, moment) else "en attente"


def echeance_texte(attendu: Attendu, moment: Instant | None, t0) -> str:
    """The deadline as the console says it: what is left of it, or by how much it passed."""
    from crise.exercices.temps import format_relatif
    from crise.formatting import format_duree

    if attendu.echeance_scenario_at is not None:
        return f"{format_relatif(attendu.echeance_scenario_at, t0)} (heure du scénario)"
    if attendu.echeance_en_jeu_s is None:
        return "sans échéance"
    total = timedelta(seconds=attendu.echeance_en_jeu_s - attendu.livraison.en_jeu_s)
    if attendu.statut != A.EN_ATTENTE or moment is None:
        return f"{format_duree(total)} de jeu"
    reste = timedelta(seconds=attendu.echeance_en_jeu_s) - moment.en_jeu
    if reste >= timedelta():
        return f"reste {format_duree(reste)} (sur {format_duree(total)})"
    return f"dépassée de {format_duree(-reste)}"


def issues(exercice_id: int, moment: Instant) -> dict[str, bool | None]:
    """For each expected action of a run: True once met, False once missed or past its
    deadline, None while it can still go either way (a contingency inject waits for it)."""
    issue: dict[str, bool | None] = {}
    for attendu in db.session.scalars(sa.select(Attendu).where(
            Attendu.exercice_id == exercice_id)):
        if attendu.statut == A.ATTEINT:
            une = True
        elif attendu.statut == A.MANQUE or _depasse(attendu, moment):
            une = False
        else:
            une = None
        avant = issue.get(attendu.attendu_id, False)
        # Met once is met; pending anywhere is undecided; missed everywhere is missed.
        issue[attendu.attendu_id] = True if True in (avant, une) else (
            None if None in (avant, une) else False)
    return issue


def _atteindre(attendu: Attendu, moment: Instant, *, preuve_type: str = "",
               preuve_id: int | None = None, preuve_texte: str = "", par=None,
               commentaire: str = "") -> None:
    attendu.statut = A.ATTEINT
    attendu.en_retard = _depasse(attendu, moment)
    attendu.atteint_at, attendu.atteint_scenario_at = moment.reel, moment.scenario
    attendu.atteint_en_jeu_s = moment.en_jeu.total_seconds()
    attendu.preuve_type, attendu.preuve_id = preuve_type, preuve_id
    attendu.preuve_texte = (preuve_texte or "")[:500]
    if par is not None:
        attendu.valide_par_id = par.id
        attendu.valide_par_nom = (par.nom or par.email)[:120]
    attendu.commentaire = commentaire


def valider_a_la_main(actor, attendu: Attendu, *, atteint_: bool, commentaire: str,
                      now: datetime | None = None) -> Attendu:
    """An animateur judges an expected action met or missed, with a comment."""
    if not can_animate(actor):
        raise ServiceError("Seul un animateur valide les actions attendues.")
    now = now or utcnow()
    commentaire = clean(commentaire or "").strip()
    if not commentaire:
        raise ServiceError("Écrivez ce qui a été constaté (un commentaire est demandé).",
                           field="commentaire")
    if len(commentaire) > COMMENTAIRE_MAX:
        raise ServiceError(f"Le commentaire ne doit pas dépasser {COMMENTAIRE_MAX} caractères.",
                           field="commentaire")
    exercice = db.session.get(Exercice, attendu.exercice_id)
    verrouiller(exercice, now)  # the application may be meeting it at this instant
    db.session.refresh(attendu)
    if attendu.statut != A.EN_ATTENTE:
        raise ServiceError("Cette action attendue a déjà été jugée "
                           f"({etat_attendu(attendu, None)}).")
    moment = instant(exercice, now)
    if atteint_:
        _atteindre(attendu, moment, preuve_type="animateur", par=actor,
                   preuve_texte="Validé par l'animateur", commentaire=commentaire)
    else:
        attendu.statut = A.MANQUE
        attendu.atteint_at, attendu.atteint_scenario_at = now, moment.scenario
        attendu.valide_par_id, attendu.valide_par_nom = actor.id, (actor.nom or actor.email)
        attendu.commentaire = commentaire
    db.session.flush()
    return attendu


def manquer_restants(exercice: Exercice, now: datetime) -> int:
    """At the FINEX: what is still pending is missed."""
    restants = db.session.scalars(sa.select(Attendu).where(
        Attendu.exercice_id == exercice.id, Attendu.statut == A.EN_ATTENTE)).all()
    for attendu in restants:
        attendu.statut = A.MANQUE
        attendu.commentaire = attendu.commentaire or "Toujours en attente à la FINEX"
    return len(restants)


def attendus_query(exercice: Exercice):
    return (sa.select(Attendu).where(Attendu.exercice_id == exercice.id)
            .options(sa.orm.selectinload(Attendu.livraison)).order_by(Attendu.id))


# --- Automatic validation: what the players did ---------------------------------------------

def _correspond(filtre: dict, fait: signals.Fait, mairie_ids: dict) -> bool:
    for cle, attendu in (filtre or {}).items():
        if cle == "mairie":
            ident = mairie_ids.get(attendu)
            mairies = {fait.mairie_id} | set(fait.details.get("mairies") or [])
            if ident is None or ident not in mairies:
                return False
        elif cle == "texte":
            if normalise(str(attendu)) not in normalise(fait.texte):
                return False
        elif str(fait.details.get(cle)) != str(attendu):
            return False
    return True


def _sur_fait(fait: signals.Fait, signal: str = "") -> None:
    if fait.details.get("simule") or not evenement_d_exercice(fait.evenement_id):
        return  # what the animation itself brought is not what a player did; a real crisis
    exercice = db.session.scalar(sa.select(Exercice).where(
        Exercice.evenement_id == fait.evenement_id,
        Exercice.statut.in_((StatutExercice.EN_COURS, StatutExercice.EN_PAUSE))))
    if exercice is None:
        return
    def candidats():
        return [a for a in db.session.scalars(sa.select(Attendu).where(
            Attendu.exercice_id == exercice.id, Attendu.statut == A.EN_ATTENTE,
            Attendu.validation == "auto")).all()
            if (a.observable or {}).get("type") == signal]

    if not candidats():
        return
    # Under the run's lock, read again: the FINEX or an animateur may be judging them now.
    verrouiller(exercice, fait.connu_at or utcnow())
    if exercice.statut not in (StatutExercice.EN_COURS, StatutExercice.EN_PAUSE):
        return
    candidats = candidats()
    codes = {c for a in candidats if (c := (a.observable.get("filtre") or {}).get("mairie"))}
    mairie_ids = dict(db.session.execute(sa.select(Mairie.code, Mairie.id)
                                         .where(Mairie.code.in_(codes))).all())
    # Timed when the application learned of it: a C.A.RE declared « open since 14 h » at
    # 17 h was not opened on time in the exercise's record.
    moment = instant(exercice, fait.connu_at or utcnow())
    for attendu in candidats:
        if _correspond(attendu.observable.get("filtre") or {}, fait, mairie_ids):
            _atteindre(attendu, moment, preuve_type=fait.objet_type, preuve_id=fait.objet_id,
                       preuve_texte=fait.texte,
                       commentaire="Constaté par l'application")
    db.session.flush()


signals.tout.connect(_sur_fait, weak=False)
