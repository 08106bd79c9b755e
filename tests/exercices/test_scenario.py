"""Scenario files: read with their line numbers, checked for their shape and for what one part
says about another; every problem names the file, the line, the key path, in French."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crise.exercices import scenario
from crise.exercices.temps import format_relatif, parse_duree, parse_moment
from crise.formatting import PARIS

MINI = (Path(__file__).parent / "fichiers" / "crue-mini.yaml").read_text(encoding="utf-8")
T0 = datetime(2027, 1, 18, 8, 0, tzinfo=PARIS)


def problemes(text, fichier="essai.yaml"):
    return [str(p) for p in scenario.lire(text, fichier).problemes]


def test_the_example_scenario_is_valid_and_keeps_its_clock():
    lecture = scenario.lire(MINI, "crue-mini.yaml")
    assert lecture.valide and lecture.problemes == []
    verification = scenario.Verification(lecture)
    verification.tout()
    # 3 h at 24× (3 days), a jump of 4 days, 2 h at 12× (1 day): eight days of story.
    assert (verification.t0, verification.fin) == (T0, T0 + timedelta(days=8))


@pytest.mark.parametrize("texte, attendu", [
    ("PT3H", timedelta(hours=3)), ("P4D", timedelta(days=4)), ("PT30M", timedelta(minutes=30)),
    ("P1DT2H30M", timedelta(hours=26, minutes=30)), ("PT48H", timedelta(hours=48))])
def test_durations(texte, attendu):
    assert parse_duree(texte) == attendu


@pytest.mark.parametrize("texte", ["3h", "P", "PT", "P1Y", "PT-3H", "P400D", ""])
def test_unreadable_durations_say_how_to_write_them(texte):
    with pytest.raises(ValueError, match="durée"):
        parse_duree(texte)


def test_relative_and_absolute_moments():
    assert parse_moment("T+26h", T0) == T0 + timedelta(hours=26)
    assert parse_moment("T+0h30", T0) == T0 + timedelta(minutes=30)
    assert parse_moment("J+1", T0) == T0 + timedelta(days=1)
    assert parse_moment("J+2 16:00", T0) == datetime(2027, 1, 20, 16, 0, tzinfo=PARIS)
    assert parse_moment("2027-01-19T10:00:00+01:00", T0) == T0 + timedelta(hours=26)
    assert format_relatif(T0 + timedelta(hours=26), T0) == "J+1 10:00"
    for texte in ("T+1h75", "J+1 25:00", "demain", "2027-01-19T10:00:00"):
        with pytest.raises(ValueError):
            parse_moment(texte, T0)


def test_each_error_names_file_line_and_key_path():
    bad = (MINI.replace("mairies: [centre, 15e]", "mairies: [1er, 15e]")
           .replace("quand: {seuil: rer_c}", "quand: {seuil: rer_c, t: T+1h}")
           .replace("objectif: OBJ-2\n", "objectif: OBJ-9\n")
           .replace('["J+5 08:00", 7.13]', '["J+1 08:00", 7.13]')
           .replace("inject: INJ-020, delai", "inject: INJ-021, delai"))
    assert problemes(bad, "crue.yaml") == [
        "crue.yaml:17: participants.mairies[0] : mairie inconnue « 1er » (Paris Centre "
        "s'écrit « centre » : 1er à 4e n'existent plus)",
        "crue.yaml:23: variables.cote_austerlitz.serie[2][0] : la série revient en arrière : "
        "chaque point doit suivre le précédent",
        "crue.yaml:29: injects[0].quand : un seul déclencheur par inject (t et seuil donnés) : "
        "t, seuil, apres ou manuel",
        "crue.yaml:37: injects[1].quand.apres.inject : cycle entre injects : INJ-021 → INJ-021",
        "crue.yaml:46: attendus[0].objectif : l'objectif « OBJ-9 » n'existe pas dans ce "
        "scénario",
    ]


def test_a_cycle_through_several_injects_is_found():
    cycle = MINI.replace("quand: {seuil: rer_c}",
                         "quand: {apres: {inject: INJ-021, delai: PT1H}}")
    found = [p for p in problemes(cycle) if "cycle" in p]
    assert len(found) == 1 and "INJ-020 → INJ-021 → INJ-020" in found[0]


@pytest.mark.parametrize("change, message", [
    (("quand: {seuil: rer_c}", "quand: {t: T+300h}"), "hors de l'horloge du scénario"),
    (("quand: {seuil: rer_c}", "quand: {seuil: rer_x}"), "le seuil « rer_x » n'existe pas"),
    (("de: pp\n    a: {roles: [cellule, responsable_care]",
      "de: bfm\n    a: {roles: [cellule, responsable_care]"),
     "l'expéditeur « bfm » n'est pas parmi les acteurs simulés"),
    (("a: {roles: [cellule, responsable_care], mairies: [15e]}",
      "a: {roles: [cellule, responsable_care]}"), "dit à quelles mairies"),
    (("a: {roles: [cellule]}", "a: {roles: [pompier]}"), "rôle inconnu « pompier »"),
    (("a: {roles: [cellule]}", "a: {roles: [dsol]}"),
     "le rôle « dsol » n'est pas parmi les participants"),
    (("mairie: 15e, nombre: 40", "mairie: 12e, nombre: 40"),
     "la mairie « 12e » n'est pas parmi les participants"),
    (("tache_critique: TC-2", "tache_critique: TC-7"),
     "la tâche critique « TC-7 » n'est pas une tâche de l'objectif « OBJ-2 »"),
    (("attendus: [ATT-3]", "attendus: [ATT-4]"), "l'attendu « ATT-4 » n'existe pas"),
    (("type_evenement: crue", "type_evenement: tsunami"), "type d'événement inconnu"),
    (("delai: PT6H", "delai: 6 heures"), "durée illisible « 6 heures »"),
    (("- id: INJ-021", "- id: INJ-020"), "identifiant « INJ-020 » déjà utilisé (ligne 28)"),
    (("schema: crise-exercice/1", "schema: crise-exercice/2"),
     "schema : doit valoir « crise-exercice/1 »"),
    (("titre: \"Relance\"", "titre: \"Relance\"\n    priorite: haute"), "clé inconnue : priorite"),
    (("message: \"Des familles", "message: \"Appelez le 06 12 34 56 78 : des familles"),
     "un numéro de téléphone dans un scénario"),
    (("message: \"Des familles", "message: \"Écrire à chef@prefecture.fr : des familles"),
     "une adresse e-mail dans un scénario"),
])
def test_what_is_wrong_is_said_in_french(change, message):
    text = MINI.replace(*change)
    assert text != MINI
    lecture = scenario.lire(text)
    assert not lecture.valide
    assert any(message in str(p) for p in lecture.erreurs), [str(p) for p in lecture.problemes]


def test_the_scenarios_shipped_are_valid():
    for path in sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml")):
        lecture = scenario.lire_fichier(path)
        assert lecture.valide, [str(p) for p in lecture.problemes]
        donnees = lecture.donnees
        assert len(donnees["injects"]) >= 30
        assert any(i.get("reserve") for i in donnees["injects"])
        assert any("si" in i["quand"].get("apres", {}) for i in donnees["injects"])
        assert len({m for i in donnees["injects"] for m in i["a"].get("mairies", [])}) >= 3


def test_a_figurant_need_is_one_the_desk_knows():
    text = MINI + "figurants:\n  - {nom: Иванова, categorie: sinistre, besoins: [piscine]}\n"
    [probleme] = scenario.lire(text).erreurs
    assert "figurants[0].besoins[0] : besoin inconnu « piscine »" in str(probleme)


def test_a_threshold_the_series_never_crosses_is_only_a_warning():
    text = MINI.replace("valeur: 5.70, sur: prevision", "valeur: 9.50, sur: prevision")
    lecture = scenario.lire(text, "crue.yaml")
    assert lecture.valide and [str(p) for p in lecture.avertissements] == [
        "crue.yaml:26: seuils[0] : avertissement : la série de « cote_austerlitz » ne franchit "
        "jamais ce seuil : il ne se déclenchera pas"]


def test_hostile_files_are_refused_before_they_are_built(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    assert problemes(bomb) == ["essai.yaml:2: les ancres et alias YAML (&, *) ne sont pas "
                               "acceptés : écrivez chaque valeur en entier"]
    big = tmp_path / "gros.yaml"
    big.write_bytes(b"# " + b"x" * 10_000_000)
    assert "fichier trop gros" in str(scenario.lire_fichier(big).problemes[0])
    assert "pas un fichier texte UTF-8" in problemes(b"\x89PNG\r\n\x1a\n\xff\xfe")[0]
    assert "caractère nul" in problemes("schema: x\x00")[0]
    assert problemes("schema: [crise\n") == ["essai.yaml:2: YAML invalide : crochet ] manquant"]
    assert "un dictionnaire de clés" in problemes("- une liste\n")[0]
    assert "illisible" in str(scenario.lire_fichier(tmp_path / "absent.yaml").problemes[0])


def test_an_expected_action_observes_a_fait_the_application_announces():
    text = MINI.replace("type: centre-ouvert", "type: care.centre_ouvert")
    [probleme] = scenario.lire(text, "crue.yaml").erreurs
    assert str(probleme).startswith(
        "crue.yaml:52: attendus[0].observable.type : « care.centre_ouvert » n'est pas un fait "
        "que l'application annonce (cellule-activee, cellule-desactivee, centre-ferme, "
        "centre-ouvert,")


def test_a_contingency_before_the_deadline_it_checks_is_a_warning():
    early = MINI.replace("delai: PT6H, temps: reel", "delai: PT1H, temps: reel")
    [avert] = scenario.lire(early, "crue.yaml").avertissements
    assert str(avert) == ("crue.yaml:37: injects[1].quand.apres : avertissement : se "
                          "déclencherait avant l'échéance de « ATT-3 » (PT2H) : les joueurs "
                          "ont encore le temps")
    story = MINI.replace("delai: PT6H, temps: reel", "delai: PT6H")
    [avert] = scenario.lire(story, "crue.yaml").avertissements
    assert "compte son délai en temps reel : comptez celui-ci de même" in str(avert)


@pytest.mark.parametrize("texte, message", [
    ("a: 1\na: 2\n", "2: YAML invalide : la clé « a » apparaît deux fois"),
    ("a:\n\t- 1\n", "2: YAML invalide : une tabulation : indentez avec des espaces"),
    ("titre: Crue : J+1\n", "1: YAML invalide : deux-points inattendus : mettez le texte entre "
                             "guillemets"),
    ("a: {b: 1\n", "2: YAML invalide : accolade } manquante"),
    ('a: "abc\n', "2: YAML invalide : guillemet fermant manquant"),
    ("a:\n  b: 1\n c: 2\n", "3: YAML invalide : indentation incohérente"),
])
def test_yaml_mistakes_are_told_in_french_with_their_line(texte, message):
    assert problemes(texte) == [f"essai.yaml:{message}"]


def test_huge_numbers_and_repeated_actions_are_told_not_crashed():
    from tests.exercices.conftest import MINI

    lecture = scenario.lire(MINI.replace("attendus: [ATT-3]", "attendus: [ATT-3, ATT-3]"))
    assert [str(p) for p in lecture.erreurs] == [
        "scénario:35: injects[0].attendus : la même valeur est écrite deux fois"]
    for moment in ("J+99999999", "T+99999999999h", "9999999-01-01T00:00:00+01:00"):
        lecture = scenario.lire(MINI.replace("quand: {seuil: rer_c}", f'quand: {{t: "{moment}"}}'))
        assert not lecture.valide and "moment illisible" in str(lecture.erreurs[0])
    lecture = scenario.lire(MINI.replace("delai: PT6H", "delai: P99999999999D"))
    assert "durée illisible" in str(lecture.erreurs[0])


def test_a_file_nested_too_deep_or_a_spreadsheet_is_told():
    assert "imbriqués trop profondément" in str(scenario.lire("[" * 5000).erreurs[0])
    assert "ressemble à un tableur" in str(scenario.lire("quand;de;a\nJ+1;pp;cellule\n")
                                            .erreurs[0])


def test_an_action_expected_from_a_role_the_inject_does_not_tell_is_a_warning():
    from tests.exercices.conftest import MINI

    lecture = scenario.lire(MINI.replace("a: {roles: [cellule, responsable_care], mairies: [15e]}",
                                         "a: {roles: [cellule]}"))
    assert lecture.valide
    assert "l'action ATT-3 est attendue du rôle « responsable_care », que cet inject ne " \
           "prévient pas" in str(lecture.avertissements[0])
