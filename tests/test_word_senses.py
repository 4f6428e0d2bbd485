"""The two 'bank's: contextual vectors group by sense; the lookup table cannot tell them apart."""

import pytest
import torch

from helpers.embeddings import cosine_similarity_matrix, static_embedding
from helpers.plots import figure_png
from helpers.studies.word_senses import (
    MONEY_BANK,
    RIVER_BANK,
    contextual_vectors,
    project_2d,
    sense_scatter,
    similarity_heatmap,
    within_between,
)

GROUPS = [0] * len(RIVER_BANK) + [1] * len(MONEY_BANK)


def test_same_sense_is_more_similar_than_other_sense():
    vectors = contextual_vectors(RIVER_BANK + MONEY_BANK)
    assert vectors.shape == (8, 384)
    within, between = within_between(cosine_similarity_matrix(vectors), GROUPS)
    assert within > between + 0.08  # measured: 0.872 vs 0.748


def test_two_clusters_in_two_dimensions():
    points = project_2d(contextual_vectors(RIVER_BANK + MONEY_BANK))
    first = points[:, 0]
    # the main direction of spread separates the senses completely
    assert (
        (first[:4] > 0).all()
        and (first[4:] < 0).all()
        or (first[:4] < 0).all()
        and (first[4:] > 0).all()
    )
    assert figure_png(sense_scatter(points, GROUPS, ["river", "money"], "t")).startswith(b"\x89PNG")


def test_similarity_heatmap():
    fig = similarity_heatmap(torch.eye(3), ["a", "b", "c"], "t")
    assert len(fig.axes[0].texts) == 9 and figure_png(fig).startswith(b"\x89PNG")
    assert len(fig.axes) == 2  # the map and its colour bar
    assert len(similarity_heatmap(torch.eye(3), list("abc"), "t", colorbar=False).axes) == 1
    with pytest.raises(ValueError, match="similarity must have shape"):
        similarity_heatmap(torch.eye(3), ["a"], "t")


def test_lookup_table_gives_one_vector():
    static = torch.stack([static_embedding("bank")] * 2)
    assert torch.allclose(cosine_similarity_matrix(static), torch.ones(2, 2))


def test_within_between_by_hand():
    sim = torch.tensor([[1.0, 0.8, 0.1], [0.8, 1.0, 0.3], [0.1, 0.3, 1.0]])
    within, between = within_between(sim, [0, 0, 1])
    assert within == pytest.approx(0.8) and between == pytest.approx(0.2)


def test_project_2d_is_deterministic_pca():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(10, 5, generator=g) * torch.tensor([5.0, 2.0, 0.1, 0.1, 0.1])
    points = project_2d(x)
    assert torch.equal(points, project_2d(x))
    assert points[:, 0].var() > points[:, 1].var()


def test_bad_input():
    with pytest.raises(ValueError, match="sentences must be a non-empty list"):
        contextual_vectors("The bank.")
    with pytest.raises(ValueError, match="similarity must have shape"):
        within_between(torch.eye(3), [0, 1])
    with pytest.raises(ValueError, match="groups must have at least two groups"):
        within_between(torch.eye(2), [0, 0])
    with pytest.raises(ValueError, match="vectors must have shape"):
        project_2d(torch.ones(1, 4))
