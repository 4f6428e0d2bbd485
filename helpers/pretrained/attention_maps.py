"""Real attention maps: what the heads of a pretrained MiniLM look at (notebooks 04 and 05).

`minilm_attention(sentence)` runs MiniLM once and returns its word pieces and every head's
attention weights, (layers, heads, T, T). `attention_heatmap` draws one head with the tokens
on the axes; `attention_mosaic` draws all 6 x 12 heads as small tiles of one image (one
imshow, so it is quick). `head_patterns` scores each head on simple patterns (look at the
previous token, the next token, itself, [CLS], [SEP]) so a notebook can name what a head does
with numbers rather than by eye.
"""

import functools

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers._checks import is_int
from helpers.pretrained import encode, minilm

__all__ = ["PATTERNS", "attention_heatmap", "attention_mosaic", "head_patterns", "minilm_attention"]

PATTERNS = ("previous token", "next token", "itself", "[CLS]", "[SEP]")


def minilm_attention(sentence: str) -> tuple[list[str], torch.Tensor]:
    """MiniLM's word pieces of `sentence` ([CLS] ... [SEP]) and its attention weights.

    Returns (tokens, weights): weights (layers=6, heads=12, T, T), row q of head (l, h) is how
    query token q spreads its attention over the T keys (each row sums to 1). Cached per
    sentence: treat the tensor as read-only.
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError("sentence must be a non-empty string")
    tokens, weights = _cached_attention(sentence)
    return list(tokens), weights


def attention_heatmap(weights, tokens: list[str], title: str = "Attention weights", ax=None):
    """One head's (T, T) attention weights as a heatmap: queries down, keys across.

    Returns the figure (drawn into `ax` if given).
    """
    weights = _as_numpy(weights)
    if weights.ndim != 2 or weights.shape != (len(tokens), len(tokens)):
        raise ValueError(
            f"weights must have shape (T, T) with T = len(tokens) = {len(tokens)}, "
            f"got {weights.shape}"
        )
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.imshow(weights, vmin=0, vmax=1)
    ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=8)
    ax.set_yticks(range(len(tokens)), tokens, fontsize=8)
    ax.set_xlabel("key (looked at)")
    ax.set_ylabel("query (looking)")
    ax.set_title(title, fontsize=10)
    ax.grid(False)
    return ax.figure


def attention_mosaic(weights, layers=None, heads=None, title: str | None = None):
    """Many heads' (T, T) maps as tiles of one image: a row per layer, a column per head.

    weights: (layers, heads, T, T). `layers` / `heads`: which indices to show (default all).
    Returns the figure.
    """
    weights = _as_numpy(weights)
    if weights.ndim != 4 or weights.shape[-1] != weights.shape[-2]:
        raise ValueError(f"weights must have shape (layers, heads, T, T), got {weights.shape}")
    n_layers, n_heads, T, _ = weights.shape
    layers = list(range(n_layers)) if layers is None else list(layers)
    heads = list(range(n_heads)) if heads is None else list(heads)
    _check_indices("layers", layers, n_layers)
    _check_indices("heads", heads, n_heads)
    gap = max(1, T // 8)  # blank pixels between tiles
    tile = T + gap
    image = np.full((len(layers) * tile - gap, len(heads) * tile - gap), np.nan)
    for row, layer in enumerate(layers):
        for col, head in enumerate(heads):
            image[row * tile : row * tile + T, col * tile : col * tile + T] = weights[layer, head]
    fig, ax = plt.subplots(figsize=(0.7 * len(heads) + 1.4, 0.7 * len(layers) + 1.1))
    shown = ax.imshow(image, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([c * tile + (T - 1) / 2 for c in range(len(heads))], [str(h) for h in heads])
    ax.set_yticks([r * tile + (T - 1) / 2 for r in range(len(layers))], [str(i) for i in layers])
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.colorbar(shown, ax=ax, fraction=0.02, pad=0.01, label="weight")
    ax.set_title(title or f"Attention maps: {len(layers)} layers x {len(heads)} heads")
    fig.tight_layout()
    return fig


def head_patterns(weights, tokens: list[str]) -> dict[str, np.ndarray]:
    """How much weight each head puts, on average over the queries, on five simple patterns.

    weights: (layers, heads, T, T) for the word pieces `tokens` ([CLS] first, [SEP] last).
    Returns {pattern: (layers, heads) array of mean weights} for each name in PATTERNS. A
    "previous token" score near 1 means the head looks one word back, whatever the words.
    """
    weights = _as_numpy(weights)
    if weights.ndim != 4 or weights.shape[-2:] != (len(tokens), len(tokens)):
        raise ValueError(
            f"weights must have shape (layers, heads, T, T) with T = len(tokens) = "
            f"{len(tokens)}, got {weights.shape}"
        )
    T = len(tokens)
    if T < 3:
        raise ValueError(f"tokens must hold at least 3 word pieces, got {T}")
    q = np.arange(T)
    return {
        "previous token": weights[..., q[1:], q[:-1]].mean(-1),  # query t -> key t-1
        "next token": weights[..., q[:-1], q[1:]].mean(-1),  # query t -> key t+1
        "itself": weights[..., q, q].mean(-1),
        "[CLS]": weights[..., :, 0].mean(-1),
        "[SEP]": weights[..., :, T - 1].mean(-1),
    }


@functools.lru_cache(maxsize=32)
def _cached_attention(sentence: str) -> tuple[tuple[str, ...], torch.Tensor]:
    tokenizer, _ = minilm()
    batch, _, attentions = encode([sentence])
    tokens = tuple(tokenizer.convert_ids_to_tokens(batch["input_ids"][0]))
    weights = torch.stack([a[0] for a in attentions])  # layers x (1, H, T, T) -> (L, H, T, T)
    return tokens, weights


def _as_numpy(weights) -> np.ndarray:
    if isinstance(weights, torch.Tensor):
        return weights.detach().cpu().numpy()
    return np.asarray(weights)


def _check_indices(name: str, indices: list, size: int) -> None:
    bad = [i for i in indices if not is_int(i) or not 0 <= i < size]
    if bad or not indices:
        raise ValueError(
            f"{name} must be a non-empty list of indices in [0, {size}), got {indices}"
        )
