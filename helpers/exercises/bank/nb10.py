"""Exercises of notebook 10: applications and foundation models."""

import random

import torch

from helpers.applications.foundation_models import converse_request
from helpers.applications.ner import entity_spans
from helpers.applications.sentiment import confusion_matrix
from helpers.exercises import Mistake, exercise


def _confusion_cases():
    g = torch.Generator().manual_seed(9)
    cases = [
        (torch.tensor([0, 0, 1, 1, 1]), torch.tensor([0, 1, 1, 1, 0]), 2),
        (torch.tensor([1, 1, 1, 0]), torch.tensor([0, 0, 1, 0]), 2),  # errors one way only
    ]
    for n_classes, n in ((2, 20), (3, 30)):
        labels = torch.randint(0, n_classes, (n,), generator=g)
        predicted = torch.randint(0, n_classes, (n,), generator=g)
        cases.append((labels, predicted, n_classes))
    return cases


@exercise(
    "10.confusion_matrix",
    cases=_confusion_cases,
    mistakes=[
        Mistake(
            lambda y, p, n: confusion_matrix(y, p, n).T,
            "rows and columns are swapped: row = the TRUE class, column = the PREDICTED class",
        ),
        Mistake(
            lambda y, p, n: confusion_matrix(y, p, n) / len(y),
            "these are shares of all examples: the matrix holds counts (do not divide)",
        ),
        Mistake(
            lambda y, p, n: torch.diag(torch.diag(confusion_matrix(y, p, n))),
            "only the correct predictions were counted: the mistakes go off the diagonal",
        ),
    ],
)
def confusion_matrix_reference(labels, predicted, n_classes):
    """Exercise 09: (n_classes, n_classes) counts, row = true class, column = predicted."""
    return confusion_matrix(labels, predicted, n_classes)


def _spans_cases():
    rng = random.Random(9)
    cases = [
        (["O", "PER", "O", "O"],),
        (["O", "LOC", "LOC", "O", "PER"],),  # a two-word place, and an entity at the very end
        (["PER", "O", "LOC", "LOC"],),
        (["O", "O", "O"],),
    ]
    for _ in range(4):
        cases.append(([rng.choice(["O", "O", "PER", "LOC"]) for _ in range(12)],))
    return cases


def _spans_inclusive_end(tags):
    return [(start, end - 1, kind) for start, end, kind in entity_spans(tags)]


def _spans_one_per_word(tags):
    return [(i, i + 1, t) for i, t in enumerate(tags) if t != "O"]


def _spans_forget_last(tags):
    spans = entity_spans(tags)
    return [s for s in spans if s[1] != len(tags)]


@exercise(
    "10.entity_spans",
    cases=_spans_cases,
    mistakes=[
        Mistake(_spans_inclusive_end, "end must be exclusive (one past the last word), like range"),
        Mistake(
            _spans_one_per_word,
            "each word became its own entity: neighbouring words with the same tag are one entity",
        ),
        Mistake(
            _spans_forget_last,
            "an entity that runs to the end of the sentence is missing: close it after the loop",
        ),
    ],
)
def entity_spans_reference(tags):
    """Exercise 09: [(start, end, type), ...] of the runs of equal non-"O" tags."""
    return entity_spans(tags)


def _config_cases():
    return [(0.7, 0.9, 256), (0.0, 1.0, 1), (1.0, 0.5, 40), (0.25, 0.95, 1000)]


@exercise(
    "10.inference_config",
    cases=_config_cases,
    mistakes=[
        Mistake(
            lambda t, p, m: {"temperature": t, "top_p": p, "max_new_tokens": m},
            "those are notebook 09's names: Bedrock's Converse calls them topP and maxTokens",
        ),
        Mistake(
            lambda t, p, m: {"temperature": t, "top_p": p, "max_tokens": m},
            "Bedrock's names are camelCase: topP and maxTokens",
        ),
        Mistake(
            lambda t, p, m: {"temperature": t, "topK": p, "maxTokens": m},
            "top_p is topP (nucleus sampling), not topK",
        ),
    ],
)
def inference_config_reference(temperature, top_p, max_new_tokens):
    """Exercise 09: the inferenceConfig of a Bedrock Converse request."""
    return converse_request("x", temperature=temperature, top_p=top_p, max_tokens=max_new_tokens)[
        "inferenceConfig"
    ]
