"""The two widgets of notebook 09: the next-token explorer and the generation playground.

The compute is pure and tested on its own:
- `prompt_logits(model, tokenizer, prompt)`: the model's next-token logits after a prompt
  (cropped to the context window, with a note); the explorer runs it only when the prompt
  changes, never when a slider moves;
- `next_token_view(logits, tokenizer, temperature, top_k, top_p)`: what the sampling controls do
  to that distribution (the most likely tokens before and after, which were discarded, where
  the cut fell, the entropy and the number of candidate tokens), and `next_token_text` as text;
- `NextTokenChart`: its bar chart, drawn once and then only updated, so a slider drag stays
  smooth;
- `generation_html(generation)`: a `helpers.sampling.Generation` as HTML, each new token
  coloured by the probability it was sampled with (viridis: colour-blind safe), with a legend.

The builders `next_token_explorer` and `generation_playground` wire core ipywidgets to them.
Bad input (an empty prompt, a negative seed, ...) shows its message in the output, never a
traceback.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.figure
import numpy as np
import PIL.Image
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers._checks import eval_mode, model_device
from helpers.plots import COLORS, DPI
from helpers.sampling import (  # _encode_prompt: generate's own checks and messages
    Generation,
    TokenRow,
    _encode_prompt,
    candidate_count,
    entropy,
    generate,
    next_token_probs,
    top_tokens,
)
from helpers.widgets.base import label_style, live_view

__all__ = [
    "DEFAULT_PROMPT",
    "SHOWN_TOKENS",
    "NextTokenChart",
    "NextTokenView",
    "generation_html",
    "generation_playground",
    "next_token_explorer",
    "next_token_text",
    "next_token_view",
    "probability_color",
    "prompt_logits",
    "render_next_token",
    "show_token",
]

DEFAULT_PROMPT = "One day, Lily"
SHOWN_TOKENS = 20  # bars in the explorer's chart: the most likely tokens under the model alone
COLORMAP = "viridis"  # token colours in the playground: perceptually uniform, colour-blind safe
BEFORE_COLOR, AFTER_COLOR, DROPPED_COLOR = "#bbbbbb", COLORS[0], COLORS[5]  # grey, blue, red
CUMULATIVE_COLOR = COLORS[1]  # orange


def show_token(token: str) -> str:
    """A token's text for a label: whitespace made visible (' the' -> '·the', '\\n' -> '↵'),
    other control characters as \\xNN, the empty string as '∅'."""
    shown = token.replace(" ", "·").replace("\n", "↵").replace("\t", "→")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)
    return shown or "∅"


# ---------------------------------------------------------------------------------------------
# The next-token explorer: pure compute
# ---------------------------------------------------------------------------------------------


def prompt_logits(model: torch.nn.Module, tokenizer: Any, prompt: str) -> tuple[torch.Tensor, str]:
    """(logits (V,) of the token after `prompt`, a note: '' or how the prompt was cropped).

    A prompt longer than the model's context window is cropped to its last context_length
    tokens, as `helpers.sampling.generate` does. Bad prompts raise ValueError (empty, not
    encodable), with generate's messages.
    """
    ids = _encode_prompt(tokenizer, prompt, model.config.vocab_size)
    n = model.config.context_length
    note = ""
    if len(ids) > n:
        note = f"The prompt is {len(ids)} tokens: the model reads only its last {n}."
        ids = ids[-n:]
    with eval_mode(model), torch.inference_mode():
        logits = model(torch.tensor([ids], device=model_device(model)))[0, -1]  # (1, T, V) -> (V,)
    return logits.float().cpu(), note


@dataclass(frozen=True)
class NextTokenView:
    """What the sampling controls do to one next-token distribution (what the explorer shows)."""

    rows: list[TokenRow]  # the most likely tokens under the model alone, most likely first
    cumulative: list[float]  # cumulative probability that top-p looks at, along `rows`
    kept_shown: int  # how many of `rows` (from the left) still have a chance
    candidates: int  # tokens with probability > 0 after the controls (of the whole vocabulary)
    vocab_size: int
    entropy_before: float  # bits, the model's own distribution (temperature 1, no filters)
    entropy_after: float  # bits, after the controls
    cut_by: str  # what made the cut: "greedy", "top-k", "top-p" or "" (nothing cut)
    temperature: float
    top_k: int | None
    top_p: float | None


def next_token_view(
    logits: torch.Tensor,
    tokenizer: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    n: int = SHOWN_TOKENS,
) -> NextTokenView:
    """Apply the controls (temperature, then top-k, then top-p) to `logits` (V,) and describe the
    result. top_k=None / top_p=None switch a filter off; bad values raise ValueError naming the
    argument and its allowed range (from `helpers.sampling`)."""
    before = next_token_probs(logits)  # (V,) the model alone
    after = next_token_probs(logits, temperature, top_k, top_p)  # checks the arguments
    rows = top_tokens(before, after, tokenizer, n)
    V = logits.size(-1)
    candidates = int(candidate_count(after))
    if temperature == 0:
        seen_by_top_p = after  # greedy: one token has everything
        cut_by = "greedy"
    else:
        seen_by_top_p = next_token_probs(logits, temperature, top_k)  # what top-p cuts from
        after_k = int(candidate_count(seen_by_top_p))
        if top_p is not None and candidates < after_k:
            cut_by = "top-p"
        elif top_k is not None and after_k < int(candidate_count(before)):
            cut_by = "top-k"
        else:
            cut_by = ""
    shown = seen_by_top_p[[r.token_id for r in rows]].double().cumsum(0).clamp(max=1.0)
    kept_shown = next((i for i, r in enumerate(rows) if not r.kept), len(rows))
    return NextTokenView(
        rows=rows,
        cumulative=shown.tolist(),
        kept_shown=kept_shown,
        candidates=candidates,
        vocab_size=V,
        entropy_before=float(entropy(before)),
        entropy_after=float(entropy(after)),
        cut_by=cut_by,
        temperature=float(temperature),
        top_k=top_k,
        top_p=top_p,
    )


def _settings(temperature: float, top_k: int | None, top_p: float | None) -> str:
    t = "temperature 0 (greedy)" if temperature == 0 else f"temperature {temperature:.2f}"
    k = "top-k off" if top_k is None else f"top-k {top_k}"
    p = "top-p off" if top_p is None else f"top-p {top_p:.2f}"
    return f"{t}, {k}, {p}"


def next_token_text(view: NextTokenView, note: str = "") -> str:
    """The explorer's printed lines: the settings, candidate count, entropy, the top token."""
    top = view.rows[0]
    lines = [
        _settings(view.temperature, view.top_k, view.top_p),
        f"candidate tokens: {view.candidates} of {view.vocab_size}"
        + (f" (cut by {view.cut_by})" if view.cut_by else " (nothing cut)"),
        f"entropy: {view.entropy_after:.2f} bits, about {2**view.entropy_after:.1f} equally likely "
        f"choices (the model alone: {view.entropy_before:.2f} bits)",
        f"most likely: {show_token(top.token)!r} {top.p_before:.3f} -> {top.p_after:.3f}",
    ]
    return "\n".join(lines + ([note] if note else []))


# ---------------------------------------------------------------------------------------------
# The next-token explorer: its chart, updated in place
# ---------------------------------------------------------------------------------------------


class NextTokenChart:
    """Bars of the most likely next tokens before (grey) and after (blue) the controls, the
    discarded ones in red, the cumulative probability that top-p compares with p (orange; p is
    the dotted line) and a dashed line where the controls cut.

    Fast enough for a slider: the axes, tick labels and legend are drawn once and kept as
    pixels; `png(view)` only redraws the bars, lines and title over them (matplotlib's
    blitting) and encodes the picture, a few ms. New tick labels (a new prompt) redraw it all.
    `draw(view)` returns the updated figure for showing in a notebook cell.
    """

    def __init__(self, n: int = SHOWN_TOKENS):
        self.n = n
        self.fig = matplotlib.figure.Figure(figsize=(7.2, 3.6), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        x = np.arange(n)
        zeros = np.zeros(n)
        self.before = self.ax.bar(x - 0.2, zeros, width=0.4, color=BEFORE_COLOR)
        self.after = self.ax.bar(x + 0.2, zeros, width=0.4, color=AFTER_COLOR)
        (self.cumulative,) = self.ax.step(
            x, zeros, where="mid", color=CUMULATIVE_COLOR, lw=1.5, marker=".", ms=4
        )
        self.p_line = self.ax.axhline(1.0, color=CUMULATIVE_COLOR, ls=":", lw=1.2)
        self.cut_line = self.ax.axvline(0, color="black", ls="--", lw=1.2)
        self.cut_label = self.ax.text(0, 0.97, "", ha="left", va="top", fontsize=9)
        self.ax.set_xlim(-0.7, n - 0.3)
        self.ax.set_ylim(0, 1.05)
        self.ax.set_ylabel("probability")
        self.ax.set_xlabel("next token (the model's most likely first)")
        self.ax.grid(axis="x", visible=False)
        self.ax.legend(
            handles=[
                Patch(color=BEFORE_COLOR, label="the model alone"),
                Patch(color=AFTER_COLOR, label="after the controls"),
                Patch(color=DROPPED_COLOR, label="discarded"),
                Line2D([], [], color=CUMULATIVE_COLOR, label="cumulative probability"),
            ],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0, 1.0, 0.1),
            mode="expand",
            ncols=4,
            fontsize=8,
            frameon=False,
        )
        self.title = self.ax.set_title(" ", pad=20)
        self.fig.subplots_adjust(left=0.09, right=0.98, top=0.83, bottom=0.3)
        self._dynamic = [*self.before, *self.after, self.cumulative, self.p_line]
        self._dynamic += [self.cut_line, self.cut_label, self.title]
        for artist in self._dynamic:
            artist.set_animated(True)  # left out of the background, drawn on top each time
        self._tokens: list[int] | None = None
        self._background = None  # the static pixels, once drawn

    def draw(self, view: NextTokenView) -> matplotlib.figure.Figure:
        """Update the figure to show `view`; return it."""
        if len(view.rows) != self.n:
            raise ValueError(f"view must have {self.n} rows, got {len(view.rows)}")
        ids = [r.token_id for r in view.rows]
        if ids != self._tokens:  # a new prompt: new tick labels, so a new background
            labels = [show_token(r.token) for r in view.rows]
            self.ax.set_xticks(range(self.n), labels, rotation=60, ha="right", fontsize=8)
            self._tokens = ids
            self._background = None
        for bar_b, bar_a, row in zip(self.before, self.after, view.rows, strict=True):
            bar_b.set_height(row.p_before)
            bar_b.set_color(BEFORE_COLOR if row.kept else DROPPED_COLOR)
            bar_a.set_height(row.p_after)
        self.cumulative.set_ydata(view.cumulative)
        self.p_line.set_visible(view.top_p is not None and view.temperature > 0)
        self.p_line.set_ydata([view.top_p or 1.0] * 2)
        cut = view.kept_shown < self.n
        self.cut_line.set_visible(cut)
        self.cut_label.set_visible(cut)
        if cut:
            x = view.kept_shown - 0.5
            self.cut_line.set_xdata([x, x])
            self.cut_label.set_position((x + 0.1, 0.97))
            self.cut_label.set_text(f"{view.cut_by} cut-off")
        shown = "" if cut else f"; cut-off beyond the {self.n} shown"
        self.title.set_text(
            f"{_settings(view.temperature, view.top_k, view.top_p)}: "
            f"{view.candidates} candidate{'' if view.candidates == 1 else 's'}{shown}"
        )
        return self.fig

    def png(self, view: NextTokenView) -> bytes:
        """The chart of `view` as PNG bytes (the figure stays open for the next update)."""
        self.draw(view)
        if self._background is None:
            self.canvas.draw()  # everything but the animated artists
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            self.ax.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def render_next_token(
    logits: torch.Tensor,
    tokenizer: Any,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    chart: NextTokenChart | None = None,
    note: str = "",
) -> tuple[str, bytes]:
    """(text, PNG chart) of the next-token distribution under the controls."""
    chart = chart or NextTokenChart()
    view = next_token_view(logits, tokenizer, temperature, top_k, top_p, chart.n)
    return next_token_text(view, note), chart.png(view)


def next_token_explorer(
    model: torch.nn.Module,
    tokenizer: Any,
    prompt: str = DEFAULT_PROMPT,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 0.9,
    max_top_k: int = 50,
):
    """A prompt box and temperature / top-k / top-p sliders over the bar chart of the next token.

    top_k 0 and top_p 1 mean "off". The model runs only when the prompt changes (on Enter or
    when the box loses focus); moving a slider re-applies the filters to the cached logits and
    updates the chart in place. Returns a VBox: the controls, then the Output.
    """
    import ipywidgets as widgets

    chart = NextTokenChart()
    cache: dict[str, tuple[torch.Tensor, str]] = {}

    def logits_of(text: str) -> tuple[torch.Tensor, str]:
        if text not in cache:
            cache.clear()  # keep only the current prompt's logits
            cache[text] = prompt_logits(model, tokenizer, text)
        return cache[text]

    def render(prompt, temperature, top_k, top_p):
        logits, note = logits_of(prompt)
        k = None if top_k == 0 else top_k
        p = None if top_p >= 1 else top_p
        return render_next_token(logits, tokenizer, temperature, k, p, chart, note)

    style = label_style()
    controls = {
        "prompt": widgets.Text(
            value=prompt,
            description="prompt",
            continuous_update=False,  # one model run per submitted prompt, not per keystroke
            layout=widgets.Layout(width="95%"),
        ),
        # a redraw takes a few tens of ms (bench widgets): smooth while dragging
        "temperature": widgets.FloatSlider(
            value=temperature, min=0.0, max=2.0, step=0.05, description="temperature (0 = greedy)",
            readout_format=".2f", continuous_update=True, style=style,
        ),
        "top_k": widgets.IntSlider(
            value=top_k, min=0, max=max_top_k, step=1, description="top-k (0 = off)",
            continuous_update=True, style=style,
        ),
        "top_p": widgets.FloatSlider(
            value=top_p, min=0.05, max=1.0, step=0.05, description="top-p (1 = off)",
            readout_format=".2f", continuous_update=True, style=style,
        ),
    }  # fmt: skip
    return live_view(controls, render)


# ---------------------------------------------------------------------------------------------
# The generation playground
# ---------------------------------------------------------------------------------------------

_TOKEN_STYLE = "border-radius:3px;padding:0 1px;margin:0 1px 2px 0"
_BOX_STYLE = "font-family:monospace;line-height:1.7;white-space:pre-wrap;color:#000"


def probability_color(p: float) -> tuple[str, str]:
    """(background, text colour) for a token sampled with probability `p` in [0, 1]: viridis
    from dark purple (unlikely) to yellow (certain), with white text on the dark end."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p!r}")
    r, g, b, _ = matplotlib.colormaps[COLORMAP](float(p))
    text = "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "#000000"
    return matplotlib.colors.to_hex((r, g, b)), text


def _legend_html() -> str:
    stops = ", ".join(probability_color(p)[0] for p in np.linspace(0, 1, 9))
    bar = (
        f'<span style="display:inline-block;width:160px;height:0.9em;vertical-align:middle;'
        f'background:linear-gradient(to right, {stops})"></span>'
    )
    return f'<div style="font-size:0.85em">probability the token was sampled with: 0 {bar} 1</div>'


def generation_html(generation: Generation, eos_id: int | None = None) -> str:
    """The prompt (plain) and the new tokens, each coloured by the probability it was sampled
    with (hover for the numbers), a summary line, the notes (cropping), and a legend."""
    prompt = generation.text[: len(generation.text) - len(generation.completion)]
    spans = [f'<span style="color:#555">{html.escape(prompt)}</span>']
    for token_id, token, p, q in zip(
        generation.token_ids,
        generation.token_texts,
        generation.token_probs,
        generation.model_probs,
        strict=True,
    ):
        background, color = probability_color(min(max(p, 0.0), 1.0))
        shown = "⏹ end of text" if token_id == eos_id else token
        shown = html.escape(shown).replace("\n", "↵\n")
        tip = f"p = {p:.3f} (the model alone: {q:.3f})"
        spans.append(
            f'<span title="{tip}" style="{_TOKEN_STYLE};background:{background};color:{color}">'
            f"{shown}</span>"
        )
    n = len(generation.token_ids)
    mean = float(np.mean(generation.token_probs)) if n else 0.0
    summary = (
        f"{n} new tokens, finish reason: {generation.finish_reason}, mean probability of the "
        f"sampled tokens {mean:.2f}"
    )
    notes = "".join(f"<div><i>Note: {html.escape(note)}</i></div>" for note in generation.notes)
    return (
        f'<div style="{_BOX_STYLE}">{"".join(spans)}</div>'
        f"<div>{html.escape(summary)}</div>{notes}{_legend_html()}"
    )


def generation_playground(
    model: torch.nn.Module,
    tokenizer: Any,
    prompt: str = DEFAULT_PROMPT,
    temperature: float = 0.8,
    top_k: int = 0,
    top_p: float = 0.95,
    max_new_tokens: int = 60,
    seed: int = 0,
    max_top_k: int = 100,
):
    """A prompt box, temperature / top-k / top-p / max-tokens sliders, a seed and a Generate
    button over the generated text, each new token coloured by its probability.

    top_k 0 and top_p 1 mean "off". Generation runs when the button is pressed (and once when
    the widget is built). Returns a VBox whose last child is the HTML output.
    """
    import ipywidgets as widgets

    style = label_style()
    box = widgets.Textarea(
        value=prompt, description="prompt", layout=widgets.Layout(width="95%", height="4em")
    )
    t = widgets.FloatSlider(
        value=temperature, min=0.0, max=2.0, step=0.05, description="temperature (0 = greedy)",
        readout_format=".2f", continuous_update=False, style=style,
    )  # fmt: skip
    k = widgets.IntSlider(
        value=top_k, min=0, max=max_top_k, description="top-k (0 = off)",
        continuous_update=False, style=style,
    )  # fmt: skip
    p = widgets.FloatSlider(
        value=top_p, min=0.05, max=1.0, step=0.05, description="top-p (1 = off)",
        readout_format=".2f", continuous_update=False, style=style,
    )  # fmt: skip
    n = widgets.IntSlider(
        value=max_new_tokens, min=1, max=256, description="max new tokens",
        continuous_update=False, style=style,
    )  # fmt: skip
    s = widgets.IntText(value=seed, description="seed", style=style)
    button = widgets.Button(description="Generate", button_style="primary")
    out = widgets.HTML()

    def run(_button=None):
        try:
            generation = generate(
                model, tokenizer, box.value, n.value, temperature=t.value,
                top_k=None if k.value == 0 else k.value,
                top_p=None if p.value >= 1 else p.value, seed=s.value,
            )  # fmt: skip
            out.value = generation_html(generation, getattr(tokenizer, "eos_id", None))
        except (TypeError, ValueError) as error:
            out.value = f"<b>⚠ {html.escape(str(error))}</b>"

    button.on_click(run)
    run()
    return widgets.VBox([box, t, k, p, n, widgets.HBox([s, button]), out])
