"""The course as data: syllabus, Colab links and the setup cell agree everywhere."""

import re

import pytest

from helpers.course import (
    REPOSITORY_URL,
    SETUP_CELL,
    SYLLABUS,
    colab_badge,
    colab_url,
    github_slug,
    notebook_by_filename,
)


def test_syllabus_is_numbered_in_order():
    assert [n.number for n in SYLLABUS] == [f"{i:02d}" for i in range(len(SYLLABUS))]


def test_notebooks_on_disk_are_syllabus_notebooks(root):
    on_disk = sorted(p.name for p in (root / "notebooks").glob("*.ipynb"))
    assert on_disk, "no notebooks"
    for name in on_disk:
        notebook_by_filename(name)  # raises for a stray notebook


def test_readme_lists_the_syllabus_with_badges_for_existing_notebooks(root):
    readme = (root / "README.md").read_text()
    for notebook in SYLLABUS:
        assert notebook.title in readme, f"README's syllabus misses {notebook.title!r}"
        exists = (root / "notebooks" / notebook.filename).exists()
        assert (colab_badge(notebook) in readme) == exists, notebook.filename
    # every Colab link in the README is one the course defines
    links = set(re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", readme))
    assert links == {colab_url(n) for n in SYLLABUS if (root / "notebooks" / n.filename).exists()}


def test_setup_cell_uses_the_one_repository_url():
    assert SETUP_CELL.count(REPOSITORY_URL) == 1
    assert "COURSE_REPO_URL" in SETUP_CELL
    compile(SETUP_CELL, "setup-cell", "exec")


def test_bad_urls_and_names():
    assert github_slug("https://github.com/a-b/c.d.git") == "a-b/c.d"
    with pytest.raises(ValueError, match="url must look like"):
        github_slug("https://gitlab.com/a/b")
    with pytest.raises(ValueError, match="filename must be one of"):
        notebook_by_filename("42_nope.ipynb")


def test_readme_syllabus_block_is_up_to_date(root):
    import sys

    sys.path.insert(0, str(root / "tools"))
    from readme import updated_readme

    readme = (root / "README.md").read_text()
    existing = {p.name for p in (root / "notebooks").glob("*.ipynb")}
    assert updated_readme(readme, existing) == readme, "run: python tools/readme.py"
