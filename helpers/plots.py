"""One look for every figure of the course, and the figures more than one notebook draws.

Importing this module applies the course style: PNG output at a modest resolution (nbval
skips PNGs, so figures never make a test flaky), colour-blind-safe colours, titled and
labelled axes. Plot functions return the figure and leave showing it to the caller.
"""

import base64
import io

import matplotlib
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np

# Okabe & Ito's palette: distinguishable with every common form of colour blindness.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEQUENTIAL_CMAP = "viridis"  # heatmaps: perceptually uniform and colour-blind safe
DPI = 80  # modest, so notebooks committed with outputs stay small

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "axes.prop_cycle": matplotlib.cycler(color=COLORS),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "image.cmap": SEQUENTIAL_CMAP,
    "font.size": 10,
    "svg.hashsalt": "course",  # deterministic ids should anyone save SVG by hand
}


def use_course_style() -> None:
    """Apply the course style to matplotlib and make inline figures PNG."""
    plt.rcParams.update(STYLE)
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # outside IPython: nothing to configure
        pass


def figure_png(fig: matplotlib.figure.Figure, close: bool = True) -> bytes:
    """The figure as PNG bytes (closed afterwards unless close=False)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)  # no bbox_inches="tight": it draws twice
    if close:
        plt.close(fig)
    return buffer.getvalue()


def png_output(png: bytes) -> dict:
    """A notebook display_data output holding a PNG (what an Output widget shows)."""
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": "<Figure>"},
        "metadata": {},
    }


def probability_bars(labels, probs, title="Probabilities", ylim=(0, 1)):
    """A bar chart of probabilities with each bar's value printed above it."""
    return ProbabilityBars(labels, title, ylim).draw(probs)


class ProbabilityBars:
    """A bar chart that is drawn once and then only updated: fast enough for a slider.

    `draw(probs, title)` changes the bar heights, value labels and title, and returns the
    figure; `png(probs, title)` returns it as PNG bytes without closing it.
    """

    def __init__(self, labels, title="Probabilities", ylim=(0, 1), ax=None):
        if ax is None:  # a Figure outside pyplot: Jupyter does not show it by itself
            self.fig = matplotlib.figure.Figure(figsize=(5.0, 3.0), dpi=DPI)
            self.ax = self.fig.add_subplot()
        else:
            self.fig, self.ax = ax.figure, ax
        self.bars = self.ax.bar(range(len(labels)), np.zeros(len(labels)), color=COLORS[0])
        self.ax.set_xticks(range(len(labels)), labels)
        self.values = [
            self.ax.text(i, 0, "", ha="center", va="bottom", fontsize=9) for i in range(len(labels))
        ]
        self.ax.set_ylim(ylim[0], ylim[1] * 1.12)  # headroom for the value labels
        self.ax.set_yticks(np.linspace(*ylim, 6))
        self.ax.set_ylabel("probability")
        self.ax.grid(axis="x", visible=False)
        self.title = self.ax.set_title(title)
        if ax is None:
            self.fig.tight_layout()

    def draw(self, probs, title: str | None = None):
        probs = np.asarray(probs, dtype=float)
        if probs.shape != (len(self.bars),):
            raise ValueError(f"probs must have shape ({len(self.bars)},), got {probs.shape}")
        for bar, value, p in zip(self.bars, self.values, probs, strict=True):
            bar.set_height(p)
            value.set_position((bar.get_x() + bar.get_width() / 2, p + 0.01))
            value.set_text(f"{p:.2f}")
        if title is not None:
            self.title.set_text(title)
        return self.fig

    def png(self, probs, title: str | None = None) -> bytes:
        return figure_png(self.draw(probs, title), close=False)


def course_map(notebooks, highlight: str | None = None):
    """The syllabus as a path of boxes, from the RNN bottleneck to the sampling controls.

    `notebooks` are helpers.course.Notebook entries; `highlight` is the number of the one the
    learner is in.
    """
    n = len(notebooks)
    cols = (n + 1) // 2
    fig, ax = plt.subplots(figsize=(10, 3.4))
    ax.set_xlim(-0.1, cols - 0.1)
    ax.set_ylim(-0.1, 1.9)
    ax.axis("off")
    positions = []
    for i, nb in enumerate(notebooks):
        row, col = divmod(i, cols)
        x = col if row == 0 else cols - 1 - col  # snake: left to right, then back
        y = 1.45 if row == 0 else 0.35
        positions.append((x + 0.4, y))
        color = COLORS[1] if nb.number == highlight else COLORS[4]
        ax.add_patch(
            matplotlib.patches.FancyBboxPatch(
                (x, y - 0.36), 0.8, 0.72, boxstyle="round,pad=0.02", fc=color, ec="black", lw=0.8
            )
        )
        ax.text(x + 0.4, y + 0.24, nb.number, ha="center", va="center", weight="bold")
        ax.text(x + 0.4, y + 0.1, _wrap(nb.title, 18), ha="center", va="top", fontsize=7.5)
    for (x0, y0), (x1, y1) in zip(positions, positions[1:], strict=False):
        if y0 == y1:
            dx = 0.4 if x1 > x0 else -0.4
            start, end = (x0 + dx, y0), (x1 - dx, y1)
        else:
            start, end = (x0, y0 - 0.36), (x1, y1 + 0.36)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "lw": 1.2})
    ax.set_title("The course map: from one context vector to the controls of a real LLM")
    return fig


def _wrap(text: str, width: int) -> str:
    """Break a title into lines of at most about `width` characters."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


use_course_style()
