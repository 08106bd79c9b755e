"""Reading and checking a scenario file: every problem names the file, the line and the key
path, in French. The shape is a JSON Schema (schema.py, checked by ``jsonschema``); what
one part of the file says about another is checked here: ids unique and every reference
resolved, roles and mairies that exist, one trigger per inject, no cycle between injects,
times inside the clock, series that go forward, nothing real (no phone number, no e-mail).

YAML is read with ``ruamel.yaml``, which keeps line numbers. A hostile file is refused before
it is built: more than 1 MB, not UTF-8 text, or anchors and aliases (an « alias bomb » would
expand to gigabytes).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from jsonschema import Draft202012Validator, validators
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from crise import signals
from crise.auth.models import MAIRIE_ROLES, Role
from crise.care.models import BESOIN_LABELS
from crise.evenements.models import TypeEvenement
from crise.exercices.monde import OPERATEURS
from crise.exercices.schema import SCHEMA
from crise.exercices.temps import parse_duree, parse_moment
from crise.mairies.data import MAIRIES

TAILLE_MAX = 1_000_000
MAIRIE_CODES = {code for code, _, _ in MAIRIES}
# Roles an exercise addresses: the animateur runs it, the observer watches, the admin does
# not play.
ROLES_JOUEURS = {r.value for r in Role} - {Role.ANIMATEUR, Role.OBSERVATEUR, Role.ADMIN}
# What an expected action can observe: the faits the modules announce (crise.signals).
OBSERVABLES = {value.name for value in vars(signals).values()
               if isinstance(value, type(signals.tout)) and value is not signals.tout
               and not value.name.startswith("page-") and value.name != "cloture-demandee"}
TELEPHONE_RE = re.compile(r"(?<!\d)(?:\+33[\s.]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")

# YAML reads « 2027-01-18T08:00:00+01:00 » as a datetime: the schema's « moment » type.
_Validator = validators.extend(Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER
                               .redefine("moment", lambda _, value: isinstance(value, (date,
                                                                                       datetime))))
_validator = _Validator(SCHEMA)


class AliasRefuse(Exception):
    def __init__(self, ligne: int):
        self.ligne = ligne


class _ComposerSansAlias(Composer):
    """Anchors and aliases are refused while the document is composed, before any value is
    built from them (and without reading the file twice)."""

    def compose_node(self, parent, index):
        if self.parser.check_event(AliasEvent):
            raise AliasRefuse(self.parser.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


@dataclass
class Probleme:
    fichier: str
    ligne: int | None
    chemin: str
    message: str
    grave: bool = True

    def __str__(self) -> str:
        where = f"{self.fichier}:{self.ligne}" if self.ligne else self.fichier
        kind = "" if self.grave else "avertissement : "
        return f"{where}: {self.chemin + ' : ' if self.chemin else ''}{kind}{self.message}"


@dataclass
class Lecture:
    """A scenario read: its data (None if it could not be read) and its problems."""

    fichier: str
    donnees: dict | None = None
    problemes: list[Probleme] = field(default_factory=list)

    @property
    def erreurs(self) -> list[Probleme]:
        return [p for p in self.problemes if p.grave]

    @property
    def avertissements(self) -> list[Probleme]:
        return [p for p in self.problemes if not p.grave]

    @property
    def valide(self) -> bool:
        return self.donnees is not None and not self.erreurs


def lire_fichier(path) -> Lecture:
    path = Path(path)
    try:
        if path.stat().st_size > TAILLE_MAX:
            return Lecture(str(path), problemes=[Probleme(
                str(path), None, "", f"fichier trop gros ({path.stat().st_size:,} octets) : "
                                     f"un scénario tient en {TAILLE_MAX // 1_000_000} Mo")])
        raw = path.read_bytes()
    except OSError as error:
        return Lecture(str(path), problemes=[Probleme(str(path), None, "",
                                                      f"illisible ({error.strerror})")])
    return lire(raw, str(path))


def lire(raw: bytes | str, fichier: str = "scénario") -> Lecture:
    """Read and check a scenario given as bytes (an upload) or text."""
    lecture = Lecture(fichier)

    def refuse(message, ligne=None):
        lecture.problemes.append(Probleme(fichier, ligne, "", message))
        return lecture

    if isinstance(raw, bytes):
        if len(raw) > TAILLE_MAX:
            return refuse(f"fichier trop gros ({len(raw):,} octets) : un scénario tient en "
                          f"{TAILLE_MAX // 1_000_000} Mo")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return refuse("ce n'est pas un fichier texte UTF-8 (un scénario s'écrit en YAML)")
    if "\x00" in raw:
        return refuse("ce n'est pas un fichier texte (caractère nul)")
    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = _ComposerSansAlias
    try:
        donnees = yaml.load(raw)
    except AliasRefuse as alias:
        return refuse("les ancres et alias YAML (&, *) ne sont pas acceptés : écrivez chaque "
                      "valeur en entier", alias.ligne)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return refuse(f"YAML invalide : {_en_francais(error.problem or error.context or '')}",
                      mark.line + 1 if mark else None)
    except YAMLError as error:
        return refuse(f"YAML invalide : {error}")
    except RecursionError:
        return refuse(PROFONDEUR)
    if not isinstance(donnees, dict):
        return refuse("un scénario est un dictionnaire de clés (schema, id, titre…)"
                      + (" : ce fichier ressemble à un tableur (CSV) ; un chronogramme CSV "
                         "s'ajoute à un scénario déjà chargé" if isinstance(donnees, str)
                         and (";" in donnees or "," in donnees) else ""))
    lecture.donnees = donnees
    try:
        Verification(lecture).tout()
    except RecursionError:
        lecture.donnees = None
        return refuse(PROFONDEUR)
    return lecture


PROFONDEUR = "listes ou dictionnaires imbriqués trop profondément : ce n'est pas un scénario"


# The YAML parser's messages, for a facilitator who does not read its English.
_YAML_FR = [
    (re.compile(r'found duplicate key "(.*?)"'), "la clé « {0} » apparaît deux fois"),
    (re.compile(r"found character '\\t' that cannot start any token"),
     "une tabulation : indentez avec des espaces"),
    (re.compile(r"mapping values are not allowed here"),
     "deux-points inattendus : mettez le texte entre guillemets"),
    (re.compile(r"expected ',' or '\]'"), "crochet ] manquant"),
    (re.compile(r"expected ',' or '\}'"), "accolade } manquante"),
    (re.compile(r"found unexpected end of stream"), "guillemet fermant manquant"),
    (re.compile(r"expected <block end>, but found"), "indentation incohérente"),
    (re.compile(r"could not find expected ':'"), "deux-points manquants après une clé"),
]


def _en_francais(message: str) -> str:
    for pattern, french in _YAML_FR:
        if match := pattern.search(message):
            return french.format(*match.groups()) if match.groups() else french
    return message


def _ligne(donnees, chemin) -> int | None:
    """The line (1-based) of the value at ``chemin`` in the ruamel document."""
    node, ligne = donnees, None
    for part in chemin:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                ligne = (lc.key(part) if isinstance(node, dict) else lc.item(part))[0] + 1
            node = node[part]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return ligne


def _chemin(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Verification:
    """Every check of one scenario, adding to ``lecture.problemes``."""

    def __init__(self, lecture: Lecture):
        self.lecture, self.d = lecture, lecture.donnees
        self.t0: datetime | None = None
        self.fin: datetime | None = None

    def erreur(self, chemin, message, grave=True):
        self.lecture.problemes.append(Probleme(self.lecture.fichier, _ligne(self.d, chemin),
                                               _chemin(chemin), message, grave))

    def tout(self) -> None:
        shape = sorted(_validator.iter_errors(self.d), key=lambda e: list(map(str, e.path)))
        for error in shape:
            self.erreur(list(error.path), _message_schema(error))
        if shape:
            return  # the references need the shape
        self.horloge()
        self.identifiants()
        self.participants()
        self.variables_et_seuils()
        self.injects()
        self.attendus()
        self.figurants()
        self.rien_de_reel()

    # --- The clock ------------------------------------------------------------------------

    def horloge(self):
        try:
            self.t0 = parse_moment(self.d["horloge"]["t0_scenario"], datetime.now().astimezone())
        except ValueError as error:
            self.erreur(["horloge", "t0_scenario"], str(error))
            return
        span = timedelta()
        for i, segment in enumerate(self.d["horloge"]["segments"]):
            key = "saut" if "saut" in segment else "reel"
            try:
                duree = parse_duree(segment[key])
            except ValueError as error:
                self.erreur(["horloge", "segments", i, key], str(error))
                continue
            if not duree:
                self.erreur(["horloge", "segments", i, key], "durée nulle")
            span += duree if key == "saut" else duree * segment["facteur"]
        self.fin = self.t0 + span

    def moment(self, chemin, valeur) -> datetime | None:
        """A moment of the story, checked to lie inside the clock."""
        if self.t0 is None:
            return None
        try:
            moment = parse_moment(valeur, self.t0)
        except ValueError as error:
            self.erreur(chemin, str(error))
            return None
        if not self.t0 <= moment <= self.fin:
            self.erreur(chemin, f"« {valeur} » est hors de l'horloge du scénario (de T+0h à "
                                f"T+{int((self.fin - self.t0).total_seconds() // 3600)}h)")
        return moment

    # --- Ids and references ---------------------------------------------------------------

    def identifiants(self):
        self.ids = {}
        for section in ("objectifs", "injects", "attendus", "seuils", "grille_observation"):
            seen = {}
            for i, item in enumerate(self.d.get(section) or []):
                if item["id"] in seen:
                    first = _ligne(self.d, [section, seen[item["id"]], "id"])
                    self.erreur([section, i, "id"],
                                f"identifiant « {item['id']} » déjà utilisé (ligne {first})")
                seen.setdefault(item["id"], i)
            self.ids[section] = seen
        self.taches = {o["id"]: {t["id"] for t in o.get("taches_critiques") or []}
                       for o in self.d["objectifs"]}
        self.simules = {s["id"] for s in self.d["participants"].get("simules") or []}

    def reference(self, chemin, valeur, section, quoi):
        if valeur not in self.ids.get(section, {}):
            self.erreur(chemin, f"{quoi} « {valeur} » n'existe pas dans ce scénario")

    def participants(self):
        if self.d["type_evenement"] not in {t.value for t in TypeEvenement}:
            self.erreur(["type_evenement"],
                        f"type d'événement inconnu « {self.d['type_evenement']} » "
                        f"({', '.join(t.value for t in TypeEvenement)})")
        part = self.d["participants"]
        for i, role in enumerate(part["roles"]):
            self.role(["participants", "roles", i], role)
        for i, code in enumerate(part.get("mairies") or []):
            self.mairie(["participants", "mairies", i], code, declared=False)

    def role(self, chemin, role):
        if role not in ROLES_JOUEURS:
            self.erreur(chemin, f"rôle inconnu « {role} » (les joueurs : "
                                f"{', '.join(sorted(ROLES_JOUEURS))})")
            return False
        return True

    def mairie(self, chemin, code, declared=True):
        if code not in MAIRIE_CODES:
            hint = " (Paris Centre s'écrit « centre » : 1er à 4e n'existent plus)" \
                if code in {"1er", "2e", "3e", "4e"} else ""
            self.erreur(chemin, f"mairie inconnue « {code} »{hint}")
        elif declared and code not in (self.d["participants"].get("mairies") or []):
            self.erreur(chemin, f"la mairie « {code} » n'est pas parmi les participants")

    # --- The state of the world -----------------------------------------------------------

    def variables_et_seuils(self):
        self.series = {}
        for name, variable in (self.d.get("variables") or {}).items():
            points, previous = [], None
            for i, (quand, valeur) in enumerate(variable["serie"]):
                moment = self.moment(["variables", name, "serie", i, 0], quand)
                echelle = variable.get("echelle")
                if echelle is not None and valeur not in echelle:
                    self.erreur(["variables", name, "serie", i, 1],
                                f"« {valeur} » n'est pas sur l'échelle ({' < '.join(echelle)})")
                    continue
                if echelle is None and not isinstance(valeur, (int, float)):
                    self.erreur(["variables", name, "serie", i, 1],
                                f"« {valeur} » n'est pas un nombre (ou déclarez une échelle)")
                    continue
                if moment is not None and previous is not None and moment <= previous:
                    self.erreur(["variables", name, "serie", i, 0],
                                "la série revient en arrière : chaque point doit suivre le "
                                "précédent")
                if moment is not None:
                    previous = moment
                    points.append(echelle.index(valeur) if echelle else valeur)
            if "prevision" in variable:
                self.duree(["variables", name, "prevision", "horizon"],
                           variable["prevision"]["horizon"])
            self.series[name] = (variable, points)
        for i, seuil in enumerate(self.d.get("seuils") or []):
            if seuil["variable"] not in self.series:
                self.erreur(["seuils", i, "variable"],
                            f"variable « {seuil['variable']} » inconnue")
                continue
            variable, points = self.series[seuil["variable"]]
            echelle = variable.get("echelle")
            valeur = seuil["valeur"]
            if echelle is not None:
                if valeur not in echelle:
                    self.erreur(["seuils", i, "valeur"], f"« {valeur} » n'est pas sur l'échelle")
                    continue
                valeur = echelle.index(valeur)
            if "horizon" in seuil:
                self.duree(["seuils", i, "horizon"], seuil["horizon"])
            if seuil.get("sur") == "prevision" and "prevision" not in variable:
                self.erreur(["seuils", i, "sur"], f"la variable « {seuil['variable']} » n'a pas "
                                                  "de prévision (ajoutez prevision.horizon)")
            if points and not any(OPERATEURS[seuil["op"]](p, valeur) for p in points):
                self.erreur(["seuils", i], f"la série de « {seuil['variable']} » ne franchit "
                                           f"jamais ce seuil : il ne se déclenchera pas",
                            grave=False)

    def duree(self, chemin, valeur):
        try:
            return parse_duree(valeur)
        except ValueError as error:
            self.erreur(chemin, str(error))
            return None

    # --- Injects --------------------------------------------------------------------------

    def injects(self):
        suivants = {}
        for i, inject in enumerate(self.d["injects"]):
            base = ["injects", i]
            quand = inject["quand"]
            triggers = [k for k in ("t", "seuil", "apres", "manuel") if k in quand]
            if len(triggers) > 1:
                self.erreur(base + ["quand"],
                            f"un seul déclencheur par inject ({' et '.join(triggers)} donnés) : "
                            "t, seuil, apres ou manuel")
            if "t" in quand:
                self.moment(base + ["quand", "t"], quand["t"])
            if "seuil" in quand:
                self.reference(base + ["quand", "seuil"], quand["seuil"], "seuils", "le seuil")
            if "apres" in quand:
                apres = quand["apres"]
                self.reference(base + ["quand", "apres", "inject"], apres["inject"], "injects",
                               "l'inject")
                self.duree(base + ["quand", "apres", "delai"], apres["delai"])
                suivants.setdefault(apres["inject"], []).append((inject["id"], i))
                if "si" in apres:
                    attendu = apres["si"].split()[0]
                    self.reference(base + ["quand", "apres", "si"], attendu, "attendus",
                                   "l'attendu")
                    self.avant_echeance(base + ["quand", "apres"], apres, attendu)
            if "de" in inject and inject["de"] not in self.simules:
                self.erreur(base + ["de"], f"l'expéditeur « {inject['de']} » n'est pas parmi "
                                           "les acteurs simulés (participants.simules)")
            self.destinataires(base + ["a"], inject["a"])
            for j, attendu in enumerate(inject.get("attendus") or []):
                self.reference(base + ["attendus", j], attendu, "attendus", "l'attendu")
                self.acteur_prevenu(base + ["attendus", j], inject, attendu)
            figurants = (inject.get("cree") or {}).get("figurants")
            if figurants:
                self.mairie(base + ["cree", "figurants", "mairie"], figurants["mairie"])
                if figurants.get("foyers", 1) > figurants["nombre"]:
                    self.erreur(base + ["cree", "figurants", "foyers"],
                                "plus de foyers que de personnes")
            signalement = (inject.get("cree") or {}).get("signalement_scop")
            if signalement:
                self.mairie(base + ["cree", "signalement_scop", "mairie"], signalement["mairie"])
            point = (inject.get("cree") or {}).get("point_situation")
            if point:
                self.mairie(base + ["cree", "point_situation", "mairie"], point["mairie"])
        self.cycles(suivants)

    def acteur_prevenu(self, chemin, inject, attendu_id):
        """Whoever must act learns of it: the expected action's role is among the inject's
        addressees (or it waits for someone to tell them, which the scenario should say)."""
        index = self.ids["attendus"].get(attendu_id)
        if index is None:
            return
        role = (self.d["attendus"][index].get("acteur") or {}).get("role")
        if role and role not in (inject.get("a") or {}).get("roles", []):
            self.erreur(chemin, f"l'action {attendu_id} est attendue du rôle « {role} », que "
                                "cet inject ne prévient pas (ajoutez-le à « a.roles »)",
                        grave=False)

    def avant_echeance(self, chemin, apres, attendu_id):
        """A contingency on a failed action that fires before the action's deadline would
        tell the players off for something they still have time to do."""
        index = self.ids["attendus"].get(attendu_id)
        if index is None or "delai" not in self.d["attendus"][index]:
            return
        attendu = self.d["attendus"][index]
        if (attendu.get("temps") or "reel") != (apres.get("temps") or "scenario"):
            self.erreur(chemin, f"l'attendu « {attendu_id} » compte son délai en temps "
                                f"{attendu.get('temps') or 'reel'} : comptez celui-ci de même "
                                "(apres.temps)", grave=False)
            return
        try:
            if parse_duree(apres["delai"]) < parse_duree(attendu["delai"]):
                self.erreur(chemin, f"se déclencherait avant l'échéance de « {attendu_id} » "
                                    f"({attendu['delai']}) : les joueurs ont encore le temps",
                            grave=False)
        except ValueError:
            pass

    def destinataires(self, chemin, a):
        roles = [r for j, r in enumerate(a["roles"]) if self.role(chemin + ["roles", j], r)]
        for j, code in enumerate(a.get("mairies") or []):
            self.mairie(chemin + ["mairies", j], code)
        for j, role in enumerate(roles):
            if role not in self.d["participants"]["roles"]:
                self.erreur(chemin + ["roles", j], f"le rôle « {role} » n'est pas parmi les "
                                                   "participants")
        if any(Role(r) in MAIRIE_ROLES for r in roles) and not a.get("mairies"):
            self.erreur(chemin, "un inject adressé à un rôle de mairie dit à quelles mairies "
                                "(a.mairies)")

    def cycles(self, suivants):
        """No inject may (through « apres ») end up waiting for itself."""
        etat = {}

        def visite(inject_id, trail):
            etat[inject_id] = "en cours"
            for suivant, index in suivants.get(inject_id, []):
                if etat.get(suivant) == "en cours":
                    boucle = " → ".join(trail + [suivant])
                    self.erreur(["injects", index, "quand", "apres", "inject"],
                                f"cycle entre injects : {boucle}")
                elif suivant not in etat:
                    visite(suivant, trail + [suivant])
            etat[inject_id] = "fait"

        for inject in self.d["injects"]:
            if inject["id"] not in etat:
                visite(inject["id"], [inject["id"]])

    # --- Expected actions -----------------------------------------------------------------

    def attendus(self):
        for i, attendu in enumerate(self.d.get("attendus") or []):
            base = ["attendus", i]
            acteur = attendu["acteur"]
            if self.role(base + ["acteur", "role"], acteur["role"]):
                if Role(acteur["role"]) in MAIRIE_ROLES and "mairie" not in acteur:
                    self.erreur(base + ["acteur"], "un rôle de mairie dit de quelle mairie")
            if "mairie" in acteur:
                self.mairie(base + ["acteur", "mairie"], acteur["mairie"])
            if "objectif" in attendu:
                self.reference(base + ["objectif"], attendu["objectif"], "objectifs",
                               "l'objectif")
                if "tache_critique" in attendu and attendu["objectif"] in self.taches and \
                        attendu["tache_critique"] not in self.taches[attendu["objectif"]]:
                    self.erreur(base + ["tache_critique"],
                                f"la tâche critique « {attendu['tache_critique']} » n'est pas "
                                f"une tâche de l'objectif « {attendu['objectif']} »")
            if "delai" in attendu:
                self.duree(base + ["delai"], attendu["delai"])
            observable = attendu.get("observable")
            if observable and observable["type"] not in OBSERVABLES:
                self.erreur(base + ["observable", "type"],
                            f"« {observable['type']} » n'est pas un fait que l'application "
                            f"annonce ({', '.join(sorted(OBSERVABLES))})")
            if attendu.get("validation") == "auto" and "observable" not in attendu:
                self.erreur(base + ["observable"], "une validation automatique dit ce qu'elle "
                                                   "observe (observable.type)")
        for i, item in enumerate(self.d.get("grille_observation") or []):
            self.reference(["grille_observation", i, "objectif"], item["objectif"],
                           "objectifs", "l'objectif")

    # --- Fictitious people ---------------------------------------------------------------

    def figurants(self):
        for i, figurant in enumerate(self.d.get("figurants") or []):
            for j, besoin in enumerate(figurant.get("besoins") or []):
                if besoin not in BESOIN_LABELS:
                    self.erreur(["figurants", i, "besoins", j],
                                f"besoin inconnu « {besoin} » ({', '.join(BESOIN_LABELS)})")

    # --- Nothing real ---------------------------------------------------------------------

    def rien_de_reel(self):
        def walk(node, chemin):
            if isinstance(node, dict):
                for key, value in node.items():
                    walk(value, chemin + [key])
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, chemin + [index])
            elif isinstance(node, str):
                if TELEPHONE_RE.search(node):
                    self.erreur(chemin, "un numéro de téléphone dans un scénario : rien de réel "
                                        "(écrivez « 01 XX XX XX XX »)")
                if EMAIL_RE.search(node):
                    self.erreur(chemin, "une adresse e-mail dans un scénario : rien de réel")

        walk(self.d, [])


def _message_schema(error) -> str:
    """A jsonschema error in French, for the facilitator who wrote the file."""
    v = error.validator
    if v == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        return f"clé obligatoire manquante : {', '.join(missing)}"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"clé inconnue : {', '.join(map(str, extra))}"
    if v == "type":
        expected = error.validator_value
        names = {"string": "un texte", "number": "un nombre", "integer": "un entier",
                 "array": "une liste", "object": "un dictionnaire", "boolean": "vrai ou faux"}
        wanted = " ou ".join(names.get(t, t) for t in
                             (expected if isinstance(expected, list) else [expected]))
        return f"attendu : {wanted}"
    if v == "const":
        return f"doit valoir « {error.validator_value} »"
    if v == "enum":
        return f"valeur inconnue « {error.instance} » (possibles : " \
               f"{', '.join(map(str, error.validator_value))})"
    if v in ("minItems", "minLength", "minProperties"):
        return "ne peut pas être vide"
    if v in ("maxLength", "maxItems"):
        return "trop long"
    if v == "pattern":
        return f"forme invalide « {error.instance} »"
    if v in ("minimum", "maximum", "exclusiveMinimum"):
        return f"valeur hors limites ({error.instance})"
    if v == "oneOf":
        return "segment d'horloge invalide : {reel: PT3H, facteur: 24} ou {saut: P4D}"
    if v == "uniqueItems":
        return "la même valeur est écrite deux fois"
    return error.message
