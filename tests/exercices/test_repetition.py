"""The planned clock (segments and jumps), the state of the world (interpolation, forecast,
thresholds) and the rehearsal that puts them together, on the example scenario and on the
shipped crue scenario."""

from datetime import datetime, timedelta
from pathlib import Path

from crise.exercices import scenario
from crise.exercices.horloge import Horloge
from crise.exercices.monde import Variable, franchissement
from crise.exercices.repetition import chronogramme
from crise.formatting import PARIS

ICI = Path(__file__).parent
T0 = datetime(2027, 1, 18, 8, 0, tzinfo=PARIS)
H, J = timedelta(hours=1), timedelta(days=1)


def donnees(path=ICI / "fichiers" / "crue-mini.yaml"):
    lecture = scenario.lire_fichier(path)
    assert lecture.valide
    return lecture.donnees


def test_the_clock_both_ways_with_a_jump():
    # 3 h at 24× (three days), a 4-day jump, 2 h at 12× (one day).
    horloge = Horloge.depuis(donnees())
    assert horloge.duree_reelle == 5 * H and horloge.fin == T0 + 8 * J
    assert horloge.scenario_a(timedelta()) == T0
    assert horloge.scenario_a(90 * timedelta(minutes=1)) == T0 + 36 * H
    # At the end of the first segment the jump is taken at once.
    assert horloge.scenario_a(3 * H) == T0 + 7 * J
    assert horloge.scenario_a(4 * H) == T0 + 7 * J + 12 * H
    assert horloge.scenario_a(10 * H) == T0 + 8 * J
    assert horloge.reel_pour(T0 + 36 * H) == (90 * timedelta(minutes=1), False)
    # A moment inside the jump is reached when the jump is taken.
    assert horloge.reel_pour(T0 + 5 * J) == (3 * H, True)
    assert horloge.reel_pour(T0 + 7 * J + 12 * H) == (4 * H, False)


def test_values_forecasts_and_crossings():
    raw = donnees()["variables"]["cote_austerlitz"]
    cote = Variable.depuis("cote_austerlitz", raw, T0)
    assert cote.valeur(T0) == 4.30 and cote.valeur(T0 + 100 * J) == 8.62
    # Linear between J+2 08:00 (5.70) and J+5 08:00 (7.13).
    assert abs(cote.valeur(T0 + 2 * J + 36 * H) - (5.70 + 1.43 / 2)) < 1e-9
    assert cote.premier(">=", 7.13, T0, T0 + 8 * J) == T0 + 5 * J
    assert cote.premier(">=", 9.0, T0, T0 + 8 * J) is None
    # Forecast at 24 h: the day before the observed crossing of 5.70 m (J+2 08:00).
    seuil = {"id": "rer_c", "variable": "cote_austerlitz", "op": ">=", "valeur": 5.70,
             "sur": "prevision", "horizon": "PT24H"}
    assert franchissement(cote, seuil, T0, T0 + 8 * J) == T0 + 1 * J
    assert franchissement(cote, {**seuil, "sur": "observation"}, T0, T0 + 8 * J) == T0 + 2 * J
    vigilance = Variable.depuis("v", {"echelle": ["verte", "jaune", "orange", "rouge"],
                                      "serie": [["T+0h", "jaune"], ["J+1 10:00", "orange"],
                                                ["J+3 10:00", "rouge"]]}, T0)
    assert vigilance.valeur(T0 + 1 * J + 3 * H) == 2 and vigilance.libelle(2) == "orange"
    assert franchissement(vigilance, {"variable": "v", "op": ">=", "valeur": "rouge"},
                          T0, T0 + 8 * J) == datetime(2027, 1, 21, 10, 0, tzinfo=PARIS)


def test_the_rehearsal_of_the_example():
    horloge, lignes = chronogramme(donnees())
    by_id = {ligne.ident: ligne for ligne in lignes}
    assert by_id["rer_c"].moment == T0 + 1 * J
    # INJ-020 fires on the forecast threshold; INJ-021 (a contingency, 6 h of real time
    # after it) falls in the jump's aftermath.
    assert by_id["INJ-020"].moment == T0 + 1 * J and by_id["INJ-020"].reel == H
    assert by_id["INJ-021"].moment == horloge.scenario_a(7 * H)
    assert "si ATT-3 échoue" in by_id["INJ-021"].detail
    assert all(a.moment <= b.moment for a, b in zip(lignes, lignes[1:])
               if a.moment and b.moment)


def test_the_rehearsal_of_the_crue_scenario_reads_like_its_story():
    horloge, lignes = chronogramme(donnees(ICI.parents[1] / "scenarios" / "crue-type-1910.yaml"))
    by_id = {ligne.ident: ligne for ligne in lignes}
    assert horloge.duree_reelle == 7 * H
    # The RER C closes on the forecast, before the Seine reaches 5.70 m.
    assert by_id["rer_c"].moment < by_id["INJ-008"].moment
    # The red level (7.13 m) is crossed during the jump to J+6: delivered on resuming.
    assert by_id["INJ-019"].pendant_saut and by_id["INJ-019"].reel == 4 * H
    # The contingency on the 15e's C.A.RE waits past the 2 h deadline of its action.
    assert by_id["INJ-009"].reel - by_id["INJ-008"].reel == timedelta(hours=2, minutes=15)
    reserve = [l for l in lignes if "réserve" in l.detail]
    assert len(reserve) == 4 and all(l.moment is None for l in reserve)
    assert lignes[-1].ident.startswith("INJ-R")


def test_repeter_prints_the_chronogramme(runner):
    result = runner.invoke(args=["exercices", "repeter",
                                 str(ICI.parents[1] / "scenarios" / "crue-type-1910.yaml")])
    assert result.exit_code == 0, result.output
    assert "J+1 20:00" in result.output and "rer_c" in result.output
    assert "(franchi pendant le saut : à la reprise)" in result.output
    assert "si ATT-6 échoue" in result.output


def test_repeter_refuses_an_invalid_scenario(runner, tmp_path):
    bad = tmp_path / "casse.yaml"
    bad.write_text("schema: crise-exercice/1\n", encoding="utf-8")
    result = runner.invoke(args=["exercices", "repeter", str(bad)])
    assert result.exit_code == 1 and "clé obligatoire manquante" in result.output
    assert "scénario invalide : corrigez-le avant de le répéter." in result.output
