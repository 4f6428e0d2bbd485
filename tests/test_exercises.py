"""The exercise mechanism: one line of feedback, whatever the learner's function does."""

import numpy as np
import pytest
import torch

from helpers.exercises import REGISTRY, Exercise, Mistake, check, evaluate, exercise, get


@pytest.fixture
def double_exercise():
    """A throwaway exercise: double an array."""
    name = "99.double"

    @exercise(
        name,
        cases=lambda: [(np.arange(3.0),), (np.ones((2, 2)),)],
        mistakes=[Mistake(lambda x: x + 2, "added 2 instead of doubling")],
    )
    def double(x):
        return 2 * x

    yield name
    del REGISTRY[name]


def test_placeholder_body_is_not_attempted(double_exercise):
    def mine(x):
        """Double x."""
        ...

    def mine_pass(x):
        pass

    for fn in (mine, mine_pass):
        result = evaluate(double_exercise, fn)
        assert result.status == "not attempted" and fn.__name__ in result.message


def test_correct_and_wrong_with_the_mistakes_hint(double_exercise):
    assert evaluate(double_exercise, lambda x: x * 2).passed
    result = evaluate(double_exercise, lambda x: x + 2)
    assert result.status == "wrong" and "added 2 instead of doubling" in result.message
    result = evaluate(double_exercise, lambda x: x * 3)
    assert "values differ" in result.message and "case 1 of 2" in result.message


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda x: x.sum(), "shape mismatch: got (), expected (3,)"),
        (lambda x: x[:, None] * 2, "shape mismatch"),
        (lambda x: "text", "returned a str, expected an array"),
        (lambda x: 1 / 0, "raised ZeroDivisionError: division by zero (case 1 of 2)"),
        (lambda x: np.full_like(x, np.nan), "contains NaN"),
    ],
)
def test_wrong_answers_get_one_line_not_a_traceback(double_exercise, fn, expected):
    result = evaluate(double_exercise, fn)
    assert result.status == "wrong"
    assert expected in result.message
    assert "\n" not in result.line()


def test_forgotten_return(double_exercise):
    def mine(x):
        y = 2 * x  # noqa: F841

    assert "did you forget `return`" in evaluate(double_exercise, mine).message


def test_torch_and_numpy_answers_are_interchangeable(double_exercise):
    assert evaluate(double_exercise, lambda x: torch.as_tensor(x) * 2).passed


def test_unknown_name_and_non_function(capsys):
    result = evaluate("00.no_such_exercise", lambda: None)
    assert result.status == "unknown" and "00.softmax" in result.message
    assert evaluate("00.softmax", 42).message.startswith("check needs your function itself")
    check("00.no_such_exercise", print)  # prints, never raises
    assert capsys.readouterr().out.startswith("❓ unknown exercise")
    with pytest.raises(KeyError):
        get("00.no_such_exercise")


def test_registering_a_name_twice_is_refused(double_exercise):
    with pytest.raises(ValueError, match="registered twice"):
        exercise(double_exercise, cases=lambda: [])(lambda x: x)


def test_exercise_is_a_frozen_record():
    assert Exercise.__dataclass_params__.frozen
