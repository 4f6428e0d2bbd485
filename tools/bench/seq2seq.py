"""`python -m tools.bench seq2seq --json`: the two translators of notebooks 02 and 03.

Loads the committed checkpoints (seq2seq-bottleneck, seq2seq-attention), translates the
held-out set their cards name (greedy, batched) and reports token accuracy by source length
side by side, the training time each card records, and the time to translate one sentence
by its length (sequential steps: it grows with the sentence).
"""

import torch

from helpers import checkpoints
from helpers.corpora import translation_pairs
from helpers.seq2seq import accuracy_by_length
from helpers.studies.seq2seq import time_per_sentence
from tools.make_checkpoints import rounded_rows

MODELS = {"bottleneck": "seq2seq-bottleneck", "attention": "seq2seq-attention"}
TIME_LENGTHS = (4, 8, 16, 32)  # sentence lengths (words) for the time per sentence


def held_out_pairs(card: dict) -> list[tuple[str, str]]:
    """The held-out pairs a seq2seq card was measured on (its training settings name them)."""
    t = card["training"]
    return translation_pairs(t["test_pairs"], t["test_seed"], t["min_words"], t["max_words"])


def run(time_lengths=TIME_LENGTHS, repeats: int = 3) -> dict:
    """Accuracy by length of both checkpoints on one held-out set, training and timing figures.

    Runs torch on one thread, as the checkpoints were trained, so the accuracies reproduce
    the figures their cards recorded ("matches_cards" says whether they do).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(time_lengths, repeats)
    finally:
        torch.set_num_threads(threads)


def _run(time_lengths, repeats: int) -> dict:
    loaded = {label: checkpoints.load(name) for label, name in MODELS.items()}
    cards = {label: card for label, (_, card) in loaded.items()}
    specs = {label: _test_spec(card) for label, card in cards.items()}
    if len({tuple(s.items()) for s in specs.values()}) != 1:
        raise ValueError(f"the checkpoints were measured on different held-out sets: {specs}")
    test = held_out_pairs(cards["bottleneck"])
    tables = {label: accuracy_by_length(model, test) for label, (model, _) in loaded.items()}
    rows = [
        {
            "words": b["words"],
            "n": b["n"],
            **{
                f"{label}_token_accuracy": round(tables[label][i]["token_accuracy"], 4)
                for label in MODELS
            },
            **{
                f"{label}_exact_match": round(tables[label][i]["exact_match"], 4)
                for label in MODELS
            },
        }  # fmt: skip
        for i, b in enumerate(tables["bottleneck"])
    ]
    bottleneck, attention = tables["bottleneck"], tables["attention"]
    timing = {
        label: {
            str(r["words"]): round(r["translate_ms"], 2)
            for r in time_per_sentence(model, time_lengths, n_sentences=3, repeats=repeats)
        }
        for label, (model, _) in loaded.items()
    }
    matches = all(
        rounded_rows(tables[label]) == card["metrics"]["test_accuracy_by_length"]
        for label, card in cards.items()
    )
    return {
        "held_out": specs["bottleneck"],
        "matches_cards": matches,
        "accuracy_by_length": rows,
        "bottleneck_drop_points": round(
            100 * (bottleneck[0]["token_accuracy"] - bottleneck[-1]["token_accuracy"]), 1
        ),
        "attention_longest_bucket": round(attention[-1]["token_accuracy"], 4),
        "training_seconds": {label: card["training"]["seconds"] for label, card in cards.items()},
        "training_steps": {label: card["training"]["steps"] for label, card in cards.items()},
        "training_threads": {label: card["training"]["threads"] for label, card in cards.items()},
        "translate_ms_by_words": timing,
    }


def _test_spec(card: dict) -> dict:
    t = card["training"]
    return {
        "pairs": t["test_pairs"],
        "seed": t["test_seed"],
        "min_words": t["min_words"],
        "max_words": t["max_words"],
    }
