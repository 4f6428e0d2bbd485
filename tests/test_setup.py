"""The two-command setup: one list of dependencies, and a Makefile that uses it."""

import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

sys.path.insert(0, "tools")
from requirements import overridden, pip_requirements, requirement_name  # noqa: E402

_name = requirement_name


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


def test_overrides_replace_pins_of_the_same_package():
    requirements = ["numpy==2.4.6", "Torch==2.13.0", "ipywidgets==8.1.9"]
    overrides = "# Colab\nipywidgets==7.7.1  # why\nnumpy == 2.1.3\nextra_pkg==1\n"
    assert overridden(requirements, overrides) == [
        "numpy == 2.1.3",
        "Torch==2.13.0",
        "ipywidgets==7.7.1",
        "extra_pkg==1",
    ]


def _colab_versions(root) -> list[str]:
    text = (root / "tools" / "colab-versions.txt").read_text()
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def test_colab_versions_pin_course_packages_and_leave_torch(root, pinned):
    colab = _colab_versions(root)
    assert {"ipywidgets==7.7.1", "numpy==2.1.3", "matplotlib==3.10.0"} <= set(colab)
    names = {_name(r) for r in colab}
    assert names <= {_name(r) for r in pinned}, "Colab versions of packages the course lacks"
    assert "torch" not in names, "torch keeps the course's pin (no other build installs here)"
    assert all("==" in r for r in colab)


def test_readme_says_which_colab_versions_are_tested(root):
    readme = (root / "README.md").read_text()
    block = readme.split("<!-- colab-versions:start -->")[1].split("<!-- colab-versions:end -->")[0]
    for requirement in _colab_versions(root):
        name, version = requirement.split("==")
        assert f"{name} {version}" in " ".join(block.split()), f"README: {name} {version}"


def test_ci_also_checks_portable_outputs_and_colab_versions(root):
    ci = (root / ".ci" / "run").read_text()
    makefile = (root / "Makefile").read_text()
    assert ci.index("make test\n") < ci.index("make test-portable") < ci.index("make test-colab")
    assert "ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1" in makefile
    assert "ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=2" in makefile
    assert "--override tools/colab-versions.txt" in makefile


def test_ci_runs_the_readme_test_command(root):
    ci = (root / ".ci" / "run").read_text()
    readme = (root / "README.md").read_text()
    assert "make test" in ci and "make test" in readme and "make lab" in readme
    assert "nbval-lax" not in ci + (root / "Makefile").read_text()
