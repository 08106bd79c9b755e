"""A scenario ready to be played: its data, its planned clock, its variables, the moment each
threshold is first crossed (observed or forecast) and each inject's trigger, computed once
per scenario text and kept (a run replays the text it was started with)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from crise.exercices import scenario
from crise.exercices.horloge import Horloge
from crise.exercices.monde import Variable, franchissement
from crise.exercices.temps import parse_duree, parse_moment


@dataclass(frozen=True)
class Declencheur:
    """When an inject is due. ``moment``: a scenario moment (a time or a threshold);
    ``apres``: another inject, with a delay in the story's or in real time, and an optional
    condition on an expected action; ``manuel``: only by hand."""

    moment: datetime | None = None
    seuil: str = ""
    apres: str = ""
    delai: timedelta = timedelta()
    temps_reel: bool = False
    si_attendu: str = ""
    si_reussit: bool = False
    manuel: bool = False


class ScenarioInvalide(ValueError):
    def __init__(self, lecture):
        self.lecture = lecture
        super().__init__("; ".join(str(p) for p in lecture.erreurs))


class Plan:
    def __init__(self, donnees: dict):
        self.donnees = donnees
        self.horloge = Horloge.depuis(donnees)
        t0, fin = self.horloge.t0, self.horloge.fin
        self.variables = {nom: Variable.depuis(nom, raw, t0)
                          for nom, raw in (donnees.get("variables") or {}).items()}
        self.seuils = {s["id"]: s for s in donnees.get("seuils") or []}
        self.franchissements = {
            ident: franchissement(self.variables[s["variable"]], s, t0, fin)
            for ident, s in self.seuils.items()}
        self.injects = {i["id"]: i for i in donnees["injects"]}
        self.attendus = {a["id"]: a for a in donnees.get("attendus") or []}
        self.simules = {s["id"]: s["libelle"]
                        for s in (donnees.get("participants") or {}).get("simules") or []}
        self.objectifs = {o["id"]: o for o in donnees.get("objectifs") or []}
        self.declencheurs = {ident: self._declencheur(i) for ident, i in self.injects.items()}

    def _declencheur(self, inject: dict) -> Declencheur:
        quand = inject["quand"]
        if "t" in quand:
            return Declencheur(moment=parse_moment(quand["t"], self.horloge.t0))
        if "seuil" in quand:
            return Declencheur(moment=self.franchissements.get(quand["seuil"]),
                               seuil=quand["seuil"])
        if "apres" in quand:
            apres = quand["apres"]
            si_attendu, si_reussit = "", False
            if apres.get("si"):
                si_attendu, issue = apres["si"].split()
                si_reussit = issue == "reussit"
            return Declencheur(apres=apres["inject"], delai=parse_duree(apres["delai"]),
                               temps_reel=apres.get("temps") == "reel",
                               si_attendu=si_attendu, si_reussit=si_reussit)
        return Declencheur(manuel=True)

    @property
    def t0(self) -> datetime:
        return self.horloge.t0

    def de(self, inject: dict) -> str:
        return self.simules.get(inject.get("de", ""), inject.get("de", ""))

    def etat_du_monde(self, moment: datetime) -> list[dict]:
        """Each variable now and, where the scenario forecasts it, at its horizon."""
        etat = []
        for nom, variable in self.variables.items():
            raw = self.donnees["variables"][nom]
            valeur = variable.valeur(moment)
            prevue = variable.valeur(moment + variable.horizon) if variable.horizon else None
            etat.append({
                "nom": nom, "libelle": raw.get("libelle") or nom, "unite": raw.get("unite", ""),
                "valeur": variable.libelle(valeur), "brute": valeur,
                "prevision": variable.libelle(prevue) if prevue is not None else None,
                "horizon": variable.horizon,
                "seuils": [s for s in self.seuils.values() if s["variable"] == nom]})
        return etat


@lru_cache(maxsize=64)
def plan_de(source: str) -> Plan:
    """The plan of a scenario text (already checked when the run was started)."""
    lecture = scenario.lire(source)
    if not lecture.valide:
        raise ScenarioInvalide(lecture)
    return Plan(lecture.donnees)
