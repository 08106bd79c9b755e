"""Importing a spreadsheet chronogramme into a scenario: French facilitators prepare their
injects in a spreadsheet, one line each. Columns (the header names them, in any order, any
case, accents or not): quand (« J+1 08:00 », « T+26h »), de (a simulated actor of the
scenario), a (« cellule, responsable_care (15e, 16e) »), titre, message, and optionally
attendu (what the players should do: an expected action validated by hand).

The injects are appended to the scenario's YAML, comments and layout kept, and the result is
checked like any scenario.
"""

import csv
import io
import re
import unicodedata

from ruamel.yaml import YAML

from crise.exercices.scenario import Lecture, Probleme, lire

COLONNES = ("quand", "de", "a", "titre", "message")
FACULTATIVES = ("attendu",)
_A = re.compile(r"^(?P<roles>[^()]+?)\s*(?:\((?P<mairies>[^()]*)\))?\s*$")


def _cle(texte: str) -> str:
    sans = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", sans.lower())


def lire_csv(raw: bytes | str, fichier: str = "chronogramme.csv"
             ) -> tuple[list[dict], list[dict], list[Probleme]]:
    """(injects, expected actions, problems) of a CSV chronogramme."""
    problemes: list[Probleme] = []
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raw = raw.decode("cp1252")  # a spreadsheet saved « CSV (Windows) »
    raw = raw.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(raw.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    rows = list(csv.reader(io.StringIO(raw), dialect))
    if not rows:
        return [], [], [Probleme(fichier, None, "", "fichier vide")]
    entete = {_cle(name): index for index, name in enumerate(rows[0])}
    manquantes = [c for c in COLONNES if c not in entete]
    if manquantes:
        return [], [], [Probleme(fichier, 1, "", f"colonne(s) manquante(s) : "
                                                f"{', '.join(manquantes)} (en-tête attendu : "
                                                f"{'; '.join(COLONNES + FACULTATIVES)})")]
    injects, attendus = [], []
    for numero, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if any(cell.strip() for cell in row[len(rows[0]):]):
            problemes.append(Probleme(fichier, numero, "", f"{len(row) - len(rows[0])} case(s) "
                                      "de plus que l'en-tête : un « ; » dans un texte ? "
                                      "Mettez ce texte entre guillemets"))
            continue
        valeur = {c: (row[entete[c]].strip() if entete.get(c) is not None
                      and entete[c] < len(row) else "") for c in COLONNES + FACULTATIVES}
        vides = [c for c in COLONNES if not valeur[c]]
        if vides:
            problemes.append(Probleme(fichier, numero, "",
                                      f"case(s) vide(s) : {', '.join(vides)}"))
            continue
        match = _A.match(valeur["a"])
        if not match:
            problemes.append(Probleme(fichier, numero, "a", f"destinataires illisibles "
                                                            f"« {valeur['a']} » : écrivez "
                                                            "« cellule, responsable_care (15e) »"))
            continue
        roles = [r.strip() for r in match["roles"].split(",") if r.strip()]
        mairies = [m.strip() for m in (match["mairies"] or "").split(",") if m.strip()]
        ident = f"CSV-{len(injects) + 1:03d}"
        inject = {"id": ident, "quand": {"t": valeur["quand"]}, "de": valeur["de"],
                  "a": {"roles": roles, **({"mairies": mairies} if mairies else {})},
                  "titre": valeur["titre"], "message": valeur["message"], "_ligne": numero}
        if valeur["attendu"]:
            attendu_id = f"ATT-{ident}"
            acteur = {"role": roles[0], **({"mairie": mairies[0]} if mairies else {})}
            attendus.append({"id": attendu_id, "acteur": acteur, "action": valeur["attendu"],
                             "validation": "manuelle"})
            inject["attendus"] = [attendu_id]
        injects.append(inject)
    return injects, attendus, problemes


def importer(scenario_yaml: str, raw_csv: bytes | str, *, fichier_csv: str = "chronogramme.csv",
             fichier_scenario: str = "scénario") -> tuple[str | None, Lecture | None,
                                                        list[Probleme]]:
    """(the merged YAML, its checked reading, the CSV's problems); None when the CSV could
    not be read."""
    injects, attendus, problemes = lire_csv(raw_csv, fichier_csv)
    if problemes or not injects:
        if not injects and not problemes:
            problemes = [Probleme(fichier_csv, None, "", "aucun inject dans le fichier")]
        return None, None, problemes
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 100
    donnees = yaml.load(scenario_yaml)
    donnees.setdefault("injects", [])
    # An earlier import already used CSV-001…: number on after the last one.
    deja = sum(1 for i in donnees["injects"] if str(i.get("id", "")).startswith("CSV-"))
    renommes = {i["id"]: f"CSV-{deja + n:03d}" for n, i in enumerate(injects, start=1)}
    for attendu in attendus:
        attendu["id"] = "ATT-" + renommes[attendu["id"][4:]]
    lignes = {}
    for inject in injects:
        inject["id"] = renommes[inject["id"]]
        lignes[inject["id"]] = inject.pop("_ligne")
        if "attendus" in inject:
            inject["attendus"] = ["ATT-" + inject["id"]]
        donnees["injects"].append(inject)
    if attendus:
        donnees.setdefault("attendus", [])
        donnees["attendus"].extend(attendus)
    out = io.StringIO()
    yaml.dump(donnees, out)
    texte = out.getvalue()
    lecture = lire(texte, fichier_scenario)
    # What is wrong in an imported inject is said with its line in the spreadsheet too.
    ids = [i.get("id") for i in (lecture.donnees or {}).get("injects") or []]
    for probleme in lecture.problemes:
        if match := re.match(r"injects\[(\d+)\]", probleme.chemin):
            ident = ids[int(match[1])] if int(match[1]) < len(ids) else None
            if ident in lignes:
                probleme.message += f" (ligne {lignes[ident]} de {fichier_csv})"
    return texte, lecture, []
