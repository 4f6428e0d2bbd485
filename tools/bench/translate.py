"""`python -m tools.bench translate --json`: the transformer translator against the GRU +
attention model (notebook 06): training speed on the same batches, alternating, on one and two
threads, and an equal-time race on one thread (helpers.studies.translators)."""

from collections.abc import Sequence

from helpers.studies.translators import equal_time_race, measure_training_speed

__all__ = ["run"]

_PER_THREADS = ("ratio", "ratio_short", "gru_attention_step_growth", "transformer_step_growth",
                "by_length")  # fmt: skip


def run(threads: Sequence[int] = (1, 2), race_seconds: float = 30.0) -> dict:
    """The speed comparison on each thread count (the top-level figures are the first's), and
    an equal-time race on one thread."""
    results = {t: measure_training_speed(threads=t) for t in threads}
    race = equal_time_race(seconds=race_seconds)
    return {
        **results[threads[0]],
        "by_threads": {str(t): {k: r[k] for k in _PER_THREADS} for t, r in results.items()},
        "race": race,
    }
