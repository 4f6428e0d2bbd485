"""One look for every figure of the course, and the figures the notebooks draw from numbers.

Importing this module applies the course style: PNG output at a modest resolution (nbval
skips PNGs, so figures never make a test flaky), colour-blind-safe colours, titled and
labelled axes. Plot functions return the figure and leave showing it to the caller; those that
take `ax` draw on it when given one (so a notebook can put figures side by side).

- probability bars (notebook 00 and the widgets), the course map (notebook 00);
- the causal triangle (notebook 07), loss curves and learning by stage (notebook 08).

The figures of a measurement live with it, in `helpers.studies`.
"""

import base64
import io
import math
from collections.abc import Sequence

import matplotlib
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np

from helpers._checks import check_int

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


def triangle_heatmap(
    values,
    tokens: Sequence[str],
    title: str,
    ax=None,
    decimals: int = 2,
    colorbar_label: str | None = "attention weight",
):
    """A (T, T) query-by-key matrix (a causal mask or attention weights) with its numbers.

    Row t is the query at token t, column s the key at token s. Cells above the diagonal
    (the future) are drawn light grey with no number when they are 0, so the triangle shows.
    A colour bar with `colorbar_label` explains the colours (None: no colour bar, e.g. for a
    0/1 mask whose numbers say it all).
    """
    values = np.asarray(values, dtype=float)
    T = len(tokens)
    if values.shape != (T, T):
        raise ValueError(f"values must have shape (T, T) = ({T}, {T}), got {values.shape}")
    check_int("decimals", decimals, low=0)
    fig, ax = _figure_and_axes(ax, figsize=(0.55 * T + 2.4, 0.45 * T + 1.6))
    future = np.triu(np.ones((T, T), dtype=bool), k=1) & (values == 0)
    shown = np.ma.masked_array(values, mask=future)
    cmap = plt.get_cmap(SEQUENTIAL_CMAP).with_extremes(bad="#e8e8e8")
    image = ax.imshow(shown, cmap=cmap, vmin=0, vmax=max(1.0, float(values.max())))
    if colorbar_label is not None:
        ax.figure.colorbar(image, ax=ax, label=colorbar_label, shrink=0.8)
    for q in range(T):
        for k in range(T):
            if not future[q, k]:
                light = values[q, k] < 0.6 * max(1.0, float(values.max()))
                ax.text(k, q, f"{values[q, k]:.{decimals}f}", ha="center", va="center",
                        fontsize=8, color="white" if light else "black")  # fmt: skip
    labels = [repr(t)[1:-1] for t in tokens]  # shows leading spaces as they are, newlines as \n
    ax.set_xticks(range(T), labels, rotation=60, ha="right")
    ax.set_yticks(range(T), labels)
    ax.set(xlabel="key: the token looked at", ylabel="query: the token looking", title=title)
    ax.grid(False)
    return fig


def loss_curves(
    train_steps: Sequence[int],
    train_loss: Sequence[float],
    eval_steps: Sequence[int],
    val_loss: Sequence[float],
    vocab_size: int | None = None,
    title: str = "Training and validation loss",
    ax=None,
):
    """Training loss (a line) and validation loss (dots) against the optimizer step; with
    `vocab_size`, a dashed line at ln(vocab_size), the loss of a uniform guess."""
    if len(train_steps) != len(train_loss) or len(eval_steps) != len(val_loss):
        raise ValueError(
            "steps and losses must have the same lengths, got "
            f"{len(train_steps)} train steps for {len(train_loss)} losses and "
            f"{len(eval_steps)} eval steps for {len(val_loss)} losses"
        )
    fig, ax = _figure_and_axes(ax, figsize=(6.4, 3.4))
    ax.plot(train_steps, train_loss, color=COLORS[0], lw=1.2, label="training batches")
    ax.plot(eval_steps, val_loss, "o-", color=COLORS[1], ms=4, label="held-out text")
    if vocab_size is not None:
        uniform = math.log(vocab_size)
        ax.axhline(uniform, color="grey", ls="--", lw=1,
                   label=f"uniform guess: ln {vocab_size} = {uniform:.2f}")  # fmt: skip
    ax.set(xlabel="optimizer step", ylabel="cross-entropy (nats per token)", title=title)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=8)
    return fig


def shares_by_stage(
    steps: Sequence[int],
    shares: dict[str, Sequence[float]],
    title: str = "What the samples get right, by training stage",
    ax=None,
):
    """Shares in [0, 1] (e.g. known words, grammatical sentences) against the training step."""
    if not shares:
        raise ValueError("shares must name at least one series, e.g. {'grammatical': [...]}")
    for name, values in shares.items():
        if len(values) != len(steps):
            raise ValueError(f"shares[{name!r}] has {len(values)} values for {len(steps)} steps")
    fig, ax = _figure_and_axes(ax, figsize=(6.4, 3.4))
    for i, (name, values) in enumerate(shares.items()):
        ax.plot(steps, values, "o-", color=COLORS[(i + 2) % len(COLORS)], ms=4, label=name)
    ax.set(xlabel="optimizer step", ylabel="share of the samples", title=title, ylim=(0, 1.05))
    ax.legend(loc="center right", fontsize=8)
    return fig


def _figure_and_axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


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
