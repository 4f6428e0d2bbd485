"""Embeddings as vectors: sentence embeddings, cosine similarity and semantic search.

Sentence embeddings are MiniLM's token vectors averaged over the real (non-padding) tokens and
scaled to length 1, exactly what sentence-transformers does for all-MiniLM-L6-v2 (a test
checks the two agree). `word_in_context` is the vector of one word inside one sentence: the
"bank" of notebook 04 gets a different vector by a river than at a counter.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from helpers._checks import check_int
from helpers.pretrained import encode, minilm


@torch.no_grad()
def sentence_embeddings(sentences: list[str], batch_size: int = 64) -> torch.Tensor:
    """(N, 384) unit-length embeddings of N sentences (mean pooling over real tokens).

    Sentences run through MiniLM in batches of similar length, so there is little padding;
    padding never changes the result (it is masked), only the time.
    """
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, got one string: wrap it in [...]")
    if not sentences or any(not isinstance(s, str) or not s.strip() for s in sentences):
        raise ValueError("sentences must be a non-empty list of non-empty strings")
    check_int("batch_size", batch_size, low=1)
    tokenizer, model = minilm()
    out = torch.empty(len(sentences), model.config.hidden_size)
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch = tokenizer([sentences[i] for i in rows], padding=True, truncation=True,
                          return_tensors="pt")  # fmt: skip
        hidden = model(**batch).last_hidden_state  # (B, T, 384)
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1): 0 on padding
        out[rows] = F.normalize((hidden * mask).sum(dim=1) / mask.sum(dim=1), dim=-1)  # (B, 384)
    return out


def cosine_similarity_matrix(a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """(N, M) cosine similarities between the rows of a (N, d) and b (M, d) (b defaults to a)."""
    b = a if b is None else b
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a and b must be (N, d) and (M, d), got {tuple(a.shape)}, {tuple(b.shape)}"
        )
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T


@dataclass(frozen=True)
class SearchHit:
    """One result of a semantic search."""

    score: float  # cosine similarity between the query and the sentence, in [-1, 1]
    sentence: str
    index: int  # position in the searched collection


class SemanticSearch:
    """Search a fixed collection of sentences by meaning rather than by shared words.

    The collection is embedded once; each query costs one MiniLM forward pass.
    """

    def __init__(self, sentences: list[str]):
        self.sentences = list(sentences)
        self.embeddings = sentence_embeddings(self.sentences)  # (N, 384)

    def search(self, query: str, top_k: int = 5) -> list[SearchHit]:
        if not isinstance(query, str) or not query.strip():
            raise ValueError("query must be a non-empty string")
        check_int("top_k", top_k, low=1)
        scores = (sentence_embeddings([query]) @ self.embeddings.T)[0]  # (N,)
        best = torch.argsort(scores, descending=True, stable=True)[:top_k]
        return [SearchHit(round(float(scores[i]), 4), self.sentences[i], int(i)) for i in best]


def word_in_context(sentence: str, word: str) -> torch.Tensor:
    """MiniLM's (384,) vector for `word` inside `sentence`: its word pieces' vectors averaged.

    The word must appear exactly once (case-insensitive, as whole word pieces).
    """
    tokenizer, _ = minilm()
    batch, hidden, _ = encode([sentence])
    pieces = tokenizer.tokenize(word)
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
    starts = [i for i in range(len(tokens)) if tokens[i : i + len(pieces)] == pieces]
    if len(starts) != 1:
        raise ValueError(
            f"word must appear exactly once in sentence, found {len(starts)} times "
            f"({word!r} -> pieces {pieces}; sentence tokens {tokens})"
        )
    start = starts[0]
    return hidden[0, start : start + len(pieces)].mean(dim=0)


def static_embedding(word: str) -> torch.Tensor:
    """MiniLM's input (lookup-table) vector for `word`: the same whatever the sentence."""
    tokenizer, model = minilm()
    ids = tokenizer(word, add_special_tokens=False, return_tensors="pt")["input_ids"][0]
    return model.get_input_embeddings().weight[ids].mean(dim=0).detach()
