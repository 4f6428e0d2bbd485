"""The figures of notebooks 06 and 07: the causal triangle, loss curves, learning by stage.

Every function draws on `ax` when given one (so a notebook can put figures side by side) and
otherwise makes its own figure; it returns the figure. The course style comes from
`helpers.plots` (imported here, so it is applied).
"""

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from helpers.plots import COLORS, SEQUENTIAL_CMAP

__all__ = ["loss_curves", "shares_by_stage", "triangle_heatmap"]


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
    if not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be an integer >= 0, got {decimals!r}")
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
