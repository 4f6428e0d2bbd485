"""Exercises of notebook 11: fine-tuning.

11.lora_forward: the forward of a LoRA layer (frozen W x plus the scaled low-rank update
B A x), checked with copied weights against helpers.finetuning.LoRALinear, with B non-zero as
after training. 11.masked_labels: the labels of one task example, with the prompt's tokens
masked out of the loss.
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
