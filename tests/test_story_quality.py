"""helpers.story_quality: the sample measures of notebook 07, and that they are the card's."""

import pytest
import torch

from helpers.corpora import tiny_tales
from helpers.gpt import GPT, GPTConfig
from helpers.make_checkpoints import MINI_GPT, sample_quality
from helpers.story_quality import grammatical_share, known_word_share, sample_stories, words
from helpers.tokenization import load_tokenizer


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
    ("call", "message"),
    [
        (lambda: grammatical_share("one string"), "list of strings"),
        (lambda: grammatical_share([1]), "must all be str"),
        (lambda: known_word_share(["a"], set()), "non-empty set"),
        (lambda: known_word_share(["a"], ["a"]), "non-empty set"),
        (lambda: words(None), "text must be a str"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_sampling_is_seeded_and_matches_the_cards_measurement(tokenizer):
    """sample_stories with the card's settings gives exactly the stories and the share that
    helpers.make_checkpoints.sample_quality records in the mini GPT's card."""
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
