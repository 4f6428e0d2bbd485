"""helpers.widgets.tokenizer: the chips' HTML, and the widgets driven by setting their values."""

import re

import pytest

from helpers.embeddings import SemanticSearch
from helpers.tokenization import chip_tokenizer_names, token_chips
from helpers.widgets.search import search_text, search_tool
from helpers.widgets.tokenizer import (
    CHIP_COLORS,
    DEFAULT_TEXT,
    chips_html,
    compare_html,
    count_line,
    render_tokens,
    show_whitespace,
    tokenizer_tool,
)

CHIP = re.compile(r'<span style="[^"]*background:(#[0-9a-f]{6})">(.*?)<br><small>(\d+)</small>')


def _chips(html: str) -> list[tuple[str, int, str]]:
    """(colour, id, shown text) of each chip in `html`."""
    return [(color, int(i), text) for color, text, i in CHIP.findall(html)]


def _shown_text(output) -> str:
    return "".join(o["text"] for o in output.outputs if o["output_type"] == "stream")


# --- pure functions --------------------------------------------------------------------------


def test_chip_colors_are_distinct_light_tints_of_the_course_palette():
    assert len(CHIP_COLORS) == len(set(CHIP_COLORS)) == 7
    assert CHIP_COLORS[0] == "#7fb8d8"  # #0072B2 (blue) halfway to white
    for color in CHIP_COLORS:
        assert min(int(color[i : i + 2], 16) for i in (1, 3, 5)) >= 127  # light: black text


def test_chips_html_one_chip_per_token_with_its_id_and_alternating_colours():
    chips = [("Hello", 9906), (",", 11), (" world", 1917), ("<b>", 5), (" ", 220)]
    shown = _chips(chips_html(chips))
    assert [i for _, i, _ in shown] == [9906, 11, 1917, 5, 220]
    assert [t for _, _, t in shown] == ["Hello", ",", "·world", "&lt;b&gt;", "·"]
    colors = [c for c, _, _ in shown]
    assert colors == list(CHIP_COLORS[:5])
    assert all(a != b for a, b in zip(colors, colors[1:], strict=False))
    many = _chips(chips_html([("a", 1)] * 10))
    assert [c for c, _, _ in many][7] == CHIP_COLORS[0]  # the palette cycles
    assert _chips(chips_html([])) == []


def test_whitespace_is_made_visible():
    assert show_whitespace(" a\tb\nc\r") == "·a→b↵c␍"
    assert show_whitespace("naïve") == "naïve"


def test_count_line_and_render_tokens_agree_with_token_chips():
    text = "The cat sat on the mat."
    chips = token_chips(text, "GPT-4 cl100k_base")
    html, line = render_tokens(text, "GPT-4 cl100k_base")
    assert html == chips_html(chips)
    assert line == count_line(text, chips, "GPT-4 cl100k_base")
    assert line == "GPT-4 cl100k_base: 7 tokens for 23 characters (3.29 characters per token)"
    assert count_line("x", [], "words") == "words: 0 tokens for 1 characters (no tokens)"


def test_render_tokens_bad_input():
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        render_tokens("", "characters")
    with pytest.raises(ValueError, match="tokenizer_name must be one of"):
        render_tokens("hi", "gpt-5")


def test_compare_html_has_a_row_per_tokenizer_with_its_count():
    names = ["characters", "words", "GPT-4 cl100k_base"]
    html = compare_html("Hi there, Bob!", names)
    rows = re.findall(r"<tr><td[^>]*>([^<]*)</td><td[^>]*>(\d+)</td>", html)
    assert rows == [("characters", "14"), ("words", "5"), ("GPT-4 cl100k_base", "5")]


# --- the tokenizer tool ----------------------------------------------------------------------


def test_tokenizer_tool_redraws_when_the_text_changes():
    tool = tokenizer_tool("The cat sat.", "GPT-4 cl100k_base")
    box, dropdown, counts, chips = tool.children
    assert list(dropdown.options) == chip_tokenizer_names()
    assert "4 tokens for 12 characters" in counts.value
    assert [t for _, _, t in _chips(chips.value)] == ["The", "·cat", "·sat", "."]
    box.value = "The cat sat on the mat."
    assert "7 tokens for 23 characters" in counts.value
    assert [t for _, _, t in _chips(chips.value)][-3:] == ["·the", "·mat", "."]


def test_tokenizer_tool_redraws_when_the_tokenizer_changes():
    tool = tokenizer_tool(DEFAULT_TEXT, "GPT-4 cl100k_base")
    box, dropdown, counts, chips = tool.children
    before = chips.value
    dropdown.value = "characters"
    assert chips.value != before
    assert f"{len(DEFAULT_TEXT)} tokens for {len(DEFAULT_TEXT)} characters" in counts.value
    assert [i for _, i, _ in _chips(chips.value)] == [ord(c) for c in DEFAULT_TEXT]
    dropdown.value = "BERT WordPiece (MiniLM)"
    shown = [t for _, _, t in _chips(chips.value)]
    assert "[UNK]" in shown and "##izer" in shown  # the emoji; a word-inner piece


def test_tokenizer_tool_shows_a_message_for_empty_text_not_a_traceback():
    tool = tokenizer_tool("hello", "words")
    box, _, counts, chips = tool.children
    box.value = ""
    assert counts.value == "<b>⚠ text must be a non-empty string, got &#x27;&#x27;</b>"
    assert chips.value == ""
    box.value = "hello again"
    assert "2 tokens" in counts.value and len(_chips(chips.value)) == 2


def test_tokenizer_tool_rejects_an_unknown_tokenizer():
    with pytest.raises(ValueError, match="tokenizer_name must be one of"):
        tokenizer_tool("hi", "gpt-5")


# --- semantic search -------------------------------------------------------------------------

SENTENCES = [
    "The cat sleeps on the sofa.",
    "A kitten naps in the sun.",
    "Stock prices fell sharply today.",
    "The market dropped after the news.",
    "She plays the violin beautifully.",
]


@pytest.fixture(scope="module")
def search() -> SemanticSearch:
    return SemanticSearch(SENTENCES)


def test_search_text_ranks_by_meaning(search):
    lines = search_text(search, "shares lost value", 2).splitlines()
    assert lines[0] == "query: 'shares lost value'"
    assert {line.split("  ", 1)[1] for line in lines[1:]} == set(SENTENCES[2:4])
    assert re.fullmatch(r"1\. 0\.\d{3}  .+", lines[1])


def test_search_tool_redraws_on_a_new_query_and_top_k(search):
    tool = search_tool(search, "a sleepy pet", top_k=2)
    box, slider, output = tool.children
    first = _shown_text(output)
    assert first.splitlines()[1].endswith(("The cat sleeps on the sofa.", "in the sun."))
    box.value = "music"
    second = _shown_text(output)
    assert second != first and second.splitlines()[1].endswith("violin beautifully.")
    slider.value = 4
    assert len(_shown_text(output).splitlines()) == 1 + 4


def test_search_tool_empty_query_shows_a_message(search):
    tool = search_tool(search, "cats")
    box, _, output = tool.children
    box.value = "   "
    assert _shown_text(output).strip() == "⚠ query must be a non-empty string"
