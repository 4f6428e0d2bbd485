"""How good is sampled text? The measures behind notebooks 08 and 09, on tiny tales.

A model trained on tiny tales first learns which words exist, then how they fit into sentences;
the sampling controls then trade variety against correctness. The measures, all on plain text:

- `known_word_share`: the share of the sampled words that occur in a reference text (the
  training stories), so made-up words like "bouged" count against it (notebook 08);
- `grammatical_share` / `grammatical_counts`: the share (count) of the sampled complete
  sentences that the tiny-tales grammar accepts (`helpers.corpora.is_grammatical`), the number
  the mini GPT's card reports (notebook 08) and the trade-off plots (notebook 09);
- `distinct_ngrams`: distinct-n, how varied a set of samples is (notebook 09).

All of them split text into `words`, one tokenisation: runs of ASCII letters, and with
`punctuation=True` every other visible character as a word of its own.

Samples are drawn from the start of a story: each one starts after the end-of-text token, with
seeds `seed, seed + 1, ...`. `sample_stories` draws them the way the mini GPT's card does
(tools/make_checkpoints.py), one story each; `story_samples` the way the trade-off does, a
fixed number of tokens that may hold several stories. `sampling_tradeoff` measures a grid of
temperatures and top-p values (a few minutes: `python -m tools.make_checkpoints
sampling-tradeoff` writes data/sampling-tradeoff.json, which notebook 09 plots; the JSON keeps
per-sample counts and a fingerprint of the tokens, so a test can recompute any sample exactly).

    texts = sample_stories(model, tokenizer, n=12, seed=0)
    share, n_sentences = grammatical_share(texts)
    distinct_ngrams(texts, 2)
"""

import hashlib
import re
import statistics
from collections.abc import Iterable, Sequence

import torch

from helpers._checks import check_int, eval_mode
from helpers.corpora import is_grammatical, split_sentences
from helpers.sampling import candidate_count, entropy, generate, next_token_probs

__all__ = [
    "STORY_START",
    "TRADEOFF",
    "distinct_ngrams",
    "grammatical_counts",
    "grammatical_share",
    "known_word_share",
    "longest_shared_run",
    "sample_stories",
    "sampling_tradeoff",
    "stories_text",
    "story_samples",
    "top_k_samples",
    "tradeoff_cell",
    "words",
]

STORY_START = "<|endoftext|>"  # the token that ends a story, so what follows starts a new one

# What data/sampling-tradeoff.json holds (tools/make_checkpoints.py's "sampling-tradeoff" step).
TRADEOFF = {
    "temperatures": [0.5, 0.8, 1.1, 1.4, 1.7],
    "top_ps": [0.5, 0.8, 0.95, 1.0],
    "samples_per_cell": 40,  # stories per (temperature, top-p) cell; sample i uses seed + i
    "new_tokens": 160,  # per story, sampled from the start-of-story token, never stopping early
    "seed": 0,
    "prompt": STORY_START,
}

_WORD = re.compile(r"[A-Za-z]+")
_WORD_OR_MARK = re.compile(r"[A-Za-z]+|[^A-Za-z\s]")  # ... or one punctuation mark


# ---------------------------------------------------------------------------------------------
# Measures of text
# ---------------------------------------------------------------------------------------------


def words(text: str, punctuation: bool = False) -> list[str]:
    """The words of `text`: runs of ASCII letters ("Mia's red kite." -> Mia, s, red, kite);
    with `punctuation`, every other character that is not white space is a word too
    (-> Mia, ', s, red, kite, .)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return (_WORD_OR_MARK if punctuation else _WORD).findall(text)


def known_word_share(texts: Iterable[str], known: set[str]) -> float:
    """Share of the words in `texts` that are in `known` (case-sensitive); 0.0 for no words."""
    message = "known must be a non-empty set of words, e.g. set(words(training_text))"
    if not isinstance(known, set | frozenset):
        raise TypeError(message)
    if not known:
        raise ValueError(message)
    found = [w for text in _check_texts(texts) for w in words(text)]
    return sum(w in known for w in found) / len(found) if found else 0.0


def grammatical_counts(text: str) -> tuple[int, int]:
    """(complete sentences, sentences the tiny-tales grammar accepts) in a sampled text; a
    sentence cut off at the end of a sample is not counted."""
    sentences = split_sentences(text, complete_only=True)
    return len(sentences), sum(is_grammatical(s) for s in sentences)


def grammatical_share(texts: Iterable[str]) -> tuple[float, int]:
    """(share of grammatical sentences, number of sentences checked) over the complete sentences
    of `texts`. Share 0.0 when there is no complete sentence."""
    counts = [grammatical_counts(text) for text in _check_texts(texts)]
    total, good = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return (good / total if total else 0.0), total


def distinct_ngrams(texts: Sequence[str], n: int) -> float:
    """distinct-n: the number of different word n-grams in `texts` over the number of n-grams
    (each text's n-grams counted on their own; words lower-cased, punctuation marks count as
    words). 1.0: no n-gram repeats; near 0: the same few phrases over and over. Compare it only
    between sets of texts of the same length."""
    check_int("n", n, low=1)
    grams = [
        tuple(w[i : i + n])
        for w in (words(text.lower(), punctuation=True) for text in texts)
        for i in range(len(w) - n + 1)
    ]
    return len(set(grams)) / len(grams) if grams else 0.0


# ---------------------------------------------------------------------------------------------
# Samples to measure
# ---------------------------------------------------------------------------------------------


def sample_stories(
    model,
    tokenizer,
    n: int,
    seed: int = 0,
    temperature: float = 0.8,
    max_new_tokens: int = 160,
) -> list[str]:
    """`n` stories sampled from scratch (seeds seed .. seed + n - 1), each without the leading
    and trailing white space. A story ends at the end-of-text token or after max_new_tokens."""
    check_int("n", n, low=1)
    return [
        generate(
            model, tokenizer, STORY_START, max_new_tokens, temperature=temperature, seed=seed + i
        ).completion.strip()
        for i in range(n)
    ]


def stories_text(tokenizer, token_ids: Sequence[int]) -> str:
    """Sampled token ids as text: the end-of-story token separates stories (blank lines)."""
    eos = getattr(tokenizer, "eos_id", None)
    pieces, current = [], []
    for token in token_ids:
        if token == eos:
            pieces.append(current)
            current = []
        else:
            current.append(token)
    pieces.append(current)
    return "\n\n".join(tokenizer.decode(p).strip() for p in pieces if p)


def story_samples(
    model, tokenizer, temperature: float, top_p: float | None, seeds: Sequence[int],
    new_tokens: int = TRADEOFF["new_tokens"], prompt: str = TRADEOFF["prompt"],
) -> list[dict]:  # fmt: skip
    """One seeded sample per seed: its text (stories separated by blank lines), its sentence
    counts and a fingerprint of its token ids (to recompute a sample and compare exactly)."""
    top_p = None if top_p == 1.0 else top_p  # top-p 1 keeps every token: the same as off
    out = []
    for seed in seeds:
        g = generate(model, tokenizer, prompt, new_tokens, temperature=temperature,
                     top_p=top_p, seed=seed, stop_at_eos=False)  # fmt: skip
        text = stories_text(tokenizer, g.token_ids)
        sentences, good = grammatical_counts(text)
        fingerprint = hashlib.sha256(str(g.token_ids).encode()).hexdigest()[:16]
        out.append({"seed": seed, "text": text, "sentences": sentences, "grammatical": good,
                    "tokens_sha": fingerprint})  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------
# The trade-off of notebook 09: diversity vs grammatical validity as temperature and top-p change
# ---------------------------------------------------------------------------------------------


def tradeoff_cell(
    model, tokenizer, temperature: float, top_p: float, samples: int, seed: int = 0,
    new_tokens: int = TRADEOFF["new_tokens"],
) -> dict:  # fmt: skip
    """One cell of the grid: `samples` stories (seeds seed, seed+1, ...) at one setting, their
    distinct-2 / distinct-3 ratios and the share of their sentences that are grammatical."""
    rows = story_samples(model, tokenizer, temperature, top_p, range(seed, seed + samples),
                         new_tokens)  # fmt: skip
    texts = [r["text"] for r in rows]
    sentences = sum(r["sentences"] for r in rows)
    good = sum(r["grammatical"] for r in rows)
    return {
        "temperature": temperature,
        "top_p": top_p,
        "distinct_2": round(distinct_ngrams(texts, 2), 4),
        "distinct_3": round(distinct_ngrams(texts, 3), 4),
        "grammatical_share": round(good / sentences, 4) if sentences else 0.0,
        "sentences": sentences,
        "per_sample": [[r["sentences"], r["grammatical"], r["tokens_sha"]] for r in rows],
        "example": texts[0][:300],
    }


def sampling_tradeoff(model, tokenizer, settings: dict = TRADEOFF) -> dict:
    """The whole grid: a cell per (temperature, top_p) of `settings`, and the settings."""
    cells = [
        tradeoff_cell(
            model,
            tokenizer,
            t,
            p,
            settings["samples_per_cell"],
            settings["seed"],
            settings["new_tokens"],
        )  # fmt: skip
        for t in settings["temperatures"]
        for p in settings["top_ps"]
    ]
    return {
        "settings": dict(settings),
        "model": "mini-gpt",
        "code": "helpers.studies.sample_quality.sampling_tradeoff(model, tokenizer, TRADEOFF), "
        "written by `python -m tools.make_checkpoints sampling-tradeoff` (one thread)",
        "per_sample_columns": ["sentences", "grammatical", "tokens_sha"],
        "cells": cells,
    }


def _check_texts(texts: Iterable[str]) -> Sequence[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    texts = list(texts)
    bad = [type(t).__name__ for t in texts if not isinstance(t, str)]
    if bad:
        raise TypeError(f"texts must all be str, got a {bad[0]}")
    return texts


# ---------------------------------------------------------------------------------------------
# Notebook 09, measured live: how repetitive greedy text is, and what top-k does
# ---------------------------------------------------------------------------------------------


def longest_shared_run(texts: Sequence[str]) -> list[str]:
    """The longest run of words that occurs at least twice in `texts`: in two different texts or
    twice in the same one. Words are split at whitespace and kept as written (case and
    punctuation included), so the run reads as text: " ".join(run). [] if no word repeats."""
    sequences = [t.split() for t in texts]
    best: list[str] = []
    n = 1
    while True:  # a run repeated at length n is repeated at every shorter length too
        seen: set[tuple[str, ...]] = set()
        repeated = None
        for w in sequences:
            for i in range(len(w) - n + 1):
                gram = tuple(w[i : i + n])
                if gram in seen:
                    repeated = gram
                    break
                seen.add(gram)
            if repeated:
                break
        if repeated is None:
            return best
        best, n = list(repeated), n + 1


def top_k_samples(
    model, tokenizer, top_k: int | None, temperature: float = 1.0,
    seeds: Sequence[int] = range(6), new_tokens: int = 80, prompt: str = TRADEOFF["prompt"],
) -> dict:  # fmt: skip
    """Seeded samples at one top-k (None: off) and how random they were.

    Each seed gives one sample of `new_tokens` tokens from `prompt` (never stopping early;
    stories split at the end-of-text token, as in `story_samples`). Returns the mean entropy in
    bits and the mean number of candidate tokens of the filtered distributions the tokens were
    drawn from (one forward pass over each sample recomputes them), distinct-2 and distinct-3
    of the samples, their complete sentences, the share the tiny-tales grammar accepts, and the
    texts."""
    context = model.config.context_length
    entropies, candidates, texts = [], [], []
    with eval_mode(model):
        for seed in seeds:
            g = generate(model, tokenizer, prompt, new_tokens, temperature=temperature,
                         top_k=top_k, seed=seed, stop_at_eos=False)  # fmt: skip
            ids = g.prompt_ids + g.token_ids
            if len(ids) - 1 > context:
                raise ValueError(
                    f"prompt and new_tokens must fit in the context window ({context} tokens)"
                )
            with torch.inference_mode():
                logits = model(torch.tensor([ids[:-1]]))[0, len(g.prompt_ids) - 1 :]  # (N, V)
            probs = next_token_probs(logits.float(), temperature, top_k)
            entropies += entropy(probs).tolist()
            candidates += candidate_count(probs).tolist()
            texts.append(stories_text(tokenizer, g.token_ids))
    counts = [grammatical_counts(t) for t in texts]
    sentences = sum(c[0] for c in counts)
    good = sum(c[1] for c in counts)
    return {
        "top_k": top_k,
        "temperature": temperature,
        "mean_entropy_bits": statistics.fmean(entropies),
        "mean_candidates": statistics.fmean(candidates),
        "distinct_2": distinct_ngrams(texts, 2),
        "distinct_3": distinct_ngrams(texts, 3),
        "sentences": sentences,
        "grammatical_share": good / sentences if sentences else 0.0,
        "texts": texts,
    }
