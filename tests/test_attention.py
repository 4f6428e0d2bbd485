"""helpers.attention, cross-checked against torch's own attention, MHA and encoder layer."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.attention import (
    FeedForward,
    LearnedPositionalEmbedding,
    MultiHeadAttention,
    TransformerBlock,
    causal_mask,
    copy_from_torch,
    merge_heads,
    scaled_dot_product_attention,
    sinusoidal_positions,
    split_heads,
    to_torch,
)

ATOL = 1e-5  # float32; measured differences vs torch are at most ~5e-7


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed))


def _random_mask(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """A random boolean mask (True = may attend) in which every query row keeps >= 1 key."""
    g = _gen(seed)
    mask = torch.rand(shape, generator=g) < 0.5
    keep = torch.randint(shape[-1], shape[:-1], generator=g)  # one key per row, always allowed
    mask.scatter_(-1, keep.unsqueeze(-1), True)
    return mask


# --------------------------------------------------------------- scaled dot-product attention

SHAPES = {  # name: (q shape, k shape, v shape)
    "no batch": ((5, 8), (5, 8), (5, 8)),
    "batch and heads": ((2, 3, 6, 16), (2, 3, 6, 16), (2, 3, 6, 16)),
    "T_q != T_k, d_v != d": ((2, 7, 8), (2, 5, 8), (2, 5, 4)),
    "three batch dims": ((2, 2, 3, 4, 8), (2, 2, 3, 4, 8), (2, 2, 3, 4, 6)),
}


@pytest.mark.parametrize("shapes", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("mask_kind", ["none", "causal", "random"])
def test_sdpa_matches_torch(shapes, mask_kind):
    q_shape, k_shape, v_shape = shapes
    q, k, v = _randn(*q_shape, seed=1), _randn(*k_shape, seed=2), _randn(*v_shape, seed=3)
    T_q, T_k = q_shape[-2], k_shape[-2]
    if mask_kind == "none":
        ours, _ = scaled_dot_product_attention(q, k, v)
        ref = F.scaled_dot_product_attention(q, k, v)
    elif mask_kind == "causal":
        # torch's is_causal aligns the triangle top-left when T_q != T_k
        mask = causal_mask(T_q) if T_q == T_k else torch.ones(T_q, T_k, dtype=torch.bool).tril()
        ours, _ = scaled_dot_product_attention(q, k, v, mask)
        ref = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # torch builds its own
    else:
        mask = _random_mask(q_shape[:-2] + (T_q, T_k))
        ours, _ = scaled_dot_product_attention(q, k, v, mask)
        ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert ours.shape == ref.shape == q_shape[:-1] + v_shape[-1:]
    torch.testing.assert_close(ours, ref, atol=ATOL, rtol=0)


def test_sdpa_broadcast_mask_matches_torch():
    q, k, v = _randn(2, 3, 6, 8, seed=1), _randn(2, 3, 6, 8, seed=2), _randn(2, 3, 6, 8, seed=3)
    mask = _random_mask((6, 6))  # (T_q, T_k), shared by every batch and head
    ours, weights = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, ref, atol=ATOL, rtol=0)
    assert weights.shape == (2, 3, 6, 6)


def test_sdpa_is_the_formula():
    """Written out once more by hand: softmax(q k^T / sqrt(d)) v."""
    q, k, v = _randn(4, 3, seed=1), _randn(4, 3, seed=2), _randn(4, 2, seed=3)
    out, weights = scaled_dot_product_attention(q, k, v)
    expected = torch.softmax(q @ k.T / math.sqrt(3), dim=-1)
    torch.testing.assert_close(weights, expected)
    torch.testing.assert_close(out, expected @ v)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "random"])
def test_weights_are_distributions_and_masked_weights_are_zero(mask_kind):
    q, k, v = _randn(2, 4, 7, 8, seed=1), _randn(2, 4, 7, 8, seed=2), _randn(2, 4, 7, 8, seed=3)
    mask = {"none": None, "causal": causal_mask(7), "random": _random_mask((2, 4, 7, 7))}[mask_kind]
    _, weights = scaled_dot_product_attention(q, k, v, mask)
    assert (weights >= 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4, 7))
    if mask is not None:
        assert (weights.masked_select(~mask.expand_as(weights)) == 0).all()  # exactly 0
        assert (weights.masked_select(mask.expand_as(weights)) > 0).all()


def test_fully_masked_row_gives_zeros_like_torch_sdpa():
    q = _randn(1, 3, 4, seed=1).requires_grad_()
    k, v = _randn(1, 5, 4, seed=2), _randn(1, 5, 2, seed=3)
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1] = False  # query 1 may attend to nothing
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert (weights[0, 1] == 0).all() and (out[0, 1] == 0).all()
    torch.testing.assert_close(weights[0, [0, 2]].sum(-1), torch.ones(2))
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)
    out.sum().backward()
    assert torch.isfinite(q.grad).all()


def test_torch_mha_gives_nan_for_a_fully_masked_row():
    """The claim in our docstring: nn.MultiheadAttention (need_weights=True) returns NaN."""
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = _randn(1, 4, 8)
    not_allowed = torch.zeros(4, 4, dtype=torch.bool)
    not_allowed[1] = True
    out, _ = mha(x, x, x, attn_mask=not_allowed)
    assert torch.isnan(out[0, 1]).all() and not torch.isnan(out[0, [0, 2, 3]]).any()
    ours = copy_from_torch(mha)(x, ~not_allowed)
    assert not torch.isnan(ours).any()


def test_causal_mask():
    expected = torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool)
    assert torch.equal(causal_mask(3), expected)
    assert torch.equal(causal_mask(1), torch.ones(1, 1, dtype=torch.bool))
    m = causal_mask(6)
    assert m.dtype == torch.bool and m.shape == (6, 6)
    i, j = torch.meshgrid(torch.arange(6), torch.arange(6), indexing="ij")
    assert torch.equal(m, j <= i)  # query i sees keys j <= i


# --------------------------------------------------------------- heads


def test_split_merge_heads_round_trip():
    x = _randn(2, 5, 12)
    h = split_heads(x, 3)
    assert h.shape == (2, 3, 5, 4)
    for head in range(3):  # head h holds channels 4h .. 4h + 3
        assert torch.equal(h[:, head], x[..., 4 * head : 4 * head + 4])
    assert torch.equal(merge_heads(h), x)
    y = _randn(2, 3, 5, 4, seed=1)
    assert torch.equal(split_heads(merge_heads(y), 3), y)


def _torch_and_ours(d=16, n_heads=4, bias=True, seed=0):
    torch.manual_seed(seed)
    mha = nn.MultiheadAttention(d, n_heads, bias=bias, batch_first=True).eval()
    if bias:  # torch initialises its biases to 0; make them count
        with torch.no_grad():
            mha.in_proj_bias.normal_()
            mha.out_proj.bias.normal_()
    return mha, copy_from_torch(mha).eval()


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("causal", [False, True])
def test_mha_matches_torch(causal, bias):
    mha, ours = _torch_and_ours(bias=bias)
    x = _randn(3, 7, 16, seed=1)
    mask = causal_mask(7) if causal else None
    not_allowed = None if mask is None else ~mask  # torch's nn.MultiheadAttention: True = blocked
    with torch.no_grad():
        ref, ref_avg = mha(x, x, x, attn_mask=not_allowed)  # weights averaged over heads
        _, ref_heads = mha(x, x, x, attn_mask=not_allowed, average_attn_weights=False)
        out, weights = ours(x, mask, need_weights=True)
        fast = ours(x, mask)  # need_weights=False: torch's fused kernel
    assert out.shape == (3, 7, 16) and weights.shape == (3, 4, 7, 7)
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)
    torch.testing.assert_close(fast, ref, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights, ref_heads, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights.mean(dim=1), ref_avg, atol=ATOL, rtol=0)


def test_torch_mha_mask_convention_is_the_opposite():
    """Passing our mask (True = may attend) to nn.MultiheadAttention unchanged is a bug."""
    mha, ours = _torch_and_ours()
    x = _randn(2, 6, 16, seed=1)
    mask = causal_mask(6)
    with torch.no_grad():
        right = mha(x, x, x, attn_mask=~mask)[0]
        wrong = mha(x, x, x, attn_mask=mask)[0]
        sdpa_style = ours(x, mask)
    torch.testing.assert_close(sdpa_style, right, atol=ATOL, rtol=0)
    # the unchanged mask lets token t see only the future, the last token sees nothing (NaN)
    assert (sdpa_style[:, :-1] - wrong[:, :-1]).abs().max() > 0.1
    assert torch.isnan(wrong[:, -1]).all()


def test_mha_cross_attention_and_padding_match_torch():
    mha, ours = _torch_and_ours()
    x, context = _randn(2, 5, 16, seed=1), _randn(2, 9, 16, seed=2)
    keep = torch.ones(2, 9, dtype=torch.bool)
    keep[0, 6:] = False  # the first context sequence is padded after 6 tokens
    with torch.no_grad():
        ref, ref_avg = mha(x, context, context, key_padding_mask=~keep)  # True = padding
        out, weights = ours(x, keep[:, None, None, :], need_weights=True, context=context)
    assert out.shape == (2, 5, 16) and weights.shape == (2, 4, 5, 9)
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)
    torch.testing.assert_close(weights.mean(1), ref_avg, atol=ATOL, rtol=0)
    assert (weights[0, :, :, 6:] == 0).all()


def test_to_torch_inverts_copy_from_torch():
    torch.manual_seed(0)
    ours = MultiHeadAttention(16, 4).eval()
    mha = to_torch(ours).eval()
    again = copy_from_torch(mha)
    for (name, a), (_, b) in zip(ours.named_parameters(), again.named_parameters(), strict=True):
        assert torch.equal(a, b), name
    x = _randn(2, 5, 16, seed=1)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), mha(x, x, x)[0], atol=ATOL, rtol=0)


def test_mha_parameter_count_matches_torch():
    for bias in (True, False):
        ours = MultiHeadAttention(32, 4, bias=bias)
        mha = nn.MultiheadAttention(32, 4, bias=bias)
        assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in mha.parameters())


def test_mha_dropout_only_in_training():
    torch.manual_seed(0)
    attn = MultiHeadAttention(16, 4, dropout=0.5)
    x = _randn(2, 5, 16, seed=1)
    attn.eval()
    assert torch.equal(attn(x), attn(x))
    attn.train()
    assert not torch.equal(attn(x), attn(x))


# --------------------------------------------------------------- word order and positions


def test_attention_without_positions_is_permutation_equivariant():
    torch.manual_seed(0)
    attn = MultiHeadAttention(16, 4).eval()
    block = TransformerBlock(16, 4).eval()
    x = _randn(2, 8, 16, seed=1)
    perm = torch.randperm(8, generator=_gen(2))
    with torch.no_grad():
        for f in (attn, block):
            torch.testing.assert_close(f(x[:, perm]), f(x)[:, perm], atol=ATOL, rtol=0)
            # ... and with positions added, the order of the words matters
            pe = sinusoidal_positions(8, 16)
            diff = (f(x[:, perm] + pe) - f(x + pe)[:, perm]).abs().max()
            assert diff > 1e-2


def test_sinusoidal_positions_match_the_formula():
    T, d = 50, 16
    pe = sinusoidal_positions(T, d)
    assert pe.shape == (T, d) and pe.dtype == torch.float32
    expected = np.zeros((T, d))
    for pos in range(T):
        for i in range(d // 2):
            expected[pos, 2 * i] = np.sin(pos / 10000 ** (2 * i / d))
            expected[pos, 2 * i + 1] = np.cos(pos / 10000 ** (2 * i / d))
    np.testing.assert_allclose(pe.numpy(), expected, atol=1e-5, rtol=0)
    assert torch.equal(pe[0], torch.tensor([0.0, 1.0] * (d // 2)))  # sin 0, cos 0
    assert pe[:, 0].tolist() == pytest.approx(np.sin(np.arange(T)).tolist(), abs=1e-5)


def test_learned_positional_embedding():
    torch.manual_seed(0)
    pos = LearnedPositionalEmbedding(max_len=10, d_model=8)
    x = _randn(3, 6, 8, seed=1)
    out = pos(x)
    assert torch.equal(out, x + pos.embedding.weight[:6])
    assert pos(_randn(1, 10, 8)).shape == (1, 10, 8)  # exactly max_len is fine
    with pytest.raises(ValueError, match="T=11 exceeds max_len=10"):
        pos(_randn(1, 11, 8))


# --------------------------------------------------------------- the block


def test_feed_forward_is_linear_gelu_linear():
    torch.manual_seed(0)
    ffn = FeedForward(8)
    assert ffn.fc.out_features == 32  # d_ff defaults to 4 * d_model
    x = _randn(2, 3, 8, seed=1)
    expected = F.linear(F.gelu(F.linear(x, ffn.fc.weight, ffn.fc.bias)), *ffn.proj.parameters())
    torch.testing.assert_close(ffn(x), expected)


def test_block_shape_and_parameter_count():
    d, d_ff = 32, 48
    block = TransformerBlock(d, 4, d_ff=d_ff)
    assert block(_randn(2, 9, d)).shape == (2, 9, d)
    attn = 4 * (d * d + d)  # q, k, v, out projections
    ffn = d * d_ff + d_ff + d_ff * d + d
    norms = 2 * 2 * d  # two LayerNorms, weight and bias each
    assert sum(p.numel() for p in block.parameters()) == attn + ffn + norms


def _torch_encoder_layer_and_ours(d=16, n_heads=4, d_ff=24, causal=False):
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(
        d, n_heads, d_ff, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).eval()
    with torch.no_grad():  # torch initialises these biases to 0 and norms to 1; make them count
        layer.self_attn.in_proj_bias.normal_()
        layer.self_attn.out_proj.bias.normal_()
        for norm in (layer.norm1, layer.norm2):
            norm.weight.normal_()
            norm.bias.normal_()
    block = TransformerBlock(d, n_heads, d_ff=d_ff, causal=causal).eval()
    block.attn = copy_from_torch(layer.self_attn).eval()
    block.ln1.load_state_dict(layer.norm1.state_dict())
    block.ln2.load_state_dict(layer.norm2.state_dict())
    block.ffn.fc.load_state_dict(layer.linear1.state_dict())
    block.ffn.proj.load_state_dict(layer.linear2.state_dict())
    return layer, block


@pytest.mark.parametrize("causal", [False, True])
def test_block_matches_torch_pre_norm_encoder_layer(causal):
    layer, block = _torch_encoder_layer_and_ours(causal=causal)
    x = _randn(2, 7, 16, seed=1)
    with torch.no_grad():
        ref = layer(x, src_mask=~causal_mask(7) if causal else None)  # True = blocked
        out = block(x)
    torch.testing.assert_close(out, ref, atol=ATOL, rtol=0)


def test_causal_block_does_not_peek():
    torch.manual_seed(0)
    causal, full = TransformerBlock(16, 4, causal=True).eval(), TransformerBlock(16, 4).eval()
    x = _randn(2, 8, 16, seed=1)
    changed = x.clone()
    changed[:, 5:] = _randn(2, 3, 16, seed=2)  # new tokens 5, 6, 7
    with torch.no_grad():
        torch.testing.assert_close(causal(changed)[:, :5], causal(x)[:, :5], atol=1e-6, rtol=0)
        assert (causal(changed)[:, 5:] - causal(x)[:, 5:]).abs().max() > 1e-2
        # without the mask, earlier tokens do see the change
        assert (full(changed)[:, :5] - full(x)[:, :5]).abs().max() > 1e-2


def test_block_with_padding_mask_and_causal():
    torch.manual_seed(0)
    block = TransformerBlock(16, 4, causal=True).eval()
    x = _randn(2, 6, 16, seed=1)
    keep = torch.ones(2, 6, dtype=torch.bool)
    keep[0, 2] = False  # nobody may attend to token 2 of sequence 0
    with torch.no_grad():
        out = block(x, keep[:, None, None, :])
        changed = x.clone()
        changed[0, 2] = 10.0
        out_changed = block(changed, keep[:, None, None, :])
    # other tokens do not see token 2 (its own output changes through the residual path)
    others = [0, 1, 3, 4, 5]
    torch.testing.assert_close(out_changed[0, others], out[0, others], atol=1e-6, rtol=0)


@pytest.mark.parametrize("causal", [False, True])
def test_block_is_identity_when_sublayers_output_zero(causal):
    torch.manual_seed(0)
    block = TransformerBlock(16, 4, causal=causal).eval()
    x = _randn(2, 5, 16, seed=1)
    with torch.no_grad():
        assert (block(x) - x).abs().max() > 1e-2
        for proj in (block.attn.out_proj, block.ffn.proj):
            proj.weight.zero_()
            proj.bias.zero_()
        assert torch.equal(block(x), x)


# --------------------------------------------------------------- bad input


def _qkv(q=(2, 4, 8), k=(2, 4, 8), v=(2, 4, 8)):
    return torch.zeros(q), torch.zeros(k), torch.zeros(v)


BAD_INPUT = {
    "sdpa: q, k different d": (
        lambda: scaled_dot_product_attention(*_qkv(k=(2, 4, 6))),
        ValueError,
        r"same last dim d, got q \(2, 4, 8\), k \(2, 4, 6\)",
    ),
    "sdpa: k, v different T_k": (
        lambda: scaled_dot_product_attention(*_qkv(v=(2, 5, 8))),
        ValueError,
        r"same number of keys T_k.*v \(2, 5, 8\)",
    ),
    "sdpa: 1-D q": (
        lambda: scaled_dot_product_attention(*_qkv(q=(8,))),
        ValueError,
        r"at least 2 dims.*q \(8,\)",
    ),
    "sdpa: batch dims do not broadcast": (
        lambda: scaled_dot_product_attention(*_qkv(q=(3, 4, 8))),
        ValueError,
        r"must broadcast, got q \(3, 4, 8\), k \(2, 4, 8\)",
    ),
    "sdpa: mask of the wrong shape": (
        lambda: scaled_dot_product_attention(*_qkv(), torch.ones(4, 5, dtype=torch.bool)),
        ValueError,
        r"mask of shape \(4, 5\) does not broadcast .* \(2, 4, 4\)",
    ),
    "sdpa: mask with too many dims": (
        lambda: scaled_dot_product_attention(*_qkv(), torch.ones(3, 2, 4, 4, dtype=torch.bool)),
        ValueError,
        r"mask of shape \(3, 2, 4, 4\)",
    ),
    "sdpa: float mask": (
        lambda: scaled_dot_product_attention(*_qkv(), torch.ones(4, 4)),
        TypeError,
        "mask must be a bool tensor.*float32",
    ),
    "causal_mask: T = 0": (lambda: causal_mask(0), ValueError, "T must be an integer >= 1, got 0"),
    "causal_mask: T float": (lambda: causal_mask(2.0), TypeError, "T must be an integer"),
    "split_heads: C % n_heads": (
        lambda: split_heads(torch.zeros(2, 3, 10), 4),
        ValueError,
        "C=10 must be divisible by n_heads=4",
    ),
    "split_heads: 2-D x": (
        lambda: split_heads(torch.zeros(3, 8), 2),
        ValueError,
        r"\(B, T, C\), got shape \(3, 8\)",
    ),
    "merge_heads: 3-D x": (
        lambda: merge_heads(torch.zeros(2, 3, 8)),
        ValueError,
        r"got shape \(2, 3, 8\)",
    ),
    "MHA: d_model % n_heads": (
        lambda: MultiHeadAttention(10, 4),
        ValueError,
        "d_model=10 must be divisible by n_heads=4",
    ),
    "MHA: n_heads = 0": (
        lambda: MultiHeadAttention(8, 0),
        ValueError,
        "n_heads must be an integer >= 1",
    ),
    "MHA: dropout = 1": (
        lambda: MultiHeadAttention(8, 2, dropout=1.0),
        ValueError,
        r"dropout must be in \[0, 1\), got 1.0",
    ),
    "MHA: x with the wrong width": (
        lambda: MultiHeadAttention(8, 2)(torch.zeros(2, 3, 6)),
        ValueError,
        r"x must have shape \(B, T, d_model=8\), got shape \(2, 3, 6\)",
    ),
    "MHA: context batch mismatch": (
        lambda: MultiHeadAttention(8, 2)(torch.zeros(2, 3, 8), context=torch.zeros(3, 5, 8)),
        ValueError,
        r"same batch size, got shapes \(2, 3, 8\) and \(3, 5, 8\)",
    ),
    "MHA: mask of the wrong shape (fast path too)": (
        lambda: MultiHeadAttention(8, 2)(torch.zeros(2, 3, 8), causal_mask(4)),
        ValueError,
        r"mask of shape \(4, 4\) does not broadcast .* \(2, 2, 3, 3\)",
    ),
    "MHA: float mask (fast path too)": (
        lambda: MultiHeadAttention(8, 2)(torch.zeros(2, 3, 8), torch.zeros(3, 3)),
        TypeError,
        "mask must be a bool tensor",
    ),
    "copy_from_torch: not an nn.MultiheadAttention": (
        lambda: copy_from_torch(nn.Linear(4, 4)),
        TypeError,
        "must be a torch.nn.MultiheadAttention, got Linear",
    ),
    "copy_from_torch: kdim != embed_dim": (
        lambda: copy_from_torch(nn.MultiheadAttention(8, 2, kdim=4, vdim=4)),
        ValueError,
        "kdim = vdim = embed_dim",
    ),
    "copy_from_torch: add_bias_kv": (
        lambda: copy_from_torch(nn.MultiheadAttention(8, 2, add_bias_kv=True)),
        ValueError,
        "add_bias_kv=False",
    ),
    "to_torch: not ours": (
        lambda: to_torch(nn.MultiheadAttention(8, 2)),
        TypeError,
        "attn must be a MultiHeadAttention",
    ),
    "sinusoidal: odd d_model": (
        lambda: sinusoidal_positions(4, 7),
        ValueError,
        "d_model must be even.*got 7",
    ),
    "sinusoidal: T = 0": (
        lambda: sinusoidal_positions(0, 8),
        ValueError,
        "T must be an integer >= 1",
    ),
    "learned positions: max_len = 0": (
        lambda: LearnedPositionalEmbedding(0, 8),
        ValueError,
        "max_len must be an integer >= 1, got 0",
    ),
    "learned positions: wrong width": (
        lambda: LearnedPositionalEmbedding(4, 8)(torch.zeros(1, 2, 6)),
        ValueError,
        r"d_model=8\), got shape \(1, 2, 6\)",
    ),
    "FeedForward: d_ff = 0": (
        lambda: FeedForward(8, d_ff=0),
        ValueError,
        "d_ff must be an integer >= 1",
    ),
    "TransformerBlock: d_model % n_heads": (
        lambda: TransformerBlock(10, 3),
        ValueError,
        "d_model=10 must be divisible by n_heads=3",
    ),
}


@pytest.mark.parametrize("call, error, message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
