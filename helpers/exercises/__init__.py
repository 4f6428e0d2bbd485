"""Exercises that check themselves.

An exercise cell gives a skeleton whose body is `...`; the next cell calls
`check("00.softmax", my_softmax)`. The check runs the learner's answer on seeded cases against
a reference and prints one line: not attempted yet, correct, or wrong with a specific hint. It
never raises, so the notebook keeps running whatever the learner wrote, and it leaves the
random number generators as it found them, so later cells do not depend on the answer.

Two sizes of exercise, registered in helpers.exercises.bank:

Functions: `@exercise(name, cases, mistakes)` on the reference function. `cases()` returns
fresh, seeded argument tuples; the learner's function and the reference run on each. Each
`Mistake(wrong, hint)` computes what a typical wrong answer gives: when the learner's output
matches it, the hint names the mistake. For a function that works on a model (a training step,
a sampling loop), let `cases()` build fresh models and optimizers, and pass
`run=lambda fn, *args: ...` to say what to compare: it calls `fn` (the learner's function, the
reference or a mistake) on the case's arguments, as often as it likes, and returns the outcome
(e.g. the losses and the parameters after three steps). A learner's function that returns None
there is reported as a forgotten `return`.

Components: `@component(name, cases, mistakes)` on the solution class, the skeleton's class
with its `forward` written. The learner hands in a class (`check(name, MyLayerNorm)`); for
each `ComponentCase(reference, init, inputs, label)` the check builds `MyLayerNorm(*init)`,
copies the weights of the `reference` module into it by parameter name (a missing or misnamed
attribute is named), casts it to the reference's dtype, runs `forward(*inputs)` in eval mode
without gradients and compares with `reference(*inputs)` (or with `expected(reference,
*inputs)` when given). A component's mistakes are functions `wrong(module, *inputs)` of the
reference module: use attribute names that the reference and the skeleton share.
`Exercise.answer_for(mistake)` turns a mistake into the answer a learner would hand in (for
components, a subclass of the solution), which is how the tests feed mistakes to the check.

Both take `error_hints=[(text, hint)]`: when the learner's code raises an error whose message
contains `text`, the one line adds `hint` (e.g. a broadcasting error: "keepdim=True").
"""

import contextlib
import copy
import dis
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from helpers._checks import is_number


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: `wrong` computes what that mistake gives; `hint` explains it."""

    wrong: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class ComponentCase:
    """One case of a component exercise: build the learner's class with `init`, copy the
    `reference` module's weights into it, run `forward(*inputs)` and compare."""

    reference: nn.Module  # its weights are copied; its output is the expected one
    init: tuple = ()  # arguments of the learner's class: MyThing(*init)
    inputs: tuple = ()  # arguments of forward
    label: str = ""  # a few words shown with the case number, e.g. "with a causal mask"


@dataclass(frozen=True)
class Exercise:
    """One exercise: the reference solution, seeded cases to run, and known mistakes."""

    name: str  # "NN.short_name": the notebook number, then what the function computes
    reference: Callable[..., Any]  # the reference function, or a component's solution class
    cases: Callable[[], Sequence[Any]]  # fresh argument tuples (or ComponentCases), seeded
    mistakes: tuple[Mistake, ...] = ()
    rtol: float = 1e-4
    atol: float = 1e-5
    kind: str = "function"  # or "component"
    run: Callable[..., Any] | None = None  # functions: run(fn, *args) -> what to compare
    expected: Callable[..., Any] | None = None  # components: expected(reference, *inputs)
    praise: str = ""  # said after "correct on all N cases"
    error_hints: tuple[tuple[str, str], ...] = ()  # (text in the error, hint) for common errors

    def answer_for(self, mistake: Mistake) -> Any:
        """What a learner would hand in to make `mistake`: the function itself, or for a
        component a subclass of the solution whose forward computes the mistake."""
        if self.kind != "component":
            return mistake.wrong
        return with_forward(self.reference, mistake.wrong)


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


def exercise(
    name: str,
    cases: Callable[[], Sequence[tuple]],
    mistakes=(),
    run: Callable[..., Any] | None = None,
    **options,
):
    """Decorator: register the decorated function as the reference solution of `name`.

    run: optional `run(fn, *args) -> outcome`, for functions checked by what they do rather
    than what they return (a training step: the parameters after a few steps).
    options: rtol, atol, praise, error_hints (see Exercise).
    """

    def register(reference: Callable[..., Any]) -> Callable[..., Any]:
        _register(Exercise(name, reference, cases, tuple(mistakes), run=run, **options))
        return reference

    return register


def component(
    name: str,
    cases: Callable[[], Sequence[ComponentCase]],
    mistakes=(),
    expected: Callable[..., Any] | None = None,
    **options,
):
    """Decorator: register the decorated nn.Module class as the solution of component `name`.

    cases: fresh, seeded ComponentCases. mistakes: Mistake(wrong(module, *inputs), hint).
    expected: optional `expected(reference, *inputs)`, else `reference(*inputs)` is compared.
    options: rtol, atol, praise, error_hints (see Exercise).
    """

    def register(solution: type) -> type:
        if not (isinstance(solution, type) and issubclass(solution, nn.Module)):
            raise TypeError(f"component {name!r} needs an nn.Module class, got {solution!r}")
        ex = Exercise(
            name, solution, cases, tuple(mistakes), kind="component", expected=expected, **options
        )
        _register(ex)
        return solution

    return register


def with_forward(cls: type, forward: Callable[..., Any]) -> type:
    """A subclass of the nn.Module class `cls` whose forward is `forward(self, *inputs)`."""

    def forward_method(self, *inputs):
        return forward(self, *inputs)

    return type(f"{cls.__name__}Variant", (cls,), {"forward": forward_method})


def get(name: str) -> Exercise:
    """The registered exercise called `name` (KeyError listing the known names if none)."""
    _load_bank()
    if name not in REGISTRY:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def evaluate(name: str, answer: Any) -> Result:
    """Check the learner's answer (a function, or a class for a component). Never raises."""
    try:
        ex = get(name)
    except KeyError as error:
        return Result("unknown", str(error.args[0]))
    try:
        with _random_state_kept():
            if ex.kind == "component":
                return _evaluate_component(ex, answer)
            return _evaluate_function(ex, answer)
    except Exception as error:  # noqa: BLE001  (whatever happens, one line and no traceback)
        return Result("wrong", f"{name}: could not check your answer: {_describe(error)}")


def check(name: str, answer: Any) -> None:
    """Check the learner's answer against exercise `name` and print one line."""
    print(evaluate(name, answer).line())


# --------------------------------------------------------------------------- functions


class _ReturnedNone(Exception):
    """The learner's function returned None inside an exercise's `run`."""


def _evaluate_function(ex: Exercise, fn: Any) -> Result:
    name = ex.name
    if isinstance(fn, type):
        return Result("wrong", f"check needs your function itself, got the class {fn.__name__}")
    if not callable(fn):
        return Result("wrong", f"check needs your function itself, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    if _body_is_placeholder(fn):
        return Result("not attempted", f"{name}: not attempted yet: fill in {fn_name} and rerun")
    cases = ex.cases()
    for i, (args, expected_args) in enumerate(zip(cases, ex.cases(), strict=True), start=1):
        where = f"case {i} of {len(cases)}"
        try:
            got = _outcome(ex, _none_refused(fn), args)
        except _ReturnedNone:
            got = None
        except Exception as error:  # noqa: BLE001  (any error of the learner's becomes a hint)
            return Result("wrong", f"{fn_name} raised {_describe(error, ex)} ({where})")
        expected = _outcome(ex, ex.reference, expected_args)
        if got is None:
            return Result("wrong", f"{fn_name} returned None: did you forget `return`? ({where})")
        problem = _safe_difference(got, expected, ex)
        if problem is None:
            continue
        for mistake in ex.mistakes:
            if _matches(got, lambda *a, w=mistake.wrong: _outcome(ex, w, a), ex.cases()[i - 1], ex):
                return Result("wrong", f"{name}: {mistake.hint} ({where})")
        return Result("wrong", f"{name}: {problem} ({where})")
    return _correct(ex, len(cases))


def _outcome(ex: Exercise, fn: Callable, args: tuple) -> Any:
    """What the exercise compares: fn(*args), or what `run` makes of fn on these arguments."""
    return fn(*args) if ex.run is None else ex.run(fn, *args)


def _none_refused(fn: Callable) -> Callable:
    """fn, but returning None raises _ReturnedNone (so `run` cannot hide a missing return)."""

    def refusing(*args, **kwargs):
        out = fn(*args, **kwargs)
        if out is None:
            raise _ReturnedNone
        return out

    return refusing


def _correct(ex: Exercise, n_cases: int) -> Result:
    praise = f": {ex.praise}" if ex.praise else ""
    return Result("correct", f"{ex.name}: correct on all {n_cases} cases{praise}")


# --------------------------------------------------------------------------- components


def _evaluate_component(ex: Exercise, cls: Any) -> Result:
    name = ex.name
    if isinstance(cls, nn.Module):
        kind = type(cls).__name__
        return Result(
            "wrong", f"{name}: pass the class itself, check({name!r}, {kind}), not {kind}(...)"
        )
    if not isinstance(cls, type):
        return Result("wrong", f"{name}: check needs your class itself, got a {type(cls).__name__}")
    cls_name = cls.__name__
    if not issubclass(cls, nn.Module):
        return Result(
            "wrong", f"{name}: {cls_name} must be an nn.Module: class {cls_name}(nn.Module)"
        )
    forward = getattr(cls, "forward", None)
    if forward is None or forward is nn.Module.forward:
        return Result(
            "wrong", f"{name}: {cls_name} has no forward method (is it indented inside the class?)"
        )
    if _body_is_placeholder(forward):
        return Result(
            "not attempted", f"{name}: not attempted yet: fill in {cls_name}.forward and rerun"
        )
    cases = ex.cases()
    for i, case in enumerate(cases, start=1):
        where = f"case {i} of {len(cases)}" + (f", {case.label}" if case.label else "")
        problem = _component_problem(ex, cls, case)
        if problem is not None:
            return Result("wrong", f"{name}: {problem} ({where})")
    return _correct(ex, len(cases))


def _component_problem(ex: Exercise, cls: type, case: ComponentCase) -> str | None:
    """None when the learner's class gives the reference's output on this case, else why not."""
    cls_name = cls.__name__
    try:
        module = cls(*case.init)
    except Exception as error:  # noqa: BLE001
        forgot_super = "Module.__init__() call" in str(error)
        hint = ": keep super().__init__() as the first line of __init__" if forgot_super else ""
        return f"building {cls_name}(...) raised {_describe(error)}{hint}"
    problem, filled = _copy_weights(case.reference, module)
    if problem is not None:
        return problem
    module.eval()
    got, problem = _forward(module, case.inputs, ex)
    if problem is not None:
        return problem
    with torch.no_grad():
        reference = case.reference.eval()
        expected = (ex.expected or (lambda ref, *inputs: ref(*inputs)))(reference, *case.inputs)
    problem = _output_problem(got, expected, ex)
    if problem is None:
        return None
    for mistake in ex.mistakes:
        if _matches(got, mistake.wrong, (reference, *case.inputs), ex):
            return mistake.hint
    # parameters the check did not fill: made in __init__ or in forward, random either way
    unfilled = [n for n, p in module.named_parameters() if id(p) not in filled]
    if unfilled:
        names = ", ".join(f"self.{n}" for n in unfilled[:3])
        return (
            f"{problem}; your {cls_name} has parameters the reference does not ({names}): "
            "they keep random values, use only the layers the skeleton's __init__ gives"
        )
    again, _ = _forward(module, case.inputs, ex)
    if _safe_difference(again, got, ex) is not None:
        return (
            f"{cls_name} gives a different output each time on the same input: does forward "
            "create a layer (with new random weights) or draw random numbers?"
        )
    return problem


def _copy_weights(reference: nn.Module, module: nn.Module) -> tuple[str | None, set[int]]:
    """Copy the reference's parameters and buffers into `module` by name, after casting it to
    the reference's dtype. Returns (what went wrong or None, the ids of the filled tensors)."""
    cls_name = type(module).__name__
    ref_tensors = dict(reference.named_parameters())  # a tied weight counts once
    state = reference.state_dict()
    ref_tensors.update((n, b) for n, b in reference.named_buffers() if n in state)
    dtype = next((t.dtype for t in ref_tensors.values() if t.is_floating_point()), None)
    if dtype is not None:
        module.to(dtype=dtype)
    mine = dict(module.named_parameters(remove_duplicate=False))
    mine.update(module.named_buffers(remove_duplicate=False))
    for name, tensor in ref_tensors.items():
        if name not in mine:
            return (
                f"{cls_name} has no `self.{name}`: keep the names of the skeleton's __init__",
                set(),
            )
        if tuple(mine[name].shape) != tuple(tensor.shape):
            return (
                f"`self.{name}` has shape {tuple(mine[name].shape)}, the reference's "
                f"{tuple(tensor.shape)}: keep the skeleton's __init__ as it is",
                set(),
            )
    with torch.no_grad():
        for name, tensor in ref_tensors.items():
            mine[name].copy_(tensor)
    return None, {id(mine[name]) for name in ref_tensors}


def _forward(module: nn.Module, inputs: tuple, ex: Exercise) -> tuple[Any, str | None]:
    """(output, None), or (None, what went wrong) when forward raised or returned None."""
    cls_name = type(module).__name__
    try:
        with torch.no_grad():
            out = module(*copy.deepcopy(inputs))  # a copy: forward may change its inputs
    except Exception as error:  # noqa: BLE001
        return None, f"{cls_name}.forward raised {_describe(error, ex)}"
    if out is None:
        return None, f"{cls_name}.forward returned None: did you forget `return`?"
    return out, None


def _output_problem(got: Any, expected: Any, ex: Exercise) -> str | None:
    """Like _difference, with the usual wrong return types of a forward named."""
    if isinstance(expected, torch.Tensor) and not isinstance(got, torch.Tensor):
        if isinstance(got, tuple | list):
            return (
                f"forward returned a {type(got).__name__} of {len(got)} items: return only "
                "the output tensor"
            )
        return f"forward returned a {type(got).__name__}, expected a tensor"
    return _safe_difference(got, expected, ex)


# --------------------------------------------------------------------------- shared


def _register(ex: Exercise) -> None:
    if ex.name in REGISTRY:
        raise ValueError(f"exercise name {ex.name!r} is registered twice")
    REGISTRY[ex.name] = ex


@contextlib.contextmanager
def _random_state_kept() -> Iterator[None]:
    """Put torch's, numpy's and Python's random states back afterwards: a checked answer must
    not change what later cells draw."""
    np_state, py_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


def _describe(error: BaseException, ex: Exercise | None = None) -> str:
    """'TypeError: the first line of its message', and the exercise's hint for it if any."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    for needle, hint in ex.error_hints if ex is not None else ():
        if needle in str(error):
            return f"{text}: {hint}"
    return text


def _load_bank() -> None:
    """Register the course's exercises (imported lazily to keep `import helpers` light)."""
    import helpers.exercises.bank  # noqa: F401


def _matches(got: Any, wrong: Callable, args: tuple, ex: Exercise) -> bool:
    """True when `got` is what the mistaken function `wrong` gives on `args`."""
    try:
        with torch.no_grad() if ex.kind == "component" else contextlib.nullcontext():
            return _difference(got, wrong(*args), ex.rtol, ex.atol) is None
    except Exception:  # noqa: BLE001  (a mistake that cannot even run matches nothing)
        return False


def _safe_difference(got: Any, expected: Any, ex: Exercise) -> str | None:
    """_difference, with a learner's odd object (one that breaks the comparison) named."""
    try:
        return _difference(got, expected, ex.rtol, ex.atol)
    except Exception:  # noqa: BLE001
        return f"returned a {type(got).__name__} that cannot be compared with the expected result"


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
        x = x.detach().cpu()
        return (x if x.dtype != torch.bfloat16 else x.float()).numpy()
    return np.asarray(x)


__all__ = [
    "REGISTRY",
    "ComponentCase",
    "Exercise",
    "Mistake",
    "Result",
    "check",
    "component",
    "evaluate",
    "exercise",
    "get",
    "with_forward",
]
