"""Notebook 09's live measurements: the longest repeated run of words, and top-k's randomness."""

import pytest
import torch

from helpers.gpt import GPT, GPTConfig
from helpers.sampling import entropy, generate, next_token_probs
from helpers.studies.sample_quality import distinct_ngrams, longest_shared_run, top_k_samples
from helpers.tokenization import load_tokenizer


def test_longest_shared_run_on_hand_examples():
    assert longest_shared_run(["a b c", "x b c y"]) == ["b", "c"]
    assert longest_shared_run(["a b a b"]) == ["a", "b"]  # twice in one text counts
    assert longest_shared_run(["a b", "c d"]) == []
    assert longest_shared_run([]) == []
    texts = ["It rained. Sam sat.", "Then it rained. Sam ran."]
    assert longest_shared_run(texts) == ["rained.", "Sam"]
    # words are kept as written: case and punctuation make them different
    assert longest_shared_run(["Sam sat.", "sam sat"]) == []


@pytest.fixture(scope="module")
def small():
    config = GPTConfig(vocab_size=512, context_length=64, n_layer=2, n_head=2, d_model=32)
    model = GPT(config, seed=0).eval()
    with torch.no_grad():
        model.transformer.wte.weight.mul_(4)  # larger embeddings: a less flat distribution
    return model, load_tokenizer("tiny-tales")


def test_top_k_samples_are_seeded_and_measure_the_filtered_distributions(small):
    model, tokenizer = small
    r = top_k_samples(model, tokenizer, 5, temperature=1.0, seeds=[0, 1], new_tokens=20)
    assert r == top_k_samples(model, tokenizer, 5, temperature=1.0, seeds=[0, 1], new_tokens=20)
    assert r["mean_candidates"] == 5  # random weights: no exact ties
    assert 0 < r["mean_entropy_bits"] <= torch.log2(torch.tensor(5.0)).item() + 1e-6
    assert r["distinct_3"] == distinct_ngrams(r["texts"], 3)
    assert all("<|endoftext|>" not in t for t in r["texts"])

    # the entropies are those of the distributions generate drew from, step by step
    g = generate(model, tokenizer, "<|endoftext|>", 20, top_k=5, seed=0, stop_at_eos=False)
    seq, expected = list(g.prompt_ids), []
    for token in g.token_ids:
        with torch.inference_mode():
            logits = model(torch.tensor([seq]))[0, -1]
        expected.append(float(entropy(next_token_probs(logits, 1.0, 5))))
        seq.append(token)
    one = top_k_samples(model, tokenizer, 5, temperature=1.0, seeds=[0], new_tokens=20)
    assert one["mean_entropy_bits"] == pytest.approx(sum(expected) / len(expected), abs=1e-5)


def test_top_k_one_is_greedy_and_more_k_is_more_random(small):
    model, tokenizer = small
    greedy = top_k_samples(model, tokenizer, 1, seeds=[0, 1, 2], new_tokens=20)
    assert greedy["mean_entropy_bits"] == 0
    assert len(set(greedy["texts"])) == 1  # every seed: the same text
    wide = top_k_samples(model, tokenizer, 100, seeds=[0, 1, 2], new_tokens=20)
    assert wide["mean_entropy_bits"] > 1
    assert wide["distinct_3"] > greedy["distinct_3"]


def test_top_k_samples_refuses_samples_longer_than_the_window(small):
    model, tokenizer = small
    with pytest.raises(ValueError, match="context window"):
        top_k_samples(model, tokenizer, 5, seeds=[0], new_tokens=80)
