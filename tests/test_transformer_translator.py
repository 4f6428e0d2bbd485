"""Tests for helpers.transformer_translator (the encoder-decoder transformer of notebook 06) and
helpers.studies.translators (the speed comparison and the race) and its checkpoint step in
tools/make_checkpoints.py."""

import inspect
import json

import pytest
import torch
import torch.nn as nn

from helpers import checkpoints
from helpers.attention import TransformerBlock, causal_mask, to_torch
from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS, reference_translation
from helpers.corpora.translation_grammar import translation_pairs as pairs_of
from helpers.seq2seq import (
    SOS_ID,
    Vocab,
    accuracy_by_length,
    accuracy_by_position,
    greedy_decode,
    scheduled_lr,
    token_accuracy,
    train_seq2seq,
    translate,
    translate_with_attention,
)
from helpers.studies.translators import (
    SEQ2SEQ_TRANSFORMER,
    build_models,
    equal_time_race,
    measure_training_speed,
)
from helpers.transformer_translator import (
    CrossAttention,
    DecoderBlock,
    TransformerTranslator,
    TransformerTranslatorConfig,
    cross_attention_maps,
    decoder_block_from_torch,
    encoder_block_from_torch,
)
from tools.make_checkpoints import make_seq2seq_transformer as make_seq2seq_transformer_checkpoint

SRC, TGT = Vocab(EN_WORDS), Vocab(ES_WORDS)
PAIRS = pairs_of(6, seed=0, min_words=4, max_words=20)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one thread is faster than two, and a busy machine slows it least."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _model(seed: int = 0, **kwargs) -> TransformerTranslator:
    torch.manual_seed(seed)
    kwargs = {"d_model": 32, "n_heads": 4, "d_ff": 48, "max_len": 40, **kwargs}
    return TransformerTranslator.from_vocabs(SRC, TGT, **kwargs).eval()


def _batch(pairs):
    """Padded (src, tgt_in, tgt_out) id tensors for a list of pairs."""
    srcs = [SRC.encode(s) for s, _ in pairs]
    tgts = [TGT.encode(t, add_eos=True) for _, t in pairs]
    S, T = max(map(len, srcs)), max(map(len, tgts))
    src = torch.tensor([s + [0] * (S - len(s)) for s in srcs])
    tgt = torch.tensor([[SOS_ID, *t] + [0] * (T - len(t)) for t in tgts])
    return src, tgt[:, :-1], tgt[:, 1:]


def _randomize_norms(module: nn.Module) -> None:
    """LayerNorms start at weight 1, bias 0; give them values so copying them is tested."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


# --------------------------------------------------------------------------- config


def test_config_json_roundtrip_and_validation():
    model = _model()
    cfg = TransformerTranslatorConfig.from_dict(json.loads(json.dumps(model.config.to_dict())))
    assert cfg == model.config and cfg.d_ff == 48 and cfg.src_vocab_size == len(SRC)
    assert TransformerTranslator(10, 10, d_model=16, n_heads=2).config.d_ff == 64  # 4 * d_model
    assert TransformerTranslator.from_config(cfg).config == cfg
    with pytest.raises(ValueError, match="d_model must be even .* divisible by n_heads=3"):
        TransformerTranslator(10, 10, d_model=16, n_heads=3)
    with pytest.raises(ValueError, match="max_len must be an integer >= 1"):
        TransformerTranslator(10, 10, max_len=0)
    with pytest.raises(ValueError, match="src_vocab_size must be an integer >= 5"):
        TransformerTranslator(4, 10)
    with pytest.raises(ValueError, match="dropout must be a float in"):
        TransformerTranslator(10, 10, dropout=1.0)
    with pytest.raises(ValueError, match="tgt_vocab has"):
        TransformerTranslator(len(SRC), 10, tgt_vocab=TGT)


def test_positions_are_sinusoidal_and_not_saved():
    model = _model()
    assert "positions" not in model.state_dict()
    assert model.positions.shape == (40, 32)
    assert model.num_parameters() == sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- against torch


def test_encoder_block_matches_torch_encoder_layer():
    torch.manual_seed(1)
    layer = nn.TransformerEncoderLayer(
        32, 4, 48, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).eval()
    _randomize_norms(layer)
    ours = encoder_block_from_torch(layer)
    assert type(ours) is TransformerBlock and type(_model().encoder.blocks[0]) is TransformerBlock
    x = torch.randn(3, 7, 32)
    keep = torch.tensor([[True] * 7, [True] * 4 + [False] * 3, [True] * 2 + [False] * 5])
    with torch.no_grad():
        theirs = layer(x, src_key_padding_mask=~keep)  # torch: True = padding
        mine = ours(x, keep[:, None, None, :])  # ours: True = may attend
    # Only real positions are compared: torch's fast path may leave padded rows different.
    assert (mine - theirs)[keep].abs().max() <= 1e-5


def test_decoder_block_matches_torch_decoder_layer():
    torch.manual_seed(2)
    layer = nn.TransformerDecoderLayer(
        32, 4, 48, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).eval()
    _randomize_norms(layer)
    ours = decoder_block_from_torch(layer)
    assert type(ours) is DecoderBlock and type(_model().decoder.blocks[0]) is DecoderBlock
    y, memory = torch.randn(3, 6, 32), torch.randn(3, 5, 32)
    keep = torch.tensor([[True] * 5, [True] * 3 + [False] * 2, [True] + [False] * 4])
    with torch.no_grad():
        theirs = layer(y, memory, tgt_mask=~causal_mask(6), memory_key_padding_mask=~keep)
        mine, weights = ours(y, memory, keep)
    assert (mine - theirs).abs().max() <= 1e-5
    assert weights.shape == (3, 4, 6, 5)


def test_cross_attention_matches_torch_multihead_attention_weights():
    torch.manual_seed(3)
    cross = CrossAttention(32, 4)
    mha = to_torch(cross).eval()  # torch's nn.MultiheadAttention with the same weights
    x, memory = torch.randn(2, 4, 32), torch.randn(2, 6, 32)
    keep = torch.tensor([[True] * 6, [True] * 2 + [False] * 4])
    with torch.no_grad():
        out, weights = cross(x, memory, keep)
        ref, ref_weights = mha(x, memory, memory, key_padding_mask=~keep,
                               average_attn_weights=False)  # fmt: skip
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(weights, ref_weights, atol=1e-6, rtol=1e-5)
    assert (weights[1, :, :, 2:] == 0).all()  # source padding gets exactly 0


# --------------------------------------------------------------------------- the model


def test_shapes_and_attention_rows():
    model = _model()
    src, tgt_in, _ = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    B, T, S = len(PAIRS), tgt_in.shape[1], src.shape[1]
    assert logits.shape == (B, T, len(TGT)) and attn.shape == (B, T, S)
    torch.testing.assert_close(attn.sum(-1), torch.ones(B, T))
    pad = (src == 0)[:, None, :].expand_as(attn)
    assert pad.any() and (attn[pad] == 0).all()
    maps = model.cross_attention(src, tgt_in)
    assert maps.shape == (B, 2, 4, T, S)
    torch.testing.assert_close(maps[:, -1].mean(dim=1), attn)
    with pytest.raises(ValueError, match="src and tgt_in must be"):
        model(src, tgt_in[:2])
    with pytest.raises(ValueError, match="src must be right-padded"):
        model(torch.tensor([[0, 5, 6]]), tgt_in[:1])
    with pytest.raises(ValueError, match="src has an empty row"):
        model(torch.tensor([[5, 6], [0, 0]]), tgt_in[:2])


def test_decoder_cannot_peek_at_later_target_words():
    """Changing the target words after position t leaves logits 0..t bit for bit the same."""
    model = _model()
    src, tgt_in, _ = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    T = tgt_in.shape[1]
    for t in (0, 3, T - 2):
        changed = tgt_in.clone()
        changed[:, t + 1 :] = torch.randint(4, len(TGT), changed[:, t + 1 :].shape)
        new_logits, new_attn = model(src, changed)
        assert torch.equal(new_logits[:, : t + 1], logits[:, : t + 1])
        assert torch.equal(new_attn[:, : t + 1], attn[:, : t + 1])
        assert not torch.equal(new_logits[:, t + 1 :], logits[:, t + 1 :])


def test_source_padding_changes_nothing():
    """A sentence gives the same logits alone and inside a padded batch, and the same output."""
    model = _model()
    src, tgt_in, _ = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    for b, pair in enumerate(PAIRS):
        one_src, one_in, _ = _batch([pair])
        one_logits, one_attn = model(one_src, one_in)
        T, S = one_in.shape[1], one_src.shape[1]
        assert (src[b, S:] == 0).all()
        torch.testing.assert_close(logits[b, :T], one_logits[0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(attn[b, :T, :S], one_attn[0], atol=1e-6, rtol=1e-5)
    ids, _ = greedy_decode(model, src, max_len=25)
    assert ids == [greedy_decode(model, _batch([p])[0], max_len=25)[0][0] for p in PAIRS]


def test_teacher_forcing_equals_step_by_step_decoding():
    model = _model()
    src, tgt_in, _ = _batch(PAIRS)
    logits, attn = model(src, tgt_in)
    memory = model.encode(src)
    state = model.init_decoder(memory)
    assert state.shape == (len(PAIRS), 0)
    for t in range(tgt_in.shape[1]):
        step_logits, state, weights = model.decode_step(tgt_in[:, t], state, memory)
        torch.testing.assert_close(step_logits, logits[:, t], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(weights, attn[:, t], atol=1e-6, rtol=1e-5)
    assert torch.equal(state, tgt_in)


# --------------------------------------------------------------------------- course functions


def test_translate_greedy_and_metrics_work_as_on_the_gru_models():
    model = _model()
    sentence = PAIRS[0][0]
    out = translate(model, sentence, max_len=12)
    assert isinstance(out, str) and len(out.split()) <= 12 and all(w in TGT for w in out.split())
    text, weights = translate_with_attention(model, sentence, max_len=12)
    assert text == out and weights.shape == (len(out.split()) + 1, len(sentence.split()))
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[0]))
    pairs = pairs_of(16, seed=5, min_words=3, max_words=8)
    # batch_size=1: each output is capped at the same length as translate's one by one (an
    # untrained model rarely writes <eos>, so the cap sets its output's length)
    rows = accuracy_by_length(model, pairs, bucket_width=3, batch_size=1)
    shortest = min(len(s.split()) for s, _ in pairs)
    assert [r["min_words"] for r in rows] == list(range(shortest, 9, 3))[: len(rows)]
    assert sum(r["n"] for r in rows) == 16
    for r in rows:
        bucket = [(s, t) for s, t in pairs if r["min_words"] <= len(s.split()) <= r["max_words"]]
        outs = [translate(model, s, max_len=2 * len(t.split()) + 10).split() for s, t in bucket]
        hits = sum(token_accuracy(o, t.split()) * max(len(o), len(t.split()))
                   for o, (_, t) in zip(outs, bucket, strict=True))  # fmt: skip
        total = sum(max(len(o), len(t.split())) for o, (_, t) in zip(outs, bucket, strict=True))
        assert r["token_accuracy"] == pytest.approx(hits / total)
    binned = accuracy_by_position(model, pairs, relative_bins=4)
    assert [r["position"] for r in binned] == [0.125, 0.375, 0.625, 0.875]


def test_greedy_output_is_capped_at_the_models_positions():
    model = _model(max_len=8)
    assert model.max_output_len == 7
    src, _, _ = _batch(PAIRS[:2])
    ids, attn = greedy_decode(model, src[:, :8], max_len=50)
    assert all(len(row) <= 7 for row in ids) and attn.shape[1] <= 8


def test_cross_attention_maps_of_a_translation():
    model = _model()
    sentence = PAIRS[1][0]
    maps = cross_attention_maps(model, sentence)
    n_out, S = len(maps["output_words"]), len(sentence.split())
    assert maps["source_words"] == sentence.split()
    assert maps["translation"] == translate(model, sentence)
    assert maps["per_head"].shape == (2, 4, n_out + 1, S)
    assert maps["average"].shape == (n_out + 1, S)
    torch.testing.assert_close(maps["per_head"][-1].mean(dim=0), maps["average"], atol=1e-6,
                               rtol=1e-5)  # fmt: skip
    torch.testing.assert_close(maps["per_head"].sum(-1), torch.ones(2, 4, n_out + 1))
    with pytest.raises(TypeError, match="model must be a TransformerTranslator"):
        cross_attention_maps(build_models()["gru_attention"], sentence)


def test_bad_input_gets_clear_errors():
    model = _model(max_len=10)
    with pytest.raises(ValueError, match=r"'flies', 'quickly'"):
        translate(model, "the dog flies quickly")
    with pytest.raises(ValueError, match="at least one word"):
        translate(model, "   ")
    long = " ".join(["the dog sees the cat"] * 3)  # 15 words
    with pytest.raises(ValueError, match=r"source sentence of 15 words.*max_len=10"):
        translate(model, long)
    with pytest.raises(ValueError, match=r"decoder input .* of 11 words.*max_len=10"):
        model(torch.tensor([[5, 6]]), torch.ones(1, 11, dtype=torch.long))
    with pytest.raises(ValueError, match="src_vocab and tgt_vocab are needed"):
        translate(TransformerTranslator(len(SRC), len(TGT), d_model=16), "the dog runs")


# --------------------------------------------------------------------------- training


def test_train_seq2seq_trains_the_transformer():
    torch.manual_seed(0)
    pairs = pairs_of(1000, seed=1, min_words=3, max_words=5)
    model = TransformerTranslator.from_vocabs(SRC, TGT, d_model=32, d_ff=64)
    losses = train_seq2seq(model, pairs, steps=60, batch_size=32, lr=1e-2, warmup_steps=10,
                           min_lr=1e-4, progress=False)  # fmt: skip
    assert losses[0] > 4.5 and sum(losses[-5:]) / 5 < 0.4 * losses[0], (losses[0], losses[-5:])
    assert not model.training


def test_scheduled_lr():
    assert [scheduled_lr(s, 10, 1.0) for s in (0, 5, 9)] == [1.0, 1.0, 1.0]  # the GRU recipe
    assert scheduled_lr(0, 10, 1.0, warmup_steps=4) == 0.25
    assert scheduled_lr(3, 10, 1.0, warmup_steps=4) == 1.0
    assert scheduled_lr(4, 10, 1.0, warmup_steps=4, min_lr=0.1) == 1.0  # decay starts at 1
    assert scheduled_lr(9, 10, 1.0, warmup_steps=4, min_lr=0.1) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="min_lr must be in"):
        train_seq2seq(_model(), PAIRS, 1, min_lr=1.0, lr=0.1, progress=False)
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 0"):
        train_seq2seq(_model(), PAIRS, 1, warmup_steps=-1, progress=False)


# --------------------------------------------------------------------------- the checkpoint


TINY_SPEC = {"train_pairs": 300, "test_pairs": 40, "steps": 6, "eval_every": 3, "d_model": 16,
             "d_ff": 32, "warmup_steps": 2}  # fmt: skip


def test_checkpoint_function_is_deterministic_and_writes_only_its_folder(tmp_path):
    data_before = sorted(p.name for p in checkpoints.data_dir().iterdir())
    assert "folder" in inspect.signature(make_seq2seq_transformer_checkpoint).parameters
    assert inspect.signature(make_seq2seq_transformer_checkpoint).parameters["folder"].default is (
        inspect.Parameter.empty
    )
    cards = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        cards.append(make_seq2seq_transformer_checkpoint(tmp_path / run, spec=TINY_SPEC))
        assert sorted(p.name for p in (tmp_path / run).iterdir()) == [
            "seq2seq-transformer.json", "seq2seq-transformer.safetensors"]  # fmt: skip
    assert cards[0]["sha256"] == cards[1]["sha256"]
    assert sorted(p.name for p in checkpoints.data_dir().iterdir()) == data_before
    model, card = checkpoints.load("seq2seq-transformer", tmp_path / "a")
    assert isinstance(model, TransformerTranslator) and card["config"]["d_model"] == 16
    assert [c["step"] for c in card["learning_curve"]] == [3, 6]
    with pytest.raises(ValueError, match="unknown keys"):
        make_seq2seq_transformer_checkpoint(tmp_path, spec={"stpes": 3})


def _committed():
    if not (checkpoints.data_dir() / "seq2seq-transformer.json").exists():
        pytest.fail("data/seq2seq-transformer.json is missing: run `make checkpoints`")
    return checkpoints.load("seq2seq-transformer")


def test_committed_checkpoint_loads_translates_and_meets_the_issues_numbers():
    model, card = _committed()
    assert card["kind"] == "transformer-translator" and card["name"] == "seq2seq-transformer"
    assert card["sha256"] == checkpoints.sha256_of(checkpoints.data_dir() / card["weights"])
    assert card["parameters"] == model.num_parameters()
    assert card["training"]["threads"] == 1 and card["training"]["seconds"] > 0
    sentence = "the girl sees the red ball"
    assert translate(model, sentence) == reference_translation(sentence)
    rows = card["metrics"]["test_accuracy_by_length"]
    assert rows[0]["min_words"] == 3 and rows[-1]["words"] == "28-32"
    assert sum(r["n"] for r in rows) == card["training"]["test_pairs"]
    assert rows[-1]["token_accuracy"] >= 0.95
    speed = card["speed_comparison_model"]
    assert speed["parameters"] == build_models()["transformer"].num_parameters()
    assert 0.7 < speed["parameters"] / speed["gru_attention_parameters"] < 1.3


def test_committed_checkpoint_uses_the_gru_checkpoints_data():
    """Same training pairs, held-out pairs and batch size as notebooks 02-03's translators."""
    card = checkpoints.load_card("seq2seq-transformer")
    keys = ("train_pairs", "train_seed", "test_pairs", "test_seed", "min_words", "max_words",
            "batch_size", "clip")  # fmt: skip
    for name in ("seq2seq-bottleneck", "seq2seq-attention"):
        gru = checkpoints.load_card(name)["training"]
        assert {k: card["training"][k] for k in keys} == {k: gru[k] for k in keys}
    assert {k: SEQ2SEQ_TRANSFORMER[k] for k in keys} == {k: card["training"][k] for k in keys}
    assert card["data"] == checkpoints.load_card("seq2seq-attention")["data"]


# --------------------------------------------------------------------------- measurements


def test_measure_training_speed_on_tiny_settings():
    result = measure_training_speed(
        threads=2, lengths=((3, 4), (6, 8)), batches=2, repeats=2, warmup=1, batch_size=4
    )
    rows = result["by_length"]
    assert [r["words"] for r in rows] == ["3-4", "6-8"]
    for r in rows:
        assert r["gru_attention_ms_per_step"] > 0 and r["transformer_ms_per_step"] > 0
        ratio = r["transformer_tokens_per_s"] / r["gru_attention_tokens_per_s"]
        assert r["ratio"] == pytest.approx(ratio, abs=1e-3)
    assert result["ratio"] == rows[-1]["ratio"] and result["ratio_short"] == rows[0]["ratio"]
    assert result["transformer_tokens_per_s"] == rows[-1]["transformer_tokens_per_s"]
    assert result["gru_attention_step_growth"] > 0 and result["transformer_step_growth"] > 0
    assert result["models"]["gru_attention"]["parameters"] == 316_126
    assert result["threads"] == 2 and result["steps"] == 4
    assert torch.get_num_threads() == 1  # restored
    with pytest.raises(ValueError, match="lengths must be"):
        measure_training_speed(lengths=((5, 3),))


def test_equal_time_race_on_tiny_settings():
    result = equal_time_race(seconds=0.3, evaluations=2, train_pairs=pairs_of(200, 1, 3, 6),
                             test_pairs=pairs_of(12, 2, 3, 30), batch_size=8)  # fmt: skip
    for name in ("gru_attention", "transformer"):
        m = result["models"][name]
        assert m["steps"] >= 1 and [c["steps"] for c in m["curve"]][0] == 0
        assert len(m["curve"]) == 3 and m["curve"][-1]["seconds"] >= 0.3
        assert result["long_token_accuracy"][name] == m["curve"][-1]["long_token_accuracy"]
    with pytest.raises(ValueError, match="seconds must be a number > 0"):
        equal_time_race(seconds=0)
