"""Tests for tools.bench.seq2seq: `python -m tools.bench seq2seq --json` reports the
accuracy by length of both committed translators, their training time and timings."""

import json

import pytest

from helpers import checkpoints
from tools import bench
from tools.bench import seq2seq as bench_seq2seq


@pytest.fixture(scope="module")
def figures():
    return bench_seq2seq.run(time_lengths=(4, 32), repeats=1)


def test_reports_both_checkpoints_on_one_held_out_set(figures):
    assert figures["held_out"] == {"pairs": 1200, "seed": 12345, "min_words": 3, "max_words": 32}
    rows = figures["accuracy_by_length"]
    assert [r["words"] for r in rows] == ["3-7", "8-12", "13-17", "18-22", "23-27", "28-32"]
    assert sum(r["n"] for r in rows) == 1200
    for row in rows:
        for key in ("bottleneck_token_accuracy", "attention_token_accuracy"):
            assert 0 <= row[key] <= 1
    assert figures["matches_cards"] is True  # live figures == the cards' recorded metrics


def test_meets_the_issues_numbers(figures):
    rows = figures["accuracy_by_length"]
    drop = rows[0]["bottleneck_token_accuracy"] - rows[-1]["bottleneck_token_accuracy"]
    assert figures["bottleneck_drop_points"] == pytest.approx(100 * drop, abs=0.1)
    assert figures["bottleneck_drop_points"] >= 30
    assert figures["attention_longest_bucket"] == rows[-1]["attention_token_accuracy"] >= 0.90


def test_training_time_comes_from_the_cards(figures):
    for label, name in bench_seq2seq.MODELS.items():
        card = checkpoints.load_card(name)
        assert figures["training_seconds"][label] == card["training"]["seconds"] > 0
        assert figures["training_steps"][label] == card["training"]["steps"]


def test_time_per_sentence_grows_with_length(figures):
    for label in bench_seq2seq.MODELS:
        ms = figures["translate_ms_by_words"][label]
        assert set(ms) == {"4", "32"} and ms["32"] > ms["4"] > 0


def test_cli_prints_the_figures_as_json(figures, monkeypatch, capsys):
    monkeypatch.setattr(bench_seq2seq, "run", lambda: figures)  # the real run is measured above
    bench.main(["seq2seq", "--json"])
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(figures))
