"""Text classification: movie-review sentiment from MiniLM sentence embeddings (notebook 10).

The recipe behind most "classify this text" products: a pretrained encoder turns each text into
a vector (notebook 01's sentence embeddings), and a small head trained on a few hundred labelled
examples maps the vector to a label. Here the head is logistic regression, written in torch: one
linear layer (384 -> 2) trained with cross-entropy and an L2 penalty, full batch, in a second.

The reviews (data/reviews.json) were written for this course: 200 positive, 200 negative.
"""

import functools
import json
from dataclasses import dataclass

import ipywidgets as widgets
import torch

from helpers.applications.linear_head import LinearHead, fit_linear_head
from helpers.checkpoints import data_dir
from helpers.embeddings import sentence_embeddings

LABELS = ("negative", "positive")  # class index -> label
REVIEWS_FILE = "reviews.json"


@dataclass(frozen=True)
class Split:
    """A seeded, stratified train/test split of the reviews."""

    train_texts: list[str]
    train_labels: torch.Tensor  # (N_train,) int64, 0 = negative, 1 = positive
    test_texts: list[str]
    test_labels: torch.Tensor  # (N_test,)


def load_reviews() -> tuple[list[str], torch.Tensor]:
    """(texts, labels) of the course's labelled reviews; labels (N,) int64 index LABELS."""
    doc = _reviews_document()
    texts = [r["text"] for r in doc["reviews"]]
    labels = torch.tensor([LABELS.index(r["label"]) for r in doc["reviews"]])
    return texts, labels


def reviews_card() -> dict:
    """The data set's own description: name, description, source, license, labels."""
    return {k: v for k, v in _reviews_document().items() if k != "reviews"}


def train_test_split(
    texts: list[str], labels: torch.Tensor, test_fraction: float = 0.25, seed: int = 0
) -> Split:
    """Shuffle each class with `seed` and hold out `test_fraction` of it (stratified)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if len(texts) != len(labels):
        raise ValueError(f"texts and labels must have the same length: {len(texts)}, {len(labels)}")
    rng = torch.Generator().manual_seed(seed)
    train_idx, test_idx = [], []
    for label in sorted(set(labels.tolist())):
        idx = torch.nonzero(labels == label).flatten()
        idx = idx[torch.randperm(len(idx), generator=rng)].tolist()
        n_test = round(len(idx) * test_fraction)
        test_idx += idx[:n_test]
        train_idx += idx[n_test:]
    train_idx, test_idx = sorted(train_idx), sorted(test_idx)
    return Split(
        [texts[i] for i in train_idx],
        labels[train_idx],
        [texts[i] for i in test_idx],
        labels[test_idx],
    )


def train_head(
    features: torch.Tensor,
    labels: torch.Tensor,
    steps: int = 300,
    lr: float = 0.1,
    weight_decay: float = 1e-2,
) -> tuple[LinearHead, list[float]]:
    """Fit a logistic-regression head on (N, d) features, full batch with Adam.

    Deterministic: the head starts at zero and every step uses all the data.
    Returns (head in eval mode, training loss after each step).
    """
    return fit_linear_head(features, labels, int(labels.max()) + 1, steps, lr, weight_decay)


def accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of predictions equal to the labels."""
    return float((predicted == labels).float().mean())


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, n_classes: int = 2):
    """(n_classes, n_classes) counts: row = true class, column = predicted class."""
    matrix = torch.zeros(n_classes, n_classes, dtype=torch.int64)
    for t, p in zip(labels.tolist(), predicted.tolist(), strict=True):
        matrix[t, p] += 1
    return matrix


class SentimentClassifier:
    """MiniLM sentence embeddings + a trained logistic-regression head."""

    def __init__(self, head: LinearHead):
        self.head = head

    @torch.no_grad()
    def probabilities(self, texts: list[str]) -> torch.Tensor:
        """(N, 2) probabilities of (negative, positive) for each text."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, got one string: wrap it in [...]")
        if not texts or any(not isinstance(t, str) or not t.strip() for t in texts):
            raise ValueError("texts must be a non-empty list of non-empty strings (a review)")
        return self.head(sentence_embeddings(texts)).softmax(dim=-1)

    def predict(self, texts: list[str]) -> list[str]:
        return [LABELS[i] for i in self.probabilities(texts).argmax(dim=-1).tolist()]


def sentiment_text(classifier: SentimentClassifier, review: str) -> str:
    """One line for the review box: the verdict and both probabilities."""
    if not isinstance(review, str) or not review.strip():
        raise ValueError("review must be a non-empty text: type a sentence about a film")
    p = classifier.probabilities([review])[0]
    verdict = LABELS[int(p.argmax())]
    return f"{verdict.upper()}   (negative {p[0]:.2f}, positive {p[1]:.2f})"


def review_box(classifier: SentimentClassifier, review: str = "Not bad at all!") -> widgets.VBox:
    """A text box (press Enter to classify) above the classifier's verdict."""
    from helpers.plots import ProbabilityBars
    from helpers.widgets.base import live_view

    chart = ProbabilityBars(list(LABELS), title="P(label | review)")

    def render(review):
        text = sentiment_text(classifier, review)
        return text, chart.png(classifier.probabilities([review])[0].numpy(), None)

    box = widgets.Text(
        value=review,
        description="your review",
        continuous_update=False,  # classify on Enter (or when the box loses focus)
        layout=widgets.Layout(width="90%"),
        style={"description_width": "initial"},
    )
    return live_view({"review": box}, render)


def train_sentiment(test_fraction: float = 0.25, seed: int = 0):
    """The whole recipe in one call: (classifier, split, test accuracy, confusion matrix)."""
    texts, labels = load_reviews()
    split = train_test_split(texts, labels, test_fraction, seed)
    head, _ = train_head(sentence_embeddings(split.train_texts), split.train_labels)
    classifier = SentimentClassifier(head)
    predicted = classifier.probabilities(split.test_texts).argmax(dim=-1)
    return (
        classifier,
        split,
        accuracy(predicted, split.test_labels),
        confusion_matrix(split.test_labels, predicted),
    )


@functools.cache
def _reviews_document() -> dict:
    path = data_dir() / REVIEWS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"the reviews file {REVIEWS_FILE} is missing from data/")
    return json.loads(path.read_text(encoding="utf-8"))
