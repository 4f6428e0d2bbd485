"""Exercises of notebook 03: attention fixes the bottleneck."""

import torch

from helpers.exercises import Mistake, exercise

# --------------------------------------------------------------------------- 03.additive_attention


def _attention_cases():
    g = torch.Generator().manual_seed(3)
    cases = []
    for B, S, D in [(1, 3, 4), (2, 5, 3), (3, 4, 6), (2, 7, 5)]:
        s = torch.randn(B, D, generator=g)
        states = torch.randn(B, S, D, generator=g)
        W = torch.randn(D, D, generator=g) * 0.5
        U = torch.randn(D, D, generator=g) * 0.5
        v = torch.randn(D, generator=g)
        cases.append((s, states, W, U, v))
    return cases


def _scores(s, states, W, U, v):
    return torch.tanh((s @ W.T)[:, None, :] + states @ U.T) @ v  # (B, S)


def _attention_softmax_over_batch(s, states, W, U, v):
    weights = torch.softmax(_scores(s, states, W, U, v), dim=0)
    return torch.einsum("bs,bsd->bd", weights, states), weights


def _attention_without_tanh(s, states, W, U, v):
    weights = torch.softmax(((s @ W.T)[:, None, :] + states @ U.T) @ v, dim=-1)
    return torch.einsum("bs,bsd->bd", weights, states), weights


def _attention_uniform(s, states, W, U, v):
    weights = torch.full(states.shape[:2], 1.0 / states.shape[1])
    return states.mean(dim=1), weights


def _attention_raw_scores(s, states, W, U, v):
    scores = _scores(s, states, W, U, v)
    return torch.einsum("bs,bsd->bd", scores, states), scores


@exercise(
    "03.additive_attention",
    cases=_attention_cases,
    mistakes=[
        Mistake(
            _attention_softmax_over_batch,
            "the softmax ran over the batch: take it over the source positions (dim=-1)",
        ),
        Mistake(_attention_without_tanh, "the tanh is missing: v^T tanh(W s + U h_i)"),
        Mistake(
            _attention_uniform,
            "every source word got the same weight: score each one with v^T tanh(W s + U h_i)",
        ),
        Mistake(
            _attention_raw_scores,
            "the scores were used as weights: turn them into probabilities with a softmax",
        ),
    ],
)
def additive_attention(s, states, W, U, v):
    """Exercise 03: Bahdanau attention. s (B, D) decoder state, states (B, S, D) encoder
    states; returns (context (B, D), weights (B, S))."""
    scores = torch.tanh((s @ W.T)[:, None, :] + states @ U.T) @ v  # (B, 1, D) + (B, S, D) -> (B, S)
    weights = torch.softmax(scores, dim=-1)  # over the source positions
    context = (weights[:, :, None] * states).sum(dim=1)  # weighted average: (B, D)
    return context, weights


# --------------------------------------------------------------------------- 03.masked_softmax


def _masked_cases():
    g = torch.Generator().manual_seed(30)
    cases = []
    for lengths, S in [([3], 5), ([2, 4], 4), ([1, 3, 6], 6), ([5, 2], 7)]:
        scores = torch.randn(len(lengths), S, generator=g) * 2
        mask = torch.arange(S)[None, :] < torch.tensor(lengths)[:, None]  # True at real words
        cases.append((scores, mask))
    return cases


def _masked_ignored(scores, mask):
    return torch.softmax(scores, dim=-1)


def _masked_after_softmax(scores, mask):
    return torch.softmax(scores, dim=-1) * mask


def _masked_with_zero(scores, mask):
    return torch.softmax(scores.masked_fill(~mask, 0.0), dim=-1)


def _masked_inverted(scores, mask):
    return torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)


@exercise(
    "03.masked_softmax",
    cases=_masked_cases,
    mistakes=[
        Mistake(_masked_ignored, "padding got weight: set its scores to -inf before the softmax"),
        Mistake(
            _masked_after_softmax,
            "the mask was applied after the softmax, so the weights no longer sum to 1: "
            "mask the scores first",
        ),
        Mistake(
            _masked_with_zero,
            "a score of 0 still gets weight exp(0) > 0: fill the padding with -inf, not 0",
        ),
        Mistake(
            _masked_inverted,
            "the mask is inverted: True marks the real words, which must keep their scores",
        ),
    ],
)
def masked_softmax(scores, mask):
    """Exercise 03: softmax over the last axis of scores (B, S) with weight 0 where mask
    (B, S) is False (padding)."""
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
