"""Exercises of notebook 00: start here."""

import numpy as np

from helpers.exercises import Mistake, exercise
from helpers.softmax import softmax


def _softmax_cases():
    rng = np.random.default_rng(0)
    return [
        (np.array([2.0, 1.0, 0.1]), 1.0),
        (np.array([2.0, 1.0, 0.1]), 0.5),
        (rng.normal(size=5) * 3, 2.0),
        (np.array([1000.0, 1001.0, 1002.0]), 1.0),  # large logits: exp() would overflow
        (rng.normal(size=8), 0.25),
    ]


def _softmax_overflowing(logits, temperature):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(logits, dtype=np.float64) / temperature)
        return e / e.sum()


@exercise(
    "00.softmax",
    cases=_softmax_cases,
    mistakes=[
        Mistake(lambda x, t: softmax(x), "the temperature is ignored: divide the logits by it"),
        Mistake(
            lambda x, t: softmax(np.asarray(x) * t * t),
            "multiply by the temperature? divide the logits by it instead",
        ),
        Mistake(
            lambda x, t: np.asarray(x) / t / np.sum(np.asarray(x) / t),
            "the scores were normalised without exp(): take exp() first, then divide by the sum",
        ),
        Mistake(
            _softmax_overflowing,
            "exp() overflowed on large logits: subtract the largest logit first",
        ),
    ],
)
def softmax_with_temperature(logits, temperature):
    """Exercise 00: probabilities from logits under a temperature."""
    return softmax(logits, temperature)
