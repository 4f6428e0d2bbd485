"""The exercise mechanism: one line of feedback, whatever the learner's function does."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers.exercises import (
    REGISTRY,
    ComponentCase,
    Exercise,
    Mistake,
    check,
    component,
    evaluate,
    exercise,
    get,
)


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


# --------------------------------------------------------------------------- components


class Affine(nn.Module):
    """The throwaway component's solution: a per-channel scale and shift."""

    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return x * self.weight + self.bias


def _affine_reference(d, seed, dtype=torch.float32):
    reference = Affine(d).to(dtype)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        reference.weight.copy_(torch.randn(d, generator=g))
        reference.bias.copy_(torch.randn(d, generator=g))
    return reference


def _affine_cases():
    g = torch.Generator().manual_seed(0)
    return [
        ComponentCase(_affine_reference(4, 1), (4,), (torch.randn(2, 4, generator=g),), "small"),
        ComponentCase(
            _affine_reference(3, 2, torch.float64),
            (3,),
            (torch.randn(5, 3, generator=g, dtype=torch.float64),),
            "in float64",
        ),
    ]


@pytest.fixture
def affine_exercise():
    """A throwaway component exercise: learn x * weight + bias."""
    name = "99.affine"
    component(
        name,
        cases=_affine_cases,
        mistakes=[Mistake(lambda m, x: x * m.weight, "the bias was not added")],
        praise="well done",
    )(Affine)
    yield name
    del REGISTRY[name]


def _variant(forward, init=None, name="MyAffine"):
    """A learner's class: Affine's __init__ (or `init`) with this forward."""
    body = {"forward": forward}
    if init is not None:
        body["__init__"] = init
    return type(name, (Affine,), body)


def test_a_component_skeleton_is_not_attempted(affine_exercise):
    class MyAffine(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))

        def forward(self, x):
            """Scale and shift x."""
            ...

    result = evaluate(affine_exercise, MyAffine)
    assert result.status == "not attempted" and "MyAffine.forward" in result.message


def test_a_component_solution_and_a_known_mistake(affine_exercise, capsys):
    result = evaluate(affine_exercise, Affine)
    assert result.passed and result.message.endswith("correct on all 2 cases: well done")
    wrong = get(affine_exercise).answer_for(get(affine_exercise).mistakes[0])
    result = evaluate(affine_exercise, wrong)
    assert result.message == "99.affine: the bias was not added (case 1 of 2, small)"
    check(affine_exercise, wrong)
    assert capsys.readouterr().out.count("\n") == 1


def _init_without_bias(self, d):
    nn.Module.__init__(self)
    self.weight = nn.Parameter(torch.ones(d))
    self.b = nn.Parameter(torch.zeros(d))


def _init_without_super(self, d):
    self.weight = nn.Parameter(torch.ones(d))


def _init_with_extra(self, d):
    Affine.__init__(self, d)
    self.extra = nn.Linear(d, d)


def _random_layer(self, x):
    return nn.Linear(x.shape[-1], x.shape[-1]).to(x.dtype)(x) + self.bias


def _no_return(self, x):
    y = x * self.weight + self.bias  # noqa: F841


def _wrong_shapes(self, d):
    Affine.__init__(self, d)
    self.bias = nn.Parameter(torch.zeros(d, 1))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Affine(3), "pass the class itself, check('99.affine', Affine), not Affine(...)"),
        (lambda x: x, "check needs your class itself, got a function"),
        (int, "int must be an nn.Module: class int(nn.Module)"),
        (type("NoForward", (nn.Module,), {}), "NoForward has no forward method"),
        (_variant(lambda self, x: x, _init_without_bias), "MyAffine has no `self.bias`"),
        (_variant(lambda self, x: x, _wrong_shapes), "`self.bias` has shape (4, 1)"),
        (
            _variant(lambda self, x: x, _init_without_super),
            "raised AttributeError: cannot assign parameters before Module.__init__() call: keep "
            "super().__init__() as the first line of __init__",
        ),
        (_variant(lambda self, x: 1 / 0), "MyAffine.forward raised ZeroDivisionError"),
        (_variant(_no_return), "forward returned None: did you forget `return`?"),
        (_variant(lambda self, x: (x, x)), "forward returned a tuple of 2 items: return only"),
        (_variant(lambda self, x: "x"), "forward returned a str, expected a tensor"),
        (_variant(lambda self, x: x.sum()), "shape mismatch: got (), expected (2, 4)"),
        (_variant(lambda self, x: x * self.weight + 1), "values differ from the reference"),
        (_variant(_random_layer), "a different output each time on the same input"),
        (
            _variant(lambda self, x: self.extra(x), _init_with_extra),
            "has parameters the reference does not (self.extra.weight, self.extra.bias)",
        ),
    ],
)
def test_a_wrong_component_gets_one_line_naming_the_problem(affine_exercise, answer, expected):
    result = evaluate(affine_exercise, answer)
    assert result.status == "wrong"
    assert expected in result.message
    assert "\n" not in result.line()


def test_a_component_runs_in_the_references_dtype_on_copies_of_the_inputs(affine_exercise):
    def in_place(self, x):
        assert self.weight.dtype == x.dtype  # float32, then float64 in case 2
        return x.mul_(self.weight).add_(self.bias)  # changes its input: only a copy

    assert evaluate(affine_exercise, _variant(in_place)).passed


def test_checking_leaves_the_random_state_alone(affine_exercise):
    torch.manual_seed(0)
    np.random.seed(0)
    evaluate(affine_exercise, _variant(_random_layer))
    after = torch.rand(3), np.random.rand(3)
    torch.manual_seed(0)
    np.random.seed(0)
    assert torch.equal(after[0], torch.rand(3)) and np.array_equal(after[1], np.random.rand(3))


# --------------------------------------------------------------------------- functions with `run`


def _step_cases():
    """A fresh linear model, its SGD optimizer and two batches, per case."""
    cases = []
    for seed in (0, 1):
        g = torch.Generator().manual_seed(seed)
        model = nn.Linear(3, 1)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=g))
        batches = [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in "ab"]
        cases.append((model, torch.optim.SGD(model.parameters(), lr=0.1), batches))
    return cases


def _two_steps(step, model, optimizer, batches):
    """What the check compares: the losses and the parameters after two steps."""
    losses = [step(model, optimizer, x, y).item() for x, y in batches]
    return {"losses": losses, "params": [p.detach().clone() for p in model.parameters()]}


@pytest.fixture
def step_exercise():
    """A throwaway exercise on a model: one SGD step on the squared error."""
    name = "99.step"

    def forgot_zero_grad(model, optimizer, x, y):
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss

    @exercise(
        name,
        cases=_step_cases,
        run=_two_steps,
        mistakes=[Mistake(forgot_zero_grad, "the gradients add up: call optimizer.zero_grad()")],
    )
    def step(model, optimizer, x, y):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        return loss

    yield name
    del REGISTRY[name]


def test_a_function_on_a_model_is_compared_by_what_run_returns(step_exercise):
    ex = get(step_exercise)
    assert evaluate(step_exercise, ex.reference).passed
    result = evaluate(step_exercise, ex.answer_for(ex.mistakes[0]))
    assert (
        result.message == "99.step: the gradients add up: call optimizer.zero_grad() (case 1 of 2)"
    )


def test_a_function_on_a_model_that_returns_nothing(step_exercise):
    def my_step(model, optimizer, x, y):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()

    result = evaluate(step_exercise, my_step)
    assert result.message == "my_step returned None: did you forget `return`? (case 1 of 2)"
    assert evaluate(step_exercise, Affine).message.startswith("check needs your function itself")
