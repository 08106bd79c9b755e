"""A spreadsheet chronogramme imported into a scenario: injects appended with their expected
actions, the scenario's comments kept, and the result checked like any scenario."""

from pathlib import Path

from crise.exercices.chronogramme import importer, lire_csv

MINI = (Path(__file__).parent / "fichiers" / "crue-mini.yaml").read_text(encoding="utf-8")
CSV = ("Quand;De;A;Titre;Message;Attendu\n"
       "J+1 09:00;pp;cellule;Point presse;La presse attend un point à 11 h.;"
       "Préparer les chiffres de la nuit\n"
       "T+30h;pp;responsable_care (15e);Gymnase à ouvrir;Le gymnase Émile-Anthoine est "
       "réquisitionné.;\n"
       ";;;;;\n")


def test_a_french_spreadsheet_is_read_with_its_accents():
    # Saved by a spreadsheet as UTF-8 with BOM, semicolons, headers in any case.
    injects, attendus, problemes = lire_csv(("\ufeff" + CSV).encode("utf-8"))
    assert problemes == []
    assert [i["quand"] for i in injects] == [{"t": "J+1 09:00"}, {"t": "T+30h"}]
    assert injects[1]["a"] == {"roles": ["responsable_care"], "mairies": ["15e"]}
    assert injects[1]["message"].startswith("Le gymnase Émile-Anthoine")
    assert attendus == [{"id": "ATT-CSV-001", "acteur": {"role": "cellule"},
                         "action": "Préparer les chiffres de la nuit", "validation": "manuelle"}]
    assert injects[0]["attendus"] == ["ATT-CSV-001"] and "attendus" not in injects[1]
    windows = CSV.replace(";", ",").encode("cp1252")
    assert [i["titre"] for i in lire_csv(windows)[0]] == ["Point presse", "Gymnase à ouvrir"]


def test_the_import_appends_keeps_the_comments_and_checks_the_result():
    commented = "# Mon scénario\n" + MINI
    texte, lecture, problemes = importer(commented, CSV)
    assert problemes == [] and lecture.valide, [str(p) for p in lecture.problemes]
    assert texte.startswith("# Mon scénario\n")
    ids = [i["id"] for i in lecture.donnees["injects"]]
    assert ids == ["INJ-020", "INJ-021", "CSV-001", "CSV-002"]
    # A second import numbers on.
    again, lecture, _ = importer(texte, CSV)
    assert [i["id"] for i in lecture.donnees["injects"]][-2:] == ["CSV-003", "CSV-004"]
    assert "ATT-CSV-003" in {a["id"] for a in lecture.donnees["attendus"]}


def test_what_the_spreadsheet_gets_wrong_is_said_with_its_line():
    _, _, problemes = lire_csv("quand;de;titre\nJ+1;pp;Titre\n", "plan.csv")
    assert [str(p) for p in problemes] == [
        "plan.csv:1: colonne(s) manquante(s) : a, message (en-tête attendu : quand; de; a; "
        "titre; message; attendu)"]
    _, _, problemes = lire_csv("quand;de;a;titre;message\nJ+1;pp;cellule;;Texte\n", "plan.csv")
    assert [str(p) for p in problemes] == ["plan.csv:2: case(s) vide(s) : titre"]
    # A row the scenario refuses: the result is checked, nothing is returned as valid.
    texte, lecture, problemes = importer(MINI, "quand;de;a;titre;message\n"
                                               "J+30;pp;cellule (1er);Trop tard;Texte\n")
    assert problemes == [] and not lecture.valide
    messages = [str(p) for p in lecture.erreurs]
    assert any("hors de l'horloge du scénario" in m for m in messages)
    assert any("mairie inconnue « 1er »" in m for m in messages)


def test_importer_command_writes_only_a_valid_scenario(runner, tmp_path):
    scenario_file = tmp_path / "crue.yaml"
    scenario_file.write_text(MINI, encoding="utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text(CSV, encoding="utf-8")
    out = tmp_path / "crue-complete.yaml"
    result = runner.invoke(args=["exercices", "importer", str(plan), str(scenario_file),
                                 "--sortie", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{out} : 4 inject(s), valide" in result.output and "CSV-002" in out.read_text()
    plan.write_text("quand;de;a;titre;message\nJ+30;pp;cellule;Trop tard;Texte\n",
                    encoding="utf-8")
    bad_out = tmp_path / "refuse.yaml"
    result = runner.invoke(args=["exercices", "importer", str(plan), str(scenario_file),
                                 "--sortie", str(bad_out)])
    assert result.exit_code == 1 and "import refusé : rien n'a été écrit." in result.output
    assert not bad_out.exists()


def test_a_spreadsheet_line_is_named_in_what_goes_wrong():
    # A « ; » left in a message makes one cell too many; a bad hour is told with its line.
    extra = CSV.replace("La presse attend un point à 11 h.", "La presse attend ; 300 foyers")
    _, _, problemes = importer(MINI, extra, fichier_csv="plan.csv")
    assert [str(p) for p in problemes] == [
        "plan.csv:2: 1 case(s) de plus que l'en-tête : un « ; » dans un texte ? Mettez ce "
        "texte entre guillemets"]
    _, lecture, problemes = importer(MINI, CSV.replace("T+30h", "T+30h99"),
                                     fichier_csv="plan.csv")
    assert problemes == [] and not lecture.valide
    assert "(ligne 3 de plan.csv)" in str(lecture.erreurs[0])
