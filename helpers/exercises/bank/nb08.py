"""Exercises of notebook 08: training a mini GPT.

08.make_batch cuts (x, y) windows from a token stream; 08.cross_entropy computes the loss from
logits without F.cross_entropy (and must survive a confident model); 08.train_step writes one
optimisation step, checked by the losses and the parameters after a few steps on seeded
batches, with weights, optimizer and schedule the same as the reference's.
"""

import contextlib
import math
import warnings
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from helpers.exercises import Mistake, exercise
from helpers.gpt import GPT, GPTConfig, lm_loss
from helpers.training import TrainConfig, WarmupCosine, make_optimizer, train_step

# --------------------------------------------------------------------------- 08.make_batch


def _batch_cases():
    g = torch.Generator().manual_seed(8)
    return [
        (torch.randint(0, 512, (50,), generator=g), [3, 17, 30], 8),
        (torch.randint(0, 512, (200,), generator=g), [1, 100], 16),
        (torch.randint(0, 64, (12,), generator=g), [7, 1, 5, 2], 4),
    ]


def _windows(ids, starts, T, x_offset, y_offset, length=None):
    length = T if length is None else length
    x = torch.stack([ids[s + x_offset : s + x_offset + length] for s in starts])
    y = torch.stack([ids[s + y_offset : s + y_offset + length] for s in starts])
    return x, y


@exercise(
    "08.make_batch",
    cases=_batch_cases,
    mistakes=[
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, 0),
            "y equals x: the target at each position is the NEXT token, so y starts one "
            "token later (ids[s + 1 : s + 1 + T])",
        ),
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, -1),
            "y is shifted the wrong way: y[t] must be the token after x[t], not the one before",
        ),
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, 1)[::-1],
            "x and y are swapped: return (x, y), inputs first",
        ),
        Mistake(
            lambda ids, starts, T: _windows(ids, starts, T, 0, 1, length=T + 1),
            "the windows are one token too long: x and y each hold T tokens (y's last one is "
            "the token after x's last)",
        ),
    ],
)
def make_batch(ids, starts, T):
    """Exercise 07: inputs x and targets y (each (len(starts), T)) from the token stream `ids`,
    one window per start position; y is x shifted by one token."""
    x = torch.stack([ids[s : s + T] for s in starts])  # (B, T)
    y = torch.stack([ids[s + 1 : s + 1 + T] for s in starts])  # (B, T)
    return x, y


# --------------------------------------------------------------------------- 08.cross_entropy


def _cross_entropy_cases():
    g = torch.Generator().manual_seed(7)
    confident = torch.randn(2, 3, 10, generator=g) * 60  # gaps of hundreds between logits
    confident_targets = confident.argmin(dim=-1)  # each target the least likely token
    confident_targets[0, 0] = int(confident[0, 0].argmax())
    return [
        (torch.tensor([[[2.0, 1.0, 0.1]]]), torch.tensor([[0]])),  # one position, B = T = 1
        (torch.randn(2, 4, 6, generator=g), torch.randint(0, 6, (2, 4), generator=g)),
        (torch.randn(3, 5, 50, generator=g) * 3, torch.randint(0, 50, (3, 5), generator=g)),
        (confident, confident_targets),  # a confident model that is wrong
    ]


def _picked_log_probs(logits, targets, log_probs):
    return log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (B, T)


def _log_of_softmax(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    return -probs.gather(-1, targets.unsqueeze(-1)).log().mean()


@exercise(
    "08.cross_entropy",
    cases=_cross_entropy_cases,
    mistakes=[
        Mistake(
            _log_of_softmax,
            "right for ordinary logits, but for a confident model the softmax of a token far "
            "below the top is exactly 0 in float32 and its log is -inf: take the log-softmax "
            "directly, logits - torch.logsumexp(logits, dim=-1, keepdim=True) (or "
            "torch.log_softmax)",
        ),
        Mistake(
            lambda z, t: _picked_log_probs(z, t, torch.log_softmax(z, -1)).mean(),
            "the sign: the loss is MINUS the mean log-probability of the right tokens, a "
            "positive number",
        ),
        Mistake(
            lambda z, t: -torch.log_softmax(z, -1).mean(),
            "that averages the log-probabilities of every token of the vocabulary; pick each "
            "position's target token (log_probs.gather(-1, targets.unsqueeze(-1)) or indexing)",
        ),
        Mistake(
            lambda z, t: -_picked_log_probs(z, t, torch.log_softmax(z, -1)).sum(),
            "that is the sum over all positions; the loss is their mean",
        ),
        Mistake(
            lambda z, t: -_picked_log_probs(z, t, torch.log_softmax(z, -1)).mean() / math.log(2),
            "that is in bits (log base 2); cross-entropy here uses the natural log (nats)",
        ),
        Mistake(
            lambda z, t: -_picked_log_probs(z, t, torch.log_softmax(z, 1)).mean(),
            "the softmax ran over the positions (dim=1); it must run over the vocabulary, the "
            "last axis",
        ),
    ],
)
def cross_entropy(logits, targets):
    """Exercise 07: the mean next-token loss of logits (B, T, V) for targets (B, T), in nats;
    equal to F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))."""
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)  # (B, T, V), stable
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (B, T): log p(target)
    return -picked.mean()


# --------------------------------------------------------------------------- 08.train_step


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _QuietWarmupCosine(WarmupCosine):
    """The course's schedule without torch's warning about the order of step() calls: the
    check names that mistake itself, in one line."""

    def step(self, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            super().step(*args, **kwargs)


def _training_session(config: GPTConfig, seed: int, max_norm: float, n_steps: int):
    """A fresh, seeded (model, optimizer, scheduler, batches, max_norm) for one case."""
    model = GPT(config, seed=seed)
    settings = TrainConfig(steps=4, batch_size=4, lr=0.02, min_lr=0.002, warmup_steps=2)
    optimizer = make_optimizer(model, settings)
    scheduler = _QuietWarmupCosine(optimizer, settings)
    g = torch.Generator().manual_seed(seed)
    T = 8  # windows of T + 1 tokens: inputs and targets of T tokens each
    batches = [torch.randint(0, config.vocab_size, (4, T + 1), generator=g) for _ in range(n_steps)]
    return model, optimizer, scheduler, batches, max_norm


def _train_step_cases():
    # gradient norms are above 1 on these batches, so clipping changes every step
    return [
        _training_session(GPTConfig(32, 16, n_layer=1, n_head=2, d_model=16), 3, 0.5, 3),
        _training_session(GPTConfig(48, 16, n_layer=2, n_head=4, d_model=32), 4, 0.7, 3),
    ]


# What `run` returns instead of losses when F.cross_entropy got (B, T, V) logits unflattened (it
# reads dim 1 as the classes and raises); the mistake below returns it too, so its hint shows.
UNFLATTENED = "F.cross_entropy was given (B, T, V) logits"


def _steps_then_parameters(step, model, optimizer, scheduler, batches, max_norm):
    """What the check compares: each step's returned loss, then every parameter afterwards."""
    try:
        with one_thread():  # tiny matrices: fastest on one thread, however busy the machine
            losses = [step(model, optimizer, scheduler, tokens, max_norm) for tokens in batches]
    except RuntimeError as error:
        if "Expected target size" in str(error):
            return UNFLATTENED
        raise
    parameters = {name: p.detach().clone() for name, p in model.named_parameters()}
    return {"losses": losses, "parameters": parameters}


def _step_variant(
    loss_fn=lm_loss,
    shift="right",
    zero_grad=True,
    clip="max_norm",
    optimizer_steps=True,
    scheduler="after",
):
    """A training step with one of the typical mistakes (the defaults make it correct)."""

    def step(model, optimizer, scheduler_, tokens, max_norm=1.0):
        x, y = tokens[:, :-1], tokens[:, 1:]
        if shift == "none":
            y = x
        elif shift == "reversed":
            x, y = tokens[:, 1:], tokens[:, :-1]
        loss = loss_fn(model(x), y)
        if zero_grad:
            optimizer.zero_grad()
        loss.backward()
        if clip != "none":
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0 if clip == "one" else max_norm)
        if scheduler == "before":
            scheduler_.step()
        if optimizer_steps:
            optimizer.step()
        if scheduler == "after":
            scheduler_.step()
        return loss.item()

    return step


@exercise(
    "08.train_step",
    cases=_train_step_cases,
    run=_steps_then_parameters,
    mistakes=[
        Mistake(
            _step_variant(shift="none"),
            "the targets are the inputs themselves: y is the window shifted by one token, "
            "tokens[:, 1:], while x is tokens[:, :-1]",
        ),
        Mistake(
            _step_variant(shift="reversed"),
            "x and y are swapped: the model should read tokens[:, :-1] and predict "
            "tokens[:, 1:]; as written it learns to predict the previous token",
        ),
        Mistake(
            _step_variant(loss_fn=F.cross_entropy),
            "F.cross_entropy reads dim 1 as the classes: flatten the logits to (B * T, V) and "
            "the targets to (B * T,) first (logits.reshape(-1, logits.size(-1)), "
            "y.reshape(-1)), or use lm_loss(logits, y)",
        ),
        Mistake(
            _step_variant(optimizer_steps=False),
            "the weights did not move: call optimizer.step() after loss.backward() (and "
            "optimizer.zero_grad() before backward, not between backward and step)",
        ),
        Mistake(
            _step_variant(zero_grad=False),
            "the gradients add up from step to step: call optimizer.zero_grad() before "
            "loss.backward()",
        ),
        Mistake(
            _step_variant(clip="none"),
            "the gradient is not clipped (or clipped where it changes nothing): call "
            "torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm) after "
            "loss.backward() and before optimizer.step()",
        ),
        Mistake(
            _step_variant(clip="one"),
            "the gradient was clipped to 1.0, not to max_norm: pass the argument (the check "
            "uses other values)",
        ),
        Mistake(
            _step_variant(scheduler="before"),
            "scheduler.step() ran before optimizer.step(), so each step used the next step's "
            "learning rate: step the optimizer first, then the scheduler",
        ),
        Mistake(
            _step_variant(scheduler="none"),
            "the learning rate never changed: call scheduler.step() after optimizer.step()",
        ),
    ],
    rtol=1e-4,
    atol=1e-6,
    praise="the step every GPT's training repeats, thousands of times",
)
def train_step_reference(model, optimizer, scheduler, tokens, max_norm=1.0):
    """Exercise 07: one optimisation step on token windows (B, T + 1); returns the loss."""
    return train_step(model, optimizer, scheduler, tokens, max_norm)
