"""How well a language model writes tiny tales: the numbers notebook 07 watches while it learns.

A model trained on tiny tales first learns which words exist, then how they fit into sentences.
Two numbers follow that progress on sampled text:

- `known_word_share`: the share of the sampled words that occur in a reference text (the
  training stories), so made-up words like "bouged" count against it;
- `grammatical_share`: the share of the sampled complete sentences that the tiny-tales grammar
  accepts (`helpers.corpora.is_grammatical`), the number the mini GPT's card reports.

`sample_stories` draws the stories the way the mini GPT's card does (helpers.make_checkpoints):
each one starts from the end-of-text token, i.e. at the start of a new story, with seeds
`seed, seed + 1, ...`.

    texts = sample_stories(model, tokenizer, n=12, seed=0)
    share, n_sentences = grammatical_share(texts)
"""

import re
from collections.abc import Iterable, Sequence

from helpers.corpora import is_grammatical, split_sentences
from helpers.sampling import generate

__all__ = ["grammatical_share", "known_word_share", "sample_stories", "words"]

STORY_START = "<|endoftext|>"  # the token that ends a story, so what follows starts a new one
_WORD = re.compile(r"[A-Za-z]+")


def sample_stories(
    model,
    tokenizer,
    n: int,
    seed: int = 0,
    temperature: float = 0.8,
    max_new_tokens: int = 160,
) -> list[str]:
    """`n` stories sampled from scratch (seeds seed .. seed + n - 1), each without the leading
    and trailing white space. A story ends at the end-of-text token or after max_new_tokens."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return [
        generate(
            model, tokenizer, STORY_START, max_new_tokens, temperature=temperature, seed=seed + i
        ).completion.strip()
        for i in range(n)
    ]


def grammatical_share(texts: Iterable[str]) -> tuple[float, int]:
    """(share of grammatical sentences, number of sentences checked) over the complete sentences
    of `texts` (a sentence cut off at the end of a sample is not checked). Share 0.0 when there
    is no complete sentence."""
    good = total = 0
    for text in _check_texts(texts):
        sentences = split_sentences(text, complete_only=True)
        good += sum(is_grammatical(s) for s in sentences)
        total += len(sentences)
    return (good / total if total else 0.0), total


def words(text: str) -> list[str]:
    """The words of `text`: runs of ASCII letters ("Mia's red kite." -> Mia, s, red, kite)."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text)


def known_word_share(texts: Iterable[str], known: set[str]) -> float:
    """Share of the words in `texts` that are in `known` (case-sensitive); 0.0 for no words."""
    if not isinstance(known, set | frozenset) or not known:
        raise ValueError("known must be a non-empty set of words, e.g. set(words(training_text))")
    found = [w for text in _check_texts(texts) for w in words(text)]
    return sum(w in known for w in found) / len(found) if found else 0.0


def _check_texts(texts: Iterable[str]) -> Sequence[str]:
    if isinstance(texts, str):
        raise ValueError("texts must be a list of strings, not one string")
    texts = list(texts)
    bad = [type(t).__name__ for t in texts if not isinstance(t, str)]
    if bad:
        raise ValueError(f"texts must all be str, got a {bad[0]}")
    return texts
