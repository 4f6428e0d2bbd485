"""Rules every committed notebook follows, so nbval's comparison means something."""

import json
import re

import pytest
from course_paths import NOTEBOOKS

from helpers.course import SETUP_CELL, colab_badge, notebook_by_filename

IGNORE_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip")


def _load(path):
    return json.loads(path.read_text())


def _source(cell) -> str:
    return "".join(cell["source"])


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, _load(request.param)


def test_there_are_notebooks():
    assert NOTEBOOKS


def test_colab_badge_then_the_identical_setup_cell(notebook):
    path, nb = notebook
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    assert _source(first).startswith(colab_badge(notebook_by_filename(path.name)))
    assert _source(_code_cells(nb)[0]) == SETUP_CELL, "setup cell differs"


def test_executed_in_order_top_to_bottom_without_errors(notebook):
    _, nb = notebook
    counts = [c["execution_count"] for c in _code_cells(nb) if _source(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), "re-run the notebook top to bottom"
    errors = [o for c in _code_cells(nb) for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"error outputs: {[e['ename'] for e in errors]}"


def test_figures_are_png_not_svg(notebook):
    _, nb = notebook
    for cell in _code_cells(nb):
        for output in cell["outputs"]:
            assert "image/svg+xml" not in output.get("data", {})


def test_at_most_one_in_five_code_cells_is_exempt_from_comparison(notebook):
    _, nb = notebook
    cells = _code_cells(nb)
    exempt = [
        c
        for c in cells
        if any(m in _source(c) for m in IGNORE_MARKERS)
        or any(t in c.get("metadata", {}).get("tags", []) for t in IGNORE_TAGS)
    ]
    assert len(exempt) * 5 <= len(cells), f"{len(exempt)} of {len(cells)} code cells exempt"


def test_standard_kernel_and_no_stored_widget_state(notebook):
    _, nb = notebook
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb["metadata"], "strip widget state (make execute does)"


def test_no_trailing_semicolons(notebook):
    """nbval runs cells outside IPython's history, so a trailing ';' does not hide the result."""
    _, nb = notebook
    for cell in _code_cells(nb):
        assert not _source(cell).rstrip().endswith(";"), _source(cell)[:80]


def test_no_machine_paths_in_outputs(notebook):
    _, nb = notebook
    text = json.dumps([c["outputs"] for c in _code_cells(nb)])
    assert not re.search(r"/(?:work|root|home|Users)/[\w.-]+/", text)


def test_closes_with_what_we_learned(notebook):
    _, nb = notebook
    last = _source(nb["cells"][-1])
    assert nb["cells"][-1]["cell_type"] == "markdown" and "What we learned" in last
