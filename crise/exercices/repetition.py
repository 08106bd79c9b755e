"""A rehearsal: the chronogramme of a scenario as it would unfold with no players. Every
inject with its scenario time and its real time after DEBEX, every threshold crossing
(observed or forecast, « franchi pendant le saut »), the contingency injects that would fire
if nobody acted, and what waits for a facilitator's hand.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from crise.exercices.horloge import Horloge
from crise.exercices.monde import Variable, franchissement
from crise.exercices.temps import format_relatif, parse_duree, parse_moment


@dataclass
class Ligne:
    quoi: str  # « inject », « seuil », « saut »
    ident: str
    titre: str
    moment: datetime | None  # None: by hand, or never
    reel: timedelta | None = None
    pendant_saut: bool = False
    detail: str = ""

    def texte(self, t0: datetime) -> str:
        quand = format_relatif(self.moment, t0) if self.moment else "—"
        reel = f"+{_duree(self.reel)}" if self.reel is not None else ""
        note = " (franchi pendant le saut : à la reprise)" if self.pendant_saut else ""
        detail = f" — {self.detail}" if self.detail else ""
        return (f"{quand:>12}  {reel:>10}  {self.quoi:<6} {self.ident:<10} "
                f"{self.titre}{note}{detail}")


def _duree(valeur: timedelta) -> str:
    minutes = int(valeur.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d}"


def chronogramme(donnees: dict) -> tuple[Horloge, list[Ligne]]:
    """The rehearsal of a scenario already checked (scenario.lire ... valide)."""
    horloge = Horloge.depuis(donnees)
    t0, fin = horloge.t0, horloge.fin
    variables = {nom: Variable.depuis(nom, raw, t0)
                 for nom, raw in (donnees.get("variables") or {}).items()}
    lignes: list[Ligne] = []
    seuils = {}
    for seuil in donnees.get("seuils") or []:
        moment = franchissement(variables[seuil["variable"]], seuil, t0, fin)
        seuils[seuil["id"]] = moment
        sur = " (prévision)" if seuil.get("sur") == "prevision" else ""
        lignes.append(Ligne("seuil", seuil["id"], (seuil.get("libelle") or seuil["id"]) + sur,
                            moment, detail="" if moment else "jamais franchi"))
    for segment in horloge.segments:
        if segment.saut:
            lignes.append(Ligne("saut", "", segment.libelle or "saut de temps", segment.debut,
                                detail=f"jusqu'à {format_relatif(segment.fin, t0)}"))
    injects = {i["id"]: i for i in donnees["injects"]}
    moments: dict[str, datetime | None] = {}

    def moment_de(inject_id, trail=()):
        if inject_id in moments:
            return moments[inject_id]
        quand = injects[inject_id]["quand"]
        if "t" in quand:
            moment = parse_moment(quand["t"], t0)
        elif "seuil" in quand:
            moment = seuils.get(quand["seuil"])
        elif "apres" in quand and quand["apres"]["inject"] not in trail:
            base = moment_de(quand["apres"]["inject"], trail + (inject_id,))
            delai = parse_duree(quand["apres"]["delai"])
            if base is None:
                moment = None
            elif quand["apres"].get("temps") == "reel":
                moment = horloge.scenario_a(horloge.reel_pour(base)[0] + delai)
            else:
                moment = base + delai
        else:
            moment = None
        moments[inject_id] = moment if moment is None or moment <= fin else None
        return moments[inject_id]

    for inject in donnees["injects"]:
        moment = moment_de(inject["id"])
        quand = inject["quand"]
        a = inject["a"]
        detail = "→ " + ", ".join(a["roles"]) + (f" ({', '.join(a['mairies'])})"
                                                  if a.get("mairies") else "")
        if quand.get("manuel"):
            detail += " — à la main" + (" (réserve)" if inject.get("reserve") else "")
        elif "apres" in quand and quand["apres"].get("si"):
            attendu, issue = quand["apres"]["si"].split()
            detail += f" — si {attendu} {'échoue' if issue == 'echoue' else 'réussit'}"
        elif moment is None:
            detail += " — ne partira pas (déclencheur jamais atteint)"
        lignes.append(Ligne("inject", inject["id"], inject["titre"], moment, detail=detail))
    for ligne in lignes:
        if ligne.moment is not None:
            ligne.reel, ligne.pendant_saut = horloge.reel_pour(ligne.moment)
            if ligne.quoi == "saut":
                ligne.pendant_saut = False
    lignes.sort(key=lambda l: (l.moment is None, l.moment or t0, l.quoi != "saut",
                               l.quoi != "seuil", l.ident))
    return horloge, lignes
