"""The two indicators of F.3.13: C.A.RE opened and people taken in charge, per event."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from crise.auth.models import User
from crise.care.models import Categorie, CentreAccueil, Personne
from crise.evenements.models import Evenement
from crise.evenements.services import visible_evenements_query
from crise.extensions import db

__all__ = ["Indicateurs", "LigneIndicateur", "indicateurs"]


@dataclass
class LigneIndicateur:
    evenement: Evenement
    centres: int = 0
    par_categorie: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.par_categorie.values())


@dataclass
class Indicateurs:
    """The two indicators of F.3.13, for real events; exercises apart, never mixed."""

    lignes_reelles: list
    lignes_exercices: list
    evenements_reels: int

    @staticmethod
    def _sum(lignes) -> dict:
        totals = {c.value: 0 for c in Categorie}
        for ligne in lignes:
            for code, n in ligne.par_categorie.items():
                totals[code] += n
        totals["total"] = sum(totals.values())
        return totals

    @property
    def evenements_avec_care(self) -> int:
        return sum(1 for ligne in self.lignes_reelles if ligne.centres)

    @property
    def personnes_reelles(self) -> dict:
        return self._sum(self.lignes_reelles)

    @property
    def personnes_exercices(self) -> dict:
        return self._sum(self.lignes_exercices)


def indicateurs(actor: User, *, annee: int | None = None) -> Indicateurs:
    """Per event: C.A.RE opened and people taken in charge by catégorie, in the user's scope."""
    events = db.session.scalars(visible_evenements_query(actor)).all()
    if annee:
        events = [e for e in events if e.survenu_at.year == annee]
    ids = [e.id for e in events]
    centre_counts = dict(db.session.execute(
        sa.select(CentreAccueil.evenement_id, sa.func.count(CentreAccueil.id))
        .where(CentreAccueil.evenement_id.in_(ids),
               actor.perimetre(CentreAccueil.mairie_id, CentreAccueil.evenement_id))
        .group_by(CentreAccueil.evenement_id)).all()) if ids else {}
    people = {}
    if ids:
        for evenement_id, categorie, n in db.session.execute(
                sa.select(Personne.evenement_id, Personne.categorie, sa.func.count(Personne.id))
                .where(Personne.evenement_id.in_(ids), Personne.fusionne_dans_id.is_(None),
                       actor.perimetre(Personne.mairie_id, Personne.evenement_id))
                .group_by(Personne.evenement_id, Personne.categorie)):
            people.setdefault(evenement_id, {})[categorie] = n
    lignes = [LigneIndicateur(e, centre_counts.get(e.id, 0),
                              {c.value: people.get(e.id, {}).get(c.value, 0) for c in Categorie})
              for e in events]
    reelles = [ligne for ligne in lignes if not ligne.evenement.exercice]
    return Indicateurs(lignes_reelles=[ligne for ligne in reelles if ligne.centres],
                       lignes_exercices=[ligne for ligne in lignes
                                         if ligne.evenement.exercice and ligne.centres],
                       evenements_reels=len(reelles))

