"""`python -m tools.bench sample --json`: how fast the course GPT samples (notebook 09).

`run`: tokens per second for 256 new tokens (batch 1) with the course GPT's KV cache, without
it (the full context re-read every step), and with transformers' `generate` on the same weights
(`helpers.gpt_interop.to_transformers`). The three run alternately in one process after a
warm-up, on one thread, and the figures are medians of several repeats, so a busy machine slows
all three alike. 256 new tokens must fit in the
context window, and the shipped mini GPT's window is 256 tokens: the benchmark therefore uses
the mini GPT's architecture with a 512-token window and seeded random weights (the same work
per token; the JSON says so).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch

from helpers._checks import check_int
from helpers.gpt import GPT, GPTConfig
from helpers.gpt_interop import to_transformers
from helpers.sampling import generate

__all__ = ["BENCH_CONFIG", "measure_sampling_speed", "run"]

# The mini GPT's architecture (4 layers, 4 heads, d_model 128, vocabulary 512) with a context
# of 512 tokens, so a prompt plus 256 new tokens fits without sliding the window.
BENCH_CONFIG = GPTConfig(
    vocab_size=512, context_length=512, n_layer=4, n_head=4, d_model=128, dropout=0.0
)
BENCH_PROMPT = "Once upon a time, there was a little"


def measure_sampling_speed(
    config: GPTConfig = BENCH_CONFIG,
    new_tokens: int = 256,
    repeats: int = 5,
    seed: int = 0,
    num_threads: int | None = 1,
) -> dict[str, Any]:
    """Seconds and tokens/s to sample `new_tokens` tokens three ways on the same weights.

    All three sample at temperature 1 with no top-k / top-p (transformers' `generate` is given
    top_k=0, since its default generation config would quietly apply top_k=50) and never stop
    early, so each produces exactly `new_tokens` tokens. Each repeat times the three back to
    back, in a rotating order, after one untimed warm-up round; the reported times are the
    medians over the repeats and the ratios are medians of the per-repeat ratios.
    `num_threads` sets torch's threads while measuring (restored afterwards; None: as is):
    batch-1 decoding is a chain of tiny matrix products that extra threads only slow down.
    """
    check_int("new_tokens", new_tokens, low=1)
    check_int("repeats", repeats, low=1)
    check_int("num_threads", num_threads, low=1, none_ok=True)
    from helpers.tokenization import load_tokenizer

    tokenizer = load_tokenizer("tiny-tales")
    prompt_ids = tokenizer.encode(BENCH_PROMPT)
    if len(prompt_ids) + new_tokens > config.context_length:
        raise ValueError(
            f"new_tokens must be at most {config.context_length - len(prompt_ids)} so the prompt "
            f"({len(prompt_ids)} tokens) and the new tokens fit in the context "
            f"({config.context_length}), got {new_tokens}"
        )
    old_threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        model = GPT(config, seed=seed).eval()
        hf = to_transformers(model).eval()  # no eos token: it never stops early
        prompt = torch.tensor([prompt_ids])

        def ours(use_cache: bool) -> int:
            out = generate(model, tokenizer, BENCH_PROMPT, new_tokens, temperature=1.0,
                           seed=seed, use_cache=use_cache, stop_at_eos=False)  # fmt: skip
            return len(out.token_ids)

        def theirs() -> int:
            with torch.inference_mode():
                out = hf.generate(
                    prompt, attention_mask=torch.ones_like(prompt), do_sample=True,
                    temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=new_tokens,
                    min_new_tokens=new_tokens, pad_token_id=0,
                )  # fmt: skip
            return out.shape[1] - prompt.shape[1]

        runners = {"kv": lambda: ours(True), "nocache": lambda: ours(False), "hf": theirs}
        times: dict[str, list[float]] = {name: [] for name in runners}
        for i in range(repeats + 1):  # round 0 is the warm-up
            names = list(runners)
            names = names[i % 3 :] + names[: i % 3]  # rotate who goes first
            for name in names:
                start = time.perf_counter()
                produced = runners[name]()
                elapsed = time.perf_counter() - start
                if produced != new_tokens:
                    raise RuntimeError(f"{name} produced {produced} tokens, not {new_tokens}")
                if i > 0:
                    times[name].append(elapsed)
        greedy_match = _greedy_agrees(model, hf, tokenizer, prompt, min(new_tokens, 64))
    finally:
        torch.set_num_threads(old_threads)

    med = {name: statistics.median(t) for name, t in times.items()}
    pairs = list(zip(times["kv"], times["nocache"], times["hf"], strict=True))
    return {
        "model": (
            f"mini-gpt architecture ({config.n_layer} layers, {config.n_head} heads, d_model "
            f"{config.d_model}, vocab {config.vocab_size}), context {config.context_length}, "
            f"seeded random weights (seed {seed})"
        ),
        "new_tokens": new_tokens,
        "prompt_tokens": len(prompt_ids),
        "batch_size": 1,
        "threads": torch.get_num_threads() if num_threads is None else num_threads,
        "repeats": repeats,
        "sampling": "temperature 1, no top-k / top-p (transformers: top_k=0), no early stop",
        "kv_seconds": round(med["kv"], 4),
        "nocache_seconds": round(med["nocache"], 4),
        "hf_generate_seconds": round(med["hf"], 4),
        "kv_tokens_per_s": round(new_tokens / med["kv"], 1),
        "nocache_tokens_per_s": round(new_tokens / med["nocache"], 1),
        "hf_generate_tokens_per_s": round(new_tokens / med["hf"], 1),
        "kv_vs_hf_generate": round(statistics.median(h / k for k, _, h in pairs), 2),
        "kv_vs_nocache": round(statistics.median(n / k for k, n, _ in pairs), 2),
        "greedy_tokens_match_hf": greedy_match,
    }


def _greedy_agrees(model, hf, tokenizer, prompt: torch.Tensor, n: int) -> bool:
    """Same weights, same function: greedy decoding gives the same tokens in both."""
    ours = generate(model, tokenizer, BENCH_PROMPT, n, temperature=0, stop_at_eos=False)
    with torch.inference_mode():
        out = hf.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                          max_new_tokens=n, min_new_tokens=n, pad_token_id=0)  # fmt: skip
    return out[0, prompt.shape[1] :].tolist() == ours.token_ids


def run() -> dict:
    """`python -m tools.bench sample`: KV-cached vs uncached vs transformers' generate."""
    figures = measure_sampling_speed()
    figures["budget_kv_vs_hf_generate_ge_2"] = figures["kv_vs_hf_generate"] >= 2
    figures["budget_kv_vs_nocache_ge_4"] = figures["kv_vs_nocache"] >= 4
    return figures
