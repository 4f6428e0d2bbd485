"""Softmax with a temperature, in NumPy: the first formula of the course (notebook 00).

Later notebooks use torch's softmax; this one is small enough to read in one go and is the
reference for the first exercise.
"""

import numpy as np

from helpers._checks import check_number


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Probabilities from scores: exp(logit / T), normalised to sum to 1 along the last axis.

    Subtracting the largest logit first changes nothing mathematically but keeps exp() from
    overflowing for large logits. Low T sharpens the distribution, high T flattens it.
    """
    check_number("temperature", temperature, low=0, low_open=True)
    z = np.asarray(logits, dtype=np.float64) / temperature
    if z.size == 0:
        raise ValueError("logits must contain at least one value")
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def entropy_bits(probs) -> float:
    """Shannon entropy in bits: 0 for a certain outcome, log2(n) for n equally likely ones."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())
