"""A decoder-only GPT, the model of notebooks 07 (architecture) and 08 (training).

One readable file in the spirit of nanoGPT: token + learned position embeddings, `n_layer`
pre-norm transformer blocks (causal self-attention, then an MLP, each with a residual
connection), a final LayerNorm and an LM head tied to the token embedding. The parameter names
are GPT-2's, so the model converts to and from transformers' `GPT2LMHeadModel` by transposing
four weight matrices (`helpers.gpt_interop`).

    config = GPTConfig(vocab_size=512, context_length=128)
    model = GPT(config, seed=0)
    logits = model(idx)                        # (B, T) token ids -> (B, T, vocab_size)

The attention itself is torch's fused `scaled_dot_product_attention`; the step-by-step teaching
version lives in `helpers.attention`, which names the same ideas in the words of notebooks
04-05. Here GPT-2's weight names win, so that checkpoints map one-to-one:

    idea                      helpers.attention             helpers.gpt (GPT-2)
    residual stream width     d_model                       d_model (GPT-2: n_embd)
    heads per layer           n_heads                       n_head
    width of one head         head_dim                      head_dim
    query/key/value           q_proj, k_proj, v_proj        attn.c_attn (the three in one)
    mixing the heads          out_proj                      attn.c_proj
    feed-forward              FeedForward: fc, proj         MLP: c_fc, c_proj
    one block                 TransformerBlock: ln1, attn,  Block: ln_1, attn, ln_2, mlp
                              ln2, ffn
    longest sequence          max_len                       context_length (GPT-2: n_positions)
    causal mask               causal_mask(T), True = may    is_causal=True (torch's fused kernel)
                              attend

The generation add-on, at the end of the file: an optional `KVCache` holds the keys and values
of the tokens the model has already read, so each new token costs one position, not a rerun of
the whole context (`helpers.sampling.generate` uses it).

    cache = model.new_kv_cache(batch_size=1)
    logits = model(prompt, kv_cache=cache)     # reads the prompt, caches its keys/values
    logits = model(next_id, kv_cache=cache)    # one more token at position cache.length
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from helpers._checks import check_bool, check_int, check_number

__all__ = ["GPT", "GPTConfig", "KVCache", "lm_loss"]

LAYER_NORM_EPS = 1e-5  # GPT-2's layer_norm_epsilon (also torch's LayerNorm default)
INIT_STD = 0.02  # GPT-2's initializer_range


@dataclass
class GPTConfig:
    """The shape of a GPT. Field names follow the course; GPT-2's names are in the comments."""

    vocab_size: int = 512  # number of distinct token ids the model reads and predicts
    context_length: int = 128  # longest sequence the model can see (GPT-2: n_positions)
    n_layer: int = 4  # number of transformer blocks
    n_head: int = 4  # attention heads per block; each has d_model // n_head dimensions
    d_model: int = 128  # width of the residual stream (GPT-2: n_embd)
    dropout: float = 0.0  # dropout on embeddings, attention weights and residual branches
    bias: bool = True  # biases in the Linear and LayerNorm layers (GPT-2 has them)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "context_length", "n_layer", "n_head", "d_model"):
            check_int(name, getattr(self, name), low=1)
        if self.d_model % self.n_head != 0:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={self.d_model} "
                f"and n_head={self.n_head}"
            )
        check_number("dropout", self.dropout, 0, 1, high_open=True)
        check_bool("bias", self.bias)

    @property
    def head_dim(self) -> int:
        """Dimensions per attention head."""
        return self.d_model // self.n_head

    def to_dict(self) -> dict[str, Any]:
        """The config as a plain, JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GPTConfig:
        """The inverse of `to_dict`; unknown keys are an error, missing keys take defaults."""
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown GPTConfig keys: {sorted(unknown)}")
        return cls(**d)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which each position sees itself and earlier positions."""

    def __init__(self, config: GPTConfig, layer_idx: int) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.layer_idx = layer_idx  # which buffer of a KVCache is ours
        # query, key and value projections for all heads in one matrix multiply
        self.c_attn = nn.Linear(config.d_model, 3 * config.d_model, bias=config.bias)
        self.c_proj = nn.Linear(config.d_model, config.d_model, bias=config.bias)
        self.resid_dropout = _dropout(config.dropout)

    def forward(self, x: torch.Tensor, kv_cache: KVCache | None = None) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
        # (B, T, C) -> (B, n_head, T, head_dim)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)

        n_past = 0
        if kv_cache is not None:
            n_past = kv_cache.length
            k, v = kv_cache.update(self.layer_idx, k, v)  # (B, n_head, n_past + T, head_dim)

        dropout_p = self.dropout if self.training else 0.0
        if n_past == 0:  # plain causal attention over the T new tokens
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True)
        elif T == 1:  # one new token: it may see every cached token and itself
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)
        else:  # new token i sees all n_past cached tokens and new tokens 0..i
            mask = torch.ones(T, n_past + T, dtype=torch.bool, device=x.device).tril(n_past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, n_head, T, hd) -> (B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward network: widen 4x, GELU (tanh approximation), project back."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.d_model, 4 * config.d_model, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.d_model, config.d_model, bias=config.bias)
        self.dropout = _dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.c_fc(x), approximate="tanh")  # (B, T, C) -> (B, T, 4C)
        return self.dropout(self.c_proj(x))  # (B, T, 4C) -> (B, T, C)


class Block(nn.Module):
    """A pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig, layer_idx: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, kv_cache: KVCache | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), kv_cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """A decoder-only transformer language model: token ids (B, T) -> logits (B, T, vocab)."""

    def __init__(self, config: GPTConfig, seed: int | None = None) -> None:
        """Build the model with GPT-2's initialisation; `seed` makes it reproducible without
        touching torch's global random state (None: use the global state, like nn.Linear)."""
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig, got {type(config).__name__}")
        check_int("seed", seed, low=0, none_ok=True)
        self.config = config
        # nn.Linear and nn.Embedding draw a default init from the global RNG; with a seed we
        # put that state back, so building a seeded model leaves the caller's randomness alone
        with torch.random.fork_rng(devices=[], enabled=seed is not None):
            self.transformer = nn.ModuleDict(
                dict(
                    wte=nn.Embedding(config.vocab_size, config.d_model),  # token embedding
                    wpe=nn.Embedding(config.context_length, config.d_model),  # position embedding
                    drop=_dropout(config.dropout),
                    h=nn.ModuleList(Block(config, i) for i in range(config.n_layer)),
                    ln_f=nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS, bias=config.bias),
                )
            )
            self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
            # weight tying: the LM head scores each token against its own input embedding
            self.lm_head.weight = self.transformer.wte.weight
        self._init_weights(seed)

    def _init_weights(self, seed: int | None) -> None:
        """GPT-2 init: N(0, 0.02) weights, zero biases, and the two projections that write into
        the residual stream scaled by 1/sqrt(2 * n_layer), so its variance does not grow with
        depth."""
        gen = None if seed is None else torch.Generator().manual_seed(seed)
        residual_std = INIT_STD / math.sqrt(2 * self.config.n_layer)
        for name, p in self.named_parameters():  # the tied weight appears once, as wte
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, residual_std, generator=gen)
            elif p.dim() == 2:  # embeddings and the other Linear weights
                nn.init.normal_(p, 0.0, INIT_STD, generator=gen)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            # LayerNorm weights keep their init of ones

    def forward(self, idx: torch.Tensor, kv_cache: KVCache | None = None) -> torch.Tensor:
        """Next-token logits (B, T, vocab_size) for token ids `idx` (B, T).

        With `kv_cache`, `idx` holds only the new tokens: they sit at positions
        `kv_cache.length`, ..., and see every cached token; their keys and values are added to
        the cache.
        """
        self._check_input(idx, kv_cache)
        B, T = idx.shape
        n_past = 0 if kv_cache is None else kv_cache.length
        pos = torch.arange(n_past, n_past + T, device=idx.device)  # (T,)
        tok_emb = self.transformer.wte(idx)  # (B, T, C)
        pos_emb = self.transformer.wpe(pos)  # (T, C), broadcast over the batch
        x = self.transformer.drop(tok_emb + pos_emb)  # (B, T, C)
        for block in self.transformer.h:
            x = block(x, kv_cache)
        x = self.transformer.ln_f(x)
        logits = self.lm_head(x)  # (B, T, C) -> (B, T, vocab_size)
        if kv_cache is not None:
            kv_cache.advance(T)
        return logits

    def new_kv_cache(
        self,
        batch_size: int,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> KVCache:
        """An empty KV cache for `batch_size` sequences, on the model's device and dtype."""
        weight = self.transformer.wte.weight
        return KVCache(self.config, batch_size, device or weight.device, dtype or weight.dtype)

    def num_parameters(self, exclude_position_embeddings: bool = False) -> int:
        """Number of trainable numbers; the tied LM head counts once (as the token embedding)."""
        n = sum(p.numel() for p in self.parameters())
        if exclude_position_embeddings:
            n -= self.transformer.wpe.weight.numel()
        return n

    def parameter_breakdown(self) -> dict[str, int]:
        """Parameter counts per part, for a table: embeddings, attention, MLP, layer norms, the
        LM head (0: it reuses the token embedding) and the total."""
        counts = dict.fromkeys(
            ("token_embedding", "position_embedding", "attention", "mlp", "layer_norm"), 0
        )
        for name, p in self.named_parameters():
            if name.startswith("transformer.wte."):
                part = "token_embedding"
            elif name.startswith("transformer.wpe."):
                part = "position_embedding"
            elif ".attn." in name:
                part = "attention"
            elif ".mlp." in name:
                part = "mlp"
            elif ".ln_" in name:
                part = "layer_norm"
            else:  # a parameter this method does not know about: fail loudly, not silently
                raise RuntimeError(f"unclassified parameter {name}")
            counts[part] += p.numel()
        tied = self.lm_head.weight is self.transformer.wte.weight
        counts["lm_head"] = 0 if tied else self.lm_head.weight.numel()
        counts["total"] = sum(counts.values())
        return counts

    def _check_input(self, idx: torch.Tensor, kv_cache: KVCache | None) -> None:
        if not isinstance(idx, torch.Tensor):
            raise TypeError(f"idx must be a torch.Tensor of token ids, got {type(idx).__name__}")
        if idx.dim() != 2 or idx.dtype != torch.long:
            raise ValueError(
                "idx must be a 2-D (batch, time) tensor of dtype torch.long, "
                f"got shape {tuple(idx.shape)} and dtype {idx.dtype}"
            )
        B, T = idx.shape
        if B == 0 or T == 0:
            raise ValueError(f"idx must hold at least one token per row, got shape {(B, T)}")
        V = self.config.vocab_size
        if ((idx < 0) | (idx >= V)).any():  # one check per call: it runs for every sampled token
            lo, hi = (int(t) for t in torch.aminmax(idx))
            raise ValueError(
                f"token ids must be in [0, {V}) (vocab_size={V}), got min {lo}, max {hi}"
            )
        if kv_cache is None:
            if T > self.config.context_length:
                raise ValueError(
                    f"sequence length {T} exceeds context_length={self.config.context_length}; "
                    "crop the context to its last context_length tokens"
                )
            return
        if not isinstance(kv_cache, KVCache):
            raise TypeError(f"kv_cache must be a KVCache, got {type(kv_cache).__name__}")
        if kv_cache.batch_size != B or len(kv_cache.keys) != self.config.n_layer:
            raise ValueError(
                f"kv_cache was made for batch_size={kv_cache.batch_size} and "
                f"{len(kv_cache.keys)} layers, got a batch of {B} for {self.config.n_layer} layers"
            )
        kv_cache.check_room(T)


def _dropout(p: float) -> nn.Module:
    """Dropout with probability p; without any (p = 0), a no-op that costs nothing per call."""
    return nn.Dropout(p) if p > 0 else nn.Identity()


def lm_loss(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean cross-entropy of next-token prediction over every position of every row.

    logits (B, T, vocab), targets (B, T) token ids; targets equal to `ignore_index` are skipped.
    """
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            "logits must be (B, T, vocab) and targets (B, T), got "
            f"{tuple(logits.shape)} and {tuple(targets.shape)}"
        )
    B, T, V = logits.shape
    return F.cross_entropy(
        logits.reshape(B * T, V), targets.reshape(B * T), ignore_index=ignore_index
    )


# ---------------------------------------------------------------------------------------------
# The generation add-on: a KV cache, so sampling reads each token once (helpers.sampling)
# ---------------------------------------------------------------------------------------------


class KVCache:
    """The keys and values of every token a GPT has read so far, one buffer pair per layer.

    Buffers are preallocated at (B, n_head, context_length, head_dim), so appending a token is
    a copy into a slice. `length` is the number of tokens cached: the next token the model reads
    sits at position `length`. The cache never crops: when it is full, the caller must shorten
    the context and start a new cache. It is meant for inference, under `torch.no_grad()`.
    """

    def __init__(
        self,
        config: GPTConfig,
        batch_size: int,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        check_int("batch_size", batch_size, low=1)
        self.batch_size = batch_size
        self.max_length = config.context_length
        shape = (batch_size, config.n_head, config.context_length, config.head_dim)
        layers = range(config.n_layer)
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in layers]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in layers]
        self._length = 0

    @property
    def length(self) -> int:
        """Number of tokens cached so far (0 for a new cache)."""
        return self._length

    def reset(self) -> None:
        """Forget every cached token (the buffers are reused)."""
        self._length = 0

    def check_room(self, n_new: int) -> None:
        """Raise ValueError if `n_new` more tokens would not fit in the context window."""
        if self._length + n_new > self.max_length:
            raise ValueError(
                f"the KV cache holds at most context_length={self.max_length} tokens; it has "
                f"{self._length} and {n_new} more were given. Crop the context and start a new "
                "cache."
            )

    def update(
        self, layer: int, k: torch.Tensor, v: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Store the new tokens' keys/values of one layer; return all keys/values so far.

        k, v: (B, n_head, T, head_dim) -> returned views: (B, n_head, length + T, head_dim).
        Called by every layer during one forward pass; the model then calls `advance(T)`.
        """
        start, end = self._length, self._length + k.shape[2]
        self.keys[layer][:, :, start:end] = k
        self.values[layer][:, :, start:end] = v
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def advance(self, n_new: int) -> None:
        """Count `n_new` tokens as cached (after every layer has stored them)."""
        self.check_room(n_new)
        self._length += n_new
