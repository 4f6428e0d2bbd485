"""Seeds and device choice."""

import random

import numpy as np
import pytest
import torch

from helpers import pick_device, seed_everything


def _draw():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_same_seed_same_numbers_different_seed_different_numbers():
    seed_everything(7)
    first = _draw()
    seed_everything(7)
    assert _draw() == first
    seed_everything(8)
    assert _draw() != first


@pytest.mark.parametrize(
    ("seed", "error"),
    [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError),
     (None, TypeError)],
)  # fmt: skip
def test_bad_seed_names_the_argument(seed, error):
    with pytest.raises(error, match=r"seed must be an integer in \[0, 2\*\*32\)"):
        seed_everything(seed)


def test_device_defaults_to_cpu_in_tests(monkeypatch):
    assert pick_device() == torch.device("cpu")  # tests set COURSE_DEVICE=cpu
    monkeypatch.delenv("COURSE_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else None
    assert pick_device().type in {expected or "cpu", "mps", "cpu"}


def test_device_order_cuda_then_mps_then_cpu(monkeypatch):
    import helpers.reproducibility as repro

    monkeypatch.delenv("COURSE_DEVICE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(repro, "_mps_usable", lambda: True)
    assert pick_device().type == "mps"
    monkeypatch.setattr(repro, "_mps_usable", lambda: False)
    assert pick_device().type == "cpu"


def test_bad_device_requests(monkeypatch):
    with pytest.raises(ValueError, match="device must be one of 'cpu', 'cuda', 'mps'"):
        pick_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        pick_device("cuda")
