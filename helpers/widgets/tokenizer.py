"""The tokenizer tool of notebook 01: text in, coloured token chips out.

Compute is pure and tested on its own: `chips_html` draws (token text, id) pieces as HTML chips
(one colour per token, cycling through a colour-blind-safe palette so neighbours always differ;
the id small under each chip; spaces, tabs and newlines made visible), `render_tokens` tokenizes
and returns (chips HTML, count line) and `compare_html` puts several tokenizers side by side.
The builder `tokenizer_tool` wires core ipywidgets to them; bad input shows a message, never a
traceback.
"""

import html

import ipywidgets as widgets

from helpers.plots import COLORS
from helpers.tokenization import chip_tokenizer_names, token_chips

# Okabe-Ito colours (helpers.plots.COLORS, black left out) mixed halfway with white: still
# told apart with every common colour blindness, and black text stays readable on them.
CHIP_COLORS = tuple(
    "#" + "".join(f"{(int(c[i : i + 2], 16) + 255) // 2:02x}" for i in (1, 3, 5))
    for c in COLORS
    if c != "#000000"
)
VISIBLE_WHITESPACE = {" ": "·", "\n": "↵", "\t": "→", "\r": "␍"}  # how chips show whitespace
DEFAULT_TEXT = "Tokenizers don't agree: naïve café, 東京 in 2024 costs 3 tokens? 🙂"
DEFAULT_TOKENIZER = "GPT-4 cl100k_base"

# Shared by every chip through the enclosing <div>, so each chip carries only its colour.
_BOX_STYLE = "font-family:monospace;line-height:1.15;color:#000"
_CHIP_STYLE = "display:inline-block;margin:2px 1px;padding:1px 3px;border-radius:4px"


def show_whitespace(token: str) -> str:
    """`token` with spaces, tabs and newlines replaced by visible marks ('·', '→', '↵')."""
    return "".join(VISIBLE_WHITESPACE.get(c, c) for c in token)


def chips_html(chips: list[tuple[str, int]]) -> str:
    """HTML for (token text, id) pieces: a coloured chip per token, its id small underneath.

    Colours cycle by position, so two neighbouring tokens never share one. Token texts are
    HTML-escaped; whitespace is shown with `show_whitespace`.
    """
    spans = []
    for position, (token, token_id) in enumerate(chips):
        color = CHIP_COLORS[position % len(CHIP_COLORS)]
        shown = html.escape(show_whitespace(token)) or "&nbsp;"
        spans.append(
            f'<span style="{_CHIP_STYLE};background:{color}">'
            f"{shown}<br><small>{token_id}</small></span>"
        )
    return f'<div style="{_BOX_STYLE}">{"".join(spans)}</div>'


def count_line(text: str, chips: list[tuple[str, int]], tokenizer_name: str) -> str:
    """One line: how many tokens `text` costs under `tokenizer_name`, and characters per token."""
    n = len(chips)
    ratio = f"{len(text) / n:.2f} characters per token" if n else "no tokens"
    return f"{tokenizer_name}: {n} tokens for {len(text)} characters ({ratio})"


def render_tokens(text: str, tokenizer_name: str) -> tuple[str, str]:
    """(chips HTML, count line) of `text` under `tokenizer_name` (one of chip_tokenizer_names()).

    Raises ValueError for empty text or an unknown tokenizer name (from `token_chips`).
    """
    chips = token_chips(text, tokenizer_name)
    return chips_html(chips), count_line(text, chips, tokenizer_name)


def compare_html(text: str, tokenizer_names: list[str] | None = None) -> str:
    """An HTML table: one row per tokenizer with its token count and the chips of `text`."""
    names = chip_tokenizer_names() if tokenizer_names is None else tokenizer_names
    rows = []
    for name in names:
        chips = token_chips(text, name)
        rows.append(
            f'<tr><td style="text-align:left;white-space:nowrap">{html.escape(name)}</td>'
            f'<td style="text-align:right">{len(chips)}</td>'
            f'<td style="text-align:left">{chips_html(chips)}</td></tr>'
        )
    head = "<tr><th>tokenizer</th><th>tokens</th><th>pieces (id under each)</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def tokenizer_tool(
    text: str = DEFAULT_TEXT, tokenizer_name: str = DEFAULT_TOKENIZER
) -> widgets.VBox:
    """A text box and a tokenizer dropdown above a count line and the text's token chips.

    Children: (Textarea, Dropdown, HTML count line, HTML chips). Every edit re-tokenizes; bad
    input (empty text) shows a ⚠ message in the count line and clears the chips.
    """
    names = chip_tokenizer_names()
    if tokenizer_name not in names:
        raise ValueError(f"tokenizer_name must be one of {names}, got {tokenizer_name!r}")
    box = widgets.Textarea(
        value=text,
        description="text",
        placeholder="Type or paste some text",
        layout=widgets.Layout(width="95%", height="5em"),
    )
    dropdown = widgets.Dropdown(options=names, value=tokenizer_name, description="tokenizer")
    counts = widgets.HTML()
    chips = widgets.HTML()

    def redraw(_change=None):
        try:
            chips_value, line = render_tokens(box.value, dropdown.value)
        except ValueError as error:
            chips_value, line = "", f"⚠ {error}"
        counts.value = f"<b>{html.escape(line)}</b>"
        chips.value = chips_value

    box.observe(redraw, names="value")
    dropdown.observe(redraw, names="value")
    redraw()
    return widgets.VBox([box, dropdown, counts, chips])
