"""Fine-tuning a pre-trained model (notebook 11): a LoRA layer, the task's masked loss, and the
short loops that adapt the mini GPT with full fine-tuning or with LoRA through `peft`.

LoRA (low-rank adaptation) keeps a pre-trained weight W frozen and learns a small correction:

    y = W x + (alpha / r) * B (A x)      A: (r, in), B: (out, r), r much smaller than in and out

B starts at zero, so before training the adapted layer computes exactly what W did.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from helpers._checks import check_int, check_number

__all__ = [
    "IGNORE_INDEX",
    "LoRALinear",
    "answer_loss",
    "make_batch",
    "encode_examples",
    "exact_match",
    "lora_model",
    "masked_labels",
    "train_steps",
    "trainable_parameters",
]

IGNORE_INDEX = -100  # a label cross_entropy skips: the prompt's tokens are not trained on


class LoRALinear(torch.nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update B A, scaled by alpha / r."""

    def __init__(self, base: torch.nn.Linear, r: int = 8, alpha: float = 16.0):
        super().__init__()
        if not isinstance(base, torch.nn.Linear):
            raise TypeError(f"base must be a torch.nn.Linear, got {type(base).__name__}")
        limit = min(base.in_features, base.out_features)
        check_int("r", r, 1, limit, message=f"r must be an integer in [1, {limit}] for this layer")
        check_number("alpha", alpha, 0, low_open=True, finite=True)
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)  # the pre-trained weight stays as it is
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.A = torch.nn.Parameter(torch.empty(r, base.in_features))
        self.B = torch.nn.Parameter(torch.zeros(base.out_features, r))  # zero: no change at first
        torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (..., in) -> (..., out)
        return self.base(x) + self.scaling * (x @ self.A.T @ self.B.T)


def masked_labels(prompt_ids: Sequence[int], answer_ids: Sequence[int]) -> list[int]:
    """Labels for prompt + answer: IGNORE_INDEX on every prompt token, the answer's ids after.

    With the usual shift (logits at position t predict the token at t + 1), only the answer's
    tokens contribute to the loss: the model is trained to answer, not to write stories.
    """
    return [IGNORE_INDEX] * len(prompt_ids) + list(answer_ids)


def encode_examples(examples, tokenizer, context_length: int) -> list[tuple[list[int], list[int]]]:
    """(input ids, labels) per example: prompt, answer and the end-of-text token; the labels
    mask the prompt. An example longer than the context window is an error (naming both)."""
    out = []
    for i, ex in enumerate(examples):
        prompt = tokenizer.encode(ex.prompt)
        answer = tokenizer.encode(ex.answer) + [tokenizer.eos_id]
        ids = prompt + answer
        if len(ids) > context_length:
            raise ValueError(
                f"examples[{i}] has {len(ids)} tokens, more than the context window "
                f"(context_length={context_length})"
            )
        out.append((ids, masked_labels(prompt, answer)))
    return out


def make_batch(encoded, pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids, labels, attention mask), each (B, T): examples padded on the right to the longest
    (pad_id in ids, IGNORE_INDEX in labels, 0 in the mask)."""
    T = max(len(ids) for ids, _ in encoded)
    ids = torch.full((len(encoded), T), pad_id, dtype=torch.long)
    labels = torch.full((len(encoded), T), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(encoded), T), dtype=torch.long)
    for row, (x, y) in enumerate(encoded):
        ids[row, : len(x)] = torch.tensor(x)
        labels[row, : len(y)] = torch.tensor(y)
        mask[row, : len(x)] = 1
    return ids, labels, mask


def answer_loss(model, ids, labels, mask) -> torch.Tensor:
    """Mean cross-entropy over the answer tokens only (labels shifted by one)."""
    logits = model(input_ids=ids, attention_mask=mask).logits  # (B, T, V)
    return F.cross_entropy(
        logits[:, :-1].reshape(-1, logits.size(-1)),
        labels[:, 1:].reshape(-1),
        ignore_index=IGNORE_INDEX,
    )


@torch.no_grad()
def exact_match(model, encoded, batch_size: int = 64, pad_id: int = 0) -> float:
    """Share of examples the model answers exactly under greedy decoding.

    Greedy decoding writes the answer exactly when, at every answer position, the most likely
    next token is the answer's token (given the prompt and the answer so far), up to and
    including the end-of-text token. So one forward pass over prompt + answer decides it.
    """
    was_training = model.training
    model.eval()
    right = 0
    for start in range(0, len(encoded), batch_size):
        ids, labels, mask = make_batch(encoded[start : start + batch_size], pad_id)
        logits = model(input_ids=ids, attention_mask=mask).logits
        predicted = logits[:, :-1].argmax(-1)
        target = labels[:, 1:]
        scored = target != IGNORE_INDEX
        right += int(((predicted == target) | ~scored).all(dim=1).sum())
    model.train(was_training)
    return right / len(encoded)


def trainable_parameters(model: torch.nn.Module) -> tuple[int, int]:
    """(trainable, all) parameter counts."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def lora_model(hf_model, r: int = 8, alpha: float = 16.0, targets=("c_attn", "c_proj")):
    """`hf_model` (a GPT2LMHeadModel) wrapped by peft with LoRA adapters on `targets`.

    Checks first, with clear messages: r in [1, smallest dimension of a targeted layer], and
    every target the name of a layer the model has.
    """
    import peft

    names = {name.rsplit(".", 1)[-1] for name, _ in hf_model.named_modules()}
    for t in targets:
        if t not in names:
            raise ValueError(f"targets: the model has no layer named {t!r} (it has e.g. "
                             f"'c_attn', 'c_proj', 'c_fc')")  # fmt: skip
    dims = [
        min(m.weight.shape)
        for name, m in hf_model.named_modules()
        if name.rsplit(".", 1)[-1] in targets and hasattr(m, "weight")
    ]
    limit = min(dims)
    check_int("r", r, 1, limit, message=f"r must be an integer in [1, {limit}] for these layers")
    config = peft.LoraConfig(
        r=r, lora_alpha=alpha, target_modules=list(targets), lora_dropout=0.0,
        fan_in_fan_out=True,  # GPT-2's Conv1D stores weights as (in, out)
        bias="none",
    )  # fmt: skip
    with warnings.catch_warnings():  # transformers' notice about a renamed method peft calls
        warnings.simplefilter("ignore", FutureWarning)
        return peft.get_peft_model(hf_model, config)


def train_steps(
    model,
    encoded,
    steps: int,
    lr: float,
    batch_size: int = 16,
    seed: int = 0,
    eval_sets: dict | None = None,
    eval_every: int = 0,
    on_step=None,
) -> dict:
    """AdamW on the answer-only loss for `steps` steps of `batch_size` examples drawn with
    `seed`; every `eval_every` steps (and at 0), exact match on each of `eval_sets`.

    Returns {"losses": [...], "curve": [{"step": s, name: share, ...}], "seconds": wall time}.
    Only trainable parameters (requires_grad) are optimised.
    """
    check_int("steps", steps, low=0)
    g = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr,
                                  weight_decay=0.0)  # fmt: skip
    losses, curve = [], []
    seconds = 0.0

    def evaluate(step):
        if eval_sets and eval_every:
            curve.append({"step": step} | {k: exact_match(model, v) for k, v in eval_sets.items()})

    evaluate(0)
    model.train()
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        rows = torch.randint(len(encoded), (batch_size,), generator=g).tolist()
        ids, labels, mask = make_batch([encoded[i] for i in rows], 0)
        loss = answer_loss(model, ids, labels, mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        seconds += time.perf_counter() - t0
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, loss.item())
        if eval_every and step % eval_every == 0:
            evaluate(step)
    return {"losses": losses, "curve": curve, "seconds": seconds}
