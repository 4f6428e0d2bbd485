"""Exercises of notebook 08: sampling and LLM controls (temperature, top-k, top-p).

Each takes a 1-D torch tensor of logits. The cases avoid ties and cumulative sums within
rounding of p, so any correct way of writing the filter agrees with the reference.
"""

import torch

from helpers.exercises import Mistake, exercise
from helpers.sampling import next_token_probs, top_k_filter, top_p_filter


def _logits(seed: int, n: int, scale: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g) * scale


def _temperature_cases():
    return [
        (torch.tensor([2.0, 1.0, 0.1]), 1.0),
        (torch.tensor([2.0, 1.0, 0.1]), 0.5),
        (_logits(1, 8, 2.0), 2.0),
        (_logits(2, 12, 3.0), 0.3),
        (torch.tensor([100.0, 101.0, 102.0]), 0.7),  # large logits: exp() alone would overflow
    ]


@exercise(
    "08.temperature",
    cases=_temperature_cases,
    mistakes=[
        Mistake(lambda x, t: x.softmax(-1), "the temperature is ignored: divide the logits by it"),
        Mistake(
            lambda x, t: (x * t).softmax(-1),
            "the logits were multiplied by the temperature: divide them by it instead",
        ),
        Mistake(
            lambda x, t: x.softmax(-1) / t,
            "softmax first, then divide? divide the logits by T first, then take the softmax",
        ),
        Mistake(
            lambda x, t: x / t,
            "these are the scaled logits, not probabilities: take the softmax of logits / T",
        ),
    ],
)
def temperature_probs(logits, temperature):
    """Exercise 08.temperature: the probabilities softmax(logits / T), for T > 0."""
    return next_token_probs(logits, temperature)


def _top_k_cases():
    return [
        (torch.tensor([1.0, 3.0, 2.0, 0.5]), 2),
        (_logits(3, 10, 2.0), 1),
        (_logits(4, 10, 2.0), 4),
        (_logits(5, 16, 1.0), 7),
        (_logits(6, 6, 1.0), 6),  # k = V keeps everything
    ]


def _keep_k_smallest(x, k):
    return x.masked_fill(x > torch.topk(x, k, largest=False).values[-1], float("-inf"))


def _zeroed(x, k):
    return torch.where(top_k_filter(x, k) == float("-inf"), torch.zeros_like(x), x)


def _one_too_many(x, k):
    return x.masked_fill(x < torch.sort(x, descending=True).values[min(k, len(x) - 1)], -torch.inf)


@exercise(
    "08.top_k",
    cases=_top_k_cases,
    mistakes=[
        Mistake(_keep_k_smallest, "these are the k smallest logits: keep the k largest"),
        Mistake(
            _zeroed,
            "the dropped logits were set to 0, which still leaves them a chance after softmax: "
            "set them to -inf",
        ),
        Mistake(
            _one_too_many,
            "one token too many is kept: the k-th largest logit is sorted[k - 1], not sorted[k]",
        ),
        Mistake(
            lambda x, k: top_k_filter(x, k).softmax(-1),
            "return the filtered logits (with -inf for dropped tokens), not probabilities",
        ),
    ],
)
def top_k_logits(logits, k):
    """Exercise 08.top_k: keep the k largest logits, set the others to -inf."""
    return top_k_filter(logits, k)


def _top_p_cases():
    return [
        (torch.tensor([2.0, 1.0, 0.5, -1.0]), 0.7),
        (_logits(7, 10, 2.0), 0.9),
        (_logits(8, 12, 1.5), 0.5),
        (_logits(9, 8, 3.0), 0.95),
        (_logits(10, 10, 1.0), 0.3),
    ]


def _nucleus(x, p, strict):
    """The tokens whose cumulative probability (most likely first) before them is < p; with
    `strict`, only those whose cumulative probability including them is < p (misses the one
    that crosses p)."""
    probs, order = torch.sort(x.softmax(-1), descending=True)
    cum = probs.cumsum(-1)
    keep_sorted = cum < p if strict else (cum - probs) < p
    keep_sorted[0] = True
    keep = torch.zeros_like(keep_sorted).scatter(0, order, keep_sorted)
    return x.masked_fill(~keep, float("-inf"))


def _smallest_first(x, p):
    probs, order = torch.sort(x.softmax(-1))  # ascending by mistake
    keep_sorted = (probs.cumsum(-1) - probs) < p
    keep = torch.zeros_like(keep_sorted).scatter(0, order, keep_sorted)
    return x.masked_fill(~keep, float("-inf"))


@exercise(
    "08.top_p",
    cases=_top_p_cases,
    mistakes=[
        Mistake(
            lambda x, p: _nucleus(x, p, strict=True),
            "the token that takes the total past p must stay: keep a token while the total "
            "*before* it is still below p",
        ),
        Mistake(
            _smallest_first,
            "the tokens were added up from the least likely: sort from the most likely first",
        ),
        Mistake(
            lambda x, p: torch.where(top_p_filter(x, p) == float("-inf"), 0.0, x),
            "the dropped logits were set to 0, which still leaves them a chance after softmax: "
            "set them to -inf",
        ),
        Mistake(
            lambda x, p: top_p_filter(x, p).softmax(-1),
            "return the filtered logits (with -inf for dropped tokens), not probabilities",
        ),
    ],
)
def top_p_logits(logits, p):
    """Exercise 08.top_p: keep the smallest set of most likely tokens whose probabilities add up
    to at least p; set the other logits to -inf."""
    return top_p_filter(logits, p)
