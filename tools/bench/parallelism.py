"""`python -m tools.bench parallelism --json`: attention vs a GRU, timed (notebook 05).

The measurement is notebook 05's own (`helpers.studies.parallelism`); this adds how its claims
hold up: how the times grow with the sequence length.
"""

from helpers.studies.parallelism import time_attention_vs_gru

__all__ = ["run"]


def run() -> dict:
    """`python -m tools.bench parallelism`: the timing table of notebook 05 on one thread,
    and whether the facts that notebook prints hold: at 64 tokens the GRU takes more than twice
    as long as attention; from 64 to 1024 tokens the GRU's time grows more than 4x; from 256 to
    1024 tokens attention's grows more than 4x (its T² work); so attention's lead is smaller at
    1024 tokens than at 64. (Whether attention's time grows more slowly than the GRU's from 16
    to 256 tokens depends on the kernels: with ATEN_CPU_CAPABILITY=default it does not.)"""
    table = time_attention_vs_gru((16, 64, 256, 1024), repeats=10)
    att = dict(zip(table["length"], table["attention_ms"], strict=True))
    gru = dict(zip(table["length"], table["gru_ms"], strict=True))
    return {
        **table,
        "gru_growth_16_to_256": round(gru[256] / gru[16], 2),
        "attention_growth_16_to_256": round(att[256] / att[16], 2),
        "gru_over_attention_at_64": round(gru[64] / att[64], 2),
        "gru_over_attention_at_256": round(gru[256] / att[256], 2),
        "gru_over_attention_at_1024": round(gru[1024] / att[1024], 2),
        "notebook_facts_hold": bool(
            gru[64] > 2 * att[64]
            and gru[1024] > 4 * gru[64]
            and att[1024] > 4 * att[256]
            and gru[1024] / att[1024] < gru[64] / att[64]
        ),
    }
