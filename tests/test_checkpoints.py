"""Tests for helpers.checkpoints: save/load round trip, checksum verification, clear errors,
and the committed translators of notebooks 02-03 (they load and meet the issue's numbers)."""

import json

import pytest
import torch

from helpers import checkpoints
from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS, reference_translation
from helpers.seq2seq import Seq2Seq, Vocab, translate

SEQ2SEQ = ("seq2seq-bottleneck", "seq2seq-attention")


def _tiny_model(attention: bool = True) -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq.from_vocabs(
        Vocab(EN_WORDS), Vocab(ES_WORDS), emb_dim=8, hidden_dim=12, attention=attention
    )


def _card(model: Seq2Seq) -> dict:
    return {
        "kind": "seq2seq",
        "config": model.config.to_dict(),
        "vocabularies": {"source": model.src_vocab.to_dict(), "target": model.tgt_vocab.to_dict()},
    }


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("attention", [False, True])
def test_save_load_round_trip(tmp_path, attention):
    model = _tiny_model(attention)
    card = checkpoints.save("tiny", model, _card(model), folder=tmp_path)
    assert card["name"] == "tiny" and card["weights"] == "tiny.safetensors"
    assert card["sha256"] == checkpoints.sha256_of(tmp_path / "tiny.safetensors")
    assert (
        json.loads((tmp_path / "tiny.json").read_text())
        == card
        == checkpoints.load_card("tiny", tmp_path)
    )
    loaded, loaded_card = checkpoints.load("tiny", tmp_path)
    assert loaded_card == card and not loaded.training
    assert loaded.src_vocab == model.src_vocab and loaded.tgt_vocab == model.tgt_vocab
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    sentence = "the girl sees the red ball"
    assert translate(loaded, sentence) == translate(model.eval(), sentence)


def test_corrupt_weights_error_names_the_file_and_the_mismatch(tmp_path):
    model = _tiny_model()
    card = checkpoints.save("tiny", model, _card(model), folder=tmp_path)
    weights = tmp_path / "tiny.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # flip the bits of one byte of one weight
    weights.write_bytes(bytes(data))
    actual = checkpoints.sha256_of(weights)
    with pytest.raises(ValueError, match="checksum mismatch for tiny.safetensors") as error:
        checkpoints.load("tiny", tmp_path)
    assert card["sha256"] in str(error.value) and actual in str(error.value)


def test_truncated_weights_are_caught_before_reading(tmp_path):
    model = _tiny_model()
    checkpoints.save("tiny", model, _card(model), folder=tmp_path)
    weights = tmp_path / "tiny.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ValueError, match="checksum mismatch for tiny.safetensors"):
        checkpoints.load("tiny", tmp_path)


def test_unknown_name_lists_the_known_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint card nope.json") as error:
        checkpoints.load("nope", tmp_path)
    for name in checkpoints.NAMES:
        assert name in str(error.value)
    assert "make checkpoints" in str(error.value)


def test_save_needs_kind_and_config(tmp_path):
    with pytest.raises(ValueError, match="card must contain 'kind' and 'config'"):
        checkpoints.save("tiny", _tiny_model(), {"config": {}}, folder=tmp_path)


def test_unknown_kind_is_refused(tmp_path):
    model = _tiny_model()
    checkpoints.save("tiny", model, {**_card(model), "kind": "lstm"}, folder=tmp_path)
    with pytest.raises(ValueError, match="card kind must be one of .*, got 'lstm'"):
        checkpoints.load("tiny", tmp_path)


# --------------------------------------------------------------------------- committed translators


def _committed(name: str):
    if not (checkpoints.data_dir() / f"{name}.json").exists():
        pytest.fail(f"data/{name}.json is missing: run `make checkpoints`")
    return checkpoints.load(name)


@pytest.mark.parametrize("name", SEQ2SEQ)
def test_committed_translators_load_and_translate(name):
    model, card = _committed(name)
    assert card["kind"] == "seq2seq" and card["config"]["attention"] == (name.endswith("attention"))
    sentence = "the girl sees the red ball"
    assert translate(model, sentence) == reference_translation(sentence)


def test_committed_cards_measured_on_a_held_out_set_of_3_to_32_words():
    for name in SEQ2SEQ:
        card = checkpoints.load_card(name)
        t = card["training"]
        assert t["test_pairs"] >= 1000 and t["test_seed"] != t["train_seed"]
        rows = card["metrics"]["test_accuracy_by_length"]
        assert rows[0]["min_words"] == 3 and rows[-1]["max_words"] == 32
        assert sum(r["n"] for r in rows) == t["test_pairs"]


def test_committed_cards_meet_the_issues_numbers():
    """The bottleneck's longest bucket is >= 30 points below its shortest; attention keeps
    >= 90% token accuracy in the longest bucket."""
    bottleneck = checkpoints.load_card("seq2seq-bottleneck")["metrics"]["test_accuracy_by_length"]
    attention = checkpoints.load_card("seq2seq-attention")["metrics"]["test_accuracy_by_length"]
    assert bottleneck[0]["token_accuracy"] - bottleneck[-1]["token_accuracy"] >= 0.30
    assert attention[-1]["token_accuracy"] >= 0.90
