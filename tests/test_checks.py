"""helpers._checks: one rule for bad input (wrong type: TypeError, wrong value: ValueError), and
eval_mode / model_device."""

import numpy as np
import pytest
import torch

from helpers._checks import (
    check_bool,
    check_int,
    check_number,
    eval_mode,
    is_int,
    is_number,
    model_device,
)


def test_bools_are_neither_ints_nor_numbers_and_numpy_scalars_are_both():
    assert is_int(3) and is_int(np.int64(3)) and not is_int(True) and not is_int(3.0)
    assert is_number(0.5) and is_number(np.float32(0.5)) and is_number(2)
    assert not is_number(False) and not is_number("1") and not is_number(1j)


@pytest.mark.parametrize(
    ("value", "error"),
    [(1.5, TypeError), (True, TypeError), ("2", TypeError), (None, TypeError), (0, ValueError),
     (11, ValueError)],
)  # fmt: skip
def test_check_int_names_the_argument_and_its_range(value, error):
    with pytest.raises(error, match=rf"^n must be an integer in \[1, 10\], got {value!r}$"):
        check_int("n", value, 1, 10)


def test_check_int_bounds_none_and_own_message():
    check_int("k", 5, low=1)
    check_int("k", None, low=1, none_ok=True)
    check_int("k", np.int64(5), low=1)
    with pytest.raises(ValueError, match=r"^k must be None or an integer >= 1, got 0$"):
        check_int("k", 0, low=1, none_ok=True)
    with pytest.raises(ValueError, match=r"^k must be an integer <= 3, got 4$"):
        check_int("k", 4, high=3)
    with pytest.raises(ValueError, match=r"^vocab_size must be >= 256, the bytes, got 100$"):
        check_int("vocab_size", 100, low=256, message="vocab_size must be >= 256, the bytes")


def test_check_number_intervals():
    check_number("p", 1, 0, 1, low_open=True)
    check_number("t", float("inf"), low=0)
    for value in (0, 1.5, float("nan")):
        with pytest.raises(ValueError, match=rf"^p must be in \(0, 1\], got {value!r}$"):
            check_number("p", value, 0, 1, low_open=True)
    with pytest.raises(TypeError, match=r"^dropout must be a number in \[0, 1\), got True$"):
        check_number("dropout", True, 0, 1, high_open=True)
    with pytest.raises(ValueError, match=r"^t must be > 0, got 0$"):
        check_number("t", 0, low=0, low_open=True)
    with pytest.raises(ValueError, match=r"^t must be a finite number >= 0, got inf$"):
        check_number("t", float("inf"), low=0, finite=True)


def test_check_bool():
    check_bool("bias", False)
    with pytest.raises(TypeError, match=r"^bias must be True or False, got 1$"):
        check_bool("bias", 1)


def test_eval_mode_restores_the_mode_even_after_an_error():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)).train()
    with eval_mode(model) as inside:
        assert inside is model and not model.training and not model[1].training
    assert model.training and model[1].training
    model.eval()
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("boom")
    assert not model.training


def test_model_device():
    assert model_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(torch.nn.ReLU()) == torch.device("cpu")  # no parameters at all
