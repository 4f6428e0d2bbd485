"""Attention and the transformer block, built from scratch (notebooks 04 and 05).

Notebook 04 builds `scaled_dot_product_attention` and `causal_mask` step by step; notebook 05
runs several heads in parallel by reshaping (`split_heads`, `merge_heads`,
`MultiHeadAttention`), adds word order back with positional encodings
(`sinusoidal_positions`, `LearnedPositionalEmbedding`) and stacks everything into a pre-norm
`TransformerBlock`. The tests check each piece against torch's own implementation.

Mask convention, used everywhere in this module: a boolean tensor where True means "this query
may attend to this key". That is the convention of torch's
`F.scaled_dot_product_attention(attn_mask=...)`, and the OPPOSITE of `nn.MultiheadAttention`'s
boolean `attn_mask` and `key_padding_mask`, where True means "may not attend".
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers._checks import check_int, check_number

__all__ = [
    "FeedForward",
    "LearnedPositionalEmbedding",
    "MultiHeadAttention",
    "TransformerBlock",
    "causal_mask",
    "copy_from_torch",
    "merge_heads",
    "scaled_dot_product_attention",
    "sinusoidal_positions",
    "split_heads",
    "to_torch",
]


# --------------------------------------------------------------------------- attention


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q @ k^T / sqrt(d)) @ v, returning the output and the attention weights.

    q: (..., T_q, d), k: (..., T_k, d), v: (..., T_k, d_v); leading (batch, head) dims
    broadcast. mask: optional boolean tensor broadcastable to (..., T_q, T_k), True = "may
    attend" (as in torch's `F.scaled_dot_product_attention`). Masked scores become -inf before
    the softmax, so their weights are exactly 0.

    A query row whose keys are all masked gets all-zero weights and a zero output, as torch's
    `F.scaled_dot_product_attention` gives since torch 2.5 (a plain softmax would give NaN
    there, and `nn.MultiheadAttention` with `need_weights=True` still does).

    Returns (out, weights): out (..., T_q, d_v), weights (..., T_q, T_k), rows summing to 1.
    """
    _check_qkv(q, k, v)
    d = q.shape[-1]
    # (..., T_q, d) @ (..., d, T_k) -> (..., T_q, T_k): how well each query matches each key
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    if mask is not None:
        _check_mask(mask, scores.shape)
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # each row: a distribution over the T_k keys
    if mask is not None:
        # A row with every key masked is softmax(-inf, ..., -inf) = 0/0 = NaN; make it 0.
        empty_rows = ~mask.any(dim=-1, keepdim=True)  # (..., T_q, 1), cheap: no scores here
        if empty_rows.any():
            weights = weights.masked_fill(empty_rows, 0.0)
    out = weights @ v  # (..., T_q, T_k) @ (..., T_k, d_v) -> (..., T_q, d_v)
    return out, weights


def causal_mask(T: int, device: torch.device | str | None = None) -> torch.Tensor:
    """The (T, T) boolean mask of a decoder: query t may attend to keys 0..t (lower triangle).

    >>> causal_mask(3).int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    check_int("T", T, low=1)
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


# --------------------------------------------------------------------------- multi-head


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, T, C) -> (B, n_heads, T, C // n_heads): head h gets channels h*hs .. (h+1)*hs - 1."""
    check_int("n_heads", n_heads, low=1)
    if x.dim() != 3:
        raise ValueError(f"x must have shape (B, T, C), got shape {tuple(x.shape)}")
    B, T, C = x.shape
    if C % n_heads != 0:
        raise ValueError(f"the channel size C={C} must be divisible by n_heads={n_heads}")
    return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)  # (B, T, nh, hs) -> (B, nh, T, hs)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, n_heads, T, head_dim) -> (B, T, n_heads * head_dim): the inverse of `split_heads`."""
    if x.dim() != 4:
        raise ValueError(f"x must have shape (B, n_heads, T, head_dim), got shape {tuple(x.shape)}")
    B, nh, T, hs = x.shape
    return x.transpose(1, 2).reshape(B, T, nh * hs)  # (B, nh, T, hs) -> (B, T, nh, hs) -> (B, T, C)


class MultiHeadAttention(nn.Module):
    """n_heads attention heads of size d_model // n_heads, run in parallel by reshaping.

    Three projections make queries, keys and values (`q_proj`, `k_proj`, `v_proj`, each
    d_model -> d_model); each head attends with its own slice of the channels; `out_proj` mixes
    the heads' outputs back together. `dropout` is applied to the output (GPT-2's "residual
    dropout"), not to the attention weights as in `nn.MultiheadAttention`.
    """

    def __init__(self, d_model: int, n_heads: int, bias: bool = True, dropout: float = 0.0):
        super().__init__()
        check_int("d_model", d_model, low=1)
        check_int("n_heads", n_heads, low=1)
        if d_model % n_heads != 0:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        check_number("dropout", dropout, 0, 1, high_open=True)
        self.d_model, self.n_heads, self.head_dim = d_model, n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        context: torch.Tensor | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Self-attention over x (B, T, C), or cross-attention from x to `context` (B, S, C).

        mask: boolean, True = "may attend", broadcastable to (B, n_heads, T, S) (S = T for
        self-attention), e.g. `causal_mask(T)` or a padding mask `keep[:, None, None, :]`.
        Returns out (B, T, C), and with need_weights=True also the weights (B, n_heads, T, S).
        """
        context = x if context is None else context
        self._check_inputs(x, context)
        q = split_heads(self.q_proj(x), self.n_heads)  # (B, T, C) -> (B, nh, T, hs)
        k = split_heads(self.k_proj(context), self.n_heads)  # (B, S, C) -> (B, nh, S, hs)
        v = split_heads(self.v_proj(context), self.n_heads)  # (B, S, C) -> (B, nh, S, hs)
        if mask is not None:
            _check_mask(mask, torch.Size((q.shape[0], self.n_heads, q.shape[2], k.shape[2])))
        if need_weights:
            # (B, nh, T, hs) and the weights (B, nh, T, S)
            out, weights = scaled_dot_product_attention(q, k, v, mask)
        else:
            # The same computation in torch's fused kernel (same mask convention; the tests
            # check both agree): several times faster, as it never stores the (T, S) weights.
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, nh, T, hs)
        out = self.dropout(self.out_proj(merge_heads(out)))  # (B, nh, T, hs) -> (B, T, C)
        return (out, weights) if need_weights else out

    def _check_inputs(self, x: torch.Tensor, context: torch.Tensor) -> None:
        for name, t in (("x", x), ("context", context)):
            if t.dim() != 3 or t.shape[-1] != self.d_model:
                raise ValueError(
                    f"{name} must have shape (B, T, d_model={self.d_model}), "
                    f"got shape {tuple(t.shape)}"
                )
        if context.shape[0] != x.shape[0]:
            raise ValueError(
                f"x and context must have the same batch size, got shapes "
                f"{tuple(x.shape)} and {tuple(context.shape)}"
            )


@torch.no_grad()
def copy_from_torch(mha: nn.MultiheadAttention) -> MultiHeadAttention:
    """A `MultiHeadAttention` holding the same weights as torch's `nn.MultiheadAttention`.

    torch stores the three input projections stacked in one `in_proj_weight` (3 * d_model,
    d_model) in the order q, k, v; we take its three row blocks. Dropout is not copied (the
    two modules drop different things): compare outputs in eval mode or with dropout 0.
    Remember the opposite mask conventions when feeding both the same mask (see module doc).
    """
    if not isinstance(mha, nn.MultiheadAttention):
        raise TypeError(f"mha must be a torch.nn.MultiheadAttention, got {type(mha).__name__}")
    if not mha._qkv_same_embed_dim or mha.bias_k is not None or mha.add_zero_attn:
        raise ValueError(
            "copy_from_torch supports nn.MultiheadAttention with kdim = vdim = embed_dim, "
            "add_bias_kv=False and add_zero_attn=False"
        )
    bias = mha.in_proj_bias is not None
    ours = MultiHeadAttention(mha.embed_dim, mha.num_heads, bias=bias)
    ours.to(device=mha.in_proj_weight.device, dtype=mha.in_proj_weight.dtype)
    w_q, w_k, w_v = mha.in_proj_weight.chunk(3)  # (3C, C) -> three (C, C)
    for proj, w in ((ours.q_proj, w_q), (ours.k_proj, w_k), (ours.v_proj, w_v)):
        proj.weight.copy_(w)
    ours.out_proj.weight.copy_(mha.out_proj.weight)
    if bias:
        b_q, b_k, b_v = mha.in_proj_bias.chunk(3)
        for proj, b in ((ours.q_proj, b_q), (ours.k_proj, b_k), (ours.v_proj, b_v)):
            proj.bias.copy_(b)
        ours.out_proj.bias.copy_(mha.out_proj.bias)
    return ours


@torch.no_grad()
def to_torch(attn: MultiHeadAttention) -> nn.MultiheadAttention:
    """The inverse of `copy_from_torch`: an `nn.MultiheadAttention(batch_first=True)` with our
    weights (no dropout). Its boolean masks mean True = "may NOT attend": pass `~mask`."""
    if not isinstance(attn, MultiHeadAttention):
        raise TypeError(f"attn must be a MultiHeadAttention, got {type(attn).__name__}")
    w = attn.q_proj.weight
    bias = attn.q_proj.bias is not None
    mha = nn.MultiheadAttention(
        attn.d_model, attn.n_heads, bias=bias, batch_first=True, device=w.device, dtype=w.dtype
    )
    projections = (attn.q_proj, attn.k_proj, attn.v_proj)
    mha.in_proj_weight.copy_(torch.cat([p.weight for p in projections]))  # 3 x (C, C) -> (3C, C)
    mha.out_proj.weight.copy_(attn.out_proj.weight)
    if bias:
        mha.in_proj_bias.copy_(torch.cat([p.bias for p in projections]))
        mha.out_proj.bias.copy_(attn.out_proj.bias)
    return mha


# --------------------------------------------------------------------------- positions


def sinusoidal_positions(T: int, d_model: int) -> torch.Tensor:
    """The (T, d_model) sinusoidal position encodings of Vaswani et al. (2017), float32.

        PE[pos, 2i]     = sin(pos / 10000^(2i / d_model))
        PE[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))

    Channels come in (sin, cos) pairs of one frequency, so d_model must be even.
    """
    check_int("T", T, low=1)
    check_int("d_model", d_model, low=2)
    if d_model % 2 != 0:
        raise ValueError(f"d_model must be even (sin/cos pairs), got {d_model}")
    pos = torch.arange(T, dtype=torch.float32)[:, None]  # (T, 1)
    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)  # (d_model / 2,): 0, 2, 4, ...
    angle = pos / 10000 ** (two_i / d_model)  # (T, 1) / (d_model / 2,) -> (T, d_model / 2)
    pe = torch.zeros(T, d_model)
    pe[:, 0::2] = torch.sin(angle)  # even channels
    pe[:, 1::2] = torch.cos(angle)  # odd channels
    return pe


class LearnedPositionalEmbedding(nn.Module):
    """A trained vector per position 0 .. max_len - 1, added to the input (as in GPT-2)."""

    def __init__(self, max_len: int, d_model: int):
        super().__init__()
        check_int("max_len", max_len, low=1)
        check_int("d_model", d_model, low=1)
        self.max_len, self.d_model = max_len, d_model
        self.embedding = nn.Embedding(max_len, d_model)  # row t is the vector of position t

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, d_model) -> x + position vectors 0 .. T - 1, same shape."""
        if x.dim() != 3 or x.shape[-1] != self.d_model:
            raise ValueError(
                f"x must have shape (B, T, d_model={self.d_model}), got shape {tuple(x.shape)}"
            )
        T = x.shape[1]
        if T > self.max_len:
            raise ValueError(f"sequence length T={T} exceeds max_len={self.max_len}")
        positions = torch.arange(T, device=x.device)  # (T,)
        return x + self.embedding(positions)  # (B, T, C) + (T, C) -> (B, T, C)


# --------------------------------------------------------------------------- the block


class FeedForward(nn.Module):
    """The position-wise MLP of a transformer block: Linear(d, d_ff) -> GELU -> Linear(d_ff, d).

    d_ff defaults to 4 * d_model. GELU is the exact (erf) form; GPT-2 uses the tanh
    approximation (transformers' "gelu_new"), which differs by at most about 1e-3.
    """

    def __init__(
        self, d_model: int, d_ff: int | None = None, dropout: float = 0.0, bias: bool = True
    ):
        super().__init__()
        check_int("d_model", d_model, low=1)
        d_ff = 4 * d_model if d_ff is None else d_ff
        check_int("d_ff", d_ff, low=1)
        check_number("dropout", dropout, 0, 1, high_open=True)
        self.fc = nn.Linear(d_model, d_ff, bias=bias)  # expand
        self.gelu = nn.GELU()
        self.proj = nn.Linear(d_ff, d_model, bias=bias)  # project back
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (B, T, C) -> (B, T, d_ff) -> (B, T, C); each position on its own
        return self.dropout(self.proj(self.gelu(self.fc(x))))


class TransformerBlock(nn.Module):
    """A pre-norm transformer block (GPT-2 style):

        x = x + attn(ln1(x))
        x = x + ffn(ln2(x))

    causal=True adds the causal mask, so position t only sees positions 0..t (a decoder block).
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int | None = None,
        dropout: float = 0.0,
        causal: bool = False,
        bias: bool = True,
    ):
        super().__init__()
        self.causal = causal
        self.ln1 = nn.LayerNorm(d_model, bias=bias)
        self.attn = MultiHeadAttention(d_model, n_heads, bias=bias, dropout=dropout)
        self.ln2 = nn.LayerNorm(d_model, bias=bias)
        self.ffn = FeedForward(d_model, d_ff, dropout=dropout, bias=bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, C) -> (B, T, C). mask: optional, True = "may attend", combined with the
        causal mask (both must allow) when the block is causal."""
        if self.causal:
            causal = causal_mask(x.shape[1], device=x.device)  # (T, T)
            mask = causal if mask is None else mask & causal
        x = x + self.attn(self.ln1(x), mask)  # tokens talk to each other
        x = x + self.ffn(self.ln2(x))  # each token thinks on its own
        return x


# --------------------------------------------------------------------------- checks


def _check_qkv(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    shapes = f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
    if min(q.dim(), k.dim(), v.dim()) < 2:
        raise ValueError(f"q, k, v must have at least 2 dims (..., T, d), got {shapes}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k must have the same last dim d, got {shapes}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v must have the same number of keys T_k, got {shapes}")
    try:
        torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except RuntimeError:
        msg = f"the leading (batch) dims of q, k, v must broadcast, got {shapes}"
        raise ValueError(msg) from None


def _check_mask(mask: torch.Tensor, scores_shape: torch.Size) -> None:
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        kind = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise TypeError(f"mask must be a bool tensor (True = may attend), got {kind}")
    expected = tuple(scores_shape)
    try:
        ok = torch.broadcast_shapes(mask.shape, scores_shape) == scores_shape
    except RuntimeError:
        ok = False
    if not ok:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the scores' shape "
            f"(..., T_q, T_k) = {expected}"
        )
