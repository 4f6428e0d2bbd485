"""Tests for helpers.studies.seq2seq (the measurements of notebooks 02-03) and the reference
solutions of their exercises, cross-checked against torch."""

import matplotlib.pyplot as plt
import pytest
import torch

from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS, translation_pairs
from helpers.exercises.bank import nb02, nb03
from helpers.seq2seq import (
    AdditiveAttention,
    Seq2Seq,
    Vocab,
    accuracy_by_position,
    translate,
    translate_with_attention,
)
from helpers.studies import seq2seq as studies

SRC, TGT = Vocab(EN_WORDS), Vocab(ES_WORDS)
PAIRS = translation_pairs(12, seed=3, min_words=3, max_words=14)


def _model(attention: bool, seed: int = 0) -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq.from_vocabs(SRC, TGT, emb_dim=8, hidden_dim=12, attention=attention).eval()


# --------------------------------------------------------------------------- data


def test_reverse_source_reverses_only_the_source_words():
    assert studies.reverse_source([("the dog runs", "el perro corre")]) == [
        ("runs dog the", "el perro corre")
    ]
    twice = studies.reverse_source(studies.reverse_source(PAIRS))
    assert twice == PAIRS


def test_load_studies_missing_file_names_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="seq2seq-studies"):
        studies.load_studies(tmp_path)


def test_committed_studies_have_what_notebook_02_reads():
    try:
        data = studies.load_studies()
    except FileNotFoundError:
        pytest.skip("data/seq2seq-studies.json not made yet (make checkpoints)")
    for label in ("reversed source", "hidden 64", "hidden 256"):
        model = data["models"][label]
        assert model["accuracy_by_length"][0]["words"] == "3-7"
        assert len(model["greedy_by_position"]) == len(model["teacher_forced_by_position"]) == 10
        assert model["seconds"] > 0 and model["parameters"] > 0


# --------------------------------------------------------------------------- teacher forcing


@pytest.mark.parametrize("attention", [False, True])
def test_teacher_forced_accuracy_counts_what_forward_predicts(attention):
    model = _model(attention)
    rows = studies.teacher_forced_accuracy_by_position(model, PAIRS, batch_size=5)
    hits, counts = {}, {}
    for src, tgt in PAIRS:  # one pair at a time, by hand
        ref = TGT.encode(tgt)
        logits, _ = model(torch.tensor([SRC.encode(src)]), torch.tensor([[1, *ref]]))
        for i, word in enumerate(ref):
            counts[i + 1] = counts.get(i + 1, 0) + 1
            hits[i + 1] = hits.get(i + 1, 0) + int(logits[0, i].argmax() == word)
    assert [r["position"] for r in rows] == sorted(counts)
    assert [r["n"] for r in rows] == [counts[p] for p in sorted(counts)]
    assert [r["accuracy"] for r in rows] == [hits[p] / counts[p] for p in sorted(counts)]


def test_teacher_forced_first_position_equals_greedy_first_position():
    """Both predict the first word from <sos> alone: the same decision."""
    model = _model(attention=True, seed=1)
    forced = studies.teacher_forced_accuracy_by_position(model, PAIRS)
    greedy = accuracy_by_position(model, PAIRS)
    assert forced[0] == greedy[0]


def test_teacher_forced_relative_bins_pool_all_words():
    model = _model(attention=False)
    rows = studies.teacher_forced_accuracy_by_position(model, PAIRS, relative_bins=4)
    assert [r["position"] for r in rows] == [0.125, 0.375, 0.625, 0.875]
    assert sum(r["n"] for r in rows) == sum(len(t.split()) for _, t in PAIRS)


def test_teacher_forced_bad_input():
    model = _model(attention=False)
    with pytest.raises(ValueError, match="relative_bins must be None or an integer >= 1"):
        studies.teacher_forced_accuracy_by_position(model, PAIRS, relative_bins=0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        studies.teacher_forced_accuracy_by_position(model, PAIRS, batch_size=0)
    with pytest.raises(ValueError, match="pairs must contain"):
        studies.teacher_forced_accuracy_by_position(model, [])
    with pytest.raises(ValueError, match="outside the vocabulary: 'zebra'"):
        studies.teacher_forced_accuracy_by_position(model, [("the zebra runs", "la cebra")])
    bare = Seq2Seq(len(SRC), len(TGT), emb_dim=4, hidden_dim=4)
    with pytest.raises(ValueError, match="must carry its vocabularies"):
        studies.teacher_forced_accuracy_by_position(bare, PAIRS)


# --------------------------------------------------------------------------- timing, focus


def test_time_per_sentence_rows_and_decoder_steps():
    model = _model(attention=True)
    rows = studies.time_per_sentence(model, lengths=(3, 6), n_sentences=2, repeats=1, seed=4)
    assert [r["words"] for r in rows] == [3, 6]
    for row, n_words in zip(rows, (3, 6), strict=True):
        assert row["encode_ms"] > 0 and row["translate_ms"] > 0
        sentences = [s for s, _ in translation_pairs(2, 4, n_words, n_words)]
        # one decoder step per output word, plus the step that ends it
        expected = [min(len(translate(model, s).split()) + 1, 2 * n_words + 11) for s in sentences]
        assert row["decoder_steps"] == sum(expected) / len(expected)


def test_time_per_sentence_bad_input():
    model = _model(attention=False)
    with pytest.raises(ValueError, match="repeats must be an integer >= 1"):
        studies.time_per_sentence(model, repeats=0)
    with pytest.raises(ValueError, match="lengths must name"):
        studies.time_per_sentence(model, lengths=())


def test_attention_focus_is_the_mean_of_each_steps_largest_weight():
    model = _model(attention=True)
    sentences = [s for s, _ in PAIRS[:3]]
    focus = studies.attention_focus(model, sentences)
    weights = [translate_with_attention(model, s)[1] for s in sentences]
    maxima = torch.cat([w.max(dim=-1).values for w in weights])
    assert focus["steps"] == len(maxima)
    assert focus["mean_max_weight"] == pytest.approx(maxima.mean().item())
    assert 0 <= focus["mean_entropy_bits"] <= torch.log2(torch.tensor(14.0)).item()
    with pytest.raises(ValueError, match="model must have attention"):
        studies.attention_focus(_model(attention=False), sentences)


def test_study_metrics_keys_and_long_sentences():
    model = _model(attention=False)
    metrics = studies.study_metrics(model, PAIRS, long_min_words=10)
    long = [p for p in PAIRS if len(p[0].split()) >= 10]
    assert metrics["long_sentences"] == len(long) > 0
    assert len(metrics["greedy_by_position"]) == len(metrics["teacher_forced_by_position"]) == 10
    assert metrics["accuracy_by_length"][0]["min_words"] == 3
    with pytest.raises(ValueError, match="no source sentence of >= 40 words"):
        studies.study_metrics(model, PAIRS, long_min_words=40)


# --------------------------------------------------------------------------- figures


def _labelled(fig):
    ax = fig.axes[0]
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_plots_have_titles_and_labelled_axes():
    rows = [{"words": "3-7", "token_accuracy": 0.9}, {"words": "8-12", "token_accuracy": 0.5}]
    positions = [{"position": 0.25, "accuracy": 0.9}, {"position": 0.75, "accuracy": 0.4}]
    times = [{"words": 4, "translate_ms": 1.0}, {"words": 8, "translate_ms": 2.0}]
    words = "the dog runs".split()
    figures = [
        studies.plot_accuracy_by_length({"a": rows, "b": rows}),
        studies.plot_accuracy_by_position({"a": positions}),
        studies.plot_time_by_length({"a": times}),
        studies.plot_encoder_states(torch.rand(3, 40), words),
        studies.plot_alignment(torch.rand(4, 3), words, "el perro corre".split()),
    ]
    for fig in figures:
        assert _labelled(fig)
    assert figures[-1].axes[0].get_yticklabels()[-1].get_text() == "<eos>"
    plt.close("all")


def test_plot_shape_errors():
    with pytest.raises(ValueError, match="weights must be"):
        studies.plot_alignment(torch.rand(2, 3), ["a", "b"], ["x"])
    with pytest.raises(ValueError, match="states must be"):
        studies.plot_encoder_states(torch.rand(2, 5), ["a", "b", "c"])


# --------------------------------------------------------------------------- exercise references


def test_rnn_encoder_reference_equals_torch_rnn():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(5, 7, nonlinearity="tanh", batch_first=True)
    x = torch.randn(6, 5)
    out, _ = rnn(x[None])
    states = nb02.rnn_encoder(
        x, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0 + rnn.bias_hh_l0
    )
    torch.testing.assert_close(states, out[0])


def test_token_accuracy_reference_equals_helpers_seq2seq():
    from helpers.seq2seq import token_accuracy

    for output, reference in nb02._accuracy_cases():
        assert nb02.token_accuracy(output, reference) == token_accuracy(output, reference)


def test_additive_attention_reference_equals_the_models_attention():
    torch.manual_seed(0)
    att = AdditiveAttention(6)
    with torch.no_grad():
        att.U.bias.zero_()  # the exercise's U has no bias
    s, states = torch.randn(3, 6), torch.randn(3, 5, 6)
    mask = torch.ones(3, 5, dtype=torch.bool)
    context, weights = att(s, att.U(states), states, mask)
    mine = nb03.additive_attention(s, states, att.W.weight, att.U.weight, att.v.weight[0])
    torch.testing.assert_close(mine[0], context)
    torch.testing.assert_close(mine[1], weights)


def test_masked_softmax_reference_equals_the_models_masking():
    torch.manual_seed(0)
    att = AdditiveAttention(4)
    s, states = torch.randn(2, 4), torch.randn(2, 5, 4)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    _, weights = att(s, att.U(states), states, mask)
    scores = att.v(torch.tanh(att.W(s)[:, None, :] + att.U(states))).squeeze(-1)
    torch.testing.assert_close(nb03.masked_softmax(scores, mask), weights)
