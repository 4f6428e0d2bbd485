"""Choose a query token, see where it looks: MiniLM's attention as bars (notebook 04).

`query_weights` is the pure computation: the attention weights of one query token over all the
tokens of a sentence, from one head of one layer of MiniLM or from the average of a layer's
heads. `query_text` and `QueryBars` turn them into a line of text and a bar chart;
`render_query` does both; `query_token_explorer` wires a token Dropdown, a layer slider and a
head Dropdown to them through `helpers.widgets.base.live_view`.
"""

import matplotlib.figure
import numpy as np
import torch

from helpers._checks import check_int
from helpers.plots import COLORS, DPI, figure_png
from helpers.pretrained.attention_maps import minilm_attention
from helpers.widgets.base import label_style, live_view

__all__ = ["AVERAGE", "QueryBars", "query_text", "query_token_explorer", "query_weights"]

AVERAGE = "average"  # the `head` value meaning "the mean of all the layer's heads"


def query_weights(
    sentence: str, query: int, layer: int, head: int | str = AVERAGE
) -> tuple[list[str], np.ndarray]:
    """The word pieces of `sentence` and the attention weights (T,) of token `query` over them.

    layer: 0 .. 5; head: 0 .. 11, or AVERAGE for the mean of the layer's 12 heads. The weights
    are non-negative and sum to 1.
    """
    tokens, weights = minilm_attention(sentence)  # weights (L, H, T, T)
    n_layers, n_heads, T, _ = weights.shape
    check_int("query", query, 0, T - 1)
    check_int("layer", layer, 0, n_layers - 1)
    if head == AVERAGE:
        row = weights[layer, :, query].mean(dim=0)  # (H, T) -> (T,)
    else:
        message = f"head must be an integer in [0, {n_heads - 1}] or {AVERAGE!r}"
        check_int("head", head, 0, n_heads - 1, message=message)
        row = weights[layer, head, query]  # (T,)
    return tokens, row.to(torch.float64).numpy()


def query_text(tokens: list[str], weights: np.ndarray, query: int, top: int = 3) -> str:
    """One line: the query token and the `top` tokens it attends to most, with their weights."""
    if len(weights) != len(tokens):
        raise ValueError(
            f"weights must have one entry per token ({len(tokens)}), got {len(weights)}"
        )
    order = np.argsort(-np.asarray(weights), kind="stable")[:top]
    best = ", ".join(f"{tokens[i]!r} ({i}) {weights[i]:.2f}" for i in order)
    return f"{tokens[query]!r} ({query}) attends most to: {best}"


class QueryBars:
    """A horizontal bar chart of one query's weights, drawn once and then only updated."""

    def __init__(self, tokens: list[str]):
        self.tokens = list(tokens)
        T = len(self.tokens)
        self.fig = matplotlib.figure.Figure(figsize=(5.0, 0.6 + 0.22 * T), dpi=DPI)
        self.ax = self.fig.add_subplot()
        labels = [f"{i}: {tok}" for i, tok in enumerate(self.tokens)]
        self.bars = self.ax.barh(range(T), np.zeros(T), color=COLORS[4])
        self.ax.set_yticks(range(T), labels, fontsize=8)
        self.ax.invert_yaxis()  # first token at the top, as in the sentence
        self.values = [self.ax.text(0, i, "", va="center", fontsize=8) for i in range(T)]
        self.ax.set_xlim(0, 1.12)
        self.ax.set_xlabel("attention weight")
        self.ax.grid(axis="y", visible=False)
        self.title = self.ax.set_title("Where the query looks", fontsize=10)  # room for it
        self.fig.tight_layout()

    def draw(self, weights: np.ndarray, query: int, title: str):
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (len(self.bars),):
            raise ValueError(f"weights must have shape ({len(self.bars)},), got {weights.shape}")
        for i, (bar, value, w) in enumerate(zip(self.bars, self.values, weights, strict=True)):
            bar.set_width(w)
            bar.set_color(COLORS[1] if i == query else COLORS[4])  # the query itself in orange
            value.set_position((w + 0.01, i))
            value.set_text(f"{w:.2f}")
        self.title.set_text(title)
        return self.fig

    def png(self, weights: np.ndarray, query: int, title: str) -> bytes:
        return figure_png(self.draw(weights, query, title), close=False)


def render_query(
    sentence: str, query: int, layer: int, head: int | str = AVERAGE, chart: QueryBars | None = None
) -> tuple[str, bytes]:
    """(text, PNG bar chart) for one query token: what the widget shows."""
    tokens, weights = query_weights(sentence, query, layer, head)
    chart = chart or QueryBars(tokens)
    which = "average of all heads" if head == AVERAGE else f"head {head}"
    title = f"Where {tokens[query]!r} looks: layer {layer}, {which}"
    return f"layer {layer}, {which}: " + query_text(tokens, weights, query), chart.png(
        weights, query, title
    )


def query_token_explorer(
    sentence: str, query: int | None = None, layer: int = 3, head: int | str = AVERAGE
):
    """A Dropdown of the sentence's tokens, a layer slider and a head Dropdown over the bars.

    Returns the ipywidgets container (controls above the output).
    """
    import ipywidgets as widgets

    tokens, weights = minilm_attention(sentence)
    n_layers, n_heads = weights.shape[:2]
    query = len(tokens) // 2 if query is None else query
    check_int("query", query, 0, len(tokens) - 1)
    chart = QueryBars(tokens)
    style = label_style()
    controls = {
        "query": widgets.Dropdown(
            options=[(f"{i}: {tok}", i) for i, tok in enumerate(tokens)],
            value=query,
            description="query token",
            style=style,
        ),
        "layer": widgets.IntSlider(
            value=layer, min=0, max=n_layers - 1, description="layer", style=style
        ),
        "head": widgets.Dropdown(
            options=[("average of all heads", AVERAGE)]
            + [(f"head {h}", h) for h in range(n_heads)],
            value=head,
            description="head",
            style=style,
        ),
    }

    def render(query, layer, head):
        return render_query(sentence, query, layer, head, chart)

    return live_view(controls, render)
