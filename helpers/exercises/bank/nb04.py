"""Exercises of notebook 04: self-attention."""

import math

import torch

from helpers.attention import scaled_dot_product_attention
from helpers.exercises import Mistake, exercise


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _weights_cases():
    g = _gen(4)
    return [
        (torch.randn(4, 8, generator=g), torch.randn(4, 8, generator=g)),
        (torch.randn(3, 16, generator=g), torch.randn(5, 16, generator=g)),  # T_q != T_k
        (torch.randn(2, 6, 4, generator=g), torch.randn(2, 6, 4, generator=g)),  # a batch
        (torch.randn(5, 64, generator=g) * 2, torch.randn(5, 64, generator=g) * 2),  # large d
    ]


def _scores(q, k):
    return q @ k.transpose(-2, -1)


@exercise(
    "04.attention_weights",
    cases=_weights_cases,
    mistakes=[
        Mistake(
            lambda q, k: torch.softmax(_scores(q, k), dim=-1),
            "the scores were not scaled: divide q @ k^T by sqrt(d) before the softmax",
        ),
        Mistake(
            lambda q, k: torch.softmax(_scores(q, k) / q.shape[-1], dim=-1),
            "the scores were divided by d: divide by sqrt(d) instead",
        ),
        Mistake(
            lambda q, k: torch.softmax(_scores(q, k) / math.sqrt(q.shape[-1]), dim=-2),
            "the softmax ran down the columns: each query's row (dim=-1) must sum to 1",
        ),
        Mistake(
            lambda q, k: _scores(q, k) / math.sqrt(q.shape[-1]),
            "these are the scaled scores: apply the softmax to turn them into weights",
        ),
        Mistake(
            lambda q, k: torch.softmax(_scores(k, q) / math.sqrt(q.shape[-1]), dim=-1),
            "queries and keys swapped: it is q @ k^T (one row per query), not k @ q^T",
        ),
    ],
)
def attention_weights(q, k):
    """Exercise 04: softmax(q @ k^T / sqrt(d)) along the keys. q (..., T_q, d), k (..., T_k, d)."""
    return torch.softmax(_scores(q, k) / math.sqrt(q.shape[-1]), dim=-1)


def _mask_cases():
    g = _gen(5)
    cases = []
    for shape_q, shape_k, d_v in [
        ((4, 8), (4, 8), 8),
        ((2, 5, 6), (2, 7, 6), 3),
        ((6, 16), (6, 16), 4),
    ]:
        q, k = torch.randn(*shape_q, generator=g), torch.randn(*shape_k, generator=g)
        v = torch.randn(*shape_k[:-1], d_v, generator=g)
        T_q, T_k = shape_q[-2], shape_k[-2]
        rows = torch.arange(T_q)
        mask = torch.rand(T_q, T_k, generator=g) < 0.5  # True = may attend
        mask[rows, rows % T_k] = True  # every query may attend to at least one key
        mask[rows, (rows + 1) % T_k] = False  # and to not all of them
        cases.append((q, k, v, mask))
    return cases


def _masked_fill(q, k, mask, value, scale=True):
    scores = _scores(q, k) / (math.sqrt(q.shape[-1]) if scale else 1.0)
    return scores.masked_fill(~mask, value)


def _mask_after_softmax(q, k, v, mask):
    weights = torch.softmax(_scores(q, k) / math.sqrt(q.shape[-1]), dim=-1) * mask
    return weights @ v


@exercise(
    "04.masked_attention",
    cases=_mask_cases,
    mistakes=[
        Mistake(
            lambda q, k, v, mask: scaled_dot_product_attention(q, k, v)[0],
            "the mask was ignored: set the scores where mask is False to -inf before the softmax",
        ),
        Mistake(
            lambda q, k, v, mask: scaled_dot_product_attention(q, k, v, ~mask)[0],
            "the mask is inverted: True means 'may attend', so fill the scores where it is False",
        ),
        Mistake(
            _mask_after_softmax,
            "the mask was applied after the softmax, so the weights no longer sum to 1: "
            "mask the scores (with -inf) before the softmax",
        ),
        Mistake(
            lambda q, k, v, mask: torch.softmax(_masked_fill(q, k, mask, 0.0), dim=-1) @ v,
            "masked scores were set to 0, and exp(0) = 1 still gets weight: use -inf",
        ),
        Mistake(
            lambda q, k, v, mask: (
                torch.softmax(_masked_fill(q, k, mask, float("-inf"), scale=False), dim=-1) @ v
            ),
            "the scores were not scaled: divide q @ k^T by sqrt(d) before masking",
        ),
    ],
)
def masked_attention(q, k, v, mask):
    """Exercise 04: the output softmax(mask(q @ k^T / sqrt(d))) @ v, mask True = may attend."""
    return scaled_dot_product_attention(q, k, v, mask)[0]
