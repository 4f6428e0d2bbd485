"""Exercises of notebook 05: multi-head attention and the transformer block."""

import math

import torch
from torch import nn

from helpers.attention import MultiHeadAttention, causal_mask, sinusoidal_positions, split_heads
from helpers.exercises import ComponentCase, Mistake, component, exercise


def _split_cases():
    g = torch.Generator().manual_seed(6)
    return [
        (torch.randn(2, 5, 12, generator=g), 3),
        (torch.randn(1, 4, 8, generator=g), 2),
        (torch.randn(3, 7, 16, generator=g), 4),
    ]


def _no_transpose(x, n_heads):
    B, T, C = x.shape
    return x.reshape(B, T, n_heads, C // n_heads)


def _straight_reshape(x, n_heads):
    B, T, C = x.shape
    return x.reshape(B, n_heads, T, C // n_heads)


def _interleaved(x, n_heads):
    B, T, C = x.shape
    return x.reshape(B, T, C // n_heads, n_heads).permute(0, 3, 1, 2)


@exercise(
    "05.split_heads",
    cases=_split_cases,
    mistakes=[
        Mistake(
            _no_transpose,
            "the heads are not in front of T yet: after view(B, T, n_heads, hs) call "
            "transpose(1, 2)",
        ),
        Mistake(
            _straight_reshape,
            "a straight reshape to (B, n_heads, T, hs) mixes the tokens' channels: view as "
            "(B, T, n_heads, hs) first, then transpose(1, 2)",
        ),
        Mistake(
            _interleaved,
            "head h must get the consecutive channels h*hs .. (h+1)*hs - 1, not every "
            "n_heads-th channel",
        ),
    ],
)
def split_heads_reference(x, n_heads):
    """Exercise 05: (B, T, C) -> (B, n_heads, T, C // n_heads)."""
    return split_heads(x, n_heads)


def _pe(T, d_model, exponent, even=torch.sin, odd=torch.cos, multiply=False):
    pos = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    freq = 10000.0 ** exponent(torch.arange(d_model // 2, dtype=torch.float64), d_model)
    angle = pos * freq if multiply else pos / freq  # (T, d_model / 2)
    pe = torch.zeros(T, d_model, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = even(angle), odd(angle)
    return pe.float()


def _two_i(i, d):
    return 2 * i / d


def _channel_index(T, d_model):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    j = torch.arange(d_model, dtype=torch.float64)  # every channel its own frequency
    angle = pos / 10000.0 ** (j / d_model)
    pe = torch.where(j.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return pe.float()


@exercise(
    "05.positional_encoding",
    cases=lambda: [(8, 4), (16, 8), (50, 32)],
    mistakes=[
        Mistake(
            lambda T, d: _pe(T, d, _two_i, even=torch.cos, odd=torch.sin),
            "sin and cos are swapped: sin goes in the even channels 0, 2, 4, ...",
        ),
        Mistake(
            lambda T, d: _pe(T, d, lambda i, d: i / d),
            "the exponent must be 2i / d_model (i counts channel pairs), not i / d_model",
        ),
        Mistake(
            _channel_index,
            "channels 2i and 2i+1 share one frequency: use the pair index i in 10000^(2i/d_model)",
        ),
        Mistake(
            lambda T, d: _pe(T, d, _two_i, odd=torch.sin),
            "the odd channels use cos, not sin",
        ),
        Mistake(
            lambda T, d: _pe(T, d, _two_i, multiply=True),
            "divide the position by 10000^(2i/d_model), do not multiply",
        ),
    ],
)
def positional_encoding(T, d_model):
    """Exercise 05: the (T, d_model) sinusoidal encodings; sin on even, cos on odd channels."""
    return sinusoidal_positions(T, d_model)


# --------------------------------------------------------------------------- 05.layer_norm


def _layer_norm_reference(d_model: int, eps: float, seed: int) -> nn.LayerNorm:
    """nn.LayerNorm with a random learned scale and shift (not 1 and 0), on its own RNG."""
    g = torch.Generator().manual_seed(seed)
    ln = nn.LayerNorm(d_model, eps=eps)
    with torch.no_grad():
        ln.weight.copy_(1 + 0.5 * torch.randn(d_model, generator=g))
        ln.bias.copy_(0.5 * torch.randn(d_model, generator=g))
    return ln


def _layer_norm_cases():
    g = torch.Generator().manual_seed(5)
    flat = torch.randn(4, 8, generator=g)
    flat[1] = 2.5  # a constant vector: variance 0, only eps keeps the division finite
    return [
        ComponentCase(
            _layer_norm_reference(64, 1e-5, 0),
            (64, 1e-5),
            (3 + 5 * torch.randn(2, 5, 64, generator=g),),
            "64 channels, mean ~3, std ~5",
        ),
        ComponentCase(
            _layer_norm_reference(16, 1e-5, 1),
            (16, 1e-5),
            (1e-3 * torch.randn(3, 4, 16, generator=g),),
            "tiny values, std ~0.001, where eps matters",
        ),
        ComponentCase(
            _layer_norm_reference(8, 0.1, 2),
            (8, 0.1),
            (flat,),
            "eps = 0.1, one vector with all numbers equal",
        ),
    ]


def _normalised(x, dim=-1, unbiased=False, eps=1e-5, eps_inside=True, centre=True, power=0.5):
    """(x - mean) / sqrt(var + eps) over `dim`, with the switches of the typical mistakes."""
    mean = x.mean(dim=dim, keepdim=True) if centre else 0.0
    var = x.var(dim=dim, keepdim=True, unbiased=unbiased)
    if eps_inside:
        return (x - mean) / (var + eps) ** power
    return (x - mean) / (var**power + eps)


def _affine(ln, normalised):
    return normalised * ln.weight + ln.bias


@component(
    "05.layer_norm",
    cases=_layer_norm_cases,
    mistakes=[
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, unbiased=True, eps=ln.eps)),
            "that is the unbiased variance (it divides by C - 1, the default of torch.var and "
            "torch.std); layer norm divides by C: x.var(dim=-1, keepdim=True, unbiased=False)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, eps=ln.eps, eps_inside=False)),
            "eps goes inside the square root: (x - mean) / sqrt(var + eps), not / (std + eps)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, eps=0.0)),
            "eps is missing: divide by sqrt(var + self.eps), so a (nearly) constant vector "
            "does not divide by (nearly) 0",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, eps=1e-5)),
            "eps is fixed at 1e-5: use the layer's own self.eps (here it is 0.1)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, dim=0, eps=ln.eps)),
            "normalised over the batch (dim 0): each vector is normalised over its own "
            "channels, the last dimension (dim=-1)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, dim=-2, eps=ln.eps)),
            "normalised over the tokens (dim -2): each vector is normalised over its own "
            "channels, the last dimension (dim=-1)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, dim=tuple(range(x.dim())), eps=ln.eps)),
            "normalised the whole tensor with one mean and one variance: each vector gets its "
            "own, over the last dimension (dim=-1, keepdim=True)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, eps=ln.eps, power=1.0)),
            "divided by the variance: divide by the standard deviation, sqrt(var + eps)",
        ),
        Mistake(
            lambda ln, x: _affine(ln, _normalised(x, eps=ln.eps, centre=False)),
            "the mean was not subtracted: (x - mean) / sqrt(var + eps)",
        ),
        Mistake(
            lambda ln, x: _normalised(x, eps=ln.eps),
            "the learned scale and shift are missing: multiply by self.weight, then add self.bias",
        ),
        Mistake(
            lambda ln, x: _normalised(x, eps=ln.eps) * ln.weight,
            "self.bias was not added after scaling by self.weight",
        ),
        Mistake(
            lambda ln, x: _normalised(x, eps=ln.eps) + ln.bias,
            "the normalised x was not multiplied by self.weight before adding self.bias",
        ),
    ],
    error_hints=[
        (
            "must match the size of tensor",
            "keep the statistics' last dimension, so they broadcast against x: "
            "x.mean(dim=-1, keepdim=True)",
        )
    ],
)
class LayerNormSolution(nn.Module):
    """Exercise 05: layer norm from scratch, equal to nn.LayerNorm(d_model, eps)."""

    def __init__(self, d_model, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d_model))  # learned scale, one per channel
        self.bias = nn.Parameter(torch.zeros(d_model))  # learned shift, one per channel

    def forward(self, x):
        """x (..., d_model) -> the same shape, each vector normalised over its channels."""
        mean = x.mean(dim=-1, keepdim=True)  # (..., 1)
        var = x.var(dim=-1, keepdim=True, unbiased=False)  # (..., 1), divides by C
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias


# ------------------------------------------------------------------- 05.multi_head_attention


def _attention_reference(d_model: int, n_heads: int, seed: int) -> MultiHeadAttention:
    """The course's MultiHeadAttention with random weights large enough for sharp attention."""
    g = torch.Generator().manual_seed(seed)
    attn = MultiHeadAttention(d_model, n_heads).eval()
    with torch.no_grad():
        for name, p in attn.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.1 if name.endswith("bias") else 0.3))
    return attn


def _attention_cases():
    g = torch.Generator().manual_seed(5)
    x, x_other = torch.randn(2, 5, 32, generator=g), torch.randn(1, 6, 24, generator=g)
    return [
        ComponentCase(_attention_reference(32, 4, 0), (32, 4), (x,), "4 heads, no mask"),
        ComponentCase(
            _attention_reference(32, 4, 0), (32, 4), (x, causal_mask(5)), "4 heads, causal mask"
        ),
        ComponentCase(
            _attention_reference(24, 3, 1),
            (24, 3),
            (x_other, causal_mask(6)),
            "3 heads, causal mask",
        ),
        ComponentCase(_attention_reference(24, 2, 2), (24, 2), (x_other,), "2 heads, no mask"),
    ]


def _attention(
    m,
    x,
    mask=None,
    scale="sqrt head_dim",
    softmax_dim=-1,
    masking="before softmax",
    split="view, transpose",
    merge="transpose, reshape",
    out_proj=True,
):
    """Multi-head attention written out, with the switches of the typical mistakes."""
    B, T, C = x.shape
    nh, hs = m.n_heads, m.head_dim
    if split == "view, transpose":
        q, k, v = (p(x).view(B, T, nh, hs).transpose(1, 2) for p in (m.q_proj, m.k_proj, m.v_proj))
    else:  # a straight reshape to (B, nh, T, hs)
        q, k, v = (p(x).reshape(B, nh, T, hs) for p in (m.q_proj, m.k_proj, m.v_proj))
    divisor = {"sqrt head_dim": hs**0.5, "head_dim": hs, "sqrt d_model": C**0.5, "none": 1}[scale]
    scores = q @ k.transpose(-2, -1) / divisor  # (B, nh, T, T)
    if mask is not None and masking == "before softmax":
        scores = scores.masked_fill(~mask, float("-inf"))
    elif mask is not None and masking == "zero":
        scores = scores.masked_fill(~mask, 0.0)
    elif mask is not None and masking == "inverted":
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=softmax_dim)
    if mask is not None and masking == "after softmax":
        weights = weights * mask
    out = weights @ v  # (B, nh, T, hs)
    if merge == "transpose, reshape":
        out = out.transpose(1, 2).reshape(B, T, C)
    else:  # straight reshape: mixes heads and tokens
        out = out.reshape(B, T, C)
    return m.out_proj(out) if out_proj else out


@component(
    "05.multi_head_attention",
    cases=_attention_cases,
    mistakes=[
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, scale="none"),
            "the scores were not scaled: divide q @ k^T by sqrt(head_dim) before the softmax",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, scale="head_dim"),
            "the scores were divided by head_dim: divide by its square root, sqrt(head_dim)",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, scale="sqrt d_model"),
            "the scores were divided by sqrt(d_model): each head's dot products have "
            "head_dim terms, so divide by sqrt(self.head_dim)",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, softmax_dim=-2),
            "the softmax ran over the queries (dim=-2): each query's row of weights, over "
            "the keys (dim=-1), must sum to 1",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, None),
            "the mask was ignored: where mask is False, set the scores to -inf before the softmax",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, masking="after softmax"),
            "the mask was applied after the softmax, so the weights no longer sum to 1: set "
            "the masked scores to -inf, then take the softmax",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, masking="zero"),
            "masked scores were set to 0, and exp(0) = 1 still gets weight: use -inf",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, masking="inverted"),
            "the mask is inverted: True means 'may attend', so fill the scores where it is "
            "False (~mask)",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, split="reshape"),
            "the heads were split with a straight reshape to (B, n_heads, T, head_dim), which "
            "mixes tokens: view as (B, T, n_heads, head_dim), then transpose(1, 2)",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, merge="reshape"),
            "the heads were merged in the wrong order: (B, n_heads, T, head_dim) must become "
            "(B, T, n_heads, head_dim) first (transpose(1, 2)), then (B, T, C)",
        ),
        Mistake(
            lambda m, x, mask=None: _attention(m, x, mask, out_proj=False),
            "the output projection is missing: the merged heads go through self.out_proj",
        ),
    ],
    error_hints=[
        (
            "view size is not compatible",
            "after a transpose the tensor is no longer contiguous in memory: use "
            ".reshape(...) instead of .view(...)",
        )
    ],
)
class MultiHeadAttentionSolution(nn.Module):
    """Exercise 05: multi-head self-attention with the projections of MultiHeadAttention."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)  # queries for all heads at once
        self.k_proj = nn.Linear(d_model, d_model)  # keys
        self.v_proj = nn.Linear(d_model, d_model)  # values
        self.out_proj = nn.Linear(d_model, d_model)  # mixes the heads' outputs

    def forward(self, x, mask=None):
        """x (B, T, C), mask (T, T) bool (True = may attend) or None -> (B, T, C)."""
        B, T, C = x.shape
        q, k, v = (
            proj(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)  # (B, nh, T, hs)
            for proj in (self.q_proj, self.k_proj, self.v_proj)
        )
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, nh, T, T)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # each query's row sums to 1
        out = (weights @ v).transpose(1, 2).reshape(B, T, C)  # (B, nh, T, hs) -> (B, T, C)
        return self.out_proj(out)
