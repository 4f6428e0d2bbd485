"""One word, two meanings: contextual vectors versus a lookup table (notebook 04).

A lookup table (an `nn.Embedding`) gives "bank" one vector, whatever the sentence. After
self-attention has mixed in the neighbouring words, MiniLM's vector of "bank" by a river
differs from its vector at a counter. `contextual_vectors` collects those vectors,
`within_between` turns their similarity matrix into two numbers (same sense, other sense),
and `project_2d` / `sense_scatter` draw them as points, which fall into two groups.
"""

import matplotlib.pyplot as plt
import torch

from helpers.embeddings import word_in_context
from helpers.plots import COLORS

__all__ = [
    "MONEY_BANK",
    "RIVER_BANK",
    "contextual_vectors",
    "project_2d",
    "sense_scatter",
    "similarity_heatmap",
    "within_between",
]

RIVER_BANK = [
    "We sat on the bank of the river.",
    "The river bank was muddy after the rain.",
    "Fish swam near the grassy bank of the stream.",
    "He fished from the bank of the lake.",
]
MONEY_BANK = [
    "I deposited my salary at the bank.",
    "The bank approved the loan.",
    "She opened a savings account at the bank.",
    "The bank charged a fee for the transfer.",
]


def contextual_vectors(sentences: list[str], word: str = "bank") -> torch.Tensor:
    """(N, 384): MiniLM's vector of `word` in each of the N sentences (one forward pass each)."""
    if isinstance(sentences, str) or not sentences:
        raise ValueError("sentences must be a non-empty list of strings")
    return torch.stack([word_in_context(s, word) for s in sentences])


def within_between(similarity: torch.Tensor, groups: list[int]) -> tuple[float, float]:
    """Mean similarity of pairs in the same group and of pairs in different groups.

    similarity: (N, N), e.g. cosine similarities; groups: N group labels. The diagonal (each
    vector with itself) is left out of "within".
    """
    similarity = torch.as_tensor(similarity)
    n = len(groups)
    if similarity.shape != (n, n):
        raise ValueError(
            f"similarity must have shape (N, N) with N = len(groups) = {n}, "
            f"got {tuple(similarity.shape)}"
        )
    labels = torch.tensor(groups)
    same = labels[:, None] == labels[None, :]  # (N, N)
    off_diagonal = ~torch.eye(n, dtype=torch.bool)
    if not (same & off_diagonal).any() or same.all():
        raise ValueError("groups must have at least two groups, one with two or more members")
    within = similarity[same & off_diagonal].mean()
    between = similarity[~same].mean()
    return float(within), float(between)


def project_2d(vectors: torch.Tensor) -> torch.Tensor:
    """(N, d) -> (N, 2): the vectors on their two main directions of spread (PCA).

    The signs of the two axes are fixed (the largest coordinate of each axis is positive), so
    the picture is the same on every run.
    """
    if vectors.ndim != 2 or vectors.shape[0] < 2:
        raise ValueError(f"vectors must have shape (N >= 2, d), got {tuple(vectors.shape)}")
    centered = vectors - vectors.mean(dim=0)  # (N, d)
    _, _, vh = torch.linalg.svd(centered.double(), full_matrices=False)  # rows: directions
    points = centered.double() @ vh[:2].T  # (N, d) @ (d, 2) -> (N, 2)
    biggest = points.abs().argmax(dim=0)  # (2,)
    signs = torch.sign(points[biggest, torch.arange(2)])
    return (points * signs).float()


def sense_scatter(points: torch.Tensor, groups: list[int], names: list[str], title: str):
    """The (N, 2) points coloured by group, each numbered by its sentence. Returns the figure."""
    if points.shape != (len(groups), 2):
        raise ValueError(
            f"points must have shape (N, 2) with N = len(groups) = {len(groups)}, "
            f"got {tuple(points.shape)}"
        )
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for g, name in enumerate(names):
        idx = [i for i, label in enumerate(groups) if label == g]
        ax.scatter(points[idx, 0], points[idx, 1], s=60, color=COLORS[g], label=name)
        for i in idx:
            ax.annotate(str(i), points[i].tolist(), textcoords="offset points", xytext=(5, 4))
    ax.set_xlabel("direction 1 (most spread)")
    ax.set_ylabel("direction 2")
    ax.set_title(title)
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def similarity_heatmap(
    similarity, labels: list[str], title: str, ax=None, vmin: float = 0.0, colorbar: bool = True
):
    """An (N, N) similarity matrix as a heatmap with each value written in its cell.

    The colour scale is fixed to [vmin, 1] so two heatmaps side by side compare; `colorbar`
    draws its scale beside the map. Returns the figure.
    """
    similarity = torch.as_tensor(similarity).detach().cpu()
    n = len(labels)
    if similarity.shape != (n, n):
        raise ValueError(
            f"similarity must have shape (N, N) with N = len(labels) = {n}, "
            f"got {tuple(similarity.shape)}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(4.4, 4.0))
    if not vmin < 1:
        raise ValueError(f"vmin must be < 1, got {vmin}")
    image = ax.imshow(similarity.numpy(), vmin=vmin, vmax=1)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="cosine similarity")
    for i in range(n):
        for j in range(n):
            value = float(similarity[i, j])
            bright = (value - vmin) / (1 - vmin) > 0.6
            color = "black" if bright else "white"  # readable on viridis
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("sentence")
    ax.set_ylabel("sentence")
    ax.set_title(title, fontsize=10)
    ax.grid(False)
    return ax.figure
