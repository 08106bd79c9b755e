"""The state of the world in a scenario: a variable's value at a moment of the story
(interpolated linearly or by steps; a scale such as verte < jaune < orange < rouge is read by
its rank), its forecast (the value the series will have ``horizon`` later: the scenario
knows its own future), and the first moment a threshold is crossed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from crise.exercices.temps import parse_duree, parse_moment

OPERATEURS = {">=": lambda v, s: v >= s, ">": lambda v, s: v > s,
              "<=": lambda v, s: v <= s, "<": lambda v, s: v < s}


@dataclass
class Variable:
    nom: str
    points: list[tuple[datetime, float]]  # scales are read by rank
    palier: bool = False
    echelle: list[str] | None = None
    horizon: timedelta | None = None

    @classmethod
    def depuis(cls, nom: str, raw: dict, t0: datetime) -> "Variable":
        echelle = list(raw["echelle"]) if raw.get("echelle") else None
        points = [(parse_moment(quand, t0), echelle.index(valeur) if echelle else float(valeur))
                  for quand, valeur in raw["serie"]]
        horizon = parse_duree(raw["prevision"]["horizon"]) if raw.get("prevision") else None
        return cls(nom, points, raw.get("interpolation") == "palier" or bool(echelle),
                   echelle, horizon)

    def valeur(self, moment: datetime) -> float:
        """The value at ``moment``: before the first point, the first; after the last, the last."""
        points = self.points
        if moment <= points[0][0]:
            return points[0][1]
        for (t1, v1), (t2, v2) in zip(points, points[1:]):
            if moment < t2:
                if self.palier:
                    return v1
                return v1 + (v2 - v1) * ((moment - t1) / (t2 - t1))
        return points[-1][1]

    def libelle(self, valeur: float) -> str:
        return self.echelle[int(valeur)] if self.echelle else f"{valeur:.2f}".replace(".", ",")

    def premier(self, op: str, seuil: float, debut: datetime, fin: datetime
                ) -> datetime | None:
        """The first moment in [debut, fin] where ``valeur op seuil`` holds, or None."""
        test = OPERATEURS[op]
        if test(self.valeur(debut), seuil):
            return debut
        bornes = [debut] + [t for t, _ in self.points if debut < t < fin] + [fin]
        for t1, t2 in zip(bornes, bornes[1:]):
            v2 = self.valeur(t2)
            if self.palier:
                # A step changes at a point: the new value holds from that point on.
                if test(v2, seuil):
                    return t2
                continue
            v1 = self.valeur(t1)
            if test(v2, seuil):
                if v2 == v1:
                    return t2
                # Linear between the points: solve for the crossing.
                fraction = min(max((seuil - v1) / (v2 - v1), 0.0), 1.0)
                return t1 + (t2 - t1) * fraction
        return None


def franchissement(variable: Variable, seuil: dict, t0: datetime, fin: datetime
                   ) -> datetime | None:
    """When a threshold of the file is first crossed. « sur: prevision »: when the forecast
    made at that moment (the value ``horizon`` later) crosses it."""
    valeur = seuil["valeur"]
    valeur = variable.echelle.index(valeur) if variable.echelle else float(valeur)
    if seuil.get("sur") != "prevision":
        return variable.premier(seuil["op"], valeur, t0, fin)
    horizon = parse_duree(seuil["horizon"]) if seuil.get("horizon") else variable.horizon
    observe = variable.premier(seuil["op"], valeur, t0, fin + horizon)
    if observe is None:
        return None
    moment = max(observe - horizon, t0)
    return moment if moment <= fin else None
