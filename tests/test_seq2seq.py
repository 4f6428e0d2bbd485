"""Tests for helpers.seq2seq: the GRU encoder-decoder with and without attention."""

import json

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from helpers import seq2seq
from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS, translation_pairs
from helpers.seq2seq import (
    EOS,
    PAD,
    SOS,
    UNK,
    Seq2Seq,
    Seq2SeqConfig,
    Vocab,
    accuracy_by_length,
    accuracy_by_position,
    greedy_decode,
    token_accuracy,
    train_seq2seq,
    translate,
    translate_with_attention,
)

SRC, TGT = Vocab(EN_WORDS), Vocab(ES_WORDS)


def _model(attention: bool, seed: int = 0, **kwargs) -> Seq2Seq:
    torch.manual_seed(seed)
    kwargs = {"emb_dim": 16, "hidden_dim": 24, **kwargs}
    return Seq2Seq.from_vocabs(SRC, TGT, attention=attention, **kwargs).eval()


def _batch(pairs):
    """Padded (src, tgt_in, tgt_out) id tensors for a list of pairs."""
    srcs = [SRC.encode(s) for s, _ in pairs]
    tgts = [TGT.encode(t, add_eos=True) for _, t in pairs]
    S, T = max(map(len, srcs)), max(map(len, tgts))
    src = torch.tensor([s + [0] * (S - len(s)) for s in srcs])
    tgt = torch.tensor([[1, *t] + [0] * (T - len(t)) for t in tgts])
    return src, tgt[:, :-1], tgt[:, 1:]


PAIRS = translation_pairs(6, seed=0, min_words=4, max_words=20)


# --------------------------------------------------------------------------- vocabulary


def test_vocab_specials_encode_decode_roundtrip():
    v = Vocab(["the", "dog", "runs", "dog"])
    assert v.itos[:4] == [PAD, SOS, EOS, UNK] and len(v) == 7  # the repeated "dog" dropped
    ids = v.encode("the dog runs", add_eos=True)
    assert ids == [4, 5, 6, 2]
    assert v.decode([1, *ids, 5, 5]) == "the dog runs"  # stops at <eos>, skips <sos>
    assert v.decode([4, 0, 0]) == "the"
    assert v.encode(["dog", "the"]) == [5, 4]


def test_vocab_unknown_words_are_named():
    with pytest.raises(ValueError, match=r"'cat', 'sleeps'"):
        Vocab(["the", "dog"]).encode("the cat sleeps the cat")


def test_vocab_json_roundtrip_and_bad_words():
    v = Vocab.from_sentences(["the dog runs", "a cat runs"])
    assert v.itos[4:] == sorted(["the", "dog", "runs", "a", "cat"])
    assert Vocab.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    for bad in (["two words"], [""], ["<eos>"], [3]):
        with pytest.raises(ValueError, match="words must"):
            Vocab(bad)


# --------------------------------------------------------------------------- config


def test_config_json_roundtrip_and_validation():
    model = _model(attention=True)
    cfg = Seq2SeqConfig.from_dict(json.loads(json.dumps(model.config.to_dict())))
    assert cfg == model.config and cfg.attention is True and cfg.src_vocab_size == len(SRC)
    assert Seq2Seq.from_config(cfg).config == cfg
    with pytest.raises(ValueError, match="hidden_dim must be an integer >= 1"):
        Seq2Seq(10, 10, hidden_dim=0)
    with pytest.raises(ValueError, match="src_vocab_size must be an integer >= 5"):
        Seq2Seq(4, 10)
    with pytest.raises(TypeError, match="attention must be True or False"):
        Seq2Seq(10, 10, attention="yes")
    with pytest.raises(ValueError, match="tgt_vocab has 3 entries|tgt_vocab has"):
        Seq2Seq(len(SRC), 10, tgt_vocab=TGT)


def test_save_and_load_through_safetensors_and_json(tmp_path):
    model = _model(attention=True)
    save_file(model.state_dict(), tmp_path / "w.safetensors")
    card = {"config": model.config.to_dict(), "src": SRC.to_dict(), "tgt": TGT.to_dict()}
    (tmp_path / "card.json").write_text(json.dumps(card))
    card = json.loads((tmp_path / "card.json").read_text())
    loaded = Seq2Seq.from_config(
        Seq2SeqConfig.from_dict(card["config"]),
        Vocab.from_dict(card["src"]),
        Vocab.from_dict(card["tgt"]),
    )
    loaded.load_state_dict(load_file(tmp_path / "w.safetensors"))
    src, tgt_in, _ = _batch(PAIRS)
    assert torch.equal(model(src, tgt_in)[0], loaded(src, tgt_in)[0])


# --------------------------------------------------------------------------- the model


@pytest.mark.parametrize("attention", [False, True])
def test_shapes(attention):
    model = _model(attention)
    src, tgt_in, _ = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    assert logits.shape == (len(PAIRS), tgt_in.shape[1], len(TGT))
    if attention:
        assert attn.shape == (len(PAIRS), tgt_in.shape[1], src.shape[1])
    else:
        assert attn is None and model.attention is None
    with pytest.raises(ValueError, match="src and tgt_in must be"):
        model(src, tgt_in[:2])
    with pytest.raises(ValueError, match="src must be right-padded"):
        model(torch.tensor([[0, 5, 6]]), tgt_in[:1])
    with pytest.raises(ValueError, match="src has an empty row"):
        model(torch.tensor([[5, 6], [0, 0]]), tgt_in[:2])


@pytest.mark.parametrize("attention", [False, True])
def test_teacher_forcing_equals_step_by_step_decoding(attention):
    """`decode` (which runs the bottleneck's GRU over all steps at once) == T `decode_step`s."""
    model = _model(attention)
    src, tgt_in, _ = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    enc = model.encode(src)
    s = model.init_decoder(enc)
    for t in range(tgt_in.shape[1]):
        step_logits, s, weights = model.decode_step(tgt_in[:, t], s, enc)
        torch.testing.assert_close(step_logits, logits[:, t])
        if attention:
            torch.testing.assert_close(weights, attn[:, t])


@pytest.mark.parametrize("attention", [False, True])
def test_padding_invariance(attention):
    """A sentence gives the same logits alone and inside a padded batch."""
    model = _model(attention)
    src, tgt_in, tgt_out = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    for b, (s, t) in enumerate(PAIRS):
        one_src, one_in, _ = _batch([(s, t)])
        one_logits, one_attn = model(one_src, one_in)
        T, S = one_in.shape[1], one_src.shape[1]
        assert (src[b, S:] == 0).all() and torch.equal(tgt_in[b, :T], one_in[0])
        torch.testing.assert_close(logits[b, :T], one_logits[0], atol=1e-5, rtol=1e-5)
        if attention:
            torch.testing.assert_close(attn[b, :T, :S], one_attn[0], atol=1e-6, rtol=1e-5)
    ids, _ = greedy_decode(model, src, max_len=25)
    assert ids == [greedy_decode(model, _batch([p])[0], max_len=25)[0][0] for p in PAIRS]


def test_attention_weights_sum_to_one_and_skip_padding():
    model = _model(attention=True)
    src, tgt_in, _ = _batch(PAIRS)
    _, attn = model(src, tgt_in)
    pad = src == 0  # (B, S)
    assert pad.any()
    assert (attn.masked_select(pad[:, None, :].expand_as(attn)) == 0).all()
    torch.testing.assert_close(attn.sum(-1), torch.ones(attn.shape[:2]))
    assert (attn.masked_select(~pad[:, None, :].expand_as(attn)) > 0).all()


def test_additive_attention_matches_its_formula():
    """score_i = v^T tanh(W s + U h_i), softmax over real words, context = sum_i a_i h_i."""
    model = _model(attention=True)
    src, _, _ = _batch(PAIRS)
    enc = model.encode(src)
    s = torch.randn(src.shape[0], 24)
    context, weights = model.attention(s, enc.keys, enc.states, enc.mask)
    att = model.attention
    for b in range(src.shape[0]):
        n = int(enc.mask[b].sum())
        h = enc.states[b, :n]  # (n, H)
        scores = (
            torch.tanh(s[b] @ att.W.weight.T + h @ att.U.weight.T + att.U.bias) @ att.v.weight[0]
        )
        a = torch.softmax(scores, dim=0)
        torch.testing.assert_close(weights[b, :n], a)
        torch.testing.assert_close(context[b], a @ h)


def test_encoder_final_state_is_the_last_real_words_state():
    """Packing: the final state is the GRU's state after the last real word, as torch's own
    nn.GRU computes it on the unpadded sentence."""
    model = _model(attention=False)
    src, _, _ = _batch(PAIRS)
    enc = model.encode(src)
    for b in range(src.shape[0]):
        n = int(enc.mask[b].sum())
        out, h_n = model.encoder(model.src_emb(src[b : b + 1, :n]))
        torch.testing.assert_close(enc.final[b], h_n[0, 0])
        torch.testing.assert_close(enc.states[b, :n], out[0])
        assert (enc.states[b, n:] == 0).all()


@pytest.mark.parametrize("attention", [False, True])
def test_bottleneck_sees_only_the_final_encoder_state(attention):
    """Replace every encoder state but the final one with noise: the bottleneck's output does
    not change (no path from them to the decoder); the attention model's does."""
    model = _model(attention)
    src, tgt_in, _ = _batch(PAIRS)
    enc = model.encode(src)
    noise = torch.randn_like(enc.states)
    scrambled = enc._replace(
        states=noise, keys=None if enc.keys is None else model.attention.U(noise)
    )
    same = torch.equal(model.decode(enc, tgt_in)[0], model.decode(scrambled, tgt_in)[0])
    assert same is (not attention)
    # and changing the final state does change the bottleneck's output
    moved = enc._replace(final=enc.final + 0.5)
    assert not torch.equal(model.decode(enc, tgt_in)[0], model.decode(moved, tgt_in)[0])


# --------------------------------------------------------------------------- training


@pytest.mark.parametrize("attention", [False, True])
def test_short_training_run_learns(attention):
    torch.manual_seed(0)
    pairs = translation_pairs(2000, seed=1, min_words=3, max_words=5)
    model = Seq2Seq.from_vocabs(SRC, TGT, emb_dim=32, hidden_dim=64, attention=attention)
    losses = train_seq2seq(model, pairs, steps=150, batch_size=32, lr=1e-2, progress=False)
    assert len(losses) == 150
    last = sum(losses[-10:]) / 10
    assert losses[0] > 4.5 and last < 0.2 * losses[0], (losses[0], last)
    rows = accuracy_by_length(model, translation_pairs(200, seed=2, min_words=3, max_words=5))
    assert sum(r["token_accuracy"] * r["n"] for r in rows) / 200 > 0.7, rows


def test_training_is_deterministic_and_calls_back():
    pairs = translation_pairs(200, seed=3, min_words=3, max_words=6)
    runs, seen = [], []
    for _ in range(2):
        model = _model(attention=True)
        runs.append(train_seq2seq(model, pairs, 5, batch_size=8, seed=4, progress=False))
    assert runs[0] == runs[1]
    model = _model(attention=True)
    train_seq2seq(model, pairs, 3, 8, progress=False, callback=lambda s, loss: seen.append(s))
    assert seen == [0, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"clip": -1.0}, "clip must be > 0"),
        ({"pairs": []}, "pairs must contain at least one"),
        ({"pairs": [("the dog flies", "el perro vuela")]}, "'flies'"),
    ],
)
def test_training_bad_input(kwargs, message):
    args = {"pairs": PAIRS, "steps": 1, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        train_seq2seq(_model(False), **args)


def test_trained_loss_matches_cross_entropy_of_forward():
    """The loss train_seq2seq reports is torch's cross-entropy over the non-pad targets."""
    pairs = PAIRS[:1]  # one pair: every batch is that pair, so the loss is deterministic
    model = _model(False)
    src, tgt_in, tgt_out = _batch(pairs)
    expected = F.cross_entropy(model(src, tgt_in)[0][0], tgt_out[0]).item()
    loss = train_seq2seq(model, pairs, 1, batch_size=4, lr=1e-9, progress=False)[0]
    assert loss == pytest.approx(expected, rel=1e-5)


# --------------------------------------------------------------------------- inference


@pytest.mark.parametrize("attention", [False, True])
def test_translate_and_attention_weights(attention):
    model = _model(attention)
    sentence = PAIRS[0][0]
    out = translate(model, sentence, max_len=12)
    assert isinstance(out, str) and len(out.split()) <= 12
    assert all(w in TGT for w in out.split())
    text, weights = translate_with_attention(model, sentence, SRC, TGT, max_len=12)
    assert text == out
    if attention:
        assert weights.shape == (len(out.split()) + 1, len(sentence.split()))
        torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[0]))
    else:
        assert weights is None


def test_translate_bad_input():
    model = _model(attention=True)
    with pytest.raises(ValueError, match=r"'flies', 'quickly'"):
        translate(model, "the dog flies quickly")
    with pytest.raises(ValueError, match="at least one word"):
        translate(model, "   ")
    with pytest.raises(ValueError, match="max_len must be an integer >= 1"):
        translate(model, "the dog runs", max_len=0)
    with pytest.raises(TypeError, match="sentence must be a str"):
        translate(model, ["the", "dog"])
    bare = Seq2Seq(len(SRC), len(TGT))
    with pytest.raises(ValueError, match="src_vocab and tgt_vocab are needed"):
        translate(bare, "the dog runs")
    assert isinstance(translate(bare, "the dog runs", SRC, TGT), str)


def test_token_accuracy():
    assert token_accuracy("a b c".split(), "a b c".split()) == 1.0
    assert token_accuracy("a b".split(), "a b c".split()) == pytest.approx(2 / 3)  # missing
    assert token_accuracy("a b c d".split(), "a b".split()) == 0.5  # extra
    assert token_accuracy("b c".split(), "a b c".split()) == 0.0  # shifted: all wrong
    assert token_accuracy([], []) == 1.0


def test_accuracy_by_length_agrees_with_one_by_one_translation():
    model = _model(attention=True)
    pairs = translation_pairs(40, seed=5, min_words=3, max_words=14)
    rows = accuracy_by_length(model, pairs, bucket_width=4, batch_size=7)
    assert [r["words"] for r in rows] == ["3-6", "7-10", "11-14"]
    assert sum(r["n"] for r in rows) == 40
    for r in rows:
        bucket = [(s, t) for s, t in pairs if r["min_words"] <= len(s.split()) <= r["max_words"]]
        outs = [translate(model, s, max_len=2 * len(t.split()) + 10).split() for s, t in bucket]
        hits = sum(
            token_accuracy(o, t.split()) * max(len(o), len(t.split()))
            for o, (_, t) in zip(outs, bucket, strict=True)
        )
        total = sum(max(len(o), len(t.split())) for o, (_, t) in zip(outs, bucket, strict=True))
        assert r["n"] == len(bucket)
        assert r["token_accuracy"] == pytest.approx(hits / total)
        assert r["exact_match"] == pytest.approx(
            sum(o == t.split() for o, (_, t) in zip(outs, bucket, strict=True)) / len(bucket)
        )


def test_metrics_of_a_perfect_model_are_one(monkeypatch):
    """With greedy decoding replaced by a lookup of the reference, every metric is 1.0."""
    pairs = translation_pairs(20, seed=6, min_words=3, max_words=10)
    lookup = {tuple(SRC.encode(s)): TGT.encode(t) for s, t in pairs}

    def perfect_decode(model, src, max_len):
        return [lookup[tuple(i for i in row if i != 0)] for row in src.tolist()], None

    monkeypatch.setattr(seq2seq, "greedy_decode", perfect_decode)
    model = _model(False)
    rows = accuracy_by_length(model, pairs)
    assert all(r["token_accuracy"] == 1.0 and r["exact_match"] == 1.0 for r in rows)
    assert all(r["accuracy"] == 1.0 for r in accuracy_by_position(model, pairs))


def test_accuracy_by_position_counts_by_reference_position():
    model = _model(attention=False)
    pairs = translation_pairs(12, seed=7, min_words=3, max_words=9)
    outs = [translate(model, s).split() for s, _ in pairs]
    refs = [t.split() for _, t in pairs]
    rows = accuracy_by_position(model, pairs)
    assert [r["position"] for r in rows] == list(range(1, max(map(len, refs)) + 1))
    for r in rows:
        i = r["position"] - 1
        idx = [k for k, ref in enumerate(refs) if len(ref) > i]
        assert r["n"] == len(idx)
        hits = sum(len(outs[k]) > i and outs[k][i] == refs[k][i] for k in idx)
        assert r["accuracy"] == pytest.approx(hits / len(idx))
    binned = accuracy_by_position(model, pairs, relative_bins=4)
    assert [r["position"] for r in binned] == [0.125, 0.375, 0.625, 0.875]
    assert sum(r["n"] for r in binned) == sum(map(len, refs))


def test_evaluation_bad_input():
    model = _model(attention=False)
    with pytest.raises(ValueError, match="bucket_width must be an integer >= 1"):
        accuracy_by_length(model, PAIRS, bucket_width=0)
    with pytest.raises(ValueError, match="relative_bins must be an integer >= 1"):
        accuracy_by_position(model, PAIRS, relative_bins=0)
    with pytest.raises(ValueError, match="pairs must contain at least one"):
        accuracy_by_length(model, [])
    with pytest.raises(ValueError, match="'vuela'"):
        accuracy_by_length(model, [("the dog runs", "el perro vuela")])
