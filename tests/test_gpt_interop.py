"""helpers.gpt_interop: our GPT and transformers' GPT2LMHeadModel compute the same function,
convert both ways, and an exported folder loads offline in `transformers.pipeline`."""

import huggingface_hub.constants
import pytest
import torch
import transformers
from test_gpt import CONFIGS, _ids, _model, _scramble
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from helpers.gpt import GPT, GPTConfig
from helpers.gpt_interop import export_pretrained, from_transformers, to_transformers

# ---------------------------------------------------------------------------------------------
# transformers' GPT2LMHeadModel computes the same function


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"L{c.n_layer}H{c.n_head}C{c.d_model}")
def test_logits_match_gpt2lmheadmodel(config):
    model = _scramble(_model(config))
    hf = to_transformers(model)
    assert isinstance(hf, transformers.GPT2LMHeadModel) and not hf.training
    idx = _ids(config, B=3, T=config.context_length)
    with torch.no_grad():
        ours, theirs = model(idx), hf(input_ids=idx).logits
    max_diff = (ours - theirs).abs().max().item()
    print(f"max |ours - GPT2LMHeadModel| logits for {config}: {max_diff:.2e}")
    assert ours.shape == (3, config.context_length, config.vocab_size)
    assert max_diff <= 1e-4


def test_converted_weights_are_copies_not_shared():
    model = _model()
    hf = to_transformers(model)
    with torch.no_grad():
        hf.transformer.wte.weight.add_(1.0)
    assert not torch.equal(hf.transformer.wte.weight, model.transformer.wte.weight)


def test_from_transformers_loads_a_model_transformers_initialised():
    hf_config = transformers.GPT2Config(
        vocab_size=61,
        n_positions=20,
        n_embd=32,
        n_layer=2,
        n_head=2,
        activation_function="gelu_new",
        bos_token_id=0,
        eos_token_id=0,
    )
    hf = _scramble(transformers.GPT2LMHeadModel(hf_config).eval())
    model = from_transformers(hf)
    assert model.config == GPTConfig(
        vocab_size=61, context_length=20, n_layer=2, n_head=2, d_model=32, dropout=0.1
    )
    assert not model.training
    idx = _ids(model.config, B=2, T=20)
    with torch.no_grad():
        assert (model(idx) - hf(input_ids=idx).logits).abs().max() <= 1e-4
    # and back again: the round trip is exact
    back = to_transformers(model)
    for name, value in hf.state_dict().items():
        assert torch.equal(value, back.state_dict()[name]), name


def test_from_transformers_rejects_what_we_cannot_express():
    hf = transformers.GPT2LMHeadModel(
        transformers.GPT2Config(
            vocab_size=50, n_positions=8, n_embd=16, n_layer=1, n_head=2, activation_function="relu"
        )
    )
    with pytest.raises(ValueError, match="activation_function"):
        from_transformers(hf)
    with pytest.raises(TypeError):
        from_transformers(_model())


def test_to_transformers_checks_token_ids():
    with pytest.raises(ValueError, match=r"eos_token_id must be in \[0, 97\)"):
        to_transformers(_model(), eos_token_id=97)


# ---------------------------------------------------------------------------------------------
# export for transformers.pipeline


def _tiny_tokenizer() -> Tokenizer:
    """A byte-level BPE (~300 tokens) trained on a few KB of text, like the course's."""
    words = "the a cat dog bird sat ran flew on over under mat park tree and then slowly".split()
    gen = torch.Generator().manual_seed(0)
    picks = torch.randint(0, len(words), (1200,), generator=gen).tolist()
    text = " ".join(words[i] for i in picks)  # ~6 KB
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([text], trainer)
    return tok


def _greedy(model: GPT, ids: list[int], n_new: int, eos_id: int) -> list[int]:
    """Our own greedy decoding with the KV cache: argmax, stop at eos."""
    cache = model.new_kv_cache(batch_size=1)
    logits = model(torch.tensor([ids]), kv_cache=cache)
    out = []
    for _ in range(n_new):
        next_id = int(logits[0, -1].argmax())
        out.append(next_id)
        if next_id == eos_id:
            break
        logits = model(torch.tensor([[next_id]]), kv_cache=cache)
    return out


@pytest.mark.parametrize("wrap", [False, True], ids=["Tokenizer", "PreTrainedTokenizerFast"])
def test_export_loads_offline_in_pipeline_and_generates_our_greedy_text(
    tmp_path, monkeypatch, wrap
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    tok = _tiny_tokenizer()
    assert 250 < tok.get_vocab_size() <= 300
    model = _model(GPTConfig(vocab_size=300, context_length=32, n_layer=2, n_head=4, d_model=64))
    tokenizer = tok
    if wrap:
        tokenizer = transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, eos_token="<|endoftext|>"
        )
    folder = export_pretrained(model, tokenizer, tmp_path / "mini-gpt")
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()

    pipe = transformers.pipeline("text-generation", model=str(folder))
    eos_id = tok.token_to_id("<|endoftext|>")
    assert pipe.model.config.eos_token_id == eos_id and pipe.tokenizer.eos_token_id == eos_id
    prompt = "the cat sat on"
    n_new = 10
    out = pipe(prompt, max_new_tokens=n_new, do_sample=False, return_tensors=True)
    generated = out[0]["generated_token_ids"]
    prompt_ids = tok.encode(prompt).ids
    assert generated[: len(prompt_ids)] == prompt_ids
    with torch.no_grad():
        ours = _greedy(model, prompt_ids, n_new, eos_id)
    assert generated[len(prompt_ids) :] == ours
    text = pipe(prompt, max_new_tokens=n_new, do_sample=False, return_full_text=False)
    assert text[0]["generated_text"] == tok.decode(ours)


def test_export_rejects_a_tokenizer_that_does_not_fit(tmp_path):
    tok = _tiny_tokenizer()
    with pytest.raises(ValueError, match="vocab_size=97"):
        export_pretrained(_model(), tok, tmp_path)
    big = _model(GPTConfig(vocab_size=300, context_length=8, n_layer=1, n_head=1, d_model=8))
    with pytest.raises(ValueError, match="eos_token"):
        export_pretrained(big, tok, tmp_path, eos_token="<eos>")
    with pytest.raises(TypeError, match="tokenizer"):
        export_pretrained(big, "gpt2", tmp_path)
