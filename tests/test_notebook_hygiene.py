"""Rules every committed notebook follows, so nbval's comparison means something."""

import json
import re

import pytest
import quoted_numbers
from course_paths import NOTEBOOKS

from helpers.course import (
    SETUP_CELL,
    SETUP_CELL_METADATA,
    SETUP_NOTE,
    colab_badge,
    notebook_by_filename,
)

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


def test_setup_cell_is_folded_below_its_note(notebook):
    """Colab shows the #@title form, JupyterLab hides the source; a line above says why."""
    _, nb = notebook
    index = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    setup = nb["cells"][index]
    for key, value in SETUP_CELL_METADATA.items():
        assert setup["metadata"].get(key) == value, f"setup cell metadata {key!r}"
    assert _source(nb["cells"][index - 1]) == SETUP_NOTE, "run tools/setup_cells.py"


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


# -- the learner can trust the text ------------------------------------------------------------


def test_every_quoted_number_is_shown_by_the_notebook(notebook):
    """A decimal, percentage, ratio or timing in the prose is printed by a cell (or is in its
    code, or is a listed constant); rounded only where the text says "about"."""
    path, nb = notebook
    missing = quoted_numbers.unshown_quotes(nb, path.stem)
    assert not missing, "\n".join(
        f"{path.name} cell {q.cell}: {q.text!r} is quoted but no cell prints it" for q in missing
    )


def _stderr(nb):
    return [
        "".join(o["text"])
        for c in _code_cells(nb)
        for o in c["outputs"]
        if o["output_type"] == "stream" and o["name"] == "stderr"
    ]


def test_no_stderr_in_stored_outputs(notebook):
    """Warnings and progress bars on stderr are noise to a learner and differ by machine."""
    path, nb = notebook
    assert not _stderr(nb), f"{path.name}: stderr output {_stderr(nb)[0][:120]!r}"


# Words about how the course is built and tested. Notebook 00 may say it in a short note.
DEVELOPER_WORDS = re.compile(
    r"\b(?:the tests?|tests/|pytest|nbval|NBVAL|CI\b|make (?:test|checkpoints|bench|execute)"
    r"|busy machine|this machine|our machine|2-core|test suite)",
)


def test_learner_text_has_no_developer_words(notebook):
    path, nb = notebook
    if path.name.startswith("00_"):
        return
    for index, cell in enumerate(nb["cells"]):
        text = _source(cell)
        if cell["cell_type"] == "code":
            text = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
        found = DEVELOPER_WORDS.search(text)
        assert not found, f"{path.name} cell {index}: {found.group(0)!r} in the learner's text"


def test_ignored_outputs_use_the_invisible_tag(notebook):
    """nbval markers in code are noise to a learner; the cell tag does the same job unseen."""
    path, nb = notebook
    for cell in _code_cells(nb):
        assert not any(m in _source(cell) for m in IGNORE_MARKERS), _source(cell)[:80]


def _broken_copy(nb, *, quote=None, stderr=None):
    broken = json.loads(json.dumps(nb))
    if quote:
        broken["cells"].append({"cell_type": "markdown", "metadata": {}, "source": [quote]})
    if stderr:
        cell = _code_cells(broken)[-1]
        cell["outputs"].append({"output_type": "stream", "name": "stderr", "text": [stderr]})
    return broken


def test_hygiene_checks_fail_on_a_deliberately_broken_copy():
    path = NOTEBOOKS[-1]
    nb = _load(path)
    assert not quoted_numbers.unshown_quotes(nb, path.stem)
    broken = _broken_copy(nb, quote="Accuracy reached 0.8137 and 71.5% in 3.25 ms, 4.25x faster.")
    missing = {q.text for q in quoted_numbers.unshown_quotes(broken, path.stem)}
    assert missing == {"0.8137", "71.5%", "3.25 ms", "4.25x"}
    assert _stderr(_broken_copy(nb, stderr="UserWarning: something\n"))


@pytest.mark.parametrize(
    ("text", "shown", "passes"),
    [
        ("accuracy 0.87", "0.87", True),
        ("accuracy 0.87", "0.870", True),
        ("accuracy 0.87", "0.872", False),  # rounded without saying so
        ("accuracy about 0.87", "0.872", True),
        ("about 0.87", "0.88", False),
        ("65% of them", "65.0%", True),
        ("65% of them", "share 0.65", True),
        ("about 65%", "0.6512", True),
        ("6.9x slower", "ratio 6.9", True),
        ("6.9x slower", "ratio 7.0", False),
        ("12 ms per step", "12.0 ms", True),
        ("1.4e-6 apart", "1.4e-06", True),
        ("about 700 tokens/s", "704", True),
        ("Python 3.11.2 and a 4x4x128 GPT, 10 layers", "", True),  # versions, ids, integers
    ],
)
def test_quoted_number_rules(text, shown, passes):
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": [text]},
            {
                "cell_type": "code",
                "source": [],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [shown]}],
            },
        ]
    }
    assert (not quoted_numbers.unshown_quotes(nb, "example")) is passes
