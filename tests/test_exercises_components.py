"""The component exercises (05.layer_norm, 05.multi_head_attention, 07.transformer_block,
07.gpt_forward): the notebooks' skeletons and solutions, typical wrong versions a learner
writes and their hints, and broken classes that still get one line, never a traceback."""

import json
import math
import re

import pytest
import torch
import torch.nn.functional as F
from course_paths import NOTEBOOKS
from torch import nn

from helpers.exercises import check, evaluate
from helpers.exercises.bank.nb05 import LayerNormSolution, MultiHeadAttentionSolution
from helpers.exercises.bank.nb07 import GPTSolution, TransformerBlockSolution

COMPONENTS = {
    "05.layer_norm": "MyLayerNorm",
    "05.multi_head_attention": "MyMultiHeadAttention",
    "07.transformer_block": "MyBlock",
    "07.gpt_forward": "MyGPT",
    "11.lora_forward": "MyLoRALinear",
}


def _notebook_exercise(name: str, class_name: str) -> tuple[str, str]:
    """(the skeleton cell's code, the solution's code) of exercise `name` in its notebook."""
    call = f"check({name!r}, {class_name})".replace("'", '"')
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            if "".join(cell["source"]).strip() == call:
                skeleton = "".join(cells[i - 1]["source"])
                details = "".join(cells[i + 1]["source"])
                solution = re.search(r"```python\n(.*?)```", details, re.S).group(1)
                return skeleton, solution
    raise AssertionError(f"no notebook has the cell {call}")


def _define(code: str, class_name: str) -> type:
    """Run a notebook cell's code with what earlier cells imported; return the class."""
    namespace = {"torch": torch, "nn": nn, "F": F, "math": math}
    exec(code, namespace)  # noqa: S102  (the course's own notebook code)
    return namespace[class_name]


@pytest.mark.parametrize("name", COMPONENTS)
def test_the_notebooks_skeleton_is_not_attempted_and_its_solution_passes(name):
    class_name = COMPONENTS[name]
    skeleton, solution = _notebook_exercise(name, class_name)
    result = evaluate(name, _define(skeleton, class_name))
    assert result.status == "not attempted"
    assert result.message == f"{name}: not attempted yet: fill in {class_name}.forward and rerun"
    assert solution.startswith("    def forward(")  # the solution completes the skeleton's class
    completed = skeleton[: skeleton.index("    def forward(")] + solution
    result = evaluate(name, _define(completed, class_name))
    assert result.passed, result.message


def test_the_gpt_forward_says_the_learners_code_is_a_gpt2():
    assert "GPT2LMHeadModel" in evaluate("07.gpt_forward", GPTSolution).message


def _with(solution: type, forward) -> type:
    """A learner's class: the skeleton's __init__ (the solution's) with this forward."""
    return type(
        f"My{solution.__name__.removesuffix('Solution')}", (solution,), {"forward": forward}
    )


# --------------------------------------------------------------------------- 05.layer_norm


LAYER_NORM_MISTAKES = {
    "x.std(-1)": (
        lambda self, x: (
            (x - x.mean(-1, keepdim=True))
            / torch.sqrt(x.var(-1, keepdim=True) + self.eps)
            * self.weight
            + self.bias
        ),
        "that is the unbiased variance",
    ),
    "std + eps": (
        lambda self, x: (
            (x - x.mean(-1, keepdim=True))
            / (x.std(-1, keepdim=True, unbiased=False) + self.eps)
            * self.weight
            + self.bias
        ),
        "eps goes inside the square root",
    ),
    "no eps": (
        lambda self, x: (
            (x - x.mean(-1, keepdim=True)) / x.std(-1, keepdim=True, unbiased=False) * self.weight
            + self.bias
        ),
        "eps is missing",
    ),
    "over the batch": (
        lambda self, x: (
            (x - x.mean(0, keepdim=True))
            / torch.sqrt(x.var(0, keepdim=True, unbiased=False) + self.eps)
            * self.weight
            + self.bias
        ),
        "normalised over the batch (dim 0)",
    ),
    "over the tokens": (
        lambda self, x: (
            (x - x.mean(1, keepdim=True))
            / torch.sqrt(x.var(1, keepdim=True, unbiased=False) + self.eps)
            * self.weight
            + self.bias
        ),
        "normalised over the tokens (dim -2)",
    ),
    "no weight and bias": (
        lambda self, x: F.layer_norm(x, x.shape[-1:], eps=self.eps),
        "the learned scale and shift are missing",
    ),
    "no bias": (
        lambda self, x: F.layer_norm(x, x.shape[-1:], eps=self.eps) * self.weight,
        "self.bias was not added",
    ),
}


@pytest.mark.parametrize("mistake", LAYER_NORM_MISTAKES)
def test_typical_layer_norm_mistakes_get_their_hint(mistake):
    forward, hint = LAYER_NORM_MISTAKES[mistake]
    result = evaluate("05.layer_norm", _with(LayerNormSolution, forward))
    assert result.status == "wrong" and hint in result.message, result.message


def test_layer_norm_by_torch_itself_passes():
    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)

    assert evaluate("05.layer_norm", _with(LayerNormSolution, forward)).passed


# ------------------------------------------------------------------- 05.multi_head_attention


def _heads(self, x):
    B, T, C = x.shape
    return (
        p(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        for p in (self.q_proj, self.k_proj, self.v_proj)
    )


def _attention_variant(scale=None, dim=-1, mask_after=False, merge_straight=False, project=True):
    """A learner's forward with one mistake switched on."""

    def forward(self, x, mask=None):
        B, T, C = x.shape
        q, k, v = _heads(self, x)
        scores = q @ k.transpose(-2, -1) / (scale(self) if scale else math.sqrt(self.head_dim))
        if mask is not None and not mask_after:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = F.softmax(scores, dim=dim)
        if mask is not None and mask_after:
            weights = weights.masked_fill(~mask, 0.0)
        out = weights @ v
        out = out.reshape(B, T, C) if merge_straight else out.transpose(1, 2).reshape(B, T, C)
        return self.out_proj(out) if project else out

    return forward


ATTENTION_MISTAKES = {
    "no scaling": (_attention_variant(scale=lambda self: 1.0), "the scores were not scaled"),
    "scaled by d": (
        _attention_variant(scale=lambda self: self.head_dim),
        "the scores were divided by head_dim",
    ),
    "scaled by d_model": (
        _attention_variant(scale=lambda self: math.sqrt(self.n_heads * self.head_dim)),
        "the scores were divided by sqrt(d_model)",
    ),
    "softmax over the queries": (_attention_variant(dim=2), "the softmax ran over the queries"),
    "mask after softmax": (
        _attention_variant(mask_after=True),
        "the mask was applied after the softmax",
    ),
    "heads merged in the wrong order": (
        _attention_variant(merge_straight=True),
        "the heads were merged in the wrong order",
    ),
    "no output projection": (
        _attention_variant(project=False),
        "the output projection is missing",
    ),
}


@pytest.mark.parametrize("mistake", ATTENTION_MISTAKES)
def test_typical_attention_mistakes_get_their_hint(mistake):
    forward, hint = ATTENTION_MISTAKES[mistake]
    result = evaluate("05.multi_head_attention", _with(MultiHeadAttentionSolution, forward))
    assert result.status == "wrong" and hint in result.message, result.message


def test_attention_through_torchs_fused_kernel_passes():
    def forward(self, x, mask=None):
        B, T, C = x.shape
        out = F.scaled_dot_product_attention(*_heads(self, x), attn_mask=mask)
        return self.out_proj(out.transpose(1, 2).reshape(B, T, C))

    assert evaluate("05.multi_head_attention", _with(MultiHeadAttentionSolution, forward)).passed


# --------------------------------------------------------------------------- 07.transformer_block


def _post_norm(self, x):
    x = self.ln_1(x + self.attn(x))
    return self.ln_2(x + self.mlp(x))


def _no_residual(self, x):
    x = self.attn(self.ln_1(x))
    return self.mlp(self.ln_2(x))


def _swapped_norms(self, x):
    x = x + self.attn(self.ln_2(x))
    return x + self.mlp(self.ln_1(x))


def _mlp_first(self, x):
    x = x + self.mlp(self.ln_2(x))
    return x + self.attn(self.ln_1(x))


def _no_mlp_residual(self, x):
    x = x + self.attn(self.ln_1(x))
    return self.mlp(self.ln_2(x))


BLOCK_MISTAKES = {
    "post-norm": (_post_norm, "that is post-norm"),
    "no residuals": (_no_residual, "both residual connections are missing"),
    "no MLP residual": (_no_mlp_residual, "the MLP's residual is missing"),
    "ln_1 and ln_2 swapped": (_swapped_norms, "ln_1 and ln_2 are swapped"),
    "MLP before attention": (_mlp_first, "the MLP ran before the attention"),
}


@pytest.mark.parametrize("mistake", BLOCK_MISTAKES)
def test_typical_block_mistakes_get_their_hint(mistake):
    forward, hint = BLOCK_MISTAKES[mistake]
    result = evaluate("07.transformer_block", _with(TransformerBlockSolution, forward))
    assert result.status == "wrong" and hint in result.message, result.message


# --------------------------------------------------------------------------- 07.gpt_forward


def _gpt_variant(first_position=0, final_norm=True, softmax=False):
    def forward(self, idx):
        B, T = idx.shape
        x = self.transformer.wte(idx)
        if first_position is not None:
            x = x + self.transformer.wpe(torch.arange(first_position, first_position + T))
        for block in self.transformer.h:
            x = block(x)
        if final_norm:
            x = self.transformer.ln_f(x)
        logits = x @ self.transformer.wte.weight.T
        return logits.softmax(-1) if softmax else logits

    return forward


def _untied_head(self, idx):
    self.lm_head = nn.Linear(
        self.transformer.wte.embedding_dim, self.transformer.wte.num_embeddings
    )
    x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.shape[1]))
    for block in self.transformer.h:
        x = block(x)
    return self.lm_head(self.transformer.ln_f(x))


GPT_MISTAKES = {
    "positions forgotten": (_gpt_variant(first_position=None), "the position embedding is missing"),
    "positions from 1": (_gpt_variant(first_position=1), "positions start at 0"),
    "final norm forgotten": (_gpt_variant(final_norm=False), "the final layer norm is missing"),
    "probabilities": (_gpt_variant(softmax=True), "these are probabilities"),
    "a new, untied LM head": (
        _untied_head,
        "your MyGPT has parameters the reference does not (self.lm_head.weight, self.lm_head.bias)",
    ),
}


@pytest.mark.parametrize("mistake", GPT_MISTAKES)
def test_typical_gpt_forward_mistakes_get_their_hint(mistake):
    forward, hint = GPT_MISTAKES[mistake]
    result = evaluate("07.gpt_forward", _with(GPTSolution, forward))
    assert result.status == "wrong" and hint in result.message, result.message


def test_a_gpt_that_hard_codes_the_mini_gpts_sizes_fails_on_the_smaller_one():
    def forward(self, idx):
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.shape[1]))
        for i in range(4):  # the mini GPT's 4 blocks, hard-coded
            x = self.transformer.h[i](x)
        return self.transformer.ln_f(x) @ self.transformer.wte.weight.T

    result = evaluate("07.gpt_forward", _with(GPTSolution, forward))
    assert result.message.endswith("(case 3 of 3, a smaller random GPT: 2 blocks, vocabulary 64)")
    assert "raised IndexError" in result.message


# --------------------------------------------------------------------------- bad input


class MisnamedBlock(TransformerBlockSolution):
    """A learner renamed the skeleton's attributes (ln1 instead of ln_1)."""

    def __init__(self, config):
        super().__init__(config)
        self.ln1 = self.ln_1
        del self.ln_1

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln_2(x))


def _returns_weights_too(self, x, mask=None):
    B, T, C = x.shape
    q, k, v = _heads(self, x)
    weights = F.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.head_dim), dim=-1)
    return self.out_proj((weights @ v).transpose(1, 2).reshape(B, T, C)), weights


def _heads_not_merged(self, x, mask=None):
    q, k, v = _heads(self, x)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _forgets_return(self, x):
    x = x + self.attn(self.ln_1(x))
    x = x + self.mlp(self.ln_2(x))


BAD = [
    ("07.transformer_block", MisnamedBlock, "MisnamedBlock has no `self.ln_1.weight`"),
    (
        "05.multi_head_attention",
        _with(MultiHeadAttentionSolution, _returns_weights_too),
        "forward returned a tuple of 2 items: return only the output tensor",
    ),
    (
        "05.multi_head_attention",
        _with(MultiHeadAttentionSolution, _heads_not_merged),
        "shape mismatch: got (2, 4, 5, 8), expected (2, 5, 32)",
    ),
    (
        "05.layer_norm",
        _with(LayerNormSolution, lambda self, x: x.mean(-1) / 0),
        "shape mismatch: got (2, 5), expected (2, 5, 64)",
    ),
    (
        "05.layer_norm",
        _with(LayerNormSolution, lambda self, x: x - x.mean(-1)),
        "MyLayerNorm.forward raised RuntimeError: The size of tensor a (64) must match",
    ),
    (
        "07.transformer_block",
        _with(TransformerBlockSolution, _forgets_return),
        "MyTransformerBlock.forward returned None: did you forget `return`?",
    ),
    (
        "07.gpt_forward",
        _with(GPTSolution, lambda self, idx: self.lm_head(idx)),
        "MyGPT.forward raised AttributeError: 'MyGPT' object has no attribute 'lm_head'",
    ),
]


@pytest.mark.parametrize(("name", "answer", "expected"), BAD)
def test_broken_answers_get_one_line_naming_the_problem(name, answer, expected, capsys):
    result = evaluate(name, answer)
    assert result.status == "wrong" and expected in result.message, result.message
    check(name, answer)
    assert capsys.readouterr().out.count("\n") == 1


def test_an_object_instead_of_the_class():
    from helpers.gpt import GPTConfig

    config = GPTConfig(vocab_size=16, context_length=8, n_layer=1, n_head=2, d_model=8)
    result = evaluate("07.gpt_forward", GPTSolution(config))
    assert "pass the class itself, check('07.gpt_forward', GPTSolution)" in result.message
    assert (
        evaluate("05.layer_norm", 3).message
        == "05.layer_norm: check needs your class itself, got a int"
    )


def _merged_with_view(self, x, mask=None):
    B, T, C = x.shape
    q, k, v = _heads(self, x)
    out = F.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.head_dim), dim=-1) @ v
    return self.out_proj(out.transpose(1, 2).view(B, T, C))


def _positions_from_ids(self, idx):
    x = self.transformer.wte(idx) + self.transformer.wpe(idx)
    for block in self.transformer.h:
        x = block(x)
    return self.transformer.ln_f(x) @ self.transformer.wte.weight.T


@pytest.mark.parametrize(
    ("name", "answer", "hint"),
    [
        (
            "05.layer_norm",
            _with(LayerNormSolution, lambda self, x: (x - x.mean(-1)) / x.std(-1)),
            "keepdim=True",
        ),
        (
            "05.multi_head_attention",
            _with(MultiHeadAttentionSolution, _merged_with_view),
            "use .reshape(...) instead of .view(...)",
        ),
        (
            "07.gpt_forward",
            _with(GPTSolution, _positions_from_ids),
            "the positions 0, 1, ..., T - 1",
        ),
    ],
)
def test_common_errors_get_a_hint_after_the_error(name, answer, hint):
    result = evaluate(name, answer)
    assert "raised" in result.message and hint in result.message, result.message
