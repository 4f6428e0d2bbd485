"""Argument checks and two model utilities that every helpers module shares (private).

One rule for bad input everywhere: a wrong type raises TypeError, a value out of range raises
ValueError, and the message names the argument, what it allows and what it got:

    check_int("top_k", top_k, low=1)          # top_k must be an integer >= 1, got 0
    check_number("top_p", top_p, 0, 1, low_open=True)   # top_p must be in (0, 1], got 1.5

`True` and `False` are ints to Python but never a count or a probability here, so `is_int` and
`is_number` reject them; numpy's integer and float scalars are accepted.

`eval_mode(model)` runs a block with the model in eval mode (no dropout) and puts its train/eval
mode back afterwards; `model_device(model)` is where its parameters live.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator

import torch

__all__ = [
    "check_bool",
    "check_int",
    "check_number",
    "eval_mode",
    "is_int",
    "is_number",
    "model_device",
]


def is_int(value: object) -> bool:
    """An integer (Python or numpy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """A real number (int or float, Python or numpy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_bool(name: str, value: object) -> None:
    """TypeError unless `value` is True or False ("`name` must be True or False, got value")."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def check_int(
    name: str,
    value: object,
    low: int | None = None,
    high: int | None = None,
    *,
    none_ok: bool = False,
    message: str | None = None,
) -> None:
    """TypeError unless `value` is an integer (or None when `none_ok`); ValueError unless
    low <= value <= high (a bound that is None is not checked).

    The message is "`name` must be [None or ]an integer >= low, got value" (or "in [low, high]");
    `message` replaces everything before ", got value".
    """
    if value is None and none_ok:
        return
    if message is None:
        message = f"{name} must be {'None or ' if none_ok else ''}an integer{_bounds(low, high)}"
    if not is_int(value):
        raise TypeError(f"{message}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{message}, got {value!r}")


def check_number(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = False,
    message: str | None = None,
) -> None:
    """TypeError unless `value` is a real number; ValueError unless it lies between `low` and
    `high` (open at an end when `low_open` / `high_open`; NaN never does) and, when `finite`,
    is finite.

    Messages: "`name` must be a number in [low, high), got value" for a wrong type and
    "`name` must be in [low, high), got value" for a wrong value; `message` replaces the part
    before ", got value" of both.
    """
    interval = _interval(low, high, low_open, high_open)
    kind = "a finite number" if finite else "a number"
    if not is_number(value):
        raise TypeError(f"{message or f'{name} must be {kind}{interval}'}, got {value!r}")
    ok = (
        (low is None or (value > low if low_open else value >= low))
        and (high is None or (value < high if high_open else value <= high))
        and not math.isnan(value)
        and (not finite or math.isfinite(value))
    )
    if not ok:
        shown = f"{kind}{interval}" if finite else interval.lstrip()
        raise ValueError(f"{message or f'{name} must be {shown}'}, got {value!r}")


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Run the block with `model` in eval mode (no dropout); its train/eval mode is restored
    afterwards, also when the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's parameters (the CPU for a model without any)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""
