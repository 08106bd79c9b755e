"""A run's clock as it stands: both times at a real moment (now, or a past moment read from
the clock's log), and the lock every move of a run takes first."""

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.exercices.models import Exercice, MouvementHorloge, StatutExercice
from crise.exercices.plan import Plan, plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db

__all__ = ["Instant", "instant", "scenario_au", "lecteur_scenario", "verrouiller"]

S = StatutExercice


@dataclass
class Instant:
    """Where a run stands at a real moment: both clocks and the segment of the plan."""

    reel: datetime
    scenario: datetime
    joue: timedelta
    en_jeu: timedelta
    segment: object
    fin_du_plan: bool
    relatif: str


def instant(exercice: Exercice, now: datetime, plan: Plan | None = None) -> Instant:
    plan = plan or plan_de(exercice.source)
    horloge = plan.horloge
    joue, en_jeu = exercice.temps_de_jeu(now)
    joue = min(joue, horloge.duree_reelle)
    moment = horloge.scenario_a(joue)
    segment = next((s for s in horloge.segments
                    if not s.saut and s.reel_debut <= joue < s.reel_debut + s.reel), None)
    return Instant(now, moment, joue, en_jeu, segment, joue >= horloge.duree_reelle,
                   format_relatif(moment, horloge.t0))


def scenario_au(exercice: Exercice, at: datetime, plan: Plan | None = None) -> datetime | None:
    """The story's time at a past real moment of the run, read from the clock's log."""
    plan = plan or plan_de(exercice.source)
    mouvement = db.session.scalar(
        sa.select(MouvementHorloge).where(MouvementHorloge.exercice_id == exercice.id,
                                          MouvementHorloge.reel_at <= at)
        .order_by(MouvementHorloge.reel_at.desc(), MouvementHorloge.id.desc()).limit(1))
    if mouvement is None:
        return None
    joue = timedelta(seconds=mouvement.joue_s)
    if mouvement.statut == S.EN_COURS:
        joue += (at - mouvement.reel_at) * mouvement.cadence
    return plan.horloge.scenario_a(min(joue, plan.horloge.duree_reelle))


def lecteur_scenario(exercice: Exercice, plan: Plan | None = None):
    """``scenario_au`` for many moments (a RETEX's chronologie): the clock's log read once,
    each moment placed in it by bisection."""
    plan = plan or plan_de(exercice.source)
    mouvements = db.session.execute(
        sa.select(MouvementHorloge.reel_at, MouvementHorloge.joue_s, MouvementHorloge.statut,
                  MouvementHorloge.cadence)
        .where(MouvementHorloge.exercice_id == exercice.id)
        .order_by(MouvementHorloge.reel_at, MouvementHorloge.id)).all()
    instants = [m.reel_at for m in mouvements]
    horloge = plan.horloge

    def lire(at: datetime | None) -> datetime | None:
        if at is None:
            return None
        rang = bisect.bisect_right(instants, at) - 1
        if rang < 0:
            return None
        mouvement = mouvements[rang]
        joue = timedelta(seconds=mouvement.joue_s)
        if mouvement.statut == S.EN_COURS:
            joue += (at - mouvement.reel_at) * mouvement.cadence
        return horloge.scenario_a(min(joue, horloge.duree_reelle))

    return lire


def verrouiller(exercice: Exercice, now: datetime) -> None:
    """Take the run's row for this transaction and read it afresh."""
    db.session.execute(sa.update(Exercice).where(Exercice.id == exercice.id)
                       .values(verrou_at=now))
    db.session.refresh(exercice)
