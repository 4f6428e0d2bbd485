"""Widget builders: sliders and boxes wired to a pure function that draws the answer.

Only core ipywidgets that versions 7.7 (Colab) and 8 share, no JavaScript of our own. Each
builder returns a container; the compute lives in pure functions elsewhere in helpers, so
tests can set a control's `.value` and read the Output widget's `.outputs` without a browser.

The Output widget is filled by setting its `outputs` directly (not by capturing prints), which
works the same in JupyterLab, Colab, plain Python and tests.
"""

from collections.abc import Callable, Mapping

import ipywidgets as widgets
import numpy as np

from helpers.plots import ProbabilityBars, png_output
from helpers.softmax import entropy_bits, softmax


def live_view(
    controls: Mapping[str, widgets.ValueWidget],
    render: Callable[..., tuple[str, bytes | None]],
) -> widgets.VBox:
    """Controls above an Output that shows `render(**values)` and redraws when any changes.

    `render` takes the controls' values as keyword arguments and returns (text, png or None).
    An error raised by `render` (e.g. a ValueError for bad input) is shown as a message.
    """
    out = widgets.Output()

    def redraw(_change=None):
        values = {name: control.value for name, control in controls.items()}
        try:
            text, png = render(**values)
        except ValueError as error:
            text, png = f"⚠ {error}", None
        shown = [{"output_type": "stream", "name": "stdout", "text": text + "\n"}]
        if png is not None:
            shown.append(png_output(png))
        out.outputs = tuple(shown)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*controls.values(), out])


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
        style={"description_width": "initial"},
    )
    return live_view({"temperature": slider}, render)
