"""Exercises that check themselves.

An exercise cell gives a function skeleton whose body is `...`; the next cell calls
`check("00.softmax", my_softmax)`. The check runs the learner's function on seeded cases
against a reference and prints one line: not attempted yet, correct, or wrong with a specific
hint. It never raises, so the notebook keeps running whatever the learner wrote.

Exercises are registered with the `@exercise` decorator on their reference solution (see
helpers.exercises.bank). Each lists typical mistakes as functions that compute what the mistake
gives: when the learner's output matches one, the hint names that mistake. Tests check that
every reference passes and every mistake is caught with its hint.
"""

import dis
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from helpers._checks import is_number


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: `wrong` computes what that mistake gives; `hint` explains it."""

    wrong: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: the reference solution, seeded cases to run, and known mistakes."""

    name: str  # "NN.short_name": the notebook number, then what the function computes
    reference: Callable[..., Any]
    cases: Callable[[], Sequence[tuple]]  # fresh argument tuples on every call (seeded)
    mistakes: tuple[Mistake, ...] = ()
    rtol: float = 1e-4
    atol: float = 1e-5


@dataclass(frozen=True)
class Result:
    """The outcome of a check: status is 'correct', 'wrong', 'not attempted' or 'unknown'."""

    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def line(self) -> str:
        mark = {"correct": "✅", "wrong": "❌", "not attempted": "⏳", "unknown": "❓"}
        return f"{mark[self.status]} {self.message}"


REGISTRY: dict[str, Exercise] = {}


def exercise(name: str, cases: Callable[[], Sequence[tuple]], mistakes=(), **tolerances):
    """Decorator: register the decorated function as the reference solution of `name`."""

    def register(reference: Callable[..., Any]) -> Callable[..., Any]:
        if name in REGISTRY:
            raise ValueError(f"exercise name {name!r} is registered twice")
        REGISTRY[name] = Exercise(name, reference, cases, tuple(mistakes), **tolerances)
        return reference

    return register


def get(name: str) -> Exercise:
    """The registered exercise called `name` (KeyError listing the known names if none)."""
    _load_bank()
    if name not in REGISTRY:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def evaluate(name: str, fn: Any) -> Result:
    """Run `fn` on the exercise's cases and compare with the reference. Never raises."""
    try:
        ex = get(name)
    except KeyError as error:
        return Result("unknown", str(error.args[0]))
    if not callable(fn):
        return Result("wrong", f"check needs your function itself, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    if _body_is_placeholder(fn):
        return Result("not attempted", f"{name}: not attempted yet: fill in {fn_name} and rerun")
    cases = ex.cases()
    for i, (args, expected_args) in enumerate(zip(cases, ex.cases(), strict=True), start=1):
        where = f"case {i} of {len(cases)}"
        try:
            got = fn(*args)
        except Exception as error:  # noqa: BLE001  (any error of the learner's becomes a hint)
            message = str(error).splitlines()[0] if str(error) else ""
            return Result("wrong", f"{fn_name} raised {type(error).__name__}: {message} ({where})")
        expected = ex.reference(*expected_args)
        if got is None:
            return Result("wrong", f"{fn_name} returned None: did you forget `return`? ({where})")
        problem = _difference(got, expected, ex.rtol, ex.atol)
        if problem is None:
            continue
        for mistake in ex.mistakes:
            if _matches(got, mistake.wrong, ex.cases()[i - 1], ex):
                return Result("wrong", f"{name}: {mistake.hint} ({where})")
        return Result("wrong", f"{name}: {problem} ({where})")
    return Result("correct", f"{name}: correct on all {len(cases)} cases")


def check(name: str, fn: Any) -> None:
    """Check the learner's `fn` against exercise `name` and print one line."""
    print(evaluate(name, fn).line())


def _load_bank() -> None:
    """Register the course's exercises (imported lazily to keep `import helpers` light)."""
    import helpers.exercises.bank  # noqa: F401


def _matches(got: Any, wrong: Callable, args: tuple, ex: Exercise) -> bool:
    """True when `got` is what the mistaken function `wrong` gives on `args`."""
    try:
        return _difference(got, wrong(*args), ex.rtol, ex.atol) is None
    except Exception:  # noqa: BLE001  (a mistake that cannot even run matches nothing)
        return False


def _body_is_placeholder(fn: Callable) -> bool:
    """True when the function's body is only `...` or `pass` (after an optional docstring).

    Such a body compiles to "return None" and nothing else, whatever the arguments.
    """
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    ops = [
        (ins.opname, ins.argval)
        for ins in dis.get_instructions(code)
        if ins.opname not in ("RESUME", "NOP", "CACHE")
    ]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def _difference(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """None when `got` equals `expected` (to tolerance), else what differs, in a few words."""
    if isinstance(expected, torch.Tensor | np.ndarray):
        if not isinstance(got, torch.Tensor | np.ndarray | list | tuple | float | int):
            return f"returned a {type(got).__name__}, expected an array"
        got_arr = _as_numpy(got)
        exp_arr = _as_numpy(expected)
        if got_arr.shape != exp_arr.shape:
            return f"shape mismatch: got {tuple(got_arr.shape)}, expected {tuple(exp_arr.shape)}"
        if exp_arr.dtype == bool or got_arr.dtype == bool:
            if not np.array_equal(got_arr.astype(bool), exp_arr.astype(bool)):
                return "some entries are True where they should be False, or the other way"
            return None
        if np.isnan(got_arr).any() and not np.isnan(exp_arr).any():
            return "your result contains NaN (an overflow, or 0/0?)"
        if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol, equal_nan=True):
            with np.errstate(invalid="ignore"):  # inf - inf where both mask a token
                diff = np.nanmax(np.abs(got_arr.astype(np.float64) - exp_arr.astype(np.float64)))
            return f"values differ from the reference (max abs difference {diff:.3g})"
        return None
    if is_number(expected):
        if isinstance(got, torch.Tensor | np.ndarray) and np.size(_as_numpy(got)) == 1:
            got = float(_as_numpy(got).reshape(()))
        if not is_number(got):
            return f"returned a {type(got).__name__}, expected a number"
        if not math.isclose(float(got), float(expected), rel_tol=rtol, abs_tol=atol):
            return f"got {float(got):.6g}, expected {float(expected):.6g}"
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"returned a {type(got).__name__}, expected a dict"
        if set(got) != set(expected):
            missing, extra = set(expected) - set(got), set(got) - set(expected)
            return (
                f"dict keys differ (missing {sorted(missing)[:3]}, unexpected {sorted(extra)[:3]})"
            )
        for key in expected:
            problem = _difference(got[key], expected[key], rtol, atol)
            if problem is not None:
                return f"at key {key!r}: {problem}"
        return None
    if isinstance(expected, list | tuple):
        if not isinstance(got, list | tuple):
            return f"returned a {type(got).__name__}, expected a {type(expected).__name__}"
        if len(got) != len(expected):
            return f"length mismatch: got {len(got)} items, expected {len(expected)}"
        for j, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = _difference(g, e, rtol, atol)
            if problem is not None:
                return f"item {j}: {problem}"
        return None
    if got != expected:
        return f"got {got!r}, expected {expected!r}"
    return None


def _as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


__all__ = ["REGISTRY", "Exercise", "Mistake", "Result", "check", "evaluate", "exercise", "get"]
