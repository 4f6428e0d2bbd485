"""Exercises of notebook 06: the transformer translator (encoder-decoder, no RNN)."""

import math

import torch
from torch import nn

from helpers.exercises import ComponentCase, Mistake, component
from helpers.transformer_translator import CrossAttention

# --------------------------------------------------------------------------- 06.cross_attention


def _cross_reference(d_model: int, n_heads: int, seed: int) -> CrossAttention:
    """The translator's CrossAttention with random weights large enough for sharp attention."""
    g = torch.Generator().manual_seed(seed)
    attn = CrossAttention(d_model, n_heads).eval()
    with torch.no_grad():
        for name, p in attn.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.1 if name.endswith("bias") else 0.3))
    return attn


def _real_words(lengths: list[int], S: int) -> torch.Tensor:
    """(B, S) bool: True at the first lengths[b] positions of row b (right padding)."""
    return torch.arange(S)[None, :] < torch.tensor(lengths)[:, None]


def _cross_cases():
    g = torch.Generator().manual_seed(6)
    x, memory = torch.randn(2, 5, 32, generator=g), torch.randn(2, 7, 32, generator=g)
    x3, memory3 = torch.randn(3, 4, 24, generator=g), torch.randn(3, 6, 24, generator=g)
    x_long, memory_short = torch.randn(1, 8, 16, generator=g), torch.randn(1, 3, 16, generator=g)
    return [
        ComponentCase(
            _cross_reference(32, 4, 0), (32, 4), (x, memory), "5 output positions, 7 source words"
        ),
        ComponentCase(
            _cross_reference(32, 4, 0),
            (32, 4),
            (x, memory, _real_words([7, 4], 7)),
            "the second source sentence padded after 4 words",
        ),
        ComponentCase(
            _cross_reference(24, 3, 1),
            (24, 3),
            (x3, memory3, _real_words([6, 2, 5], 6)),
            "3 heads, three source sentences of 6, 2 and 5 words",
        ),
        ComponentCase(
            _cross_reference(16, 2, 2),
            (16, 2),
            (x_long, memory_short),
            "8 output positions, 3 source words",
        ),
    ]


def _cross(
    m,
    x,
    memory,
    memory_mask=None,
    queries="decoder",
    keys_values="memory",
    scale="sqrt head_dim",
    causal=False,
    masking="before softmax",
    softmax_dim=-1,
    merge="transpose, reshape",
    out_proj=True,
):
    """Cross-attention written out, with the switches of the typical mistakes."""
    nh, hs = m.n_heads, m.head_dim
    q_in = x if queries == "decoder" else memory
    kv_in = memory if keys_values == "memory" else x
    if queries != "decoder":  # swapped: the decoder's words become the keys and values
        kv_in = x

    def heads(t, proj):
        B, L, C = t.shape
        return proj(t).view(B, L, nh, hs).transpose(1, 2)  # (B, nh, L, hs)

    q, k, v = heads(q_in, m.q_proj), heads(kv_in, m.k_proj), heads(kv_in, m.v_proj)
    B, T, C = q_in.shape
    divisor = {"sqrt head_dim": math.sqrt(hs), "none": 1.0, "sqrt d_model": math.sqrt(C)}[scale]
    scores = q @ k.transpose(-2, -1) / divisor  # (B, nh, T, S)
    keep = None
    if memory_mask is not None and memory_mask.shape[-1] == k.shape[-2]:
        keep = memory_mask[:, None, None, :]  # (B, 1, 1, S)
    if causal:
        tri = torch.ones(scores.shape[-2:], dtype=torch.bool).tril()  # (T, S)
        keep = tri if keep is None else keep & tri
    if keep is not None and masking == "before softmax":
        scores = scores.masked_fill(~keep, float("-inf"))
    elif keep is not None and masking == "inverted":
        scores = scores.masked_fill(keep, float("-inf"))
    weights = torch.softmax(scores, dim=softmax_dim)
    if keep is not None and masking == "after softmax":
        weights = weights * keep
    out = weights @ v  # (B, nh, T, hs)
    out = (
        out.transpose(1, 2).reshape(B, T, C)
        if merge == "transpose, reshape"
        else out.reshape(B, T, C)
    )
    return m.out_proj(out) if out_proj else out


def _mistake(**switches):
    return lambda m, x, memory, memory_mask=None: _cross(m, x, memory, memory_mask, **switches)


@component(
    "06.cross_attention",
    cases=_cross_cases,
    expected=lambda reference, *inputs: reference(*inputs)[0],  # the output, not the weights
    mistakes=[
        Mistake(
            _mistake(causal=True),
            "a causal mask hides later source words, but the whole source sentence is known "
            "before decoding starts: cross-attention hides only the source padding",
        ),
        Mistake(
            _mistake(queries="memory"),
            "queries and keys are swapped: the queries come from the decoder (q_proj(x)), "
            "the keys and values from the encoder (k_proj(memory), v_proj(memory)); the output "
            "has one vector per decoder position",
        ),
        Mistake(
            _mistake(keys_values="decoder"),
            "the keys and values came from x, which makes it self-attention: in "
            "cross-attention they come from the encoder's memory (k_proj(memory), "
            "v_proj(memory))",
        ),
        Mistake(
            _mistake(scale="none"),
            "the scores were not scaled: divide q @ k^T by sqrt(head_dim) before the softmax",
        ),
        Mistake(
            _mistake(scale="sqrt d_model"),
            "the scores were divided by sqrt(d_model): each head's dot products have head_dim "
            "terms, so divide by sqrt(self.head_dim)",
        ),
        Mistake(
            lambda m, x, memory, memory_mask=None: _cross(m, x, memory, None),
            "the padding mask was ignored: where memory_mask is False (a <pad> source "
            "position) set the scores to -inf before the softmax",
        ),
        Mistake(
            _mistake(masking="inverted"),
            "the mask is inverted: memory_mask is True at real source words, so fill the "
            "scores where it is False (~mask)",
        ),
        Mistake(
            _mistake(masking="after softmax"),
            "the mask was applied after the softmax, so the weights no longer sum to 1: set "
            "the masked scores to -inf, then take the softmax",
        ),
        Mistake(
            _mistake(softmax_dim=-2),
            "the softmax ran over the decoder positions (dim=-2): each query's weights over "
            "the source words (dim=-1) must sum to 1",
        ),
        Mistake(
            _mistake(merge="reshape"),
            "the heads were merged in the wrong order: (B, n_heads, T, head_dim) must become "
            "(B, T, n_heads, head_dim) first (transpose(1, 2)), then (B, T, C)",
        ),
        Mistake(
            _mistake(out_proj=False),
            "the output projection is missing: the merged heads go through self.out_proj",
        ),
    ],
    error_hints=[
        (
            "must match the size of tensor",
            "if that is the mask: memory_mask is (B, S); memory_mask[:, None, None, :] makes "
            "it (B, 1, 1, S), which lines up with the scores (B, n_heads, T, S)",
        ),
        (
            "view size is not compatible",
            "after a transpose the tensor is no longer contiguous in memory: use "
            ".reshape(...) instead of .view(...)",
        ),
    ],
)
class CrossAttentionSolution(nn.Module):
    """Exercise 06: the decoder's cross-attention, with the projections of CrossAttention."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)  # queries, from the decoder's positions
        self.k_proj = nn.Linear(d_model, d_model)  # keys, from the encoder's memory
        self.v_proj = nn.Linear(d_model, d_model)  # values, from the encoder's memory
        self.out_proj = nn.Linear(d_model, d_model)  # mixes the heads' outputs

    def forward(self, x, memory, memory_mask=None):
        """x (B, T, C) decoder, memory (B, S, C) encoder, memory_mask (B, S) True at real
        source words, or None -> (B, T, C)."""
        B, T, C = x.shape
        S = memory.shape[1]
        q = self.q_proj(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(memory).view(B, S, self.n_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(memory).view(B, S, self.n_heads, self.head_dim).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, nh, T, S)
        if memory_mask is not None:  # (B, S) -> (B, 1, 1, S): hide source padding only
            scores = scores.masked_fill(~memory_mask[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # each query's row over the source sums to 1
        out = (weights @ v).transpose(1, 2).reshape(B, T, C)  # (B, nh, T, hs) -> (B, T, C)
        return self.out_proj(out)
