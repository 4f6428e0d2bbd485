"""Exercises of notebook 05: multi-head attention and the transformer block."""

import torch

from helpers.attention import sinusoidal_positions, split_heads
from helpers.exercises import Mistake, exercise


def _split_cases():
    g = torch.Generator().manual_seed(6)
    return [
        (torch.randn(2, 5, 12, generator=g), 3),
        (torch.randn(1, 4, 8, generator=g), 2),
        (torch.randn(3, 7, 16, generator=g), 4),
    ]


def _no_transpose(x, n_heads):
    B, T, C = x.shape
    return x.reshape(B, T, n_heads, C // n_heads)


def _straight_reshape(x, n_heads):
    B, T, C = x.shape
    return x.reshape(B, n_heads, T, C // n_heads)


def _interleaved(x, n_heads):
    B, T, C = x.shape
    return x.reshape(B, T, C // n_heads, n_heads).permute(0, 3, 1, 2)


@exercise(
    "05.split_heads",
    cases=_split_cases,
    mistakes=[
        Mistake(
            _no_transpose,
            "the heads are not in front of T yet: after view(B, T, n_heads, hs) call "
            "transpose(1, 2)",
        ),
        Mistake(
            _straight_reshape,
            "a straight reshape to (B, n_heads, T, hs) mixes the tokens' channels: view as "
            "(B, T, n_heads, hs) first, then transpose(1, 2)",
        ),
        Mistake(
            _interleaved,
            "head h must get the consecutive channels h*hs .. (h+1)*hs - 1, not every "
            "n_heads-th channel",
        ),
    ],
)
def split_heads_reference(x, n_heads):
    """Exercise 05: (B, T, C) -> (B, n_heads, T, C // n_heads)."""
    return split_heads(x, n_heads)


def _pe(T, d_model, exponent, even=torch.sin, odd=torch.cos, multiply=False):
    pos = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    freq = 10000.0 ** exponent(torch.arange(d_model // 2, dtype=torch.float64), d_model)
    angle = pos * freq if multiply else pos / freq  # (T, d_model / 2)
    pe = torch.zeros(T, d_model, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = even(angle), odd(angle)
    return pe.float()


def _two_i(i, d):
    return 2 * i / d


def _channel_index(T, d_model):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    j = torch.arange(d_model, dtype=torch.float64)  # every channel its own frequency
    angle = pos / 10000.0 ** (j / d_model)
    pe = torch.where(j.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return pe.float()


@exercise(
    "05.positional_encoding",
    cases=lambda: [(8, 4), (16, 8), (50, 32)],
    mistakes=[
        Mistake(
            lambda T, d: _pe(T, d, _two_i, even=torch.cos, odd=torch.sin),
            "sin and cos are swapped: sin goes in the even channels 0, 2, 4, ...",
        ),
        Mistake(
            lambda T, d: _pe(T, d, lambda i, d: i / d),
            "the exponent must be 2i / d_model (i counts channel pairs), not i / d_model",
        ),
        Mistake(
            _channel_index,
            "channels 2i and 2i+1 share one frequency: use the pair index i in 10000^(2i/d_model)",
        ),
        Mistake(
            lambda T, d: _pe(T, d, _two_i, odd=torch.sin),
            "the odd channels use cos, not sin",
        ),
        Mistake(
            lambda T, d: _pe(T, d, _two_i, multiply=True),
            "divide the position by 10000^(2i/d_model), do not multiply",
        ),
    ],
)
def positional_encoding(T, d_model):
    """Exercise 05: the (T, d_model) sinusoidal encodings; sin on even, cos on odd channels."""
    return sinusoidal_positions(T, d_model)
