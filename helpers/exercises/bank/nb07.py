"""Exercises of notebook 07: training a mini GPT."""

import math

import torch

from helpers.exercises import Mistake, exercise

# --------------------------------------------------------------------------- 07.make_batch


def _batch_cases():
    g = torch.Generator().manual_seed(8)
    return [
        (torch.randint(0, 512, (50,), generator=g), [3, 17, 30], 8),
        (torch.randint(0, 512, (200,), generator=g), [1, 100], 16),
        (torch.randint(0, 64, (12,), generator=g), [7, 1, 5, 2], 4),
    ]


def _windows(ids, starts, T, x_offset, y_offset, length=None):
    length = T if length is None else length
    x = torch.stack([ids[s + x_offset : s + x_offset + length] for s in starts])
    y = torch.stack([ids[s + y_offset : s + y_offset + length] for s in starts])
    return x, y


@exercise(
    "07.make_batch",
    cases=_batch_cases,
    mistakes=[
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, 0),
            "y equals x: the target at each position is the NEXT token, so y starts one "
            "token later (ids[s + 1 : s + 1 + T])",
        ),
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, -1),
            "y is shifted the wrong way: y[t] must be the token after x[t], not the one before",
        ),
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, 1)[::-1],
            "x and y are swapped: return (x, y), inputs first",
        ),
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, 1, length=T + 1),
            "the windows are one token too long: x and y each hold T tokens (y's last one is "
            "the token after x's last)",
        ),
    ],
)
def make_batch(ids, starts, T):
    """Exercise 07: inputs x and targets y (each (len(starts), T)) from the token stream `ids`,
    one window per start position; y is x shifted by one token."""
    x = torch.stack([ids[s : s + T] for s in starts])  # (B, T)
    y = torch.stack([ids[s + 1 : s + 1 + T] for s in starts])  # (B, T)
    return x, y


# --------------------------------------------------------------------------- 07.uniform_loss


@exercise(
    "07.uniform_loss",
    cases=lambda: [(512,), (50257,), (2,), (100,)],
    mistakes=[
        Mistake(
            lambda V: 1 / V,
            "1 / vocab_size is the probability of each token; the loss is minus its log",
        ),
        Mistake(lambda V: -math.log(V), "the sign: the loss is -ln(p), a positive number"),
        Mistake(
            lambda V: math.log2(V),
            "that is in bits (log base 2); PyTorch's cross-entropy uses the natural log",
        ),
        Mistake(lambda V: math.log10(V), "that is log base 10; use the natural log, math.log"),
    ],
)
def uniform_loss(vocab_size):
    """Exercise 07: the cross-entropy of a model that gives every token probability
    1 / vocab_size, whatever the right token is: -ln(1 / V) = ln(V)."""
    return math.log(vocab_size)
