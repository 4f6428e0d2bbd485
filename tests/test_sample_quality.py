"""helpers.studies.sample_quality: the sample measures of notebooks 08 and 09, that they are
the mini GPT card's, and the cached trade-off of notebook 09."""

import json

import pytest
import torch

from helpers import checkpoints
from helpers.corpora import tiny_tales
from helpers.gpt import GPT, GPTConfig
from helpers.studies.sample_quality import (
    TRADEOFF,
    distinct_ngrams,
    grammatical_counts,
    grammatical_share,
    known_word_share,
    sample_stories,
    story_samples,
    tradeoff_cell,
    words,
)
from helpers.tokenization import load_tokenizer
from tools.make_checkpoints import MINI_GPT, sample_quality


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer("tiny-tales")


def test_real_stories_are_grammatical_and_cut_off_sentences_are_not_counted():
    stories = tiny_tales(3_000, seed=4).split("\n\n")
    share, n = grammatical_share(stories)
    assert share == 1.0 and n > 20
    cut = [stories[0] + " Then Mia walked to the"]  # the last sentence is incomplete
    assert grammatical_share(cut) == grammatical_share(stories[:1])
    assert grammatical_share(["Mia found an red ball."]) == (0.0, 1)  # "an red": rejected
    assert grammatical_share(["no full stop here"]) == (0.0, 0)
    assert grammatical_share([]) == (0.0, 0)


def test_known_word_share_counts_words_not_characters():
    assert words('Mia\'s red kite, "yes!"') == ["Mia", "s", "red", "kite", "yes"]
    known = {"Mia", "red", "kite"}
    assert known_word_share(["Mia red blorp kite."], known) == pytest.approx(0.75)
    assert known_word_share(["Mia", "zzz"], known) == pytest.approx(0.5)
    assert known_word_share(["!!!"], known) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: grammatical_share("one string"), TypeError, "list of strings"),
        (lambda: grammatical_share([1]), TypeError, "must all be str"),
        (lambda: known_word_share(["a"], set()), ValueError, "non-empty set"),
        (lambda: known_word_share(["a"], ["a"]), TypeError, "non-empty set"),
        (lambda: words(None), TypeError, "text must be a str"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sampling_is_seeded_and_matches_the_cards_measurement(tokenizer):
    """sample_stories with the card's settings gives exactly the stories and the share that
    tools.make_checkpoints.sample_quality records in the mini GPT's card."""
    config = GPTConfig(vocab_size=512, context_length=32, n_layer=1, n_head=2, d_model=16)
    model = GPT(config, seed=3).eval()
    n = 3
    texts = sample_stories(
        model, tokenizer, n, seed=5, temperature=MINI_GPT["temperature"],
        max_new_tokens=MINI_GPT["sample_tokens"],
    )  # fmt: skip
    quality = sample_quality(model, tokenizer, n, seed=5)
    assert texts == quality["samples"]
    share, total = grammatical_share(texts)
    assert (round(share, 4), total) == (quality["grammatical_share"], quality["sentences"])
    again = sample_stories(model, tokenizer, 1, seed=6)
    assert again == sample_stories(model, tokenizer, 1, seed=6)
    assert again != sample_stories(model, tokenizer, 1, seed=7)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        sample_stories(model, tokenizer, 0)
    assert torch.is_grad_enabled()  # generation's no_grad does not leak


# ---------------------------------------------------------------------------------------------
# The trade-off: diversity vs grammatical validity
# ---------------------------------------------------------------------------------------------


def test_words_and_distinct_ngrams_on_hand_examples():
    """One tokenisation: words alone for the known-word share, words and punctuation marks
    (lower-cased) for distinct-n."""
    assert words('Tom said, "Hi!"') == ["Tom", "said", "Hi"]
    text = 'Tom said, "Hi!"'.lower()
    assert words(text, punctuation=True) == ["tom", "said", ",", '"', "hi", "!", '"']
    assert distinct_ngrams(["Tom said hi.", "tom SAID hi ."], 2) == pytest.approx(3 / 6)
    assert distinct_ngrams(["a b a b"], 2) == pytest.approx(2 / 3)  # ab, ba, ab
    assert distinct_ngrams(["a b c", "a b c"], 2) == pytest.approx(2 / 4)
    assert distinct_ngrams(["a b c d"], 3) == 1.0
    assert distinct_ngrams(["a"], 2) == 0.0  # no bigram at all
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        distinct_ngrams(["a b"], 0)


def test_grammatical_counts_counts_complete_sentences_only():
    text = "Soon, it began to rain. Rain began it soon. The end. Sam had a"
    sentences, good = grammatical_counts(text)
    assert sentences == 3  # "Sam had a" is cut off: not counted
    assert good == 2


def test_samples_are_seeded_and_split_at_the_end_of_a_story():
    config = GPTConfig(vocab_size=512, context_length=64, n_layer=2, n_head=2, d_model=32)
    model = GPT(config, seed=0).eval()
    tokenizer = load_tokenizer("tiny-tales")
    a = story_samples(model, tokenizer, 1.0, 0.9, [3, 4], new_tokens=30)
    assert a == story_samples(model, tokenizer, 1.0, 0.9, [3, 4], new_tokens=30)
    assert a[0]["tokens_sha"] != a[1]["tokens_sha"]
    assert all("<|endoftext|>" not in s["text"] for s in a)
    cell = tradeoff_cell(model, tokenizer, 1.0, 0.9, samples=2, seed=3, new_tokens=30)
    assert cell["per_sample"] == [[s["sentences"], s["grammatical"], s["tokens_sha"]] for s in a]


@pytest.fixture(scope="module")
def tradeoff():
    path = checkpoints.data_dir() / "sampling-tradeoff.json"
    assert path.exists(), (
        "data/sampling-tradeoff.json is missing: run "
        "`python -m tools.make_checkpoints sampling-tradeoff` (after the mini-gpt step)"
    )
    return json.loads(path.read_text())


def test_the_cached_tradeoff_matches_its_settings_and_checkpoint(tradeoff):
    assert tradeoff["settings"] == TRADEOFF
    assert tradeoff["mini_gpt_sha256"] == checkpoints.load_card("mini-gpt")["sha256"]
    cells = tradeoff["cells"]
    assert [(c["temperature"], c["top_p"]) for c in cells] == [
        (t, p) for t in TRADEOFF["temperatures"] for p in TRADEOFF["top_ps"]
    ]
    for c in cells:  # the shares are what the per-sample counts add up to
        assert len(c["per_sample"]) == TRADEOFF["samples_per_cell"]
        sentences = sum(s[0] for s in c["per_sample"])
        good = sum(s[1] for s in c["per_sample"])
        assert c["sentences"] == sentences
        assert c["grammatical_share"] == pytest.approx(good / sentences, abs=1e-4)
        assert 0 < c["distinct_2"] <= c["distinct_3"] <= 1


def test_recomputing_samples_of_the_cached_tradeoff_gives_the_same_tokens(tradeoff):
    """Every sample is seeded: recompute the first three of one cell, on one thread as
    make_checkpoints does, and compare token fingerprints and sentence counts exactly."""
    model, _ = checkpoints.load("mini-gpt")
    tokenizer = load_tokenizer("tiny-tales")
    cell = next(c for c in tradeoff["cells"] if c["temperature"] == 1.1 and c["top_p"] == 0.95)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seeds = range(TRADEOFF["seed"], TRADEOFF["seed"] + 3)
        again = story_samples(model, tokenizer, 1.1, 0.95, seeds)
    finally:
        torch.set_num_threads(threads)
    assert [[s["sentences"], s["grammatical"], s["tokens_sha"]] for s in again] == cell[
        "per_sample"
    ][:3]
