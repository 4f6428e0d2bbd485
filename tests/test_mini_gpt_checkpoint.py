"""The committed mini GPT (data/mini-gpt.*): it loads, its card meets the issue's numbers, the
card is not stale (re-sampling the committed weights gives the card's stories), and it runs in
transformers' pipeline with our greedy text."""

import math

import huggingface_hub.constants
import pytest
import torch
import transformers

from helpers import checkpoints
from helpers.gpt import GPT, GPTConfig
from helpers.gpt_interop import export_pretrained
from helpers.sampling import generate
from helpers.studies.sample_quality import grammatical_share, sample_stories
from helpers.tokenization import TOKENIZER_FILES, load_tokenizer
from tools.make_checkpoints import MINI_GPT


@pytest.fixture(scope="module")
def committed():
    if not (checkpoints.data_dir() / "mini-gpt.json").exists():
        pytest.fail("data/mini-gpt.json is missing: run `make checkpoints`")
    model, card = checkpoints.load("mini-gpt")  # verifies the sha256 before reading weights
    return model, card


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer("tiny-tales")


@pytest.fixture
def one_thread():
    """The card was sampled on one thread; float sums (and so rare draws) depend on it."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_loads_with_the_configured_shape_and_tokenizer(committed, tokenizer):
    model, card = committed
    assert isinstance(model, GPT) and not model.training
    assert card["kind"] == "gpt"
    assert card["config"] == GPTConfig(**MINI_GPT["config"]).to_dict()
    assert card["parameters"] == model.num_parameters()
    assert 0.8e6 < card["parameters"] < 1.0e6
    assert model.config.vocab_size == tokenizer.vocab_size
    tokenizer_file = checkpoints.data_dir() / TOKENIZER_FILES["tiny-tales"]
    assert card["tokenizer_sha256"] == checkpoints.sha256_of(tokenizer_file)


def test_card_meets_the_issues_numbers(committed):
    _, card = committed
    m = card["metrics"]
    assert m["temperature"] == 0.8
    assert m["grammatical_share"] >= 0.90, m
    assert m["sentences_checked"] >= 100
    assert 0 < m["val_loss"] < math.log(512) - 3  # far below the uniform guess, ln 512 = 6.24


def test_card_history_and_stages_are_consistent(committed):
    _, card = committed
    steps, every = card["training"]["train"]["steps"], card["history"]["train_loss_every"]
    eval_every = card["training"]["train"]["eval_every"]
    h = card["history"]
    assert len(h["train_loss"]) == steps // every
    assert h["eval_steps"] == list(range(eval_every, steps + 1, eval_every))
    assert h["val_loss"][-1] == card["metrics"]["val_loss"]
    stages = card["stages"]
    assert [s["step"] for s in stages] == [0, *h["eval_steps"]]
    assert [s["val_loss"] for s in stages[1:]] == h["val_loss"]
    assert stages[0]["val_loss"] > 6.0  # untrained: about ln 512
    assert stages[0]["grammatical_share"] < stages[-1]["grammatical_share"]
    assert all(len(s["samples"]) == 3 for s in stages)


def test_card_is_not_stale(committed, tokenizer, one_thread):
    """Re-sampling the committed weights with the card's settings gives the card's stories and
    sentence counts: the final ones (seeds 0..4) and the last stage's (seeds 1000..1002)."""
    model, card = committed
    settings = {"temperature": MINI_GPT["temperature"], "max_new_tokens": MINI_GPT["sample_tokens"]}
    final = sample_stories(model, tokenizer, len(card["samples"]), seed=0, **settings)
    assert final == card["samples"]
    last = sample_stories(model, tokenizer, 3, seed=1000, **settings)
    assert last == card["stages"][-1]["samples"]
    share, n = grammatical_share(final + last)
    assert n >= 20 and share >= 0.8


def test_exported_model_generates_our_greedy_text_in_a_pipeline(
    committed, tokenizer, tmp_path, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    model, _ = committed
    folder = export_pretrained(model, tokenizer.tokenizer, tmp_path / "mini-gpt-hf")
    pipe = transformers.pipeline("text-generation", model=str(folder), device="cpu")
    for prompt in ["There once was a", "Mia and Tom"]:
        theirs = pipe(prompt, max_new_tokens=50, do_sample=False)[0]["generated_text"]
        ours = generate(model, tokenizer, prompt, max_new_tokens=50, temperature=0)
        assert theirs == ours.text
