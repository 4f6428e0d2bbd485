"""The query-token widget: pure function, text, bars, and the widget redrawing on a change."""

import base64

import numpy as np
import pytest

from helpers.pretrained.attention_maps import minilm_attention
from helpers.widgets.attention import (
    AVERAGE,
    QueryBars,
    query_text,
    query_token_explorer,
    query_weights,
    render_query,
)

SENTENCE = "The animal didn't cross the street because it was too tired."


def _shown(output):
    text = "".join(o["text"] for o in output.outputs if o["output_type"] == "stream")
    pngs = [base64.b64decode(o["data"]["image/png"]) for o in output.outputs if "data" in o]
    return text, pngs


def test_query_weights_are_one_row_of_one_head():
    tokens, weights = minilm_attention(SENTENCE)
    it = tokens.index("it")
    got_tokens, row = query_weights(SENTENCE, it, layer=3, head=1)
    assert got_tokens == tokens and row.shape == (len(tokens),)
    np.testing.assert_allclose(row, weights[3, 1, it].numpy(), atol=1e-7)
    assert row.sum() == pytest.approx(1.0, abs=1e-5) and (row >= 0).all()
    # this head of MiniLM links "it" to "animal"
    assert tokens[int(row.argmax())] == "animal"


def test_average_is_the_mean_of_the_heads():
    tokens, weights = minilm_attention(SENTENCE)
    _, row = query_weights(SENTENCE, 2, layer=0, head=AVERAGE)
    np.testing.assert_allclose(row, weights[0, :, 2].mean(0).numpy(), atol=1e-6)
    assert row.sum() == pytest.approx(1.0, abs=1e-5)


def test_text_names_the_query_and_its_top_tokens():
    text = query_text(["a", "b", "c"], np.array([0.2, 0.5, 0.3]), query=0, top=2)
    assert text == "'a' (0) attends most to: 'b' (1) 0.50, 'c' (2) 0.30"


def test_render_gives_text_and_png():
    text, png = render_query(SENTENCE, 10, 3, 1)
    assert text.startswith("layer 3, head 1: 'it' (10) attends most to: 'animal' (2)")
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"query": 99, "layer": 0}, ValueError, r"query must be an integer in \[0, 15\]"),
        ({"query": 1, "layer": 6}, ValueError, r"layer must be an integer in \[0, 5\]"),
        ({"query": 1, "layer": 0, "head": 12}, ValueError,
         r"head must be an integer in \[0, 11\] or 'average'"),
        ({"query": 1, "layer": 0, "head": "mean"}, TypeError, "head must be an integer"),
        ({"query": 1.5, "layer": 0}, TypeError, "query must be an integer"),
    ],
)  # fmt: skip
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        query_weights(SENTENCE, **kwargs)


def test_bars_reject_wrong_length():
    with pytest.raises(ValueError, match=r"weights must have shape \(2,\)"):
        QueryBars(["a", "b"]).draw(np.ones(3) / 3, 0, "t")


def test_widget_redraws_when_the_query_token_changes():
    box = query_token_explorer(SENTENCE, query=1, layer=3, head=1)
    query, layer, head, output = box.children
    text, pngs = _shown(output)
    assert text.startswith("layer 3, head 1: 'the' (1)")
    assert len(pngs) == 1 and pngs[0].startswith(b"\x89PNG")

    query.value = 10  # choose "it"
    new_text, new_pngs = _shown(output)
    assert new_text.startswith("layer 3, head 1: 'it' (10) attends most to: 'animal' (2)")
    assert new_pngs[0] != pngs[0]

    head.value = AVERAGE
    assert _shown(output)[0].startswith("layer 3, average of all heads: 'it' (10)")
    layer.value = 0
    assert _shown(output)[0].startswith("layer 0, average of all heads: 'it' (10)")
    assert _shown(output)[0].strip() == render_query(SENTENCE, 10, 0, AVERAGE)[0]


def test_widget_offers_every_token():
    box = query_token_explorer(SENTENCE)
    tokens, _ = minilm_attention(SENTENCE)
    assert [label.split(": ", 1)[1] for label, _ in box.children[0].options] == tokens
