"""The sampling and widget benchmarks (`python -m helpers.bench sample|widgets`) and the cached
diversity-vs-validity trade-off of notebook 08. Small sizes, and no assertion on absolute speed
or on speed ratios (a busy machine must not fail the tests): keys, consistency, exactness."""

import json

import pytest
import torch

from helpers import bench, checkpoints
from helpers.bench_sample import (
    BENCH_CONFIG,
    TRADEOFF,
    distinct_ngrams,
    grammatical_counts,
    measure_sampling_speed,
    story_samples,
    tradeoff_cell,
    words,
)
from helpers.bench_widgets import measure_changes
from helpers.gpt import GPT, GPTConfig
from helpers.tokenization import load_tokenizer

SPEED_KEYS = {"kv_tokens_per_s", "nocache_tokens_per_s", "hf_generate_tokens_per_s"}


def test_every_benchmark_name_points_at_a_function():
    import importlib

    for name, target in bench.BENCHMARKS.items():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function)), name
    with pytest.raises(ValueError, match="name must be one of"):
        bench.run("nonsense")


def test_sampling_speed_reports_the_three_ways_on_the_same_weights():
    config = GPTConfig(vocab_size=512, context_length=64, n_layer=2, n_head=2, d_model=32)
    threads = torch.get_num_threads()
    figures = measure_sampling_speed(config, new_tokens=24, repeats=1)
    assert torch.get_num_threads() == threads  # restored
    assert SPEED_KEYS <= set(figures)
    assert all(figures[k] > 0 for k in SPEED_KEYS)
    assert figures["greedy_tokens_match_hf"] is True  # same weights, same function
    assert figures["new_tokens"] == 24 and figures["threads"] == 1
    assert "seeded random weights" in figures["model"] and "context 64" in figures["model"]
    for key, seconds in (("kv", "kv_seconds"), ("nocache", "nocache_seconds")):
        assert figures[f"{key}_tokens_per_s"] == pytest.approx(24 / figures[seconds], rel=1e-2)


def test_the_benchmark_model_is_the_mini_gpt_architecture_with_room_for_256_tokens():
    card = checkpoints.load_card("mini-gpt") if _has("mini-gpt") else None
    shape = {"vocab_size": 512, "n_layer": 4, "n_head": 4, "d_model": 128}
    assert {k: getattr(BENCH_CONFIG, k) for k in shape} == shape
    if card is not None:
        assert {k: card["config"][k] for k in shape} == shape
    assert BENCH_CONFIG.context_length >= 256 + 12


def test_sampling_speed_rejects_bad_sizes():
    with pytest.raises(ValueError, match="new_tokens must be at most"):
        measure_sampling_speed(new_tokens=600, repeats=1)
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        measure_sampling_speed(repeats=0)


def test_widget_bench_reports_each_widget_and_the_worst_median():
    figures = bench.BENCHMARKS["widgets"]  # the dispatcher's entry is this module's run()
    assert figures == "helpers.bench_widgets:run"
    from helpers.bench_widgets import run

    result = run(changes=3, include_minilm=False, playground_tokens=5)
    widgets = result["widgets"]
    assert {"00 temperature explorer", "08 next-token explorer"} <= set(widgets)
    assert result["worst_median_ms"] == max(w["median_ms"] for w in widgets.values())
    assert result["within_budget"] == (result["worst_median_ms"] <= result["budget_ms"] == 100)
    explorer = widgets["08 next-token explorer"]
    assert explorer["median_ms"] == max(
        explorer[f"{c}_median_ms"] for c in ("temperature", "top_p", "top_k")
    )
    assert result["playground_generate_ms"] > 0


def test_measure_changes_refuses_a_control_that_changes_nothing():
    import ipywidgets as widgets

    slider = widgets.FloatSlider(value=1.0)
    with pytest.raises(RuntimeError, match="changed no output"):
        measure_changes(slider, [0.5, 1.5], 2, lambda: "always the same")
    with pytest.raises(ValueError, match="each different from the next"):
        measure_changes(slider, [0.5, 0.5], 2, lambda: None)


# ---------------------------------------------------------------------------------------------
# The trade-off: diversity vs grammatical validity
# ---------------------------------------------------------------------------------------------


def test_words_and_distinct_ngrams_on_hand_examples():
    assert words('Tom said, "Hi!"') == ["tom", "said", ",", '"', "hi", "!", '"']
    assert distinct_ngrams(["a b a b"], 2) == pytest.approx(2 / 3)  # ab, ba, ab
    assert distinct_ngrams(["a b c", "a b c"], 2) == pytest.approx(2 / 4)
    assert distinct_ngrams(["a b c d"], 3) == 1.0
    assert distinct_ngrams(["a"], 2) == 0.0  # no bigram at all
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        distinct_ngrams(["a b"], 0)


def test_grammatical_counts_counts_complete_sentences_only():
    text = "Soon, it began to rain. Rain began it soon. The end. Sam had a"
    sentences, good = grammatical_counts(text)
    assert sentences == 3  # "Sam had a" is cut off: not counted
    assert good == 2


def test_samples_are_seeded_and_split_at_the_end_of_a_story():
    config = GPTConfig(vocab_size=512, context_length=64, n_layer=2, n_head=2, d_model=32)
    model = GPT(config, seed=0).eval()
    tokenizer = load_tokenizer("tiny-tales")
    a = story_samples(model, tokenizer, 1.0, 0.9, [3, 4], new_tokens=30)
    assert a == story_samples(model, tokenizer, 1.0, 0.9, [3, 4], new_tokens=30)
    assert a[0]["tokens_sha"] != a[1]["tokens_sha"]
    assert all("<|endoftext|>" not in s["text"] for s in a)
    cell = tradeoff_cell(model, tokenizer, 1.0, 0.9, samples=2, seed=3, new_tokens=30)
    assert cell["per_sample"] == [[s["sentences"], s["grammatical"], s["tokens_sha"]] for s in a]


def _has(name: str) -> bool:
    return (checkpoints.data_dir() / f"{name}.json").exists()


@pytest.fixture(scope="module")
def tradeoff():
    path = checkpoints.data_dir() / "sampling-tradeoff.json"
    assert path.exists(), (
        "data/sampling-tradeoff.json is missing: run "
        "`python -m helpers.make_checkpoints sampling-tradeoff` (after the mini-gpt step)"
    )
    return json.loads(path.read_text())


def test_the_cached_tradeoff_matches_its_settings_and_checkpoint(tradeoff):
    assert tradeoff["settings"] == TRADEOFF
    assert tradeoff["mini_gpt_sha256"] == checkpoints.load_card("mini-gpt")["sha256"]
    cells = tradeoff["cells"]
    assert [(c["temperature"], c["top_p"]) for c in cells] == [
        (t, p) for t in TRADEOFF["temperatures"] for p in TRADEOFF["top_ps"]
    ]
    for c in cells:  # the shares are what the per-sample counts add up to
        assert len(c["per_sample"]) == TRADEOFF["samples_per_cell"]
        sentences = sum(s[0] for s in c["per_sample"])
        good = sum(s[1] for s in c["per_sample"])
        assert c["sentences"] == sentences
        assert c["grammatical_share"] == pytest.approx(good / sentences, abs=1e-4)
        assert 0 < c["distinct_2"] <= c["distinct_3"] <= 1


def test_recomputing_samples_of_the_cached_tradeoff_gives_the_same_tokens(tradeoff):
    """Every sample is seeded: recompute the first three of one cell, on one thread as
    make_checkpoints does, and compare token fingerprints and sentence counts exactly."""
    model, _ = checkpoints.load("mini-gpt")
    tokenizer = load_tokenizer("tiny-tales")
    cell = next(c for c in tradeoff["cells"] if c["temperature"] == 1.1 and c["top_p"] == 0.95)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seeds = range(TRADEOFF["seed"], TRADEOFF["seed"] + 3)
        again = story_samples(model, tokenizer, 1.1, 0.95, seeds)
    finally:
        torch.set_num_threads(threads)
    assert [[s["sentences"], s["grammatical"], s["tokens_sha"]] for s in again] == cell[
        "per_sample"
    ][:3]


# ---------------------------------------------------------------------------------------------
# What makes the sampling loop lean: its draw is torch.multinomial's, without the input checks
# ---------------------------------------------------------------------------------------------


def test_generates_draw_is_torch_multinomials_draw():
    from helpers.sampling import _draw, sample_token

    data = torch.Generator().manual_seed(5)
    ours, theirs = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    for i in range(3000):
        probs = (torch.randn(512, generator=data) * (1 + i % 5)).softmax(-1)
        if i % 3 == 0:  # filtered distributions: many exact zeros
            probs[torch.rand(512, generator=data) < 0.8] = 0
            probs = probs / probs.sum() if probs.sum() > 0 else torch.eye(512)[i % 512]
        assert _draw(probs, ours) == int(sample_token(probs, theirs)), f"draw {i}"


def test_nan_logits_stop_generation_with_an_error():
    from helpers.sampling import generate

    class NaNModel(torch.nn.Module):
        config = GPTConfig(vocab_size=512, context_length=16, n_layer=1, n_head=1, d_model=8)

        def forward(self, idx):
            return torch.full((*idx.shape, 512), float("nan"))

    with pytest.raises(RuntimeError, match="logits contain NaN"):
        generate(NaNModel(), load_tokenizer("tiny-tales"), "Hi", 3, use_cache=False)
