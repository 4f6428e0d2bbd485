"""MiniLM's attention maps: shapes, the mosaic figure, and the head patterns the notebooks name."""

import numpy as np
import pytest
import torch

from helpers.plots import figure_png
from helpers.pretrained.attention_maps import (
    PATTERNS,
    attention_heatmap,
    attention_mosaic,
    head_patterns,
    minilm_attention,
)

SENTENCE = "The animal didn't cross the street because it was too tired."


def test_weights_shape_and_rows_sum_to_one():
    tokens, weights = minilm_attention(SENTENCE)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and "animal" in tokens
    assert weights.shape == (6, 12, len(tokens), len(tokens))
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:-1]))


def test_head_patterns_find_the_previous_token_head():
    tokens, weights = minilm_attention(SENTENCE)
    scores = head_patterns(weights, tokens)
    assert set(scores) == set(PATTERNS)
    assert all(s.shape == (6, 12) for s in scores.values())
    # layer 0, head 2 of MiniLM looks one token back, almost exactly
    assert scores["previous token"][0, 2] > 0.95
    assert np.argmax(scores["previous token"]) == 2


def test_head_patterns_on_a_hand_made_map():
    T = 4
    previous = np.zeros((1, 1, T, T))
    previous[0, 0, 0, 0] = 1
    previous[0, 0, np.arange(1, T), np.arange(T - 1)] = 1
    scores = head_patterns(previous, ["[CLS]", "a", "b", "[SEP]"])
    assert scores["previous token"][0, 0] == 1.0 and scores["next token"][0, 0] == 0.0


def test_figures_are_pngs():
    tokens, weights = minilm_attention(SENTENCE)
    assert figure_png(attention_mosaic(weights)).startswith(b"\x89PNG")
    assert figure_png(attention_mosaic(weights, layers=[0, 5], heads=[1, 2])).startswith(b"\x89PNG")
    assert figure_png(attention_heatmap(weights[0, 2], tokens)).startswith(b"\x89PNG")


def test_bad_input():
    tokens, weights = minilm_attention(SENTENCE)
    with pytest.raises(ValueError, match="sentence must be a non-empty string"):
        minilm_attention("  ")
    with pytest.raises(ValueError, match=r"heads must be a non-empty list of indices in \[0, 12\)"):
        attention_mosaic(weights, heads=[12])
    with pytest.raises(ValueError, match=r"weights must have shape \(T, T\)"):
        attention_heatmap(weights[0], tokens)
    with pytest.raises(ValueError, match="weights must have shape"):
        head_patterns(weights[0], tokens)
