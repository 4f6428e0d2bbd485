"""Story questions: a fine-tuning task built from the tiny-tales grammar (notebook 11).

Each example is a three-sentence story in the tiny-tales style, a question about it and a one-
or two-word answer that must be COPIED from the story:

    Story: Mia had a small red kite. Mia and Tom decided to go to the park. At last, Tom found
    the kite under the bed!
    Question: Who found the kite?
    Answer: Tom.

Four kinds of question (who owned the toy, who found it, which color, which place) and two
people per story, so "the first name" is wrong half the time: the model must read the question.

A fifth of the names are never an answer in training, and for each toy a fifth of its colors
and of the places never appear with it in a training story; every held-out example asks about
one of those. A model that memorised the training stories cannot answer them: it has to copy.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from helpers._checks import check_int
from helpers.corpora.tiny_tales import vocabulary

__all__ = [
    "QAExample",
    "answer_is_correct",
    "held_out_words",
    "story_qa",
]


class QAExample(NamedTuple):
    prompt: str  # "Story: ...\nQuestion: ...\nAnswer:" (the model continues it)
    answer: str  # " Tom." (with its leading space and full stop)
    kind: str  # "who_had", "who_found", "color" or "place"


_SPOTS = ["under the bed", "behind the door", "in the toy box", "under the table", "on the shelf"]
_KINDS = ("who_had", "who_found", "color", "place")


def _slots() -> dict[str, list[str]]:
    v = vocabulary()
    return {
        "name": sorted(v["names"]),
        "color": list(v["classes"]["color"]),
        "toy": [t for t in v["classes"]["toy"] if " " not in t],
        "place": list(v["classes"]["place"]),
    }


def held_out_words(seed: int = 0) -> dict:
    """What the training examples never ask about: a fifth of the names (never an answer in
    training), and for each toy a fifth of the colors and a fifth of the places (those toy +
    color and toy + place combinations never appear in a training story at all).

    Returns {"name": [...], "color": {toy: [...]}, "place": {toy: [...]}}.
    """
    rng = random.Random(1000 + seed)
    slots = _slots()

    def fifth(words):
        words = sorted(words)
        rng.shuffle(words)
        return sorted(words[: max(1, len(words) // 5)])

    return {
        "name": fifth(slots["name"]),
        "color": {toy: fifth(slots["color"]) for toy in slots["toy"]},
        "place": {toy: fifth(slots["place"]) for toy in slots["toy"]},
    }


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _example(rng: random.Random, cast: dict, kind: str) -> QAExample:
    hero, friend, color, toy, place = (cast[k] for k in ("hero", "friend", "color", "toy", "place"))
    size = rng.choice(vocabulary()["classes"]["size"])
    spot = rng.choice(_SPOTS)
    owns = rng.choice(
        [
            f"{hero} had {_article(size)} {size} {color} {toy}.",
            f"{hero} loved {_pronoun(hero, 'poss')} {color} {toy} more than anything.",
        ]
    )
    trip = rng.choice(
        [
            f"{hero} and {friend} decided to go to {place}.",
            f"{hero} asked {friend} to come to {place} with {_pronoun(hero, 'obj')}.",
        ]
    )
    found = f"At last, {friend} found the {toy} {spot}!"
    story = " ".join([owns, trip, found])
    question, answer = {
        "who_had": (f"Whose {toy} was it?", hero),
        "who_found": (f"Who found the {toy}?", friend),
        "color": (f"What color was the {toy}?", color),
        "place": ("Where did they go?", place),
    }[kind]
    return QAExample(f"Story: {story}\nQuestion: {question}\nAnswer:", f" {answer}.", kind)


def _pronoun(name: str, case: str) -> str:
    v = vocabulary()
    return v["pronouns"][v["names"][name]][case]


def story_qa(n: int, split: str = "train", seed: int = 0) -> list[QAExample]:
    """`n` seeded examples of the "train" or "held_out" split.

    "train" never asks about a held-out name and never shows a held-out toy + color or toy +
    place combination (`held_out_words(seed)`); every "held_out" example asks about one: a
    held-out name, or the color or place of a toy in a combination training never showed.
    Memorising the training answers cannot pass. Kinds cycle in a fixed order.
    """
    check_int("n", n, low=1)
    check_int("seed", seed, low=0)
    if split not in ("train", "held_out"):
        raise ValueError(f"split must be 'train' or 'held_out', got {split!r}")
    held = held_out_words(seed)
    slots = _slots()
    rng = random.Random(seed * 2 + (split == "held_out"))
    out = []
    for i in range(n):
        kind = _KINDS[i % len(_KINDS)]
        while True:
            hero, friend = rng.sample(slots["name"], 2)
            toy, color, place = (rng.choice(slots[s]) for s in ("toy", "color", "place"))
            new_color, new_place = color in held["color"][toy], place in held["place"][toy]
            answer_name = {"who_had": hero, "who_found": friend}.get(kind)
            new_name = answer_name in held["name"]
            if split == "train":
                ok = not (new_color or new_place or new_name)
            else:
                ok = {"who_had": new_name, "who_found": new_name, "color": new_color,
                      "place": new_place}[kind]  # fmt: skip
            if ok:
                break
        cast = {"hero": hero, "friend": friend, "toy": toy, "color": color, "place": place}
        out.append(_example(rng, cast, kind))
    return out


def answer_is_correct(generated: str, answer: str) -> bool:
    """Exact match: the generated continuation, up to and including its first full stop, equals
    the answer (" Tom."). Nothing is forgiven: case, spacing, the full stop."""
    if not isinstance(generated, str) or not isinstance(answer, str):
        raise TypeError("generated and answer must be str")
    end = generated.find(".")
    return end >= 0 and generated[: end + 1] == answer
