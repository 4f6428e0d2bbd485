"""The GPT training loop: batches, schedule, optimizer groups, and that training learns."""

import math

import pytest
import torch

from helpers.corpora import tiny_tales
from helpers.gpt import GPT, GPTConfig
from helpers.tokenization import load_tokenizer
from helpers.training import (
    TrainConfig,
    encode_stories,
    estimate_loss,
    get_batch,
    learning_rate,
    make_optimizer,
    train_gpt,
)


@pytest.fixture(scope="module")
def streams():
    tokenizer = load_tokenizer("tiny-tales")
    train = encode_stories(tiny_tales(60_000, seed=1), tokenizer)
    val = encode_stories(tiny_tales(10_000, seed=2), tokenizer)
    return tokenizer, train, val


def test_schedule_warms_up_then_decays_to_min_lr():
    config = TrainConfig(steps=100, warmup_steps=10, lr=1e-3, min_lr=1e-4)
    lrs = [learning_rate(s, config) for s in range(100)]
    assert lrs[0] == pytest.approx(1e-4) and lrs[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:], strict=False))
    assert lrs[-1] == pytest.approx(1e-4)
    assert lrs[54] == pytest.approx(1e-4 + 0.5 * 9e-4 * (1 + math.cos(math.pi * 44 / 89)))


def test_batches_are_the_stream_shifted_by_one(streams):
    _, train, _ = streams
    g = torch.Generator().manual_seed(0)
    x, y = get_batch(train, 4, 16, g)
    assert x.shape == y.shape == (4, 16)
    assert torch.equal(x[:, 1:], y[:, :-1])
    x2, _ = get_batch(train, 4, 16, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2)
    with pytest.raises(ValueError, match="at least context_length"):
        get_batch(train[:10], 1, 16, g)


def test_stories_end_with_the_end_of_text_token(streams):
    tokenizer, _, _ = streams
    ids = encode_stories("Tom ran.\n\nMia sat.", tokenizer)
    assert (ids == tokenizer.eos_id).sum() == 2 and ids[-1] == tokenizer.eos_id
    assert tokenizer.decode(ids.tolist()).count("<|endoftext|>") == 2


def test_weight_decay_only_on_matrices():
    model = GPT(GPTConfig(vocab_size=64, context_length=8, n_layer=1, n_head=2, d_model=16), seed=0)
    decay, no_decay = make_optimizer(model, TrainConfig()).param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() >= 2 for p in decay["params"]) and all(
        p.dim() < 2 for p in no_decay["params"]
    )


def test_training_learns_and_is_repeatable(streams):
    tokenizer, train, val = streams
    config = GPTConfig(vocab_size=tokenizer.vocab_size, context_length=32, n_layer=1, n_head=2,
                       d_model=32)  # fmt: skip
    settings = TrainConfig(steps=60, batch_size=8, warmup_steps=5, eval_every=30, eval_batches=2)
    runs, evals = [], []
    for _ in range(2):
        model = GPT(config, seed=0)
        before = estimate_loss(model, val, 2, 8)
        history = train_gpt(model, train, val, settings, progress=False,
                            on_eval=lambda step, m, h: evals.append(step))  # fmt: skip
        runs.append(history)
    assert before == pytest.approx(math.log(tokenizer.vocab_size), abs=0.3)  # a uniform guess
    assert runs[0].val_loss[-1] < before - 1.0
    assert runs[0].train_loss == runs[1].train_loss  # same seeds, same run
    assert runs[0].eval_steps == [30, 60] and evals == [30, 60, 30, 60]
    assert runs[0].tokens_per_s > 0 and not model.training


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"warmup_steps": 2000}, "warmup_steps must be in"),
        ({"min_lr": 1.0}, "need 0 < min_lr <= lr"),
        ({"grad_clip": 0}, "grad_clip must be > 0"),
    ],
)
def test_bad_training_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)
