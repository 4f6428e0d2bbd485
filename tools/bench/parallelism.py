"""`python -m tools.bench parallelism --json`: attention vs a GRU, timed (notebook 05).

The measurement is notebook 05's own (`helpers.studies.parallelism`); this adds how its claims
hold up: how the times grow with the sequence length.
"""

from helpers.studies.parallelism import time_attention_vs_gru

__all__ = ["run"]


def run() -> dict:
    """`python -m tools.bench parallelism`: the timing table of notebook 05 on one thread,
    and whether its claims hold (the GRU's time grows with length much faster than one
    attention layer's: it takes one sequential step per token)."""
    table = time_attention_vs_gru((16, 64, 256), repeats=10)
    gru_growth = table["gru_ms"][-1] / table["gru_ms"][0]
    attention_growth = table["attention_ms"][-1] / table["attention_ms"][0]
    return {
        **table,
        "gru_growth_16_to_256": round(gru_growth, 2),
        "attention_growth_16_to_256": round(attention_growth, 2),
        "gru_over_attention_at_256": round(table["gru_ms"][-1] / table["attention_ms"][-1], 2),
    }
