"""Tests for helpers.gpt: the course GPT and its KV cache (the conversion to and from
transformers: tests/test_gpt_interop.py).

Cross-checks against code we did not write: transformers' GPT2LMHeadModel (loss, parameter
count, tied weights).
"""

import json
import math

import pytest
import torch

from helpers.gpt import GPT, GPTConfig, KVCache, lm_loss
from helpers.gpt_interop import to_transformers

SMALL = GPTConfig(vocab_size=97, context_length=24, n_layer=2, n_head=4, d_model=32)
CONFIGS = [
    SMALL,
    GPTConfig(vocab_size=300, context_length=40, n_layer=3, n_head=2, d_model=48, bias=False),
    GPTConfig(vocab_size=512, context_length=64, n_layer=4, n_head=8, d_model=64),
]


def _model(config: GPTConfig = SMALL, seed: int = 0) -> GPT:
    return GPT(config, seed=seed).eval()


def _scramble(model: torch.nn.Module, seed: int = 2) -> torch.nn.Module:
    """Give every parameter large random values (norm scales near 1), so activations reach the
    range where details matter: e.g. exact vs tanh GELU differ by up to ~5e-4 there, but not
    at GPT-2's small init."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            is_norm_scale = p.dim() == 1 and ".ln_" in name and name.endswith("weight")
            p.copy_(1.0 + 0.2 * noise if is_norm_scale else 0.3 * noise)
    return model


def _ids(config: GPTConfig, B: int, T: int, seed: int = 1) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, config.vocab_size, (B, T), generator=gen)


# ---------------------------------------------------------------------------------------------
# config


def test_config_round_trips_through_json():
    config = GPTConfig(vocab_size=300, context_length=40, n_layer=3, n_head=2, d_model=48)
    text = json.dumps(config.to_dict())
    assert GPTConfig.from_dict(json.loads(text)) == config
    assert config.head_dim == 24


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(d_model=30, n_head=4), ValueError, ["d_model", "n_head", "30", "4"]),
        (dict(vocab_size=0), ValueError, ["vocab_size", "integer >= 1"]),
        (dict(n_layer=-1), ValueError, ["n_layer"]),
        (dict(context_length=2.5), TypeError, ["context_length"]),
        (dict(n_head=True), TypeError, ["n_head"]),
        (dict(dropout=1.0), ValueError, ["dropout", "[0, 1)"]),
        (dict(dropout=-0.1), ValueError, ["dropout"]),
        (dict(bias=1), TypeError, ["bias"]),
    ],
)
def test_config_rejects_bad_values(kwargs, error, words):
    with pytest.raises(error) as err:
        GPTConfig(**kwargs)
    for word in words:
        assert word in str(err.value)


def test_config_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="n_embd"):
        GPTConfig.from_dict({"n_embd": 64})


# ---------------------------------------------------------------------------------------------
# the loss


def test_lm_loss_equals_transformers_loss():
    model = _model()
    hf = to_transformers(model)
    idx = _ids(SMALL, B=3, T=16)
    with torch.no_grad():
        ours = lm_loss(model(idx)[:, :-1], idx[:, 1:])  # predict token t+1 from tokens <= t
        theirs = hf(input_ids=idx, labels=idx).loss  # transformers shifts the labels itself
    assert torch.allclose(ours, theirs, atol=1e-5)
    uniform = torch.zeros(2, 5, 7)
    assert math.isclose(
        lm_loss(uniform, torch.zeros(2, 5, dtype=torch.long)).item(), math.log(7), rel_tol=1e-6
    )
    with pytest.raises(ValueError, match="targets"):
        lm_loss(uniform, torch.zeros(2, 4, dtype=torch.long))


# ---------------------------------------------------------------------------------------------
# causality and batching


def test_no_peeking_future_tokens_do_not_change_earlier_logits():
    model = _model()
    idx = _ids(SMALL, B=2, T=SMALL.context_length)
    with torch.no_grad():
        logits = model(idx)
        for t in (0, 5, SMALL.context_length - 2):
            changed = idx.clone()
            changed[:, t + 1 :] = (changed[:, t + 1 :] + 1) % SMALL.vocab_size
            new = model(changed)
            # exactly equal: masked positions contribute exactly zero weight
            assert torch.equal(new[:, : t + 1], logits[:, : t + 1])
            assert not torch.allclose(new[:, t + 1 :], logits[:, t + 1 :])


def test_batch_equals_rows_one_by_one():
    model = _model()
    idx = _ids(SMALL, B=4, T=17)
    with torch.no_grad():
        batch = model(idx)
        rows = torch.cat([model(idx[i : i + 1]) for i in range(4)])
    assert torch.allclose(batch, rows, atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------------------------
# KV cache


@pytest.mark.parametrize("chunks", [[1] * 24, [5, 1, 3, 1, 1, 8, 2, 3], [24], [1, 23]])
def test_kv_cache_matches_full_forward(chunks):
    model = _model()
    idx = _ids(SMALL, B=2, T=sum(chunks))
    cache = model.new_kv_cache(batch_size=2)
    buffers = [k.data_ptr() for k in cache.keys]
    with torch.no_grad():
        full = model(idx)
        parts, start = [], 0
        for size in chunks:
            assert cache.length == start
            parts.append(model(idx[:, start : start + size], kv_cache=cache))
            start += size
    assert cache.length == SMALL.context_length
    assert [k.data_ptr() for k in cache.keys] == buffers  # appended in place, no reallocation
    diff = (torch.cat(parts, dim=1) - full).abs().max().item()
    assert diff <= 1e-5, diff


def test_kv_cache_buffers_are_preallocated():
    cache = _model().new_kv_cache(batch_size=3)
    assert isinstance(cache, KVCache) and cache.length == 0
    assert len(cache.keys) == len(cache.values) == SMALL.n_layer
    assert cache.keys[0].shape == (3, SMALL.n_head, SMALL.context_length, SMALL.head_dim)
    assert cache.keys[0].dtype == torch.float32


def test_kv_cache_overflow_raises_and_leaves_the_cache_usable():
    model = _model()
    idx = _ids(SMALL, B=1, T=SMALL.context_length)
    cache = model.new_kv_cache(batch_size=1)
    with torch.no_grad():
        model(idx[:, :20], kv_cache=cache)
        with pytest.raises(ValueError, match="context_length=24"):
            model(idx[:, :5], kv_cache=cache)  # 20 + 5 > 24
        assert cache.length == 20
        last = model(idx[:, 20:], kv_cache=cache)  # the remaining 4 still fit
        assert torch.allclose(last, model(idx)[:, 20:], atol=1e-5)
        with pytest.raises(ValueError, match="context_length=24"):
            model(idx[:, :1], kv_cache=cache)
    cache.reset()
    assert cache.length == 0


def test_kv_cache_must_match_the_batch():
    model = _model()
    cache = model.new_kv_cache(batch_size=2)
    with pytest.raises(ValueError, match="batch_size=2"):
        model(_ids(SMALL, B=3, T=4), kv_cache=cache)
    with pytest.raises(ValueError, match="batch_size"):
        model.new_kv_cache(batch_size=0)
    with pytest.raises(TypeError, match="KVCache"):
        model(_ids(SMALL, B=1, T=4), kv_cache=[])


# ---------------------------------------------------------------------------------------------
# weights and parameter counts


def test_lm_head_is_tied_to_the_token_embedding():
    model = GPT(SMALL, seed=0)
    assert model.lm_head.weight is model.transformer.wte.weight
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    idx = _ids(SMALL, B=2, T=8)
    lm_loss(model(idx), idx).backward()
    opt.step()
    assert model.lm_head.weight is model.transformer.wte.weight
    hf = to_transformers(model)
    assert hf.lm_head.weight.data_ptr() == hf.transformer.wte.weight.data_ptr()


@pytest.mark.parametrize("bias", [True, False])
def test_parameter_count_matches_hand_formula(bias):
    V, L, n_layer, C = 300, 40, 3, 48
    model = GPT(GPTConfig(V, L, n_layer, n_head=4, d_model=C, bias=bias))
    b = 1 if bias else 0
    attention = (C * 3 * C + b * 3 * C) + (C * C + b * C)  # fused qkv + output projection
    mlp = (C * 4 * C + b * 4 * C) + (4 * C * C + b * C)
    norms = 2 * (C + b * C)
    expected = V * C + L * C + n_layer * (attention + mlp + norms) + (C + b * C)  # + final norm
    assert model.num_parameters() == expected
    assert model.num_parameters(exclude_position_embeddings=True) == expected - L * C
    parts = model.parameter_breakdown()
    assert parts == {
        "token_embedding": V * C,
        "position_embedding": L * C,
        "attention": n_layer * attention,
        "mlp": n_layer * mlp,
        "layer_norm": n_layer * norms + C + b * C,
        "lm_head": 0,
        "total": expected,
    }
    if bias:  # transformers counts the same (its tied head also counts once)
        assert to_transformers(model).num_parameters() == expected


def test_init_is_gpt2_style_and_seeded():
    config = GPTConfig(vocab_size=256, context_length=64, n_layer=8, n_head=4, d_model=128)
    before = torch.random.get_rng_state()
    a, b, c = GPT(config, seed=3), GPT(config, seed=3), GPT(config, seed=4)
    assert torch.equal(torch.random.get_rng_state(), before)  # the global RNG is untouched
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.transformer.wte.weight, c.transformer.wte.weight)
    block = a.transformer.h[0]
    assert abs(block.attn.c_attn.weight.std().item() - 0.02) < 0.001
    assert abs(block.mlp.c_proj.weight.std().item() - 0.02 / math.sqrt(16)) < 0.0005
    assert abs(block.attn.c_proj.weight.std().item() - 0.02 / math.sqrt(16)) < 0.0005
    assert torch.equal(block.attn.c_attn.bias, torch.zeros_like(block.attn.c_attn.bias))


def test_dropout_only_in_training_mode():
    config = GPTConfig(
        vocab_size=50, context_length=16, n_layer=2, n_head=2, d_model=16, dropout=0.2
    )
    model = GPT(config, seed=0)
    idx = _ids(config, B=2, T=16)
    with torch.no_grad():
        assert not torch.equal(model.train()(idx), model(idx))
        assert torch.equal(model.eval()(idx), model(idx))


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "idx, error, words",
    [
        (torch.tensor([[1, 97]]), ValueError, ["[0, 97)"]),
        (torch.tensor([[-1, 3]]), ValueError, ["[0, 97)"]),
        (torch.zeros(1, 25, dtype=torch.long), ValueError, ["context_length=24"]),
        (torch.zeros(5, dtype=torch.long), ValueError, ["2-D"]),
        (torch.zeros(1, 2, 3, dtype=torch.long), ValueError, ["2-D"]),
        (torch.zeros(1, 5), ValueError, ["torch.long"]),
        (torch.zeros(1, 0, dtype=torch.long), ValueError, ["at least one token"]),
        ([[1, 2, 3]], TypeError, ["torch.Tensor"]),
    ],
)
def test_bad_input_raises(idx, error, words):
    with pytest.raises(error) as err:
        _model()(idx)
    for word in words:
        assert word in str(err.value)


def test_gpt_needs_a_config():
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT({"vocab_size": 10})


def test_builds_on_the_meta_device_with_shapes_only():
    """Notebook 07 counts GPT-3-sized models on `meta`: shapes, no numbers allocated."""
    config = GPTConfig(vocab_size=1000, context_length=64, n_layer=3, n_head=4, d_model=64)
    with torch.device("meta"):
        shapes_only = GPT(config, seed=0)
    assert all(p.is_meta for p in shapes_only.parameters())
    assert shapes_only.lm_head.weight is shapes_only.transformer.wte.weight
    assert shapes_only.parameter_breakdown() == GPT(config, seed=0).parameter_breakdown()
    with torch.device("meta"):  # GPT-3's shape (Brown et al., 2020): "175 billion"
        gpt3 = GPT(GPTConfig(vocab_size=50257, context_length=2048, n_layer=96, n_head=96,
                             d_model=12288))  # fmt: skip
    assert round(gpt3.num_parameters() / 1e9, 1) == 174.6
