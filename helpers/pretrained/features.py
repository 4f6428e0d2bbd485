"""MiniLM as a feature extractor per word, for the named-entity tagger of notebook 10 (one
vector per text is helpers.embeddings.sentence_embeddings).

Sentences are sorted by length and run in batches of similar lengths (little padding).

Word vectors need an alignment: MiniLM's WordPiece tokenizer may cut one word into several
pieces ("Willow" -> "willow", "Honey" -> "honey", "unfinished" -> "un", "##finished"). A word
gets the vector of its FIRST piece, as in BERT's own named-entity recipe.
"""

import torch

from helpers._checks import check_int
from helpers.pretrained import minilm

DIM = 384  # MiniLM's vector size


@torch.no_grad()
def word_vectors(sentences: list[list[str]], batch_size: int = 64) -> list[torch.Tensor]:
    """For each sentence given as a list of words, a (n_words, 384) tensor: each word's
    contextual MiniLM vector (its first word piece)."""
    if isinstance(sentences, str) or not sentences:
        raise ValueError("sentences must be a non-empty list of word lists")
    for words in sentences:
        if isinstance(words, str) or not words or not all(isinstance(w, str) and w for w in words):
            raise ValueError(f"each sentence must be a non-empty list of words, got {words!r}")
    tokenizer, model = minilm()
    out: list[torch.Tensor] = [torch.empty(0)] * len(sentences)
    for rows in _length_batches([len(s) for s in sentences], batch_size):
        batch = tokenizer(
            [sentences[i] for i in rows],
            is_split_into_words=True,
            padding=True,
            truncation=True,
            return_tensors="pt",
        )
        hidden = model(**batch).last_hidden_state  # (B, T, 384)
        for b, i in enumerate(rows):
            first = first_piece_positions(batch.word_ids(b))
            if len(first) != len(sentences[i]):
                raise ValueError(f"sentence {i} is too long for MiniLM's 512-token window")
            out[i] = hidden[b, first]  # (n_words, 384)
    return out


def first_piece_positions(word_ids: list[int | None]) -> list[int]:
    """Token positions holding the first piece of each word, from a tokenizer's word_ids().

    word_ids gives, for each token, the index of the word it came from (None for [CLS],
    [SEP] and padding): [None, 0, 1, 1, 2, None] -> [1, 2, 4].
    """
    positions, previous = [], None
    for position, word in enumerate(word_ids):
        if word is not None and word != previous:
            positions.append(position)
        previous = word
    return positions


def _length_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (shortest first)."""
    check_int("batch_size", batch_size, low=1)
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
