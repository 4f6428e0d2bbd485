"""MiniLM word features for notebook 10's tagger (aligned to each word's first word piece), and
sentence embeddings batched by length."""

import pytest
import torch

from helpers.embeddings import sentence_embeddings, word_in_context
from helpers.pretrained.features import first_piece_positions, word_vectors

pytestmark = pytest.mark.usefixtures("one_thread")


TEXTS = ["A short one.", "A much longer sentence about a tiny goat near Willow Creek.", "Hi"]


def test_padding_does_not_change_sentence_embeddings():
    batched = sentence_embeddings(TEXTS, batch_size=2)  # batches with different padding
    alone = torch.cat([sentence_embeddings([t]) for t in TEXTS])
    assert batched.shape == (3, 384)
    assert torch.allclose(batched, alone, atol=1e-5)


def test_word_vectors_take_the_first_piece_of_each_word():
    words = ["The", "unfinished", "kite", "flew", "."]
    (vectors,) = word_vectors([words])
    assert vectors.shape == (5, 384)
    # "kite" is one piece, so its vector is word_in_context's (the mean of its one piece)
    assert torch.allclose(
        vectors[2], word_in_context("The unfinished kite flew .", "kite"), atol=1e-5
    )


def test_batches_do_not_change_word_vectors():
    sentences = [["Mia", "ran", "."], ["Leo", "and", "Zoe", "went", "to", "Pine", "Lake", "."]]
    together = word_vectors(sentences, batch_size=2)
    alone = [word_vectors([s])[0] for s in sentences]
    for a, b in zip(together, alone, strict=True):
        assert torch.allclose(a, b, atol=1e-5)


def test_first_piece_positions():
    assert first_piece_positions([None, 0, 1, 1, 2, None, None]) == [1, 2, 4]
    assert first_piece_positions([None, None]) == []


@pytest.mark.parametrize("bad", ["one string", [], [[]], [["ok", ""]]])
def test_bad_word_lists(bad):
    with pytest.raises(ValueError, match="sentence"):
        word_vectors(bad)


def test_bad_texts():
    with pytest.raises(TypeError, match="wrap it in"):
        sentence_embeddings("one string")
    with pytest.raises(ValueError, match="non-empty"):
        sentence_embeddings(["fine", " "])
    with pytest.raises(ValueError, match="batch_size must be"):
        sentence_embeddings(["fine"], batch_size=0)
