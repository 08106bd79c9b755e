"""The five-year duty (Code de la sécurité intérieure L731-3 and the 2022 decrees): per type
of risk, the last exercise and the last real activation (which counts as one), their RETEX,
their actions still open; a type whose last exercise or activation is older than five years
(or that has none) is flagged."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crise.db import utcnow
from crise.evenements.models import Evenement, TypeEvenement
from crise.exercices.models import Exercice
from crise.extensions import db
from crise.retex.models import STATUTS_OUVERTS, ActionPlan, Retex

ANS = 5


@dataclass
class Obligation:
    type: TypeEvenement
    exercice: Evenement | None
    reel: Evenement | None
    retex: dict  # {event id: Retex}
    ouvertes: dict  # {event id: open actions}
    ouvertes_du_type: int
    echeance: datetime | None  # when the next exercise is due at the latest

    @property
    def en_retard(self) -> bool:
        return self.echeance is None or self.echeance < utcnow()


def _il_y_a_cinq_ans(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + ANS)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + ANS, day=28)


def obligations() -> list[Obligation]:
    derniers = {}
    for exercice in (True, False):
        rang = sa.func.row_number().over(partition_by=Evenement.type,
                                         order_by=Evenement.survenu_at.desc()).label("rang")
        sous = sa.select(Evenement.id, rang).where(Evenement.exercice.is_(exercice))
        if exercice:  # an exercise counts once played (its DEBEX given), not when prepared
            sous = sous.where(Evenement.id.in_(sa.select(Exercice.evenement_id).where(
                Exercice.debex_at.is_not(None))))
        sous = sous.subquery()
        for evenement in db.session.scalars(sa.select(Evenement).join(
                sous, sous.c.id == Evenement.id).where(sous.c.rang == 1)):
            derniers[evenement.type, exercice] = evenement
    ids = [e.id for e in derniers.values()]
    retex = {r.evenement_id: r for r in db.session.scalars(
        sa.select(Retex).where(Retex.evenement_id.in_(ids)))}
    ouvertes = dict(db.session.execute(
        sa.select(ActionPlan.evenement_id, sa.func.count()).where(
            ActionPlan.evenement_id.in_(ids), ActionPlan.statut.in_(STATUTS_OUVERTS))
        .group_by(ActionPlan.evenement_id)).all())
    par_type = dict(db.session.execute(
        sa.select(ActionPlan.type_risque, sa.func.count()).where(
            ActionPlan.statut.in_(STATUTS_OUVERTS)).group_by(ActionPlan.type_risque)).all())
    resultat = []
    for type_ in TypeEvenement:
        exercice, reel = derniers.get((type_, True)), derniers.get((type_, False))
        dates = [e.survenu_at for e in (exercice, reel) if e is not None]
        resultat.append(Obligation(type_, exercice, reel, retex, ouvertes,
                                   par_type.get(type_, 0),
                                   _il_y_a_cinq_ans(max(dates)) if dates else None))
    return resultat
