"""Widgets respond to their controls; tested by setting values, as a learner's drag would."""

import base64

import ipywidgets as widgets
import pytest

from helpers.widgets import live_view, temperature_explorer, temperature_text


def _shown(output: widgets.Output):
    text = "".join(o["text"] for o in output.outputs if o["output_type"] == "stream")
    pngs = [base64.b64decode(o["data"]["image/png"]) for o in output.outputs if "data" in o]
    return text, pngs


def test_temperature_slider_redraws_text_and_picture():
    box = temperature_explorer([2.0, 1.0, 0.1], ["cat", "dog", "fish"])
    slider, output = box.children
    text, pngs = _shown(output)
    assert text.startswith("T = 1.00: cat 0.659, dog 0.242, fish 0.099")
    assert len(pngs) == 1 and pngs[0].startswith(b"\x89PNG")
    slider.value = 0.25
    new_text, new_pngs = _shown(output)
    assert new_text.startswith("T = 0.25: cat 0.982")
    assert new_pngs[0] != pngs[0]


def test_pure_function_matches_the_widget():
    box = temperature_explorer()
    box.children[0].value = 2.0
    assert _shown(box.children[1])[0].strip() == temperature_text(
        [2.0, 1.0, 0.1], ["cat", "dog", "fish"], 2.0
    )


def test_bad_input_is_shown_in_the_output_not_raised():
    box = widgets.IntText(value=1)

    def render(n):
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return f"n = {n}", None

    view = live_view({"n": box}, render)
    box.value = -3
    assert _shown(view.children[1])[0].strip() == "⚠ n must be >= 0, got -3"


def test_labels_must_match_logits():
    with pytest.raises(ValueError, match="labels must have one entry per logit"):
        temperature_explorer([1.0, 2.0], ["a"])
