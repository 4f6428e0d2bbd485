"""Movie-review sentiment: the course's labelled reviews, a seeded split, MiniLM + a linear head."""

import base64

import pytest
import torch

from helpers.applications import sentiment

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def trained():
    return sentiment.train_sentiment(test_fraction=0.25, seed=0)


def test_the_reviews_are_balanced_distinct_and_documented():
    texts, labels = sentiment.load_reviews()
    assert len(texts) == 400 and len(set(texts)) == 400
    assert labels.tolist().count(0) == labels.tolist().count(1) == 200
    assert all(5 <= len(t) <= 120 for t in texts)
    card = sentiment.reviews_card()
    assert "written for this course" in card["source"].lower()
    assert card["license"].startswith("MIT") and card["labels"] == list(sentiment.LABELS)
    assert "Not bad at all, actually one of the better comedies this year." in texts


def test_split_is_seeded_stratified_and_disjoint():
    texts, labels = sentiment.load_reviews()
    a = sentiment.train_test_split(texts, labels, 0.25, seed=0)
    b = sentiment.train_test_split(texts, labels, 0.25, seed=0)
    c = sentiment.train_test_split(texts, labels, 0.25, seed=1)
    assert a.test_texts == b.test_texts and a.test_texts != c.test_texts
    assert len(a.test_texts) == 100 and len(a.train_texts) == 300
    assert a.test_labels.sum() == 50  # 50 positive, 50 negative held out
    assert not set(a.test_texts) & set(a.train_texts)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2])
def test_bad_test_fraction(fraction):
    texts, labels = sentiment.load_reviews()
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        sentiment.train_test_split(texts, labels, fraction)


def test_accuracy_on_the_held_out_split_meets_the_target(trained):
    classifier, split, accuracy, matrix = trained
    assert accuracy >= 0.85, accuracy
    assert matrix.sum() == len(split.test_texts) == 100
    assert matrix.trace() / matrix.sum() == pytest.approx(accuracy)
    assert matrix[1].sum() == 50  # row = true class


def test_confusion_matrix_rows_are_the_true_class():
    matrix = sentiment.confusion_matrix(torch.tensor([0, 0, 1]), torch.tensor([1, 0, 1]))
    assert matrix.tolist() == [[1, 1], [0, 1]]


def test_head_training_is_deterministic_and_learns():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(60, 8, generator=g)
    y = (x[:, 0] > 0).long()
    head_a, losses = sentiment.train_head(x, y, steps=100)
    head_b, _ = sentiment.train_head(x, y, steps=100)
    assert torch.equal(head_a.linear.weight, head_b.linear.weight)
    assert losses[-1] < losses[0] and sentiment.accuracy(head_a(x).argmax(-1), y) > 0.95
    with pytest.raises(ValueError, match="features must be"):
        sentiment.train_head(x[:10], y)


def test_verdicts_and_bad_input(trained):
    classifier = trained[0]
    assert classifier.predict(["A wonderful, moving film.", "Dull and far too long."]) == [
        "positive",
        "negative",
    ]
    assert sentiment.sentiment_text(classifier, "I loved it.").startswith("POSITIVE")
    with pytest.raises(ValueError, match="review must be a non-empty text"):
        sentiment.sentiment_text(classifier, "   ")
    with pytest.raises(TypeError, match="wrap it in"):
        classifier.probabilities("one string")


def test_review_box_reclassifies_what_is_typed(trained):
    box = sentiment.review_box(trained[0], "A wonderful, moving film.")
    text_box, output = box.children

    def shown():
        text = "".join(o["text"] for o in output.outputs if o["output_type"] == "stream")
        pngs = [base64.b64decode(o["data"]["image/png"]) for o in output.outputs if "data" in o]
        return text, pngs

    text, pngs = shown()
    assert text.startswith("POSITIVE") and pngs[0].startswith(b"\x89PNG")
    text_box.value = "Dull, dull, dull. I want my money back."
    new_text, new_pngs = shown()
    assert new_text.startswith("NEGATIVE") and new_pngs[0] != pngs[0]
    text_box.value = ""
    assert shown()[0].startswith("⚠ review must be a non-empty text")
