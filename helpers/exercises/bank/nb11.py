"""Exercises of notebook 11: fine-tuning.

11.lora_forward: the forward of a LoRA layer (frozen W x plus the scaled low-rank update
B A x), checked with copied weights against helpers.finetuning.LoRALinear, with B non-zero as
after training. 11.lora_setup: the frozen layer and the two matrices, checked by what decides
training (what is trainable, B zero, A random, the scaling). 11.masked_labels: the labels of
one task example, with the prompt's tokens masked out of the loss.
"""

import torch

from helpers.exercises import ComponentCase, Mistake, component, exercise
from helpers.finetuning import IGNORE_INDEX, LoRALinear

# --------------------------------------------------------------------------- 11.lora_forward


def _trained_lora(in_features, out_features, r, alpha, seed):
    g = torch.Generator().manual_seed(seed)
    base = torch.nn.Linear(in_features, out_features)
    layer = LoRALinear(base, r, alpha)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)  # B non-zero, as after training
    return layer, torch.randn(3, 4, in_features, generator=g)


def _lora_cases():
    out = []
    for in_f, out_f, r, alpha, seed, label in [
        (6, 5, 2, 4.0, 0, "r 2, alpha 4"),
        (8, 8, 4, 16.0, 1, "r 4, alpha 16"),
        (5, 7, 1, 1.0, 2, "r 1, alpha 1"),
    ]:
        layer, x = _trained_lora(in_f, out_f, r, alpha, seed)
        out.append(ComponentCase(layer, (torch.nn.Linear(in_f, out_f), r, alpha), (x,), label))
    return out


def _no_scaling(m, x):
    return m.base(x) + x @ m.A.T @ m.B.T


def _alpha_not_divided(m, x):
    return m.base(x) + m.alpha * (x @ m.A.T @ m.B.T)


def _no_base(m, x):
    return m.scaling * (x @ m.A.T @ m.B.T)


def _all_scaled(m, x):
    return m.scaling * (m.base(x) + x @ m.A.T @ m.B.T)


@component(
    "11.lora_forward",
    cases=_lora_cases,
    mistakes=[
        Mistake(
            _no_scaling,
            "the update is not scaled: multiply B A x by self.scaling "
            "(alpha / r), so changing r does not change the update's size",
        ),  # fmt: skip
        Mistake(
            _alpha_not_divided, "the update is scaled by alpha, not alpha / r: use self.scaling"
        ),  # fmt: skip
        Mistake(
            _no_base,
            "the frozen layer's output is missing: LoRA ADDS its update to "
            "self.base(x), the pre-trained W x + b",
        ),  # fmt: skip
        Mistake(
            _all_scaled,
            "only the low-rank update is scaled: self.base(x) + "
            "self.scaling * (B A x), not scaling * (W x + B A x)",
        ),  # fmt: skip
    ],
    error_hints=[
        ("mat1 and mat2", "x is (..., in): x @ A.T is (..., r), then @ B.T gives (..., out)")
    ],  # fmt: skip
)
class LoRASolution(LoRALinear):
    """The LoRA layer's forward: the frozen layer plus the scaled low-rank update."""

    def forward(self, x):  # x: (..., in) -> (..., out)
        return self.base(x) + self.scaling * (x @ self.A.T @ self.B.T)


# --------------------------------------------------------------------------- 11.masked_labels


def _label_cases():
    return [
        ([5, 9, 2, 7], [31, 4, 0]),
        ([1], [8, 8]),
        ([3, 3, 3, 3, 3, 3], [12]),
    ]


@exercise(
    "11.masked_labels",
    cases=_label_cases,
    mistakes=[
        Mistake(
            lambda p, a: list(p) + list(a),
            "the prompt's tokens are not masked: put "
            "IGNORE_INDEX (-100) at every prompt position, so the loss only counts the "
            "answer",
        ),  # fmt: skip
        Mistake(
            lambda p, a: list(p) + [IGNORE_INDEX] * len(a),
            "the answer is masked "
            "instead of the prompt: IGNORE_INDEX on the prompt, the answer's ids after it",
        ),  # fmt: skip
        Mistake(
            lambda p, a: [0] * len(p) + list(a),
            "0 is a real token id, which the loss "
            "would train on: masked positions hold IGNORE_INDEX (-100)",
        ),  # fmt: skip
        Mistake(
            lambda p, a: list(a),
            "the labels must be as long as prompt + answer: one "
            "label per input position, IGNORE_INDEX on the prompt's",
        ),  # fmt: skip
        Mistake(
            lambda p, a: [IGNORE_INDEX] * (len(p) + 1) + list(a[1:]),
            "the answer's first token is masked too: only the prompt's positions get IGNORE_INDEX",
        ),  # fmt: skip
    ],
)
def masked_labels_reference(prompt_ids, answer_ids):
    """Exercise 11: IGNORE_INDEX at each prompt position, then the answer's ids."""
    return [IGNORE_INDEX] * len(prompt_ids) + list(answer_ids)


# --------------------------------------------------------------------------- 11.lora_setup


def _setup_cases():
    return [(6, 5, 2, 4.0, 0), (16, 8, 4, 16.0, 1), (5, 7, 1, 1.0, 2)]


def _run_setup(fn, in_features, out_features, r, alpha, seed):
    """What the check compares: the parts of the setup that decide how LoRA trains."""
    torch.manual_seed(seed)
    base = torch.nn.Linear(in_features, out_features)
    A, B, scaling = fn(base, r, alpha)
    trainable = sum(p.numel() for p in base.parameters() if p.requires_grad)
    return {
        "trainable weights left in the frozen layer": trainable,
        "A shape": tuple(A.shape),
        "B shape": tuple(B.shape),
        "A and B trainable": bool(A.requires_grad and B.requires_grad),
        "B starts at zero": bool((B == 0).all()),
        "A starts non-zero": bool((A != 0).any()),
        "scaling": float(scaling),
    }


def _setup(base, r, alpha, freeze=True, b_zero=True, a_zero=False, scale=None):
    if freeze:
        for p in base.parameters():
            p.requires_grad_(False)
    A = torch.nn.Parameter(torch.zeros(r, base.in_features) if a_zero
                           else torch.randn(r, base.in_features) * 0.01)  # fmt: skip
    B = torch.nn.Parameter(torch.zeros(base.out_features, r) if b_zero
                           else torch.randn(base.out_features, r) * 0.01)  # fmt: skip
    return A, B, alpha / r if scale is None else scale


@exercise(
    "11.lora_setup",
    cases=_setup_cases,
    run=_run_setup,
    mistakes=[
        Mistake(
            lambda base, r, alpha: _setup(base, r, alpha, b_zero=False),
            "B starts random: "
            "then B A x is noise added to every layer before any training, and the model "
            "is no longer the pre-trained one. Start B at zero (A random)",
        ),  # fmt: skip
        Mistake(
            lambda base, r, alpha: _setup(base, r, alpha, freeze=False),
            "the base layer is "
            "still trainable: W would be trained too (full fine-tuning again). Set "
            "requires_grad_(False) on base's weight and bias",
        ),  # fmt: skip
        Mistake(
            lambda base, r, alpha: _setup(base, r, alpha, a_zero=True),
            "A and B both start "
            "at zero: then the gradient of each is zero (it is multiplied by the other) and "
            "nothing ever trains. Start A random, B at zero",
        ),  # fmt: skip
        Mistake(
            lambda base, r, alpha: _setup(base, r, alpha, scale=alpha),
            "the scaling is alpha / r, not alpha",
        ),  # fmt: skip
        Mistake(
            lambda base, r, alpha: (
                torch.nn.Parameter(torch.randn(base.in_features, r)),
                *_setup(base, r, alpha)[1:],
            ),
            "A is (r, in_features): it maps an input of size in_features down to r",
        ),  # fmt: skip
    ],
)
def lora_setup_reference(base, r, alpha):
    """Exercise 11: freeze `base`; return (A (r, in) small random, B (out, r) zeros, alpha / r)."""
    return _setup(base, r, alpha)
