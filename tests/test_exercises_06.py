"""Exercise 06.cross_attention: the notebook's skeleton and solution, typical wrong versions a
learner writes and their hints, and broken answers that still get one line."""

import json
import math
import re

import pytest
import torch
import torch.nn.functional as F
from course_paths import NOTEBOOKS
from torch import nn

from helpers.exercises import check, evaluate
from helpers.exercises.bank.nb06 import CrossAttentionSolution

NAME = "06.cross_attention"


def _notebook_exercise() -> tuple[str, str]:
    """(the skeleton cell's code, the solution's code) of the exercise in notebook 06."""
    call = f'check("{NAME}", MyCrossAttention)'
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            if call in "".join(cell["source"]):
                skeleton = "".join(cells[i - 1]["source"])
                details = "".join(cells[i + 1]["source"])
                solution = re.search(r"```python\n(.*?)```", details, re.S).group(1)
                return skeleton, solution
    raise AssertionError(f"no notebook has the cell {call}")


def _define(code: str) -> type:
    namespace = {"torch": torch, "nn": nn, "F": F, "math": math}
    exec(code, namespace)  # noqa: S102  (the course's own notebook code)
    return namespace["MyCrossAttention"]


def test_the_notebooks_skeleton_is_not_attempted_and_its_solution_passes():
    skeleton, solution = _notebook_exercise()
    result = evaluate(NAME, _define(skeleton))
    assert result.status == "not attempted"
    assert (
        result.message == f"{NAME}: not attempted yet: fill in MyCrossAttention.forward and rerun"
    )
    assert solution.startswith("    def forward(")
    completed = skeleton[: skeleton.index("    def forward(")] + solution
    result = evaluate(NAME, _define(completed))
    assert result.passed, result.message


def test_the_reference_passes():
    assert evaluate(NAME, CrossAttentionSolution).passed


def _with(forward) -> type:
    return type("MyCrossAttention", (CrossAttentionSolution,), {"forward": forward})


def _heads(self, t, proj):
    B, L, C = t.shape
    return proj(t).view(B, L, self.n_heads, self.head_dim).transpose(1, 2)


def _variant(causal=False, swap=False, scale=True, ignore_mask=False):
    """A learner's forward with one mistake switched on."""

    def forward(self, x, memory, memory_mask=None):
        queries, keys = (memory, x) if swap else (x, memory)
        q, k, v = (
            _heads(self, queries, self.q_proj),
            _heads(self, keys, self.k_proj),
            _heads(self, keys, self.v_proj),
        )
        scores = q @ k.transpose(-2, -1)
        if scale:
            scores = scores / math.sqrt(self.head_dim)
        T, S = scores.shape[-2:]
        if causal:
            scores = scores.masked_fill(~torch.ones(T, S, dtype=torch.bool).tril(), float("-inf"))
        if memory_mask is not None and not ignore_mask and not swap:
            scores = scores.masked_fill(~memory_mask[:, None, None, :], float("-inf"))
        out = F.softmax(scores, dim=-1) @ v
        B, nh, L, hs = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(B, L, nh * hs))

    return forward


MISTAKES = {
    "causal mask on the encoder keys": (_variant(causal=True), "a causal mask hides later source"),
    "queries and keys swapped": (_variant(swap=True), "queries and keys are swapped"),
    "no scaling": (_variant(scale=False), "the scores were not scaled"),
    "padding ignored": (_variant(ignore_mask=True), "the padding mask was ignored"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_typical_cross_attention_mistakes_get_their_hint(mistake):
    forward, hint = MISTAKES[mistake]
    result = evaluate(NAME, _with(forward))
    assert result.status == "wrong" and hint in result.message, result.message


def test_torchs_fused_attention_passes():
    def forward(self, x, memory, memory_mask=None):
        q, k, v = (
            _heads(self, x, self.q_proj),
            _heads(self, memory, self.k_proj),
            _heads(self, memory, self.v_proj),
        )
        mask = None if memory_mask is None else memory_mask[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out_proj(out.transpose(1, 2).reshape(x.shape))

    assert evaluate(NAME, _with(forward)).passed


class Misnamed(CrossAttentionSolution):
    def __init__(self, d_model, n_heads):
        super().__init__(d_model, n_heads)
        self.query = self.q_proj
        del self.q_proj

    def forward(self, x, memory, memory_mask=None):
        return x


def _returns_weights_too(self, x, memory, memory_mask=None):
    return CrossAttentionSolution.forward(self, x, memory, memory_mask), None


def _heads_not_merged(self, x, memory, memory_mask=None):
    q, k, v = (
        _heads(self, x, self.q_proj),
        _heads(self, memory, self.k_proj),
        _heads(self, memory, self.v_proj),
    )
    return F.softmax(q @ k.transpose(-2, -1), dim=-1) @ v


def _raises(self, x, memory, memory_mask=None):
    q = self.q_proj(x)
    return q @ self.k_proj(memory)  # (B, T, C) @ (B, S, C): no transpose


def _mask_not_reshaped(self, x, memory, memory_mask=None):
    q, k, v = (
        _heads(self, x, self.q_proj),
        _heads(self, memory, self.k_proj),
        _heads(self, memory, self.v_proj),
    )
    scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
    if memory_mask is not None:
        scores = scores.masked_fill(~memory_mask, float("-inf"))
    out = F.softmax(scores, dim=-1) @ v
    return self.out_proj(out.transpose(1, 2).reshape(x.shape))


BAD = [
    (_with(_returns_weights_too), "forward returned a tuple of 2 items: return only the output"),
    (_with(_heads_not_merged), "shape mismatch: got (2, 4, 5, 8), expected (2, 5, 32)"),
    (_with(_raises), "MyCrossAttention.forward raised RuntimeError"),
    (Misnamed, "Misnamed has no `self.q_proj.weight`"),
    (_with(_mask_not_reshaped), "memory_mask[:, None, None, :]"),
]


@pytest.mark.parametrize(("answer", "expected"), BAD)
def test_broken_answers_get_one_line_naming_the_problem(answer, expected, capsys):
    result = evaluate(NAME, answer)
    assert result.status == "wrong" and expected in result.message, result.message
    check(NAME, answer)
    assert capsys.readouterr().out.count("\n") == 1


def test_an_object_instead_of_the_class():
    assert "pass the class itself" in evaluate(NAME, CrossAttentionSolution(8, 2)).message
