"""The four model diagrams: they draw, show the labels a learner needs, and reject bad input."""

import matplotlib.figure
import matplotlib.text
import pytest

from helpers.diagrams import (
    MAX_WORDS,
    attention_flow,
    decoder_only_stack,
    rnn_encoder_decoder,
    transformer_block,
)
from helpers.plots import figure_png


def drawn_texts(fig) -> str:
    """Every text the figure draws, one per line; the figure is rendered once, then closed."""
    assert isinstance(fig, matplotlib.figure.Figure)
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert figure_png(fig).startswith(b"\x89PNG")  # renders (mathtext included), then closes
    return "\n".join(texts)


def test_rnn_encoder_decoder_shows_one_context_vector():
    texts = drawn_texts(
        rnn_encoder_decoder("the girl sees the red ball", "la niña ve la pelota roja", 128)
    )
    for label in ["encoder", "decoder", "context vector", "128 numbers", "$c$", "<sos>", "<eos>"]:
        assert label in texts, label
    for word in ["girl", "ball", "niña", "pelota", "roja"]:
        assert word in texts, word
    assert "$h_{6}$" in texts and "$h_{7}$" not in texts  # one state per source word
    assert texts.split("\n").count("GRU") == 6 + 7  # 6 encoder steps; 6 words and <eos> to write
    assert texts.count("context vector") == 1  # one vector, however long the sentence


def test_rnn_encoder_decoder_takes_lists_and_short_sentences():
    texts = drawn_texts(rnn_encoder_decoder(["hi"], ["hola"]))
    assert "numbers" not in texts  # no hidden size given
    assert texts.split("\n").count("GRU") == 1 + 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"source_words": ""}, ValueError, "source_words must have 1 to"),
        ({"source_words": " ".join(["a"] * (MAX_WORDS + 1))}, ValueError, "source_words"),
        ({"target_words": ["la", 3]}, TypeError, "target_words must be a string or a list"),
        ({"target_words": None}, TypeError, "target_words"),
        ({"hidden_size": 0}, ValueError, "hidden_size must be a positive integer"),
        ({"hidden_size": True}, ValueError, "hidden_size"),
    ],
)
def test_rnn_encoder_decoder_rejects_bad_arguments(kwargs, error, message):
    arguments = {"source_words": "a b", "target_words": "c d", **kwargs}
    with pytest.raises(error, match=message):
        rnn_encoder_decoder(**arguments)


def test_attention_flow_shows_the_four_steps_with_shapes():
    texts = drawn_texts(attention_flow(T=4, d_k=3))
    for label in ["softmax", r"\sqrt{3}", r"QK^{\top}", "× $V$", "scores", "weights", "output"]:
        assert label in texts, label
    for n in range(1, 5):
        assert f"step {n}" in texts
    assert texts.count("(4, 3)") == 4  # Q, K, V and the output
    assert texts.count("(4, 4)") == 3  # scores, scaled scores, weights
    assert "T = 4 tokens" in texts


def test_attention_flow_with_names_for_the_sizes():
    texts = drawn_texts(attention_flow())
    assert texts.count("(T, T)") == 3
    assert texts.count("(T, $d_k$)") == 4
    assert r"\sqrt{d_k}" in texts
    assert "tokens" not in texts  # no numbers to explain


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"T": 0}, "T must be a positive integer"), ({"d_k": 2.5}, "d_k must be"), ({"T": " "}, "T")],
)
def test_attention_flow_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        attention_flow(**kwargs)


def test_transformer_block_is_pre_norm_with_two_residuals():
    texts = drawn_texts(transformer_block())
    assert texts.count("LayerNorm") == 3  # two boxes and the title
    for label in ["multi-head\nself-attention", "MLP", "C → 4·C → C", "(B, T, C)", "residual"]:
        assert label in texts, label
    assert "x = x + attn(ln_1(x))" in texts and "x = x + mlp(ln_2(x))" in texts
    assert texts.split("\n").count("+") == 2  # the two residual additions
    for name in ["ln_1", "attn", "ln_2", "mlp"]:  # the parts' names in helpers.gpt.Block
        assert name in texts.split("\n")


def test_transformer_block_with_sizes_and_a_mask():
    texts = drawn_texts(transformer_block(d_model=128, n_head=4, masked=True))
    for label in ["masked multi-head", "(4 heads)", "128 → 512 → 128", "(B, T, 128)"]:
        assert label in texts, label


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"d_model": 0}, "d_model must be a positive integer"),
        ({"n_head": 2.0}, "n_head must be a positive integer"),
        ({"masked": "yes"}, "masked must be True or False"),
    ],
)
def test_transformer_block_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        transformer_block(**kwargs)


def test_decoder_only_stack_from_token_ids_to_logits():
    texts = drawn_texts(decoder_only_stack(4, d_model=128, vocab_size=512))
    for label in [
        "token ids",
        "token\nembedding",
        "position\nembedding",
        "transformer block",
        "masked self-attention",
        "× 4",
        "final\nLayerNorm",
        "LM head",
        "next-token\nlogits\n(B, T, 512)",
        "(B, T, 128)",
        "(T, 128)",
    ]:
        assert label in texts, label
    for name in ["wte", "wpe", "h[0] … h[3]", "ln_f", "lm_head"]:  # names in helpers.gpt.GPT
        assert name in texts.split("\n")


def test_decoder_only_stack_of_one_and_of_many_layers():
    assert "h[0]" in drawn_texts(decoder_only_stack(1)).split("\n")
    texts = drawn_texts(decoder_only_stack(96))
    assert "× 96" in texts and "(B, T, V)" in texts and "(B, T, C)" in texts


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0,), {}, "n_layer must be a positive integer"),
        (("4",), {}, "n_layer"),
        ((2,), {"vocab_size": -1}, "vocab_size must be"),
        ((2,), {"d_model": None}, "d_model must be"),
    ],
)
def test_decoder_only_stack_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        decoder_only_stack(*args, **kwargs)
