"""The course's plot helpers, the figures of notebooks 07 and 08 included: they draw what they
say."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.attention import causal_mask
from helpers.course import SYLLABUS
from helpers.plots import (
    ProbabilityBars,
    course_map,
    figure_png,
    loss_curves,
    probability_bars,
    shares_by_stage,
    triangle_heatmap,
)
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


def _labelled(fig):
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert figure_png(fig).startswith(b"\x89PNG")


def test_triangle_heatmap_writes_the_past_and_greys_out_the_future():
    tokens = ["a", " b", "c", "d"]
    fig = triangle_heatmap(causal_mask(4).int(), tokens, "mask", decimals=0)
    numbers = [t.get_text() for t in fig.axes[0].texts]
    assert numbers == ["1"] * 10  # 4 + 3 + 2 + 1 cells on and below the diagonal
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", " b", "c", "d"]
    _labelled(fig)
    weights = np.full((4, 4), 0.25)  # no zeros above the diagonal: every cell is shown
    assert len(triangle_heatmap(weights, tokens, "all").axes[0].texts) == 16
    with pytest.raises(ValueError, match=r"values must have shape \(T, T\) = \(4, 4\)"):
        triangle_heatmap(np.ones((3, 3)), tokens, "bad")
    plt.close("all")


def test_triangle_heatmap_explains_its_colours_with_a_colour_bar():
    tokens = ["a", "b", "c"]
    fig = triangle_heatmap(np.full((3, 3), 1 / 3), tokens, "weights")
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "attention weight"
    mask = triangle_heatmap(causal_mask(3).int(), tokens, "mask", decimals=0, colorbar_label=None)
    assert len(mask.axes) == 1
    plt.close("all")


def test_loss_curves_mark_the_uniform_guess():
    fig = loss_curves([1, 2, 3], [6.0, 5.0, 4.0], [0, 3], [6.2, 4.1], vocab_size=512)
    ax = fig.axes[0]
    assert len(ax.lines) == 3  # train, val, ln(512)
    assert ax.lines[2].get_ydata()[0] == pytest.approx(math.log(512))
    _labelled(fig)
    with pytest.raises(ValueError, match="same lengths"):
        loss_curves([1, 2], [6.0], [], [])
    plt.close("all")


def test_shares_by_stage_one_line_per_series():
    fig = shares_by_stage([0, 100], {"grammatical": [0.0, 0.9], "known words": [0.3, 1.0]})
    assert [line.get_label() for line in fig.axes[0].lines] == ["grammatical", "known words"]
    _labelled(fig)
    with pytest.raises(ValueError, match="at least one series"):
        shares_by_stage([0], {})
    with pytest.raises(ValueError, match="has 1 values for 2 steps"):
        shares_by_stage([0, 1], {"x": [0.5]})
    plt.close("all")
