"""Every exercise of the course: its reference passes, each known mistake is caught by name."""

import pytest
import torch

from helpers.exercises import REGISTRY, evaluate, get

get("00.softmax")  # loads the bank, so the registry below is complete
NAMES = sorted(REGISTRY)


def test_the_notebooks_exercises_are_registered():
    assert "00.softmax" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_passes(name):
    result = evaluate(name, get(name).reference)
    assert result.passed, result.message


@pytest.mark.parametrize(
    ("name", "index"),
    [(name, i) for name in NAMES for i in range(len(REGISTRY[name].mistakes))],
)
def test_each_known_mistake_is_rejected_with_its_hint(name, index):
    mistake = get(name).mistakes[index]
    result = evaluate(name, get(name).answer_for(mistake))
    assert result.status == "wrong", f"{name}: mistake {index} passed the check"
    assert mistake.hint in result.message


@pytest.mark.parametrize("name", NAMES)
def test_cases_are_seeded(name):
    """Cases are rebuilt for every run; they must be the same each time."""
    first, second = get(name).cases(), get(name).cases()
    if get(name).kind == "component":
        for a, b in zip(first, second, strict=True):
            assert repr(a) == repr(b)  # the same modules, inputs and labels...
            weights = a.reference.state_dict(), b.reference.state_dict()
            assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    else:
        assert repr(first) == repr(second)
        assert evaluate(name, lambda *args: get(name).reference(*args)).passed


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRY[n].kind == "component"])
def test_an_untouched_component_skeleton_is_not_attempted(name):
    def forward(self, *inputs):
        """The skeleton's forward: only a docstring and `...`."""
        ...

    skeleton = type("MySkeleton", (get(name).reference,), {"forward": forward})
    result = evaluate(name, skeleton)
    assert result.status == "not attempted" and "MySkeleton.forward" in result.message
