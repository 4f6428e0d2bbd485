"""Tests for helpers.corpora.translation_grammar: the toy English -> Spanish corpus and its
checker."""

import random
from collections import Counter

import pytest

from helpers.corpora.translation_grammar import (
    EN_WORDS,
    ES_WORDS,
    MAX_WORDS,
    MIN_WORDS,
    is_valid_translation,
    reference_translation,
    translation_pairs,
)

# Hand-translated examples, written independently of the code (checked against Spanish
# grammar by hand): article and adjective agreement, adjective after the noun, plural
# agreement, the personal "a" and its contraction "al", "a"/"an", relative and joined clauses.
HAND_TRANSLATED = [
    ("the girl sees the red ball", "la niña ve la pelota roja"),
    ("a big dog runs", "un perro grande corre"),
    ("an old cat sleeps", "un gato viejo duerme"),
    ("the boy sees the dog", "el niño ve al perro"),
    ("the dogs follow a girl", "los perros siguen a una niña"),
    ("some hungry cows eat the green apples", "unas vacas hambrientas comen las manzanas verdes"),
    ("the queen opens an old door", "la reina abre una puerta vieja"),
    ("some old men that sing love a cat", "unos hombres viejos que cantan aman a un gato"),
    (
        "the dog that sees the cat runs and the girl has the small ball",
        "el perro que ve al gato corre y la niña tiene la pelota pequeña",
    ),
    (
        "the woman watches the young kings that eat a sweet cake because a mouse sleeps",
        "la mujer mira a los reyes jóvenes que comen un pastel dulce porque un ratón duerme",
    ),
    (
        "a horse carries the white mice but the elephants swim",
        "un caballo lleva a los ratones blancos pero los elefantes nadan",
    ),
]


def test_hand_translated_examples():
    for en, es in HAND_TRANSLATED:
        assert reference_translation(en) == es, en
        assert is_valid_translation(en, es)


@pytest.mark.parametrize(
    "en",
    [
        "a old cat sleeps",  # "an" before a vowel
        "an dog sleeps",  # "a" before a consonant
        "a dogs run",  # "a" with a plural
        "some dog runs",  # "some" with a singular
        "the dogs runs",  # verb agreement
        "the dog run",
        "the ball runs",  # things do not run
        "the dog sees",  # a transitive verb needs an object
        "the dog runs the ball",  # an intransitive verb takes none
        "the dog eats the ball",  # dogs eat food only
        "the cat has the dog",  # "has" takes things and food
        "the dog sees the ball that runs",  # relative clauses are for people and animals
        "the dog red runs",  # adjective after the noun in English
        "the tall ball runs",
        "the dog runs and",
        "the dog runs the cat runs",  # clauses need a conjunction
        "dog runs",
        "The dog runs",  # lowercase only
        "the dog runs .",
        "a mouse that laughs sleeps",  # "laughs" takes people only
        "the dog runs and the cat runs and the cow runs and the boy runs",  # at most 3 clauses
        "",
    ],
)
def test_sentences_outside_the_grammar_are_rejected(en):
    assert not is_valid_translation(en, "el perro corre")
    with pytest.raises(ValueError, match="not a sentence of the toy grammar"):
        reference_translation(en)


def test_every_generated_pair_is_valid():
    for seed in (0, 1, 2):
        for en, es in translation_pairs(1500, seed=seed, min_words=3, max_words=32):
            assert is_valid_translation(en, es), (en, es)
    for en, es in translation_pairs(300, seed=3, min_words=40, max_words=MAX_WORDS):
        assert is_valid_translation(en, es), (en, es)


def test_format_lowercase_single_spaces_known_words():
    pairs = translation_pairs(3000, seed=4)
    en_seen, es_seen = set(), set()
    for en, es in pairs:
        for text in (en, es):
            assert text == text.lower() == text.strip() and "  " not in text
            assert not any(c in text for c in ".,;:!?")
        en_seen.update(en.split())
        es_seen.update(es.split())
    assert en_seen <= set(EN_WORDS) and es_seen <= set(ES_WORDS)
    # the vocabularies list nothing the grammar cannot produce
    assert en_seen == set(EN_WORDS) and es_seen == set(ES_WORDS)
    assert list(EN_WORDS) == sorted(set(EN_WORDS)) and list(ES_WORDS) == sorted(set(ES_WORDS))


# Every Spanish adjective form, written out here rather than taken from the module.
SPANISH_ADJECTIVES = {
    stem + ending
    for stem in ("roj", "negr", "blanc", "pequeñ", "viej", "nuev", "alt", "hambrient", "fresc")
    for ending in ("o", "a", "os", "as")
}
SPANISH_ADJECTIVES |= {"azul", "azules", "verde", "verdes", "grande", "grandes", "joven"}
SPANISH_ADJECTIVES |= {"jóvenes", "feliz", "felices", "dulce", "dulces"}


def _mutations(es: str, rng: random.Random) -> dict[str, str]:
    """Wrong versions of a correct Spanish translation."""
    words = es.split()
    out = {}
    gender_swap = {"el": "la", "la": "el", "un": "una", "una": "un", "los": "las", "las": "los"}
    idx = [i for i, w in enumerate(words) if w in gender_swap]
    if idx:
        i = rng.choice(idx)
        out["wrong gender article"] = words[:i] + [gender_swap[words[i]]] + words[i + 1 :]
    pos = [i for i in range(1, len(words)) if words[i] in SPANISH_ADJECTIVES]
    if pos:  # a word after a noun that may be its adjective: move it before the noun
        i = rng.choice(pos)
        out["adjective before noun"] = words[: i - 1] + [words[i], words[i - 1]] + words[i + 1 :]
    i = rng.randrange(len(words))
    out["dropped word"] = words[:i] + words[i + 1 :]
    pairs = [i for i in range(len(words) - 1) if words[i] != words[i + 1]]
    i = rng.choice(pairs)
    out["swapped adjacent words"] = words[:i] + [words[i + 1], words[i]] + words[i + 2 :]
    verbs = ["ve", "ven", "corre", "corren", "duerme", "duermen", "come", "comen", "ama", "aman"]
    idx = [i for i, w in enumerate(words) if w in verbs]
    if idx:
        i = rng.choice(idx)
        other = rng.choice([v for v in verbs if v != words[i]])
        out["wrong verb"] = words[:i] + [other] + words[i + 1 :]
    out["personal a dropped"] = [w for w in words if w != "a"] if "a" in words else None
    out["extra word"] = words + ["y"]
    return {k: " ".join(v) for k, v in out.items() if v is not None}


def test_mutated_translations_are_rejected():
    rng = random.Random(0)
    seen = Counter()
    for en, es in translation_pairs(600, seed=5):
        for kind, wrong in _mutations(es, rng).items():
            assert wrong != es
            assert not is_valid_translation(en, wrong), (kind, en, wrong)
            seen[kind] += 1
    assert SPANISH_ADJECTIVES <= set(ES_WORDS)
    assert len(seen) == 7 and min(seen.values()) >= 50, seen  # every kind was exercised


def test_english_side_mutations_are_rejected():
    rng = random.Random(1)
    for en, es in translation_pairs(300, seed=6, min_words=5):
        words = en.split()
        i = rng.randrange(len(words))
        assert not is_valid_translation(" ".join(words[:i] + words[i + 1 :]), es)


def test_whitespace_is_normalised_case_is_not():
    en, es = translation_pairs(1, seed=7)[0]
    assert is_valid_translation(f"  {en} ", es.replace(" ", "   "))
    assert not is_valid_translation(en, es.upper())


def test_same_seed_same_pairs_other_seed_other_pairs():
    assert translation_pairs(200, seed=8) == translation_pairs(200, seed=8)
    assert translation_pairs(200, seed=8) != translation_pairs(200, seed=9)


def test_lengths_respected_and_spread_uniformly():
    pairs = translation_pairs(6000, seed=10, min_words=5, max_words=34)
    counts = Counter(len(en.split()) for en, _ in pairs)
    assert sorted(counts) == list(range(5, 35))  # every length, nothing outside
    mean = 6000 / 30
    assert all(0.7 * mean < c < 1.3 * mean for c in counts.values()), counts
    assert {
        len(en.split()) for en, _ in translation_pairs(50, seed=0, min_words=7, max_words=7)
    } == {7}


def test_range_of_the_grammar():
    assert MIN_WORDS == 3 and MAX_WORDS >= 32
    assert {
        len(en.split()) for en, _ in translation_pairs(20, seed=0, min_words=3, max_words=3)
    } == {3}
    longest = translation_pairs(5, seed=0, min_words=MAX_WORDS, max_words=MAX_WORDS)
    assert all(len(en.split()) == MAX_WORDS and is_valid_translation(en, es) for en, es in longest)


def test_adjective_follows_noun_in_spanish():
    en, es = "the girl sees the red ball", reference_translation("the girl sees the red ball")
    assert en.split().index("red") < en.split().index("ball")
    assert es.split().index("roja") > es.split().index("pelota")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n": 0}, ValueError, r"n must be an integer >= 1, got 0"),
        ({"n": 2.5}, TypeError, r"n must be an integer"),
        ({"n": 5, "min_words": 2}, ValueError,
         rf"min_words must be an integer in \[3, {MAX_WORDS}\], got 2"),
        ({"n": 5, "max_words": MAX_WORDS + 1}, ValueError,
         rf"max_words must be an integer in \[3, {MAX_WORDS}\]"),
        ({"n": 5, "min_words": 10, "max_words": 9}, ValueError, r"min_words must be <= max_words"),
        ({"n": 5, "seed": "x"}, TypeError, r"seed must be an integer"),
    ],
)  # fmt: skip
def test_bad_arguments_raise(kwargs, error, message):
    with pytest.raises(error, match=message):
        translation_pairs(**kwargs)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="en and es must be str"):
        is_valid_translation(None, "el perro corre")
    with pytest.raises(TypeError, match="en must be a str"):
        reference_translation(["the", "dog", "runs"])
