"""The temperature explorer of notebook 00: a slider over the softmax of a few logits.

`temperature_text` is the pure compute (one line: the probabilities and their entropy);
`temperature_explorer` wires a slider to it and to a bar chart that is updated in place.
"""

import ipywidgets as widgets
import numpy as np

from helpers.plots import ProbabilityBars
from helpers.softmax import entropy_bits, softmax
from helpers.widgets.base import label_style, live_view

__all__ = ["temperature_explorer", "temperature_text"]


def temperature_text(logits, labels, temperature: float) -> str:
    """One line: the softmax of `logits` at `temperature`, and its entropy."""
    probs = softmax(logits, temperature)
    pairs = ", ".join(f"{label} {p:.3f}" for label, p in zip(labels, probs, strict=True))
    return f"T = {temperature:.2f}: {pairs}   (entropy {entropy_bits(probs):.2f} bits)"


def temperature_explorer(logits=(2.0, 1.0, 0.1), labels=("cat", "dog", "fish")) -> widgets.VBox:
    """A temperature slider over the softmax of a few logits, with a bar chart (notebook 00)."""
    logits = np.asarray(logits, dtype=float)
    if len(labels) != len(logits):
        raise ValueError(f"labels must have one entry per logit ({len(logits)}), got {len(labels)}")
    chart = ProbabilityBars(labels)

    def render(temperature):
        probs = softmax(logits, temperature)
        title = f"softmax(logits / T), T = {temperature:.2f}"
        return temperature_text(logits, labels, temperature), chart.png(probs, title)

    slider = widgets.FloatSlider(
        value=1.0,
        min=0.1,
        max=5.0,
        step=0.05,
        description="temperature",
        continuous_update=True,  # a redraw takes a few tens of ms: smooth while dragging
        readout_format=".2f",
        style=label_style(),
    )
    return live_view({"temperature": slider}, render)
