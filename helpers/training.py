"""Training a GPT on unlabelled text: next-token prediction (notebook 08, `make checkpoints`).

The whole recipe in one readable loop, nanoGPT style: random windows of the token stream as
batches (y is x shifted by one token), cross-entropy on every position, AdamW with weight decay
on the matrices only, a linear warm-up then a cosine decay of the learning rate, gradient
clipping, and an evaluation on held-out text every few steps. Everything random is drawn from
one seeded generator, so a run is repeatable.
"""

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

from helpers._checks import check_int, eval_mode, model_device
from helpers.gpt import GPT, lm_loss
from helpers.widgets.progress import Progress


@dataclass
class TrainConfig:
    """How to train: every knob of the loop, with the values the mini GPT was trained with."""

    steps: int = 1000  # optimizer steps
    batch_size: int = 32  # sequences per step
    lr: float = 3e-3  # peak learning rate, reached at the end of the warm-up
    min_lr: float = 3e-4  # learning rate at the end of the cosine decay
    warmup_steps: int = 50  # linear warm-up from 0 to lr
    weight_decay: float = 0.1  # AdamW decay, applied to weight matrices only
    grad_clip: float = 1.0  # clip the global gradient norm to this
    eval_every: int = 100  # steps between evaluations on held-out text (and at the end)
    eval_batches: int = 8  # batches averaged per evaluation
    seed: int = 0  # seeds the batches (the model's init has its own seed)

    def __post_init__(self):
        for name in ("steps", "batch_size", "eval_every", "eval_batches"):
            check_int(name, getattr(self, name), low=1)
        message = f"warmup_steps must be in [0, steps={self.steps}]"
        check_int("warmup_steps", self.warmup_steps, 0, self.steps, message=message)
        if not 0 < self.min_lr <= self.lr:
            raise ValueError(f"need 0 < min_lr <= lr, got min_lr={self.min_lr}, lr={self.lr}")
        if not self.grad_clip > 0 or self.weight_decay < 0:
            raise ValueError("grad_clip must be > 0 and weight_decay >= 0")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class History:
    """What a run measured: losses, learning rates and speed."""

    train_loss: list[float] = field(default_factory=list)  # every step
    lr: list[float] = field(default_factory=list)  # every step
    eval_steps: list[int] = field(default_factory=list)  # steps at which we evaluated
    val_loss: list[float] = field(default_factory=list)  # held-out loss at those steps
    tokens_per_s: float = 0.0  # training throughput (evaluations not counted)


def learning_rate(step: int, config: TrainConfig) -> float:
    """Linear warm-up to `lr`, then cosine decay to `min_lr` at the last step."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    span = max(1, config.steps - 1 - config.warmup_steps)
    progress = min(1.0, (step - config.warmup_steps) / span)
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress))


def encode_stories(text: str, tokenizer) -> torch.Tensor:
    """One token stream (N,) of the stories in `text` (separated by blank lines), each followed
    by the tokenizer's end-of-text token, so the model learns where a story ends."""
    if tokenizer.eos_id is None:
        raise ValueError("tokenizer must have an end-of-text token (eos_id), got None")
    ids: list[int] = []
    for story in text.split("\n\n"):
        if story.strip():
            ids.extend(tokenizer.encode(story.strip()))
            ids.append(tokenizer.eos_id)
    if not ids:
        raise ValueError("text must contain at least one story")
    return torch.tensor(ids, dtype=torch.long)


def get_batch(ids: torch.Tensor, batch_size: int, context_length: int, generator: torch.Generator):
    """Random windows of the token stream `ids` (N,): inputs x and targets y, both (B, T).

    y is x shifted by one token: at every position the model learns to predict the next one.
    """
    if ids.dim() != 1 or len(ids) < context_length + 1:
        raise ValueError(
            "ids must be a 1-D token stream of at least context_length + 1 = "
            f"{context_length + 1} tokens, got shape {tuple(ids.shape)}"
        )
    starts = torch.randint(len(ids) - context_length, (batch_size,), generator=generator)
    x = torch.stack([ids[s : s + context_length] for s in starts.tolist()])  # (B, T)
    y = torch.stack([ids[s + 1 : s + 1 + context_length] for s in starts.tolist()])  # (B, T)
    return x, y


@torch.no_grad()
def estimate_loss(model: GPT, ids: torch.Tensor, batches: int, batch_size: int, seed: int = 0):
    """Mean next-token loss of `model` on `batches` random batches of `ids` (eval mode)."""
    with eval_mode(model):
        generator = torch.Generator().manual_seed(seed)
        device = model_device(model)
        losses = []
        for _ in range(batches):
            x, y = get_batch(ids, batch_size, model.config.context_length, generator)
            losses.append(lm_loss(model(x.to(device)), y.to(device)).item())
    return sum(losses) / len(losses)


def make_optimizer(model: GPT, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW that decays weight matrices and embeddings but not biases and layer norms."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.95))


def train_gpt(
    model: GPT,
    train_ids: torch.Tensor,
    val_ids: torch.Tensor,
    config: TrainConfig,
    progress: bool = True,
    on_eval: Callable[[int, GPT, History], None] | None = None,
) -> History:
    """Train `model` in place on the token stream `train_ids`; evaluate on `val_ids`.

    Shows a progress line unless progress=False; after each evaluation calls
    on_eval(step, model, history), e.g. to sample text or save a snapshot.
    """
    device = model_device(model)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = make_optimizer(model, config)
    scheduler = WarmupCosine(optimizer, config)  # learning_rate(step, config) at every step
    history = History()
    T = model.config.context_length
    train_seconds = 0.0
    model.train()
    bar = Progress(config.steps, "training", enabled=progress)
    for step in range(config.steps):
        start = time.perf_counter()
        history.lr.append(optimizer.param_groups[0]["lr"])  # this step's learning rate
        x, y = get_batch(train_ids, config.batch_size, T, generator)
        tokens = torch.cat([x, y[:, -1:]], dim=1).to(device)  # (B, T + 1): each window whole
        loss = train_step(model, optimizer, scheduler, tokens, config.grad_clip)
        train_seconds += time.perf_counter() - start
        history.train_loss.append(loss)
        last = step == config.steps - 1
        if (step + 1) % config.eval_every == 0 or last:
            val = estimate_loss(model, val_ids, config.eval_batches, config.batch_size)
            history.eval_steps.append(step + 1)
            history.val_loss.append(val)
            bar.update(step + 1, train=loss, val=val)
            if on_eval is not None:
                on_eval(step + 1, model, history)
        else:
            bar.update(step + 1, train=loss)
    bar.close()
    history.tokens_per_s = config.steps * config.batch_size * T / max(train_seconds, 1e-9)
    model.eval()
    return history


# ---------------------------------------------------------------------------------------------
# The same recipe, one step at a time (notebook 08 writes its live run's loop with these)
# ---------------------------------------------------------------------------------------------


class WarmupCosine(torch.optim.lr_scheduler.LRScheduler):
    """`learning_rate`'s schedule as a torch scheduler: every parameter group gets
    learning_rate(step, config), with step = the number of scheduler.step() calls so far.

    Call scheduler.step() once after each optimizer.step(); a loop that does gives exactly the
    learning rates `train_gpt` sets by hand.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, config: TrainConfig) -> None:
        self.config = config
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        return [learning_rate(self.last_epoch, self.config) for _ in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"WarmupCosine(step={self.last_epoch}, lr={self.get_last_lr()[0]:.6g})"


def train_step(
    model: GPT,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    tokens: torch.Tensor,
    max_norm: float = 1.0,
) -> float:
    """One optimisation step on a batch of token windows `tokens` (B, T + 1); returns the loss.

    The inputs are the first T tokens of each window, the targets the last T (the same window
    shifted by one), so the loss is the next-token cross-entropy of every position.
    """
    x, y = tokens[:, :-1], tokens[:, 1:]  # (B, T) inputs, (B, T) targets: one token later
    logits = model(x)  # (B, T, V)
    loss = lm_loss(logits, y)  # F.cross_entropy over all B * T positions
    optimizer.zero_grad(set_to_none=True)  # forget the previous step's gradients
    loss.backward()  # d loss / d weight, for every weight
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # cap the gradient's length
    optimizer.step()  # move the weights
    scheduler.step()  # the next step's learning rate
    return loss.item()
