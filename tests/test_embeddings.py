"""MiniLM offline, sentence embeddings against sentence-transformers, search, word in context."""

import pytest
import torch

from helpers.embeddings import (
    SemanticSearch,
    cosine_similarity_matrix,
    sentence_embeddings,
    static_embedding,
    word_in_context,
)
from helpers.pretrained import encode, minilm, minilm_path

SENTENCES = [
    "A man is playing a guitar.",
    "Someone plays an instrument on stage.",
    "The stock market fell sharply today.",
    "Shares dropped after the announcement.",
]


def test_minilm_loads_offline_with_its_real_shape():
    tokenizer, model = minilm()
    assert model.config.num_hidden_layers == 6 and model.config.hidden_size == 384
    assert tokenizer.tokenize("unbelievable") == ["unbelievable"] or "##" in "".join(
        tokenizer.tokenize("tokenization")
    )


def test_sentence_embeddings_equal_sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(minilm_path()), device="cpu")
    reference = torch.tensor(model.encode(SENTENCES))
    ours = sentence_embeddings(SENTENCES)
    assert ours.shape == (4, 384)
    assert torch.allclose(ours, reference, atol=1e-5)
    assert torch.allclose(ours.norm(dim=-1), torch.ones(4), atol=1e-6)


def test_similar_meanings_are_closer_than_different_ones():
    sims = cosine_similarity_matrix(sentence_embeddings(SENTENCES))
    assert sims[0, 1] > sims[0, 2] + 0.3 and sims[2, 3] > sims[1, 3] + 0.3


def test_search_ranks_by_meaning():
    hits = SemanticSearch(SENTENCES).search("music concert", top_k=2)
    assert {h.index for h in hits} == {0, 1}
    assert hits[0].score >= hits[1].score
    for bad in ["", "   "]:
        with pytest.raises(ValueError, match="query must be a non-empty string"):
            SemanticSearch(SENTENCES[:1]).search(bad)
    with pytest.raises(ValueError, match="top_k must be an integer >= 1"):
        SemanticSearch(SENTENCES[:1]).search("x", top_k=0)


def test_bank_by_the_river_differs_from_bank_for_money():
    river = [
        word_in_context(s, "bank")
        for s in ["We sat on the bank of the river.", "The river bank was muddy after the rain."]
    ]
    money = [
        word_in_context(s, "bank")
        for s in ["I deposited my salary at the bank.", "The bank approved the loan."]
    ]
    sim = cosine_similarity_matrix(torch.stack(river + money))
    within = (sim[0, 1] + sim[2, 3]) / 2
    between = sim[:2, 2:].mean()
    assert within > between + 0.05
    # the lookup table gives "bank" one vector, whatever the sentence
    assert static_embedding("bank").shape == (384,)


def test_bad_input():
    with pytest.raises(TypeError, match="wrap it in"):
        encode("one string")
    with pytest.raises(ValueError, match="non-empty list"):
        encode([])
    with pytest.raises(ValueError, match="word must appear exactly once"):
        word_in_context("The bank by the bank.", "bank")
    with pytest.raises(ValueError, match=r"\(N, d\) and \(M, d\)"):
        cosine_similarity_matrix(torch.zeros(2, 3), torch.zeros(2, 4))
