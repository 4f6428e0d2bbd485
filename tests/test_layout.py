"""The layout of helpers/ (docs/CONTRIBUTING_HELPERS.md): a flat top level the learner reads,
sub-packages by role, and no maintainer tooling inside the package."""

import ast
import pathlib
import tomllib

from course_paths import ROOT

HELPERS = ROOT / "helpers"
MAX_TOP_LEVEL = 19  # 17 learner modules directly in helpers/, plus __init__.py and _checks.py
SUB_PACKAGES = {"applications", "corpora", "exercises", "pretrained", "studies", "widgets"}


def _imported_modules(path: pathlib.Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function (absolute names)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_module_under_helpers_imports_tools():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] == "tools"
        )
        for path in sorted(HELPERS.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_top_level_is_small_and_the_rest_is_in_sub_packages():
    modules = sorted(p.name for p in HELPERS.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL, modules
    packages = {p.name for p in HELPERS.iterdir() if (p / "__init__.py").exists()}
    assert packages == SUB_PACKAGES
    for name in ("bench", "make_checkpoints"):  # maintainer tooling lives in tools/
        assert not (HELPERS / f"{name}.py").exists()
        assert not any(p.stem.startswith("bench") for p in HELPERS.rglob("*.py"))


def test_pyproject_ships_every_sub_package_and_the_data():
    """A plain `pip install .` (Colab) must carry every sub-package: pyproject lists them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in HELPERS.rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"helpers.data"}
    assert config["package-dir"]["helpers.data"] == "data"
    assert "tools" not in {p.split(".")[0] for p in config["packages"]}
