"""Named entity recognition: a token-classification head on MiniLM's word vectors (notebook 10).

Every word of a sentence gets a tag: PER (a person's name), LOC (a named place) or O (other).
The labelled data costs nothing here: the tiny-tales grammar knows which words are names and
places (helpers.corpora.tiny_tales.entity_tags), so we can generate as many tagged sentences as we
like, and held-out ones from other seeds.

The tagger is BERT's recipe for named entities in miniature: a pretrained encoder gives each
word a vector that depends on its context (helpers.pretrained.features.word_vectors), and a linear
head (384 -> 3) trained with cross-entropy turns each vector into tag scores. MiniLM is frozen,
so its vectors are computed once and training the head takes a second.

Scores are counted per entity, not per word, as in the CoNLL shared task: an entity is a run of
words with the same tag ("Pine Lake" is one LOC), and a predicted entity counts as correct
only if its words and its tag both match exactly.
"""

import random
from dataclasses import dataclass

import torch

from helpers._checks import check_int
from helpers.applications.linear_head import LinearHead, fit_linear_head
from helpers.corpora import entity_tags, split_sentences, tiny_tales
from helpers.pretrained.features import word_vectors

TAGS = ("O", "PER", "LOC")  # class index -> tag
ENTITY_TYPES = ("PER", "LOC")


@dataclass(frozen=True)
class TaggedSentence:
    words: list[str]
    tags: list[str]  # one of TAGS per word


def ner_dataset(
    n: int, seed: int, exclude: set[str] | frozenset = frozenset(), place_share: float = 0.5
) -> list[TaggedSentence]:
    """`n` distinct tiny-tales sentences that mention at least one name or named place.

    Named places are rare in the stories (about one sentence in fifteen), so `place_share` of
    the sentences (rounded down) are ones that mention a named place, the rest mention only
    names; both kinds keep the order in which the generator (seeded by `seed`) wrote them.
    Sentences whose words (joined by single spaces) are in `exclude` are skipped, so a test
    set can leave out every training sentence.
    """
    check_int("n", n, low=1)
    check_int("seed", seed, low=0)
    if not 0 <= place_share <= 1:
        raise ValueError(f"place_share must be in [0, 1], got {place_share!r}")
    wanted = {"LOC": int(n * place_share), "PER": n - int(n * place_share)}
    n_chars = 200 * n
    for _ in range(6):  # each round generates twice as much text as the one before
        picked: list[tuple[int, TaggedSentence]] = []
        count = {"LOC": 0, "PER": 0}
        seen = set(exclude)
        for k, sentence in enumerate(split_sentences(tiny_tales(n_chars, seed))):
            pairs = entity_tags(sentence)
            tags = [t for _, t in pairs]
            kind = "LOC" if "LOC" in tags else "PER" if "PER" in tags else None
            key = " ".join(w for w, _ in pairs)
            if kind is None or key in seen or count[kind] == wanted[kind]:
                continue
            seen.add(key)
            count[kind] += 1
            picked.append((k, TaggedSentence([w for w, _ in pairs], tags)))
            if count == wanted:
                return [s for _, s in sorted(picked, key=lambda item: item[0])]
        n_chars *= 2  # not enough new sentences of each kind yet: generate a longer text
    raise ValueError(
        f"n is too large: found only {count} distinct new sentences of the {wanted} asked for"
    )


def sentence_key(sentence: TaggedSentence) -> str:
    """The words of a sentence joined by spaces: what `ner_dataset(exclude=...)` compares."""
    return " ".join(sentence.words)


def features(sentences: list[TaggedSentence]) -> list[torch.Tensor]:
    """MiniLM's contextual vector of every word: one (n_words, 384) tensor per sentence."""
    return word_vectors([s.words for s in sentences])


def train_tagger(
    vectors: list[torch.Tensor],
    sentences: list[TaggedSentence],
    steps: int = 200,
    lr: float = 0.05,
    weight_decay: float = 1e-4,
) -> tuple[LinearHead, list[float]]:
    """Fit the head on all words at once (full batch, Adam). Returns (tagger, losses)."""
    if len(vectors) != len(sentences) or not sentences:
        raise ValueError(
            f"vectors and sentences must be non-empty and match: {len(vectors)}, {len(sentences)}"
        )
    check_int("steps", steps, low=1)
    x = torch.cat(vectors)  # (N_words, 384)
    y = torch.tensor([TAGS.index(t) for s in sentences for t in s.tags])  # (N_words,)
    if len(x) != len(y):
        raise ValueError("each sentence needs one vector per word")
    return fit_linear_head(x, y, len(TAGS), steps, lr, weight_decay)


@torch.no_grad()
def predict_tags(tagger: LinearHead, vectors: list[torch.Tensor]) -> list[list[str]]:
    """The tagger's tag for every word of every sentence."""
    return [[TAGS[i] for i in tagger(v).argmax(dim=-1).tolist()] for v in vectors]


def tag_words(tagger: LinearHead, words: list[str]) -> list[tuple[str, str]]:
    """Tag one sentence given as a list of words: [(word, tag), ...]."""
    (tags,) = predict_tags(tagger, word_vectors([words]))
    return list(zip(words, tags, strict=True))


def entity_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """The entities in a tag sequence as (start, end, type), end exclusive.

    A run of neighbouring words with the same entity tag is one entity:
    ["O", "LOC", "LOC", "O", "PER"] -> [(1, 3, "LOC"), (4, 5, "PER")].
    """
    spans, start = [], None
    for i, tag in enumerate([*tags, "O"]):  # a final "O" closes a run at the end
        if start is not None and tag != tags[start]:
            spans.append((start, i, tags[start]))
            start = None
        if start is None and tag != "O" and i < len(tags):
            start = i
    return spans


def entity_scores(true_tags: list[list[str]], predicted_tags: list[list[str]]) -> dict:
    """Per entity type (and "all"): precision, recall, F1 and support (true entities).

    precision = correct / predicted, recall = correct / true, F1 = their harmonic mean;
    a predicted entity is correct when start, end and type all match a true one.
    """
    if len(true_tags) != len(predicted_tags):
        raise ValueError(
            f"true_tags and predicted_tags must hold the same number of sentences, got "
            f"{len(true_tags)} and {len(predicted_tags)}"
        )
    counts = {t: [0, 0, 0] for t in (*ENTITY_TYPES, "all")}  # correct, predicted, true
    for k, (truth, guess) in enumerate(zip(true_tags, predicted_tags, strict=True)):
        if len(truth) != len(guess):
            raise ValueError(f"sentence {k}: {len(truth)} true tags but {len(guess)} predicted")
        true_spans, guessed = set(entity_spans(truth)), set(entity_spans(guess))
        for kind in (*ENTITY_TYPES, "all"):
            t = {s for s in true_spans if kind in ("all", s[2])}
            g = {s for s in guessed if kind in ("all", s[2])}
            counts[kind][0] += len(t & g)
            counts[kind][1] += len(g)
            counts[kind][2] += len(t)
    scores = {}
    for kind, (correct, predicted, true) in counts.items():
        precision = correct / predicted if predicted else 0.0
        recall = correct / true if true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[kind] = {"precision": precision, "recall": recall, "f1": f1, "support": true}
    return scores


def scores_table(scores: dict) -> str:
    """The scores as a small fixed-width table (3 decimals)."""
    lines = [f"{'entity':<8}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}"]
    for kind, s in scores.items():
        lines.append(
            f"{kind:<8}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['support']:>9}"
        )
    return "\n".join(lines)


# Names and places the grammar never uses: for a test of what the tagger learnt beyond its list.
UNSEEN_NAMES = ("Priya", "Omar", "Chen", "Lucas", "Amara", "Tomas", "Yuki", "Kofi")
UNSEEN_PLACES = (("Cedar", "Cove"), ("Stone", "Bridge"), ("Lark", "Valley"), ("Amber", "Bay"))


def with_unseen_entities(sentences: list[TaggedSentence], seed: int = 0) -> list[TaggedSentence]:
    """The same sentences with every name and named place swapped for ones the tiny-tales
    grammar never uses (one consistent swap per sentence), tags unchanged."""
    rng = random.Random(seed)
    out = []
    for s in sentences:
        names = {w for w, t in zip(s.words, s.tags, strict=True) if t == "PER"}
        name_map = dict(zip(sorted(names), rng.sample(UNSEEN_NAMES, len(names)), strict=True))
        place = rng.choice(UNSEEN_PLACES)
        out.append(_swap(s, name_map, place))
    return out


def _swap(s: TaggedSentence, name_map: dict, place: tuple[str, ...]) -> TaggedSentence:
    words, tags, i = [], [], 0
    spans = {start: (end, kind) for start, end, kind in entity_spans(s.tags)}
    while i < len(s.words):
        if i in spans:
            end, kind = spans[i]
            new = [name_map[w] for w in s.words[i:end]] if kind == "PER" else list(place)
            words += new
            tags += [kind] * len(new)
            i = end
        else:
            words.append(s.words[i])
            tags.append(s.tags[i])
            i += 1
    return TaggedSentence(words, tags)
