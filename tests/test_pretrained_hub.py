"""Optional online cells: offline mode answers at once, and a dead address answers False."""

import time

import pytest

from helpers.pretrained import hub as online


def test_offline_mode_answers_false_at_once():
    start = time.perf_counter()
    assert online.offline_mode() and online.hub_available() is False  # tests set HF_HUB_OFFLINE
    assert time.perf_counter() - start < 0.5


def test_unreachable_hub_times_out_quickly(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    monkeypatch.setattr(online, "HUB_URL", "http://127.0.0.1:9/")  # the discard port: refused
    assert online.hub_available(timeout_s=1.0) is False


def test_note_and_bad_timeout():
    assert "skipping GPT-2" in online.offline_note("GPT-2")
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        online.hub_available(0)
