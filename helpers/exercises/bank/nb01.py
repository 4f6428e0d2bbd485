"""Exercises of notebook 01: tokens and embeddings."""

import random

import numpy as np

from helpers.exercises import Mistake, exercise
from helpers.tokenization import merge, pair_counts

# --- 01.pair_counts: count adjacent pairs, the first half of a BPE step -----------------------


def _id_lists():
    rng = random.Random(1)
    return [
        ([1, 2, 3, 1, 2],),
        ([7, 7, 7, 1],),  # overlapping pairs: (7, 7) occurs twice
        ([104, 101, 108, 108, 111],),  # "hello"
        ([rng.randrange(4) for _ in range(30)],),
        ([5, 6, 5, 6, 5, 6, 6],),
    ]


def _counts_without_overlaps(ids):
    counts, i = {}, 0
    while i + 1 < len(ids):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
        i += 2 if pair[0] == pair[1] else 1  # skips the second half of a run like 7 7 7
    return counts


def _counts_missing_last_pair(ids):
    return pair_counts(ids[:-1])


def _counts_of_ids(ids):
    counts = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    return counts


@exercise(
    "01.pair_counts",
    cases=_id_lists,
    mistakes=[
        Mistake(
            _counts_missing_last_pair,
            "the last pair is missing: a list of n ids has n - 1 adjacent pairs, the last one "
            "is (ids[-2], ids[-1])",
        ),
        Mistake(
            _counts_without_overlaps,
            "overlapping pairs count too: [7, 7, 7] holds the pair (7, 7) twice",
        ),
        Mistake(
            _counts_of_ids,
            "that counts single ids: count pairs of neighbours, keys like (ids[i], ids[i + 1])",
        ),
    ],
)
def pair_counts_reference(ids):
    """Exercise 01: {(a, b): how often b directly follows a in ids}."""
    return pair_counts(ids)


# --- 01.merge: replace every occurrence of a pair by a new id, the second half ----------------


def _merge_cases():
    rng = random.Random(2)
    noisy = [rng.randrange(3) for _ in range(40)]
    return [
        ([1, 2, 3, 1, 2], (1, 2), 9),
        ([7, 7, 7], (7, 7), 9),  # left to right, no overlap: [9, 7]
        ([5, 1, 2], (1, 2), 256),  # the pair at the very end
        ([104, 101, 108, 108, 111], (108, 108), 256),
        (noisy, (0, 1), 300),
        ([3, 4, 3, 4, 3], (4, 3), 257),
    ]


def _merge_first_only(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == tuple(pair):
            return [*ids[:i], new_id, *ids[i + 2 :]]
    return list(ids)


def _merge_without_skipping(ids, pair, new_id):
    out = []
    for i in range(len(ids)):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
        else:
            out.append(ids[i])
    return out


def _merge_dropping_the_end(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


@exercise(
    "01.merge",
    cases=_merge_cases,
    mistakes=[
        Mistake(
            _merge_first_only,
            "only the first occurrence was replaced: keep scanning to the end of the list",
        ),
        Mistake(
            _merge_without_skipping,
            "after writing new_id, skip both ids of the pair (i += 2); the second one was kept",
        ),
        Mistake(
            _merge_dropping_the_end,
            "the last id went missing: when the loop stops one short of the end, append "
            "the final id if it was not part of a merged pair",
        ),
    ],
)
def merge_reference(ids, pair, new_id):
    """Exercise 01: ids with every (non-overlapping, left to right) `pair` replaced by new_id."""
    return merge(ids, pair, new_id)


# --- 01.cosine_similarity: how alike two embedding vectors are --------------------------------


def _vector_pairs():
    rng = np.random.default_rng(3)
    a = rng.normal(size=384)
    return [
        (np.array([2.0, 0.0]), np.array([1.0, 1.0])),
        (np.array([3.0, 4.0]), np.array([-3.0, -4.0])),  # opposite: -1
        (a, 2.5 * a),  # same direction, different length: 1
        (rng.normal(size=384), rng.normal(size=384)),
        (rng.normal(size=8) * 10, rng.normal(size=8)),
    ]


def _dot(a, b):
    return float(np.dot(a, b))


def _dot_over_one_norm(a, b):
    return float(np.dot(a, b) / np.linalg.norm(a))


def _cosine_distance(a, b):
    return 1.0 - float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@exercise(
    "01.cosine_similarity",
    cases=_vector_pairs,
    mistakes=[
        Mistake(_dot, "that is the plain dot product: divide by the lengths of both vectors"),
        Mistake(
            _dot_over_one_norm,
            "only one vector's length was divided out: divide by |a| * |b|",
        ),
        Mistake(
            _cosine_distance,
            "that is the cosine distance, 1 - similarity: return the similarity itself",
        ),
    ],
)
def cosine_similarity_reference(a, b):
    """Exercise 01: cos of the angle between 1-D arrays a and b, in [-1, 1]."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
