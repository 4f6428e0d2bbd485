"""The course's plot helpers."""

import numpy as np
import pytest

from helpers.course import SYLLABUS
from helpers.plots import ProbabilityBars, course_map, figure_png, probability_bars
from helpers.softmax import entropy_bits, softmax


def test_course_map_draws_every_notebook():
    fig = course_map(SYLLABUS, highlight="03")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert all(n.number in texts for n in SYLLABUS)
    assert figure_png(fig).startswith(b"\x89PNG")


def test_bars_update_in_place():
    chart = ProbabilityBars(["a", "b"])
    first = chart.png([0.9, 0.1])
    assert [round(b.get_height(), 2) for b in chart.bars] == [0.9, 0.1]
    assert chart.png([0.2, 0.8], title="new") != first
    with pytest.raises(ValueError, match=r"probs must have shape \(2,\)"):
        chart.draw([1.0])
    assert probability_bars(["x"], [1.0]).axes[0].get_title() == "Probabilities"


def test_softmax_properties_and_errors():
    p = softmax([3.0, 1.0, 0.0], temperature=0.5)
    assert np.isclose(p.sum(), 1) and np.all(np.diff(p) < 0)
    assert np.allclose(softmax([1000.0, 1000.0]), [0.5, 0.5])
    assert np.isclose(entropy_bits([0.25] * 4), 2.0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        softmax([1.0], temperature=0)
    with pytest.raises(TypeError, match="temperature must be a number"):
        softmax([1.0], temperature="hot")
    with pytest.raises(ValueError, match="at least one value"):
        softmax([])
