"""Attention processes all tokens at once, a GRU one after another: steps counted here.

The timings themselves are a performance figure, measured by `make bench`
(`python -m tools.bench parallelism`), not asserted in tests. Measured on one thread of a
busy 2-core machine, 16 -> 256 tokens: the GRU gets ~14x slower, attention ~5x.
"""

import pytest
import torch

from helpers.plots import figure_png
from helpers.studies.parallelism import plot_parallelism, sequential_steps, time_attention_vs_gru

LENGTHS = (16, 64, 256)


def test_sequential_steps():
    assert [sequential_steps("gru", T) for T in LENGTHS] == list(LENGTHS)
    assert [sequential_steps("attention", T) for T in LENGTHS] == [1, 1, 1]


def test_gru_steps_really_depend_on_each_other():
    """Changing token 0 changes the GRU's output at the last step: step T waits for step 1.
    Self-attention's output at a position depends on every token too, but through one product."""
    torch.manual_seed(0)
    gru = torch.nn.GRU(8, 8, batch_first=True)
    x = torch.randn(1, 6, 8)
    y = x.clone()
    y[0, 0] += 1.0
    assert not torch.allclose(gru(x)[0][0, -1], gru(y)[0][0, -1])


def test_table_columns():
    table = time_attention_vs_gru(LENGTHS, repeats=1)
    assert set(table) == {"length", "attention_ms", "gru_ms", "attention_steps", "gru_steps"}
    assert table["length"] == list(LENGTHS)
    assert table["gru_steps"] == list(LENGTHS) and table["attention_steps"] == [1, 1, 1]
    assert all(t > 0 for t in table["attention_ms"] + table["gru_ms"])
    assert figure_png(plot_parallelism(table)).startswith(b"\x89PNG")


def test_bad_input():
    with pytest.raises(ValueError, match="model must be 'attention' or 'gru'"):
        sequential_steps("rnn", 4)
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        sequential_steps("gru", 0)
    with pytest.raises(ValueError, match="lengths must be a non-empty list"):
        time_attention_vs_gru([])
    with pytest.raises(TypeError, match="T must be an integer >= 1"):
        sequential_steps("gru", 2.0)
    with pytest.raises(ValueError, match="repeats must be an integer >= 1"):
        time_attention_vs_gru([4], repeats=0)
    with pytest.raises(ValueError, match="threads must be None or an integer >= 1"):
        time_attention_vs_gru([4], threads=0)


def test_thread_setting_is_restored():
    before = torch.get_num_threads()
    time_attention_vs_gru([4], repeats=1, threads=1)
    assert torch.get_num_threads() == before
