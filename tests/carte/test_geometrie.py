"""The shapes of Paris for the situation map: shipped with their licence, drawn without
tiles, small enough to inline, with the Seine where the two banks meet."""

import re

from crise.carte import geometrie


def test_the_twenty_arrondissements_are_drawn_small_and_closed():
    fond = geometrie.fond()
    assert sorted(fond.arrondissements) == list(range(1, 21))
    assert fond.arrondissements[11].nom == "Popincourt"
    taille = sum(len(a.chemin) for a in fond.arrondissements.values())
    assert 4_000 < taille < 15_000  # ≈ 9 KB of inline SVG for the whole city
    for a in fond.arrondissements.values():
        assert a.chemin.startswith("M") and a.chemin.endswith("Z") and len(a.points) >= 4
        x, y = a.centre
        assert 0 < x < fond.largeur and 0 < y < fond.hauteur
    # East of the 15th is the 13th, north of the 5th is the 4th: the projection holds.
    assert fond.arrondissements[13].centre[0] > fond.arrondissements[15].centre[0]
    assert fond.arrondissements[4].centre[1] < fond.arrondissements[5].centre[1]


def test_the_seine_runs_between_the_banks_for_about_twelve_and_a_half_km():
    assert abs(geometrie.longueur_seine_km() - 12.6) < 0.5
    fond = geometrie.fond()
    assert fond.seine and all(re.fullmatch(r"M[\d. L]+", c) for c in fond.seine)


def test_paris_centre_gathers_around_its_four_arrondissements():
    fond = geometrie.fond()
    x, y = geometrie.centre_mairie([1, 2, 3, 4])
    xs = [fond.arrondissements[n].centre[0] for n in (1, 2, 3, 4)]
    assert min(xs) <= x <= max(xs)
    mairie = geometrie.fond().projeter(2.3522, 48.8566)  # the Hôtel de Ville, about
    assert abs(mairie[0] - x) < 60 and abs(mairie[1] - y) < 60


def test_the_data_ships_with_its_licence_and_attribution():
    readme = (geometrie.SOURCE.parent / "README.md").read_text(encoding="utf-8")
    assert "ODbL" in readme and geometrie.ATTRIBUTION in readme
