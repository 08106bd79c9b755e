"""``crise exercices valider``: the errors of every file, and an exit code CI can trust."""

from pathlib import Path

MINI = Path(__file__).parent / "fichiers" / "crue-mini.yaml"


def test_a_valid_file_says_so_and_exits_zero(runner):
    result = runner.invoke(args=["exercices", "valider", str(MINI)])
    assert result.exit_code == 0, result.output
    assert f"{MINI} : valide" in result.output


def test_errors_of_every_file_are_listed_and_the_exit_code_is_one(runner, tmp_path):
    bad = tmp_path / "crue.yaml"
    bad.write_text(MINI.read_text(encoding="utf-8").replace("mairies: [centre, 15e]",
                                                            "mairies: [1er, 15e]"),
                   encoding="utf-8")
    broken = tmp_path / "casse.yaml"
    broken.write_text("schema: [crise\n", encoding="utf-8")
    result = runner.invoke(args=["exercices", "valider", str(MINI), str(bad), str(broken)])
    assert result.exit_code == 1
    assert f"{bad}:17: participants.mairies[0] : mairie inconnue « 1er »" in result.output
    assert f"{broken}:2: YAML invalide" in result.output
    assert f"{MINI} : valide" in result.output
    assert "2 erreur(s) : rien n'est chargé tant qu'il en reste." in result.output


def test_a_warning_alone_does_not_fail(runner, tmp_path):
    warned = tmp_path / "seuil.yaml"
    warned.write_text(MINI.read_text(encoding="utf-8").replace(
        "valeur: 5.70, sur: prevision", "valeur: 9.50, sur: prevision"), encoding="utf-8")
    result = runner.invoke(args=["exercices", "valider", str(warned)])
    assert result.exit_code == 0
    assert "avertissement : la série de « cote_austerlitz » ne franchit jamais ce seuil" \
        in result.output and "valide (1 avertissement(s))" in result.output


def test_the_tick_delivers_what_fell_due_once(app, runner, exercice):
    from datetime import timedelta

    import sqlalchemy as sa

    from crise.db import utcnow
    from crise.exercices.models import Livraison
    from crise.extensions import db

    exercice(at=utcnow() - timedelta(minutes=61))
    result = runner.invoke(args=["exercices", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 inject(s) livré(s)."
    again = runner.invoke(args=["exercices", "tick"])
    assert again.output.strip() == "0 inject(s) livré(s)."
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Livraison)) == 1
