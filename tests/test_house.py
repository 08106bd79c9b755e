"""The house reads one way: platform modules at the bottom, features above in a fixed
order; no module imports a higher one, no two packages import each other. A new import
that breaks this fails here, with the line to change."""

import ast
import re
from pathlib import Path

import crise

ROOT = Path(crise.__file__).parent
# Lower first; the platform (modules directly in crise/) is below them all.
ORDER = ["mairies", "auth", "audit", "evenements", "care", "scop", "hebergement", "cellule",
         "exercices", "retex", "pcs", "carte", "rgpd"]
# The application factory and the CLI assemble every feature: they may import any.
ASSEMBLERS = {ROOT / "__init__.py", ROOT / "cli.py"}


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "crise" or len(parts) < 2:
        return None
    return parts[1] if (ROOT / parts[1]).is_dir() else "platform"


def _rank(package: str) -> int:
    return -1 if package == "platform" else ORDER.index(package)


def _imports():
    """(file, line, importing package, imported package) for every import inside crise."""
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        here = _package(".".join(("crise",) + path.relative_to(ROOT).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                there = _package(name)
                if there is not None and there != here:
                    yield path, node.lineno, here, there


def test_every_feature_package_has_its_place_in_the_order():
    packages = {p.name for p in ROOT.iterdir()
                if p.is_dir() and (p / "__init__.py").exists() and p.name != "migrations"}
    assert packages - set(ORDER) == set()


def test_no_import_goes_up():
    upward = [f"{path.relative_to(ROOT.parent)}:{line} imports crise.{there}"
              for path, line, here, there in _imports()
              if path not in ASSEMBLERS and _rank(there) > _rank(here)]
    assert upward == []


def test_no_two_packages_import_each_other():
    edges = {(here, there) for path, _, here, there in _imports() if path not in ASSEMBLERS}
    assert sorted({tuple(sorted(edge)) for edge in edges if edge[::-1] in edges}) == []


HAND_WRITTEN_SCOPE = re.compile(
    r"if (?:\w+ is not None and )?not (\w+)\.is_central:\s*\n\s*\w+(?: = \w+\.where\(|\.append\()"
    r"[\w.]+\.mairie_id == \1\.mairie_id\)")


def test_the_mairie_scope_of_a_query_is_written_once():
    """A query of personal data is kept to the actor's mairie by ``User.perimetre``, never
    by the two lines written by hand again (the way a forgotten one would go unseen)."""
    found = [f"{path.relative_to(ROOT.parent)}: {match.group(0).splitlines()[0].strip()}"
             for path in sorted(ROOT.rglob("*.py")) if "migrations" not in path.parts
             for match in HAND_WRITTEN_SCOPE.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_perimetre_is_everything_for_the_central_roles_and_its_mairie_for_the_others():
    import sqlalchemy as sa

    from crise.auth.models import User
    from crise.care.models import Personne

    local = User(role="agent_accueil", mairie_id=11)
    central = User(role="cellule")
    assert str(local.perimetre(Personne.mairie_id).compile(
        compile_kwargs={"literal_binds": True})) == "care_personne.mairie_id = 11"
    assert central.perimetre(Personne.mairie_id) is sa.true()


def test_templates_ask_the_predicates_never_the_role_names():
    """Changing who may do something (a *_ROLES tuple) changes the menus and the pages too:
    templates call the predicates (can_manage_centres, can_use_cellule…), not has_role."""
    templates = ROOT / "templates"
    naming_roles = [str(path.relative_to(templates)) for path in sorted(templates.rglob("*.html"))
                    if "has_role(" in path.read_text(encoding="utf-8")
                    or ".role ==" in path.read_text(encoding="utf-8")]
    assert naming_roles == []


def test_every_kind_of_record_in_the_audit_trail_is_named_by_its_module(app):
    """Modules declare the records they audit (declare_object_type) instead of editing the
    audit's own list: one written about but never declared shows as a raw code, and fails."""
    from crise.audit.models import OBJECT_LABELS

    written = set()
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                    "record", "record_view"):
                kind = node.args[2] if getattr(node.func, "id") == "record" else node.args[1]
                if isinstance(kind, ast.Constant):
                    written.add(kind.value)
    assert len(written) >= 8 and written - set(OBJECT_LABELS) == set()


def test_views_and_pages_ask_the_predicates_never_the_role_tuples():
    """Who may do what is decided beside the roles (models' can_* predicates); a view that
    spells a *_ROLES tuple again is a second place for the same rule."""
    spelled = [f"{path.relative_to(ROOT.parent)}:{number}"
               for path in sorted(ROOT.glob("*/views.py")) + sorted(ROOT.glob("*/pages.py"))
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if re.search(r"has_role\(\*\w+_ROLES\)", line)]
    assert spelled == []
