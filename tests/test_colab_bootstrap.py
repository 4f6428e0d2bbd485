"""The setup cell in a simulated Colab: a fake `google.colab`, a fresh virtual environment that
has the course's dependencies (as Colab has torch & co.) but not helpers, and COURSE_REPO_URL
pointing at a git copy of this checkout. Runs offline: pip may not reach an index.
"""

import json
import os
import pathlib
import subprocess
import sys
import sysconfig

import pytest

from helpers.course import SETUP_CELL

COURSE_DIST = "transformers_hands_on"


def _run(python, code, env, cwd):
    return subprocess.run(
        [str(python), "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def repo_copy(root, tmp_path_factory):
    """This checkout's working tree (tracked and untracked, not ignored) as a fresh git repo."""
    copy = tmp_path_factory.mktemp("course-repo")
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        source = root / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(source.read_bytes())
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], cwd=copy, check=True)
    return copy


@pytest.fixture
def colab(tmp_path_factory):
    """A fresh venv seeing the course's dependencies but not helpers, and a fake google.colab."""
    base = tmp_path_factory.mktemp("colab")
    # The dependencies: every entry of this environment's site-packages except the course's own.
    deps = base / "preinstalled"
    deps.mkdir()
    site = pathlib.Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if COURSE_DIST not in entry.name and entry.name != "helpers":
            (deps / entry.name).symlink_to(entry)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (venv_site,) = venv.glob("lib/python3*/site-packages")
    (venv_site / "preinstalled.pth").write_text(f"{deps}\n")
    fake = base / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab."""\n')
    return venv / "bin" / "python", venv_site, fake, base


def _env(fake, repo_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(
        PYTHONPATH=str(fake),
        COURSE_REPO_URL=repo_url,
        PIP_NO_INDEX="1",  # offline: every dependency must already be there, as in Colab
        PIP_NO_BUILD_ISOLATION="0",  # (sic) build with the setuptools already installed
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def test_outside_colab_the_setup_cell_does_nothing(tmp_path):
    result = _run(sys.executable, SETUP_CELL, dict(os.environ), tmp_path)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


def test_in_colab_it_installs_once_then_stays_quiet(colab, repo_copy):
    python, venv_site, fake, cwd = colab
    env = _env(fake, f"file://{repo_copy}")
    assert _run(python, "import helpers", env, cwd).returncode != 0, "helpers leaked in"

    first = _run(python, SETUP_CELL, env, cwd)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.startswith(f"Installing the course helpers from file://{repo_copy}")

    second = _run(python, SETUP_CELL, env, cwd)
    assert second.returncode == 0 and second.stdout == "" and second.stderr == ""

    probe = (
        "import helpers, helpers.checkpoints as c, helpers.exercises as e, json\n"
        "print(helpers.__file__)\n"
        "print(json.dumps(sorted(p.name for p in c.data_dir().iterdir())))\n"
        "e.check('00.softmax', lambda x, t: x)"
    )
    imported = _run(python, probe, env, cwd)
    assert imported.returncode == 0, imported.stderr[-2000:]
    where, data, checked = imported.stdout.splitlines()
    assert where.startswith(str(venv_site))
    shipped = {p.name for p in (repo_copy / "data").glob("*.*") if p.suffix != ".py"}
    assert shipped <= set(json.loads(data)), "data/ did not ship with the package"
    assert checked.startswith("❌ 00.softmax"), checked
    # Only the course was installed: Colab's own torch, transformers, ... were left alone.
    added = sorted(p.name for p in venv_site.iterdir() if p.name != "preinstalled.pth")
    assert all(name == "helpers" or name.startswith(COURSE_DIST) for name in added), added


def test_unreachable_repository_gives_one_clear_message(colab, tmp_path):
    python, _, fake, cwd = colab
    env = _env(fake, f"file://{tmp_path}/no-such-repository")
    result = _run(python, SETUP_CELL, env, cwd)
    assert result.returncode != 0
    assert "Could not install the course helpers" in result.stderr
    assert "Traceback" not in result.stderr
