"""The benchmarks of `make bench` (`python -m tools.bench NAME --json`): the dispatcher, and the
sampling, training and widget measurements at small sizes. No assertion on absolute speed or on
speed ratios (a busy machine must not fail the tests): keys, consistency, exactness."""

import math
import subprocess
import sys

import pytest
import torch

from helpers import checkpoints
from helpers.gpt import GPTConfig
from tools import bench
from tools.bench.sample import BENCH_CONFIG, measure_sampling_speed
from tools.bench.train import measure_training_throughput
from tools.bench.widgets import measure_changes

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
    with pytest.raises(ValueError, match="repeats must be an integer >= 1"):
        measure_sampling_speed(repeats=0)


def test_widget_bench_reports_each_widget_and_the_worst_median():
    figures = bench.BENCHMARKS["widgets"]  # the dispatcher's entry is this module's run()
    assert figures == "tools.bench.widgets:run"
    from tools.bench.widgets import run

    result = run(changes=3, include_minilm=False, playground_tokens=5)
    widgets = result["widgets"]
    assert {"00 temperature explorer", "09 next-token explorer"} <= set(widgets)
    assert result["worst_median_ms"] == max(w["median_ms"] for w in widgets.values())
    assert result["within_budget"] == (result["worst_median_ms"] <= result["budget_ms"] == 100)
    explorer = widgets["09 next-token explorer"]
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


def test_measure_training_throughput_runs_both_models_on_the_same_batches():
    config = GPTConfig(vocab_size=64, context_length=16, n_layer=1, n_head=2, d_model=16)
    threads = torch.get_num_threads()
    result = measure_training_throughput(config, batch_size=4, steps=2, seed=0, num_threads=1)
    assert torch.get_num_threads() == threads  # restored
    assert set(result) >= {"ours_tokens_per_s", "hf_tokens_per_s", "ratio"}
    assert result["ours_tokens_per_s"] > 0 and result["hf_tokens_per_s"] > 0
    assert 0 < result["ratio"] < math.inf
    assert result["max_loss_diff"] < 1e-4  # same weights, same batches -> the same losses
    with pytest.raises(ValueError, match="steps"):
        measure_training_throughput(config, steps=0)


def test_the_entry_points_run_from_the_repository_root(root):
    """`python -m tools.bench NAME` and `python -m tools.make_checkpoints --help`, as make runs
    them (the figures themselves are measured above; here only that the entry points answer)."""
    out = subprocess.run([sys.executable, "-m", "tools.bench", "nonsense"], cwd=root,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 1
    assert "name must be one of seq2seq, parallelism, train, sample, widgets" in out.stderr
    out = subprocess.run([sys.executable, "-m", "tools.make_checkpoints", "--help"], cwd=root,
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert "python -m tools.make_checkpoints" in out.stdout
    assert "Steps: tokenizer, seq2seq-studies, mini-gpt" in out.stdout


def _has(name: str) -> bool:
    return (checkpoints.data_dir() / f"{name}.json").exists()
