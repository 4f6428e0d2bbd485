"""All tokens at once versus one after another: attention and a GRU, timed (notebook 05).

A GRU must read token t before token t + 1: its hidden state after step t is an input of step
t + 1, so a sequence of T tokens takes T steps, one after another, however many cores there
are. Self-attention computes every token's output from the same three matrix products, in one
step. `time_attention_vs_gru` measures both on sequences of growing length and returns a table;
`plot_parallelism` draws it.

Timings are the fastest of `repeats` runs (other programs can only make a run slower), the two
models measured in turn so that a busy moment hurts both alike, on one CPU thread by default:
a GRU's many tiny steps suffer badly when its threads must wait for a busy core, which would
measure the machine's load rather than the two algorithms.
"""

import time

import matplotlib.pyplot as plt
import torch
import torch.nn as nn

from helpers._checks import check_int, is_int
from helpers.attention import MultiHeadAttention

__all__ = ["plot_parallelism", "sequential_steps", "time_attention_vs_gru"]

LENGTHS = (16, 32, 64, 128, 256, 512, 1024)


def sequential_steps(model: str, T: int) -> int:
    """How many steps must run one after another to process T tokens: T for a GRU, 1 for
    self-attention (its work grows with T, but all of it is ready to run at once)."""
    check_int("T", T, low=1)
    if model == "gru":
        return T
    if model == "attention":
        return 1
    raise ValueError(f"model must be 'attention' or 'gru', got {model!r}")


@torch.inference_mode()
def time_attention_vs_gru(
    lengths=LENGTHS,
    d_model: int = 64,
    n_heads: int = 4,
    batch: int = 1,
    repeats: int = 5,
    seed: int = 0,
    threads: int | None = 1,
) -> dict[str, list]:
    """Time one multi-head self-attention layer and one GRU layer (both d_model wide) on
    random sequences of each length, on the CPU, with `threads` torch threads (None: leave
    torch's setting; any other value is restored afterwards).

    Returns a table as a dict of equal-length lists: "length", "attention_ms", "gru_ms" (the
    fastest of `repeats` runs, in milliseconds), "attention_steps", "gru_steps".
    """
    lengths = list(lengths)
    if not lengths or any(not is_int(T) or T < 1 for T in lengths):
        raise ValueError(f"lengths must be a non-empty list of integers >= 1, got {lengths}")
    check_int("repeats", repeats, low=1)
    check_int("threads", threads, low=1, none_ok=True)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _measure(lengths, d_model, n_heads, batch, repeats, seed)
    finally:
        torch.set_num_threads(before)


def _measure(lengths, d_model, n_heads, batch, repeats, seed) -> dict[str, list]:
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # leave the global random state alone
        torch.manual_seed(seed)
        attention = MultiHeadAttention(d_model, n_heads).eval()
        gru = nn.GRU(d_model, d_model, batch_first=True).eval()
    table = {"length": [], "attention_ms": [], "gru_ms": [], "attention_steps": [], "gru_steps": []}
    for T in lengths:
        x = torch.randn(batch, T, d_model, generator=generator)  # (B, T, C)
        attention(x), gru(x)  # warm-up: the first call allocates
        best = {"attention": float("inf"), "gru": float("inf")}
        for _ in range(repeats):
            best["attention"] = min(best["attention"], _milliseconds(attention, x))
            best["gru"] = min(best["gru"], _milliseconds(gru, x))
        table["length"].append(T)
        table["attention_ms"].append(best["attention"])
        table["gru_ms"].append(best["gru"])
        table["attention_steps"].append(sequential_steps("attention", T))
        table["gru_steps"].append(sequential_steps("gru", T))
    return table


def plot_parallelism(table: dict[str, list]):
    """Two panels: time against length, and sequential steps against length. Returns the figure."""
    fig, (ax_time, ax_steps) = plt.subplots(1, 2, figsize=(10, 3.6))
    lengths = table["length"]
    ax_time.plot(lengths, table["gru_ms"], "o-", label="GRU (one token after another)")
    ax_time.plot(lengths, table["attention_ms"], "s-", label="self-attention (all at once)")
    ax_steps.plot(lengths, table["gru_steps"], "o-", label="GRU")
    ax_steps.plot(lengths, table["attention_steps"], "s-", label="self-attention")
    for ax in (ax_time, ax_steps):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T (tokens)")
        ax.legend()
    ax_time.set_ylabel("time per sequence (ms, best run)")
    ax_time.set_title("Measured time on this CPU")
    ax_steps.set_ylabel("steps that must run in order")
    ax_steps.set_title("Sequential steps")
    fig.tight_layout()
    return fig


def _milliseconds(model: nn.Module, x: torch.Tensor) -> float:
    start = time.perf_counter()
    model(x)
    return (time.perf_counter() - start) * 1000
