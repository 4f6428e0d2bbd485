"""Sampling measurements of notebook 08: speed, and what the controls do to the text.

`python -m helpers.bench sample --json` (`run`): tokens per second for 256 new tokens (batch 1)
with the course GPT's KV cache, without it (the full context re-read every step), and with
transformers' `generate` on the same weights (`helpers.gpt.to_transformers`). The three run
alternately in one process after a warm-up, on one thread, and the figures are medians of
several repeats, so a busy machine slows all three alike. 256 new tokens must fit in the
context window, and the shipped mini GPT's window is 256 tokens: the benchmark therefore uses
the mini GPT's architecture with a 512-token window and seeded random weights (the same work
per token; the JSON says so).

`sampling_tradeoff`: for a grid of temperatures and top-p values, how varied the samples are
(distinct n-grams) and how many of their sentences the tiny-tales grammar accepts. It takes a
few minutes, so `python -m helpers.make_checkpoints sampling-tradeoff` runs it once and writes
data/sampling-tradeoff.json, which notebook 08 plots; every sample is seeded, and the JSON keeps
per-sample counts and a fingerprint of the tokens, so a test can recompute any sample exactly.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import time
from collections.abc import Sequence
from typing import Any

import torch

from helpers.gpt import GPT, GPTConfig, to_transformers
from helpers.sampling import generate

__all__ = [
    "BENCH_CONFIG",
    "TRADEOFF",
    "distinct_ngrams",
    "grammatical_counts",
    "measure_sampling_speed",
    "run",
    "sampling_tradeoff",
    "story_samples",
    "tradeoff_cell",
    "words",
]

# The mini GPT's architecture (4 layers, 4 heads, d_model 128, vocabulary 512) with a context
# of 512 tokens, so a prompt plus 256 new tokens fits without sliding the window.
BENCH_CONFIG = GPTConfig(
    vocab_size=512, context_length=512, n_layer=4, n_head=4, d_model=128, dropout=0.0
)
BENCH_PROMPT = "Once upon a time, there was a little"


def measure_sampling_speed(
    config: GPTConfig = BENCH_CONFIG,
    new_tokens: int = 256,
    repeats: int = 5,
    seed: int = 0,
    num_threads: int | None = 1,
) -> dict[str, Any]:
    """Seconds and tokens/s to sample `new_tokens` tokens three ways on the same weights.

    All three sample at temperature 1 with no top-k / top-p (transformers' `generate` is given
    top_k=0, since its default generation config would quietly apply top_k=50) and never stop
    early, so each produces exactly `new_tokens` tokens. Each repeat times the three back to
    back, in a rotating order, after one untimed warm-up round; the reported times are the
    medians over the repeats and the ratios are medians of the per-repeat ratios.
    `num_threads` sets torch's threads while measuring (restored afterwards; None: as is):
    batch-1 decoding is a chain of tiny matrix products that extra threads only slow down.
    """
    for name, value in (("new_tokens", new_tokens), ("repeats", repeats)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if num_threads is not None and (not isinstance(num_threads, int) or num_threads < 1):
        raise ValueError(f"num_threads must be a positive integer or None, got {num_threads!r}")
    from helpers.tokenization import load_tokenizer

    tokenizer = load_tokenizer("tiny-tales")
    prompt_ids = tokenizer.encode(BENCH_PROMPT)
    if len(prompt_ids) + new_tokens > config.context_length:
        raise ValueError(
            f"new_tokens must be at most {config.context_length - len(prompt_ids)} so the prompt "
            f"({len(prompt_ids)} tokens) and the new tokens fit in the context "
            f"({config.context_length}), got {new_tokens}"
        )
    old_threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        model = GPT(config, seed=seed).eval()
        hf = to_transformers(model).eval()  # no eos token: it never stops early
        prompt = torch.tensor([prompt_ids])

        def ours(use_cache: bool) -> int:
            out = generate(model, tokenizer, BENCH_PROMPT, new_tokens, temperature=1.0,
                           seed=seed, use_cache=use_cache, stop_at_eos=False)  # fmt: skip
            return len(out.token_ids)

        def theirs() -> int:
            with torch.inference_mode():
                out = hf.generate(
                    prompt, attention_mask=torch.ones_like(prompt), do_sample=True,
                    temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=new_tokens,
                    min_new_tokens=new_tokens, pad_token_id=0,
                )  # fmt: skip
            return out.shape[1] - prompt.shape[1]

        runners = {"kv": lambda: ours(True), "nocache": lambda: ours(False), "hf": theirs}
        times: dict[str, list[float]] = {name: [] for name in runners}
        for i in range(repeats + 1):  # round 0 is the warm-up
            names = list(runners)
            names = names[i % 3 :] + names[: i % 3]  # rotate who goes first
            for name in names:
                start = time.perf_counter()
                produced = runners[name]()
                elapsed = time.perf_counter() - start
                if produced != new_tokens:
                    raise RuntimeError(f"{name} produced {produced} tokens, not {new_tokens}")
                if i > 0:
                    times[name].append(elapsed)
        greedy_match = _greedy_agrees(model, hf, tokenizer, prompt, min(new_tokens, 64))
    finally:
        torch.set_num_threads(old_threads)

    med = {name: statistics.median(t) for name, t in times.items()}
    pairs = list(zip(times["kv"], times["nocache"], times["hf"], strict=True))
    return {
        "model": (
            f"mini-gpt architecture ({config.n_layer} layers, {config.n_head} heads, d_model "
            f"{config.d_model}, vocab {config.vocab_size}), context {config.context_length}, "
            f"seeded random weights (seed {seed})"
        ),
        "new_tokens": new_tokens,
        "prompt_tokens": len(prompt_ids),
        "batch_size": 1,
        "threads": torch.get_num_threads() if num_threads is None else num_threads,
        "repeats": repeats,
        "sampling": "temperature 1, no top-k / top-p (transformers: top_k=0), no early stop",
        "kv_seconds": round(med["kv"], 4),
        "nocache_seconds": round(med["nocache"], 4),
        "hf_generate_seconds": round(med["hf"], 4),
        "kv_tokens_per_s": round(new_tokens / med["kv"], 1),
        "nocache_tokens_per_s": round(new_tokens / med["nocache"], 1),
        "hf_generate_tokens_per_s": round(new_tokens / med["hf"], 1),
        "kv_vs_hf_generate": round(statistics.median(h / k for k, _, h in pairs), 2),
        "kv_vs_nocache": round(statistics.median(n / k for k, n, _ in pairs), 2),
        "greedy_tokens_match_hf": greedy_match,
    }


def _greedy_agrees(model, hf, tokenizer, prompt: torch.Tensor, n: int) -> bool:
    """Same weights, same function: greedy decoding gives the same tokens in both."""
    ours = generate(model, tokenizer, BENCH_PROMPT, n, temperature=0, stop_at_eos=False)
    with torch.inference_mode():
        out = hf.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                          max_new_tokens=n, min_new_tokens=n, pad_token_id=0)  # fmt: skip
    return out[0, prompt.shape[1] :].tolist() == ours.token_ids


def run() -> dict:
    """`python -m helpers.bench sample`: KV-cached vs uncached vs transformers' generate."""
    figures = measure_sampling_speed()
    figures["budget_kv_vs_hf_generate_ge_2"] = figures["kv_vs_hf_generate"] >= 2
    figures["budget_kv_vs_nocache_ge_4"] = figures["kv_vs_nocache"] >= 4
    return figures


# ---------------------------------------------------------------------------------------------
# The trade-off: diversity vs grammatical validity as temperature and top-p change
# ---------------------------------------------------------------------------------------------

# What data/sampling-tradeoff.json holds (make_checkpoints' "sampling-tradeoff" step).
TRADEOFF = {
    "temperatures": [0.5, 0.8, 1.1, 1.4, 1.7],
    "top_ps": [0.5, 0.8, 0.95, 1.0],
    "samples_per_cell": 40,  # stories per (temperature, top-p) cell; sample i uses seed + i
    "new_tokens": 160,  # per story, sampled from the start-of-story token, never stopping early
    "seed": 0,
    "prompt": "<|endoftext|>",
}
_WORD = re.compile(r"[a-z]+|[^a-z\s]")  # a lower-cased word, or one punctuation mark


def words(text: str) -> list[str]:
    """The words and punctuation marks of `text`, lower-cased: what n-grams are made of."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def distinct_ngrams(texts: Sequence[str], n: int) -> float:
    """distinct-n: the number of different word n-grams in `texts` over the number of n-grams
    (each text's n-grams counted on their own). 1.0: no n-gram repeats; near 0: the same few
    phrases over and over. Compare it only between sets of texts of the same length."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    grams = [tuple(w[i : i + n]) for w in map(words, texts) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def grammatical_counts(text: str) -> tuple[int, int]:
    """(complete sentences, sentences the tiny-tales grammar accepts) in a sampled text."""
    from helpers.corpora import is_grammatical, split_sentences

    sentences = split_sentences(text, complete_only=True)
    return len(sentences), sum(is_grammatical(s) for s in sentences)


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
        eos = getattr(tokenizer, "eos_id", None)
        pieces, current = [], []
        for token in g.token_ids:  # the end-of-story token separates stories
            if token == eos:
                pieces.append(current)
                current = []
            else:
                current.append(token)
        pieces.append(current)
        text = "\n\n".join(tokenizer.decode(p).strip() for p in pieces if p)
        sentences, good = grammatical_counts(text)
        fingerprint = hashlib.sha256(str(g.token_ids).encode()).hexdigest()[:16]
        out.append({"seed": seed, "text": text, "sentences": sentences, "grammatical": good,
                    "tokens_sha": fingerprint})  # fmt: skip
    return out


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
        "code": "helpers.bench_sample.sampling_tradeoff(model, tokenizer, TRADEOFF), written by "
        "`python -m helpers.make_checkpoints sampling-tradeoff` (one thread)",
        "per_sample_columns": ["sentences", "grammatical", "tokens_sha"],
        "cells": cells,
    }


# ---------------------------------------------------------------------------------------------
# Notebook 08, measured live: how repetitive greedy text is, and what top-k does
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
    from helpers.sampling import candidate_count, entropy, next_token_probs

    context = model.config.context_length
    entropies, candidates, texts = [], [], []
    was_training = model.training
    model.eval()
    try:
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
            eos = getattr(tokenizer, "eos_id", None)
            pieces, current = [], []
            for token in g.token_ids:
                if token == eos:
                    pieces.append(current)
                    current = []
                else:
                    current.append(token)
            pieces.append(current)
            texts.append("\n\n".join(tokenizer.decode(p).strip() for p in pieces if p))
    finally:
        model.train(was_training)
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
