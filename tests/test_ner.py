"""Named entities: tiny-tales tags, a linear head on MiniLM word vectors, entity-level scores."""

import pytest

from helpers.applications import ner

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data():
    train = ner.ner_dataset(300, seed=1)
    test = ner.ner_dataset(200, seed=2, exclude={ner.sentence_key(s) for s in train})
    tagger, losses = ner.train_tagger(ner.features(train), train)
    return train, test, tagger, losses


def test_dataset_is_seeded_distinct_and_half_places():
    a, b = ner.ner_dataset(40, seed=3), ner.ner_dataset(40, seed=3)
    assert a == b and a != ner.ner_dataset(40, seed=4)
    keys = [ner.sentence_key(s) for s in a]
    assert len(set(keys)) == 40
    assert sum("LOC" in s.tags for s in a) == 20
    assert all(set(s.tags) - {"O"} for s in a)  # every sentence names someone or somewhere
    assert all(len(s.words) == len(s.tags) for s in a)


def test_held_out_sentences_are_new(data):
    train, test, _, _ = data
    assert not {ner.sentence_key(s) for s in train} & {ner.sentence_key(s) for s in test}
    assert len(test) == 200


def test_f1_on_held_out_sentences_meets_the_target(data):
    _, test, tagger, losses = data
    assert losses[-1] < 0.01 < losses[0]
    predicted = ner.predict_tags(tagger, ner.features(test))
    scores = ner.entity_scores([s.tags for s in test], predicted)
    assert scores["all"]["f1"] >= 0.95, scores
    assert scores["PER"]["f1"] >= 0.95 and scores["LOC"]["f1"] >= 0.9
    assert scores["LOC"]["support"] >= 100  # half the sentences name a place


def test_tagger_on_words_it_never_saw(data):
    tagger = data[2]
    tagged = dict(ner.tag_words(tagger, "Yesterday , Omar visited Stone Bridge .".split()))
    assert tagged["Omar"] == "PER" and tagged["Yesterday"] == "O"


def test_unseen_entities_keep_the_tags():
    sentences = ner.ner_dataset(30, seed=5)
    swapped = ner.with_unseen_entities(sentences, seed=0)
    assert swapped == ner.with_unseen_entities(sentences, seed=0)
    names = set(ner.UNSEEN_NAMES) | {w for p in ner.UNSEEN_PLACES for w in p}
    for old, new in zip(sentences, swapped, strict=True):
        assert [k for _, _, k in ner.entity_spans(old.tags)] == [
            k for _, _, k in ner.entity_spans(new.tags)
        ]
        assert all(w in names for w, t in zip(new.words, new.tags, strict=True) if t != "O")
        assert [w for w, t in zip(old.words, old.tags, strict=True) if t == "O"] == [
            w for w, t in zip(new.words, new.tags, strict=True) if t == "O"
        ]


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["O", "LOC", "LOC", "O", "PER"], [(1, 3, "LOC"), (4, 5, "PER")]),
        (["PER", "PER", "LOC"], [(0, 2, "PER"), (2, 3, "LOC")]),
        (["O", "O"], []),
        ([], []),
    ],
)
def test_entity_spans(tags, spans):
    assert ner.entity_spans(tags) == spans


def test_entity_scores_count_whole_entities():
    truth = [["PER", "O", "LOC", "LOC"], ["O", "PER"]]
    guess = [["PER", "O", "LOC", "O"], ["O", "PER"]]  # half a place is a wrong place
    scores = ner.entity_scores(truth, guess)
    assert scores["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert scores["LOC"]["precision"] == 0.0 and scores["LOC"]["support"] == 1
    assert scores["all"]["precision"] == pytest.approx(2 / 3)
    assert scores["all"]["recall"] == pytest.approx(2 / 3)
    assert "LOC" in ner.scores_table(scores)


def test_bad_inputs():
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        ner.ner_dataset(0, seed=1)
    with pytest.raises(ValueError, match="seed must be"):
        ner.ner_dataset(5, seed=-1)
    with pytest.raises(ValueError, match="place_share must be in"):
        ner.ner_dataset(5, seed=1, place_share=2)
    with pytest.raises(ValueError, match="same number of sentences"):
        ner.entity_scores([["O"]], [])
    with pytest.raises(ValueError, match="sentence 0"):
        ner.entity_scores([["O"]], [["O", "PER"]])
    with pytest.raises(ValueError, match="must be non-empty and match"):
        ner.train_tagger([], [])


def test_too_many_sentences_asked_for(monkeypatch):
    story = "Mia lived near Pine Lake. Mia ran. Leo ran."
    monkeypatch.setattr(ner, "tiny_tales", lambda n_chars, seed: story)
    assert len(ner.ner_dataset(2, seed=0)) == 2
    with pytest.raises(ValueError, match="n is too large: found only"):
        ner.ner_dataset(4, seed=0)
