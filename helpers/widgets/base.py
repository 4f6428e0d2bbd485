"""What every widget of the course is built from: controls wired to a pure render function.

`live_view(controls, render)` puts controls above an Output that shows `render(**values)` and
redraws whenever a control moves; `label_style()` lets long control labels show in full. The
widget families (helpers.widgets.temperature, .tokenizer, .search, .attention, .sampling) build
on them.

The Output widget is filled by setting its `outputs` directly (not by capturing prints), which
works the same in JupyterLab, Colab, plain Python and tests.
"""

from collections.abc import Callable, Mapping

import ipywidgets as widgets

from helpers.plots import png_output

__all__ = ["label_style", "live_view"]


def live_view(
    controls: Mapping[str, widgets.ValueWidget],
    render: Callable[..., tuple[str, bytes | None]],
) -> widgets.VBox:
    """Controls above an Output that shows `render(**values)` and redraws when any changes.

    `render` takes the controls' values as keyword arguments and returns (text, png or None).
    Bad input that `render` refuses (a ValueError or a TypeError) is shown as a message.
    """
    out = widgets.Output()

    def redraw(_change=None):
        values = {name: control.value for name, control in controls.items()}
        try:
            text, png = render(**values)
        except (TypeError, ValueError) as error:
            text, png = f"⚠ {error}", None
        shown = [{"output_type": "stream", "name": "stdout", "text": text + "\n"}]
        if png is not None:
            shown.append(png_output(png))
        out.outputs = tuple(shown)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*controls.values(), out])


def label_style() -> dict:
    """The style of a control whose description is longer than ipywidgets' default label
    width ("temperature (0 = greedy)"): show the description in full."""
    return {"description_width": "initial"}
