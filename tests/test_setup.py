"""The two-command setup: one list of dependencies, and a Makefile that uses it."""

import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

sys.path.insert(0, "tools")
from requirements import pip_requirements  # noqa: E402


def _name(requirement: str) -> str:
    """The normalised package name of a requirement such as 'Foo_Bar[x]==1.0'."""
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def pinned(root):
    return pip_requirements((root / "environment.yml").read_text())


def test_every_environment_entry_is_pinned(pinned):
    assert pinned, "environment.yml's pip section is empty"
    unpinned = [r for r in pinned if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+]+", r)]
    assert not unpinned, f"pin these with == in environment.yml: {unpinned}"
    assert "torch==2.13.0" in pinned


def test_pyproject_names_only_pinned_packages(root, pinned):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    named = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        named += extra
    pinned_names = {_name(r) for r in pinned}
    missing = sorted({_name(r) for r in named} - pinned_names)
    assert not missing, f"pyproject.toml names packages environment.yml does not pin: {missing}"
    versioned = [r for r in named if re.search(r"[<>=!~]", r)]
    assert not versioned, f"versions belong in environment.yml, not pyproject.toml: {versioned}"


def test_requirements_parser_stops_at_the_end_of_the_pip_section():
    text = (
        "dependencies:\n  - python=3.11\n  - pip:\n      # c\n      - a==1  # why\n"
        "      - b==2\nother: x\n"
    )
    assert pip_requirements(text) == ["a==1", "b==2"]
    with pytest.raises(SystemExit, match="no '- pip:' section"):
        pip_requirements("dependencies:\n  - python\n")


def _make(root, *args, cwd=None):
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd or root,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_on_loopback_with_lab_args(root):
    result = _make(root, "-n", "lab", "LAB_ARGS=--no-browser --port 8899")
    assert result.returncode == 0, result.stderr
    command = result.stdout.strip().splitlines()[-1]
    assert "jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1" in command
    assert command.endswith("--no-browser --port 8899")
    assert ("--allow-root" in command) == (os.geteuid() == 0)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_without_python_311_says_what_is_missing(root, tmp_path):
    for name in ("Makefile", "environment.yml", "tools/requirements.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(root / name, tmp_path / name)
    result = _make(root, "test", "PYTHON=", cwd=tmp_path)
    assert result.returncode != 0
    assert "no Python 3.11 or newer found" in result.stdout + result.stderr
    assert not (tmp_path / ".venv").exists()


def test_ci_runs_the_readme_test_command(root):
    ci = (root / ".ci" / "run").read_text()
    readme = (root / "README.md").read_text()
    assert "make test" in ci and "make test" in readme and "make lab" in readme
    assert "nbval-lax" not in ci + (root / "Makefile").read_text()
