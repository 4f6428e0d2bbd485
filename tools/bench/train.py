"""Training throughput of the course's GPT vs transformers' GPT2LMHeadModel (budget, section 9).

Both models start from the same weights (ours, converted with `to_transformers`), see the same
batches, compute the same loss (`lm_loss`) and take AdamW steps with the same settings. Steps
alternate between the two models in one process (who goes first alternates too), so a slower
or busier machine slows both alike; the first step of each is a warm-up and is not timed.
"""

from __future__ import annotations

import statistics
import time

import torch

from helpers._checks import check_int
from helpers.gpt import GPT, GPTConfig, lm_loss
from helpers.gpt_interop import to_transformers

__all__ = ["BENCH_CONFIG", "measure_training_throughput", "run"]

# The configuration of the performance budget: 4 layers, 4 heads, d_model 128, context 128,
# vocabulary 512 (trained with batches of 32 sequences).
BENCH_CONFIG = GPTConfig(
    vocab_size=512, context_length=128, n_layer=4, n_head=4, d_model=128, dropout=0.0
)


def measure_training_throughput(
    config: GPTConfig = BENCH_CONFIG,
    batch_size: int = 32,
    steps: int = 20,
    seed: int = 0,
    num_threads: int | None = 2,
    lr: float = 3e-4,
) -> dict[str, float]:
    """Tokens per second of a training step (forward, backward, AdamW) for our GPT and for a
    GPT2LMHeadModel of the identical config, on the same batches.

    Each step is timed on its own; tokens/s = batch_size * context_length / median step time.
    `ratio` (ours / hf; >= 1 means ours is at least as fast) is the median over the steps of
    hf_time / ours_time for the two models' steps on the same batch, which ran back to back:
    on a machine shared with other work, that pairing cancels most of the load's swings.
    `num_threads` sets torch's intra-op threads for the measurement (restored afterwards;
    None: leave as is). Also returns max_loss_diff, the largest difference between the two
    models' losses over the run (near 0: both really did the same computation).
    """
    check_int("batch_size", batch_size, low=1)
    check_int("steps", steps, low=1)
    check_int("num_threads", num_threads, low=1, none_ok=True)

    old_threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        ours = GPT(config, seed=seed).train()
        hf = to_transformers(ours).train()
        opt_ours = torch.optim.AdamW(ours.parameters(), lr=lr)
        opt_hf = torch.optim.AdamW(hf.parameters(), lr=lr)
        gen = torch.Generator().manual_seed(seed)
        T = config.context_length
        batches = [  # each row: T inputs + the next token as the last target
            torch.randint(0, config.vocab_size, (batch_size, T + 1), generator=gen)
            for _ in range(steps + 1)
        ]

        def run_ours(x: torch.Tensor) -> torch.Tensor:
            return ours(x)

        def run_hf(x: torch.Tensor) -> torch.Tensor:
            return hf(input_ids=x, use_cache=False).logits  # no cache: HF at its fastest

        times: dict[str, list[float]] = {"ours": [], "hf": []}
        max_loss_diff = 0.0
        for i, batch in enumerate(batches):
            x, y = batch[:, :-1], batch[:, 1:]  # (B, T) inputs and next-token targets
            order = [("ours", run_ours, opt_ours), ("hf", run_hf, opt_hf)]
            if i % 2:  # alternate who goes first, so neither always runs on a warmer cache
                order.reverse()
            losses = {}
            for name, forward, opt in order:
                t0 = time.perf_counter()
                loss = lm_loss(forward(x), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                elapsed = time.perf_counter() - t0
                losses[name] = loss.item()
                if i > 0:  # step 0 is the warm-up
                    times[name].append(elapsed)
            max_loss_diff = max(max_loss_diff, abs(losses["ours"] - losses["hf"]))
    finally:
        torch.set_num_threads(old_threads)

    tokens_per_step = batch_size * T
    pair_ratios = [hf / ours for ours, hf in zip(times["ours"], times["hf"], strict=True)]
    return {
        "ours_tokens_per_s": tokens_per_step / statistics.median(times["ours"]),
        "hf_tokens_per_s": tokens_per_step / statistics.median(times["hf"]),
        "ratio": statistics.median(pair_ratios),
        "max_loss_diff": max_loss_diff,
    }


def run() -> dict:
    """`python -m tools.bench train`: ours vs GPT2LMHeadModel training tokens/s, same batches."""
    return measure_training_throughput()
