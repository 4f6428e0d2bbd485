"""Tests for helpers.sampling.

The filters are cross-checked against transformers' logits warpers (code we did not write) on
thousands of random rows with exact ties and extreme values; sampling is checked statistically;
generation is checked with a tiny toy model that follows the course GPT's contract, and with the
course GPT itself (also against transformers' greedy `generate`).
"""

from types import SimpleNamespace

import pytest
import torch
from torch import nn
from transformers.generation.logits_process import (
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from helpers.sampling import (
    Generation,
    apply_temperature,
    candidate_count,
    entropy,
    generate,
    generation_loop,
    next_token_probs,
    sample_token,
    top_k_filter,
    top_p_filter,
    top_tokens,
)

VOCAB_SIZES = (2, 7, 16, 17, 64, 1000)  # 16/17: torch's CPU sort changes algorithm past 16
ROWS = 200  # per vocabulary size and kind of row (100 for the largest vocabulary, for speed)


def _logit_batches() -> list[tuple[str, torch.Tensor]]:
    """(name, logits (ROWS, V)) for every vocabulary size and kind of row."""
    gen = torch.Generator().manual_seed(0)
    batches = []
    for V in VOCAB_SIZES:
        n = ROWS if V < 1000 else ROWS // 2
        x = torch.randn(n, V, generator=gen) * 3
        u = torch.rand(n, V, generator=gen)
        masked = x.masked_fill(u < 0.3, float("-inf"))
        masked[:, 0] = x[:, 0]  # at least one finite logit per row
        kinds = {
            "normal": x,
            "rounded": x.round(),  # many exact ties
            "coarse": torch.randint(0, 3, (n, V), generator=gen).float(),  # ties everywhere
            "extreme": torch.where(u < 0.1, 1e4, torch.where(u > 0.9, -1e4, x)),  # underflow
            "peaked": x * 50,
            "near-flat": x * 1e-4,
            "flat": (torch.randn(n, 1, generator=gen) * 5).expand(n, V).contiguous(),
            "masked": masked,  # some logits already -inf (as after top-k)
        }
        batches += [(f"{kind}-V{V}", logits) for kind, logits in kinds.items()]
    return batches


BATCHES = _logit_batches()


def _assert_same_filter(ours: torch.Tensor, theirs: torch.Tensor, where: str) -> None:
    """The same tokens removed (-inf) and the same probabilities after softmax."""
    ours_removed, theirs_removed = torch.isneginf(ours), torch.isneginf(theirs)
    if not torch.equal(ours_removed, theirs_removed):
        bad = (ours_removed != theirs_removed).any(-1).nonzero().flatten().tolist()
        pytest.fail(f"{where}: kept tokens differ from transformers in rows {bad[:10]}")
    torch.testing.assert_close(ours.softmax(-1), theirs.softmax(-1), rtol=0, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Filters == transformers' logits warpers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.05, 0.5, 1.0, 1.7, 10.0])
def test_apply_temperature_matches_transformers(temperature):
    warper = TemperatureLogitsWarper(temperature)
    for name, x in BATCHES:
        assert torch.equal(apply_temperature(x, temperature), warper(None, x)), name


def test_apply_temperature_accepts_an_int():
    x = BATCHES[0][1]
    assert torch.equal(apply_temperature(x, 2), TemperatureLogitsWarper(2.0)(None, x))
    with pytest.raises(ValueError):  # transformers rejects ints; we do not
        TemperatureLogitsWarper(2)


@pytest.mark.parametrize("k", [1, 2, 5, 16, 17, 100, 1000, 5000])
def test_top_k_filter_matches_transformers(k):
    warper = TopKLogitsWarper(k)
    for name, x in BATCHES:
        _assert_same_filter(top_k_filter(x, k), warper(None, x), f"{name} k={k}")


@pytest.mark.parametrize("p", [1e-9, 0.01, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0])
def test_top_p_filter_matches_transformers(p):
    warper = TopPLogitsWarper(p)
    straddling_ties = 0  # rows where equal logits fall on both sides of the cut
    for name, x in BATCHES:
        ours = top_p_filter(x, p)
        _assert_same_filter(ours, warper(None, x), f"{name} p={p}")
        smallest_kept = ours.masked_fill(torch.isneginf(ours), float("inf")).amin(-1, keepdim=True)
        tied_and_dropped = (x == smallest_kept) & torch.isneginf(ours)
        straddling_ties += int(tied_and_dropped.any(-1).sum())
    if 0.01 <= p < 1:  # the data must exercise the tie question, or this test proves little
        assert straddling_ties > 100, straddling_ties


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9, 0.99])
def test_top_p_keeps_the_smallest_nucleus(p):
    """Without ties, the kept set is the smallest set of most likely tokens with total >= p,
    computed independently in float64; rows where a partial sum lies within float32 rounding
    of p are skipped (there, where the cut falls is a matter of rounding)."""
    checked = skipped = 0
    for name, x in BATCHES:
        if not name.startswith(("normal", "peaked")):
            continue
        probs = x.double().softmax(-1).sort(-1, descending=True).values
        totals = probs.cumsum(-1)
        expected = (totals < p).sum(-1) + 1  # tokens needed to reach p
        expected = expected.clamp(max=x.size(-1))
        near = ((totals - p).abs() < 1e-6).any(-1)
        kept = (~torch.isneginf(top_p_filter(x, p))).sum(-1)
        assert torch.equal(kept[~near], expected[~near]), name
        checked += int((~near).sum())
        skipped += int(near.sum())
    assert skipped < 0.01 * checked, (skipped, checked)


def test_filters_on_hand_examples():
    x = torch.tensor([3.0, 1.0, 2.0, 2.0, 0.0])
    kept = lambda y: (~torch.isneginf(y)).nonzero().flatten().tolist()  # noqa: E731
    assert kept(top_k_filter(x, 1)) == [0]
    assert kept(top_k_filter(x, 2)) == [0, 2, 3]  # the tie with the 2nd largest stays
    assert kept(top_k_filter(x, 3)) == [0, 2, 3]
    assert kept(top_k_filter(x, 10)) == [0, 1, 2, 3, 4]
    probs = torch.tensor([0.5, 0.3, 0.2])
    logits = probs.log()
    assert kept(top_p_filter(logits, 0.1)) == [0]
    assert kept(top_p_filter(logits, 0.6)) == [0, 1]
    assert kept(top_p_filter(logits, 0.85)) == [0, 1, 2]
    assert kept(top_p_filter(logits, 1.0)) == [0, 1, 2]


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p"),
    [(0.7, 50, 0.9), (1.0, None, 0.95), (1.5, 10, None), (0.3, 3, 0.5), (2, 1000, 0.99)],
)
def test_next_token_probs_matches_transformers_pipeline(temperature, top_k, top_p):
    warpers = [TemperatureLogitsWarper(float(temperature))]
    warpers += [TopKLogitsWarper(top_k)] if top_k is not None else []
    warpers += [TopPLogitsWarper(top_p)] if top_p is not None else []
    for name, x in BATCHES:
        theirs = x
        for warper in warpers:  # temperature -> top-k -> top-p, as transformers' generate
            theirs = warper(None, theirs)
        ours = next_token_probs(x, temperature, top_k, top_p)
        assert torch.equal(ours == 0, theirs.softmax(-1) == 0), name
        torch.testing.assert_close(ours, theirs.softmax(-1), rtol=0, atol=1e-6)


def test_next_token_probs_shapes_and_greedy():
    x = torch.randn(5, 30, generator=torch.Generator().manual_seed(1))
    probs = next_token_probs(x, 0.8, 10, 0.9)
    assert probs.shape == (5, 30)
    torch.testing.assert_close(probs.sum(-1), torch.ones(5))
    for row in range(5):  # a (V,) row gives the same as its row of the batch
        torch.testing.assert_close(next_token_probs(x[row], 0.8, 10, 0.9), probs[row])
    assert candidate_count(probs).le(10).all()

    greedy = next_token_probs(x, temperature=0, top_k=3, top_p=1e-6)
    assert torch.equal(greedy, nn.functional.one_hot(x.argmax(-1), 30).float())
    tied = torch.tensor([1.0, 5.0, 5.0, 2.0])
    assert next_token_probs(tied, 0).tolist() == [0.0, 1.0, 0.0, 0.0]  # first of the ties


def test_temperature_sharpens_and_flattens():
    x = torch.randn(100, generator=torch.Generator().manual_seed(2))
    h = [float(entropy(next_token_probs(x, t))) for t in (0.25, 0.5, 1.0, 2.0, 4.0)]
    assert h == sorted(h) and h[0] < h[-1]


# ---------------------------------------------------------------------------------------------
# Sampling statistics
# ---------------------------------------------------------------------------------------------


def test_sampled_frequencies_match_probabilities():
    """200k draws with a fixed seed: tokens the filters removed never appear and frequencies
    match the probabilities. The tolerance (0.004, about 3.6 standard deviations of the worst
    token) would be exceeded by a sampler that skipped temperature or ignored the filters,
    as the last assertion shows; with the fixed seed the test cannot flake."""
    V, N = 10, 200_000
    logits = torch.randn(V, generator=torch.Generator().manual_seed(3)) * 1.5
    probs = next_token_probs(logits, temperature=0.8, top_k=7, top_p=0.9)
    draws = sample_token(probs.expand(N, V), torch.Generator().manual_seed(0))
    assert draws.shape == (N,) and draws.dtype == torch.long
    freq = torch.bincount(draws, minlength=V).double() / N
    removed = probs == 0
    assert 1 <= int(removed.sum()) <= V - 3  # the filters did remove some tokens
    assert freq[removed].eq(0).all()
    assert (freq - probs.double()).abs().max() < 0.004
    kept = ~removed
    chi2 = (N * (freq[kept] - probs[kept].double()) ** 2 / probs[kept].double()).sum()
    assert chi2 < 30  # df <= 9: the 99.95% quantile is about 29.7
    for wrong in (logits.softmax(-1), next_token_probs(logits, 1.0, 7, 0.9)):
        assert (wrong - probs).abs().max() > 0.02


def test_sample_token_shapes_and_zero_probability():
    g = torch.Generator().manual_seed(0)
    probs = torch.tensor([0.0, 0.5, 0.0, 0.5])
    assert sample_token(probs, g).shape == ()
    draws = sample_token(probs.expand(1000, 4), g)
    assert set(draws.tolist()) == {1, 3}


# ---------------------------------------------------------------------------------------------
# A toy model and tokenizer with the course GPT's contract
# ---------------------------------------------------------------------------------------------


class ToyCache:
    """Stores the 'keys' of every token read; refuses to grow past the context window."""

    def __init__(self, batch_size: int, context_length: int, dim: int):
        self.keys = torch.zeros(batch_size, 0, dim)
        self.context_length = context_length

    @property
    def length(self) -> int:
        return self.keys.shape[1]

    def append(self, keys: torch.Tensor) -> torch.Tensor:
        if self.length + keys.shape[1] > self.context_length:
            raise ValueError("the cache would exceed context_length")
        self.keys = torch.cat([self.keys, keys], dim=1)
        return self.keys


class ToyLM(nn.Module):
    """A tiny causal LM: the logits at a position are its token's row + its position's row +
    the running mean of the 'keys' of all tokens so far (a stand-in for attention), so they
    depend on the whole context and on absolute positions, like a GPT's."""

    def __init__(self, vocab_size: int, context_length: int, seed: int = 0):
        super().__init__()
        self.config = SimpleNamespace(vocab_size=vocab_size, context_length=context_length)
        g = torch.Generator().manual_seed(seed)
        self.tok = nn.Parameter(torch.randn(vocab_size, vocab_size, generator=g) * 2)
        self.pos = nn.Parameter(torch.randn(context_length, vocab_size, generator=g))
        self.key = nn.Parameter(torch.randn(vocab_size, vocab_size, generator=g) * 2)
        self.calls: list[tuple[int, bool]] = []  # (tokens read, with a cache) per forward

    def new_kv_cache(self, batch_size: int) -> ToyCache:
        return ToyCache(batch_size, self.config.context_length, self.config.vocab_size)

    def forward(self, idx: torch.Tensor, kv_cache: ToyCache | None = None) -> torch.Tensor:
        B, T = idx.shape
        start = 0 if kv_cache is None else kv_cache.length
        if start + T > self.config.context_length:
            raise ValueError("the sequence would exceed context_length")
        self.calls.append((T, kv_cache is not None))
        keys = self.key[idx]  # (B, T, V)
        if kv_cache is not None:
            keys = kv_cache.append(keys)  # (B, start + T, V)
        pos = torch.arange(start, start + T)  # (T,)
        context = keys.cumsum(dim=1)[:, -T:] / (pos + 1)[:, None]  # (B, T, V) causal mean
        return self.tok[idx] + self.pos[pos] + context  # (B, T, V)


class ToyTokenizer:
    """Lower-case letters, space and '.'; an unknown character raises KeyError."""

    alphabet = "abcdefghijklmnopqrstuvwxyz ."

    def __init__(self, eos_id: int | None = None):
        self.eos_id = eos_id
        self._ids = {c: i for i, c in enumerate(self.alphabet)}

    def encode(self, text: str) -> list[int]:
        return [self._ids[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.alphabet[i] for i in ids)


V_TOY = len(ToyTokenizer.alphabet)


@pytest.fixture
def toy():
    return ToyLM(V_TOY, context_length=12), ToyTokenizer()


def _context_logits(model: nn.Module, ids: list[int]) -> torch.Tensor:
    """Uncached logits (V,) after the last context_length tokens of `ids`."""
    window = ids[-model.config.context_length :]
    with torch.no_grad():
        return model(torch.tensor([window]))[0, -1]


# ---------------------------------------------------------------------------------------------
# generate
# ---------------------------------------------------------------------------------------------


def test_same_seed_same_text_and_seeds_differ(toy):
    model, tok = toy
    a = generate(model, tok, "the cat", max_new_tokens=30, seed=7, top_k=20)
    b = generate(model, tok, "the cat", max_new_tokens=30, seed=7, top_k=20)
    assert isinstance(a, Generation)
    assert a == b
    texts = {generate(model, tok, "the cat", 30, seed=s, top_k=20).text for s in range(5)}
    assert len(texts) == 5


def test_generate_leaves_the_global_rng_alone(toy):
    model, tok = toy
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = generate(model, tok, "the cat", max_new_tokens=10, seed=1)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(999)
    assert generate(model, tok, "the cat", max_new_tokens=10, seed=1) == a


def test_greedy_follows_the_argmax_and_ignores_the_seed(toy):
    model, tok = toy
    runs = [generate(model, tok, "a dog", 20, temperature=0, seed=s) for s in range(3)]
    assert runs[0] == runs[1] == runs[2]
    ids = tok.encode("a dog")
    for token in runs[0].token_ids:  # an independent greedy loop, uncached
        assert token == int(_context_logits(model, ids).argmax())
        ids.append(token)
    assert runs[0].token_probs == [1.0] * 20


@pytest.mark.parametrize("temperature", [0, 1.0])
def test_cached_and_uncached_generation_agree_across_the_window(toy, temperature):
    model, tok = toy  # context_length 12: 5 prompt tokens + 25 new ones slide the window
    kw = dict(max_new_tokens=25, temperature=temperature, top_p=0.95, seed=3)
    cached = generate(model, tok, "a dog", use_cache=True, **kw)
    uncached = generate(model, tok, "a dog", use_cache=False, **kw)
    assert cached.token_ids == uncached.token_ids
    torch.testing.assert_close(cached.token_probs, uncached.token_probs)
    assert len(cached.token_ids) == 25
    assert any("filled at new token 8" in note for note in cached.notes), cached.notes


def test_the_cache_reads_one_position_per_step(toy):
    model, tok = toy
    generate(model, tok, "a dog", max_new_tokens=10, seed=0)
    # the prompt (5 tokens), then one position per step until the 12-token window is full,
    # then the last 12 tokens afresh (no logits are needed after the 10th new token)
    assert model.calls == [(5, True)] + [(1, True)] * 7 + [(12, False)] * 2
    model.calls.clear()
    generate(model, tok, "a dog", max_new_tokens=10, seed=0, use_cache=False)
    assert model.calls == [(min(5 + i, 12), False) for i in range(10)]


def test_recorded_probabilities_are_those_of_the_filtered_distribution(toy):
    model, tok = toy
    kw = dict(temperature=0.7, top_k=8, top_p=0.8)
    result = generate(model, tok, "the cat", max_new_tokens=20, seed=5, **kw)
    ids = tok.encode("the cat")
    for token, p, p_model in zip(
        result.token_ids, result.token_probs, result.model_probs, strict=True
    ):
        logits = _context_logits(model, ids)
        probs = next_token_probs(logits, **kw)
        assert probs[token] > 0  # never a filtered-out token
        assert p == pytest.approx(float(probs[token]), abs=1e-6)
        assert p_model == pytest.approx(float(logits.softmax(-1)[token]), abs=1e-6)
        ids.append(token)
    assert result.text == "the cat" + tok.decode(result.token_ids) == "the cat" + result.completion
    assert result.token_texts == [tok.decode([i]) for i in result.token_ids]


def test_a_long_prompt_is_cropped_with_a_note(toy):
    model, tok = toy
    prompt = "once upon a time there was"  # 26 tokens, context_length 12
    result = generate(model, tok, prompt, max_new_tokens=5, seed=0)
    assert result.prompt_tokens_dropped == 14
    assert result.prompt_ids == tok.encode(prompt)[-12:]
    assert len(result.notes) == 1 and "26 tokens" in result.notes[0]
    assert "last 12 tokens" in result.notes[0]
    assert result.text.startswith(prompt)
    cropped = generate(model, tok, prompt[-12:], max_new_tokens=5, seed=0)
    assert cropped.token_ids == result.token_ids
    assert cropped.prompt_tokens_dropped == 0 and "filled at new token 1" in cropped.notes[0]


def test_max_new_tokens_zero_returns_the_prompt(toy):
    model, tok = toy
    result = generate(model, tok, "the cat", max_new_tokens=0)
    assert result.text == "the cat" and result.completion == ""
    assert result.token_ids == [] and result.finish_reason == "length"


def test_eos_stops_generation(toy):
    model, tok = toy
    ids = generate(model, tok, "the cat", max_new_tokens=20, seed=4).token_ids
    j = next(j for j in range(2, 20) if ids[j] not in ids[:j])  # a token first seen at j
    eos = ToyTokenizer(eos_id=ids[j])
    stopped = generate(model, eos, "the cat", max_new_tokens=20, seed=4)
    assert stopped.token_ids == ids[: j + 1]  # the end-of-text token is reported...
    assert stopped.completion == tok.decode(ids[:j])  # ...but not part of the text
    assert stopped.finish_reason == "stop"
    ignored = generate(model, eos, "the cat", max_new_tokens=20, seed=4, stop_at_eos=False)
    assert ignored.token_ids == ids and ignored.finish_reason == "length"


def test_generate_restores_train_mode(toy):
    model, tok = toy
    model.train()
    generate(model, tok, "the cat", max_new_tokens=3)
    assert model.training
    model.eval()
    generate(model, tok, "the cat", max_new_tokens=3)
    assert not model.training


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        (dict(temperature=-0.5), ValueError, "temperature"),
        (dict(temperature=float("nan")), ValueError, "temperature"),
        (dict(temperature="hot"), TypeError, "temperature"),
        (dict(top_k=0), ValueError, "top_k"),
        (dict(top_k=-3), ValueError, "top_k"),
        (dict(top_k=2.5), TypeError, "top_k"),
        (dict(top_k=True), TypeError, "top_k"),
        (dict(top_p=0), ValueError, "top_p"),
        (dict(top_p=1.5), ValueError, "top_p"),
        (dict(top_p=-0.1), ValueError, "top_p"),
        (dict(max_new_tokens=-1), ValueError, "max_new_tokens"),
        (dict(max_new_tokens=2.0), TypeError, "max_new_tokens"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(prompt=""), ValueError, "prompt"),
        (dict(prompt="Hello!"), ValueError, "prompt"),  # characters the tokenizer does not know
    ],
)
def test_bad_generate_arguments_raise_a_clear_error(toy, kwargs, error, argument):
    model, tok = toy
    kwargs = {"prompt": "the cat", **kwargs}
    with pytest.raises(error, match=argument):
        generate(model, tok, **kwargs)


def test_generate_is_the_plain_loop_with_torch_multinomial(toy):
    """generate draws exactly what the textbook loop gives: crop the context, run the model,
    apply the controls, draw with torch.multinomial, append."""
    model, tok = toy
    controls = dict(temperature=0.9, top_k=10, top_p=0.9)
    result = generate(model, tok, "the cat", 20, seed=3, use_cache=False, **controls)
    ids, rng = tok.encode("the cat"), torch.Generator().manual_seed(3)
    for _ in range(20):
        probs = next_token_probs(_context_logits(model, ids), **controls)
        ids.append(int(torch.multinomial(probs, 1, generator=rng)))
    assert result.token_ids == ids[len("the cat") :]
    with torch.inference_mode():  # the bare loop gives the same tokens
        steps = generation_loop(model.eval(), tok.encode("the cat"), 20, **controls,
                                generator=torch.Generator().manual_seed(3))  # fmt: skip
        assert [token for token, _, _ in steps] == result.token_ids


def test_nan_logits_stop_generation_with_an_error():
    class NaNModel(nn.Module):
        config = SimpleNamespace(vocab_size=V_TOY, context_length=16)

        def forward(self, idx):
            return torch.full((*idx.shape, V_TOY), float("nan"))

    with pytest.raises(RuntimeError, match="logits contain NaN at new token 0"):
        generate(NaNModel(), ToyTokenizer(), "hi", 3, use_cache=False)


def test_prompt_that_is_not_text_is_a_type_error(toy):
    model, tok = toy
    with pytest.raises(TypeError, match="prompt"):
        generate(model, tok, [1, 2, 3])


def test_bad_filter_arguments_raise_a_clear_error():
    x = torch.randn(10)
    with pytest.raises(ValueError, match="greedy"):
        apply_temperature(x, 0)
    for call, argument in [
        (lambda: apply_temperature(x, -1.0), "temperature"),
        (lambda: top_k_filter(x, 0), "k must"),
        (lambda: top_p_filter(x, 0.0), "p must"),
        (lambda: top_p_filter(x, 1.01), "p must"),
        (lambda: next_token_probs(x, temperature=-1), "temperature"),
        (lambda: next_token_probs(x, top_k=0), "top_k"),
        (lambda: next_token_probs(x, top_p=2), "top_p"),
        (lambda: next_token_probs(x, temperature=0, top_p=2), "top_p"),
        (lambda: top_tokens(x.softmax(0), x.softmax(0), ToyTokenizer(), n=0), "n must"),
    ]:
        with pytest.raises(ValueError, match=argument):
            call()
    with pytest.raises(TypeError, match="k must be an integer >= 1, got 1.5"):
        top_k_filter(x, 1.5)
    with pytest.raises(TypeError, match="logits"):
        top_k_filter(torch.arange(10), 3)


# ---------------------------------------------------------------------------------------------
# The pure compute behind the bar charts
# ---------------------------------------------------------------------------------------------


def test_entropy_and_candidate_count():
    probs = torch.softmax(torch.randn(4, 50, generator=torch.Generator().manual_seed(6)), -1)
    filtered = next_token_probs(probs.log(), top_k=5)
    for p in (probs, filtered):  # against torch.distributions, in bits
        expected = torch.distributions.Categorical(probs=p).entropy() / torch.log(torch.tensor(2))
        torch.testing.assert_close(entropy(p), expected)
    assert entropy(torch.full((8,), 1 / 8)).item() == pytest.approx(3.0)
    assert entropy(torch.tensor([0.0, 1.0, 0.0])).item() == 0.0
    assert candidate_count(probs).tolist() == [50] * 4
    assert candidate_count(filtered).tolist() == [5] * 4


def test_top_tokens_rows():
    tok = ToyTokenizer()
    logits = torch.randn(V_TOY, generator=torch.Generator().manual_seed(8))
    before = logits.softmax(-1)
    after = next_token_probs(logits, top_k=4)
    rows = top_tokens(before, after, tok, n=6)
    assert len(rows) == 6
    assert [r.token_id for r in rows] == logits.argsort(descending=True)[:6].tolist()
    assert [r.kept for r in rows] == [True] * 4 + [False] * 2
    for r in rows:
        assert r.token == tok.decode([r.token_id])
        assert r.p_before == pytest.approx(float(before[r.token_id]))
        assert r.p_after == pytest.approx(float(after[r.token_id]))
    assert len(top_tokens(before, after, tok, n=1000)) == V_TOY


# ---------------------------------------------------------------------------------------------
# With the course GPT
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gpt():
    from helpers.gpt import GPT, GPTConfig

    config = GPTConfig(vocab_size=V_TOY, context_length=16, n_layer=2, n_head=2, d_model=32)
    model = GPT(config, seed=0).eval()
    # A random GPT with tied embeddings mostly repeats the last token; larger position
    # embeddings make its output depend on where it is, so the sliding window matters.
    with torch.no_grad():
        model.transformer.wte.weight.mul_(3)
        model.transformer.wpe.weight.mul_(30)
    return model


def test_gpt_cached_and_uncached_greedy_agree(gpt):
    tok = ToyTokenizer()
    kw = dict(max_new_tokens=40, temperature=0)  # 7 + 40 tokens: the 16-token window slides
    cached = generate(gpt, tok, "the cat", use_cache=True, **kw)
    uncached = generate(gpt, tok, "the cat", use_cache=False, **kw)
    assert cached.token_ids == uncached.token_ids
    assert len(set(cached.token_ids)) > 3  # not a degenerate repeat of one token


def test_gpt_same_seed_same_text(gpt):
    tok = ToyTokenizer()
    kw = dict(max_new_tokens=30, temperature=0.9, top_p=0.95)
    a = generate(gpt, tok, "the cat", seed=11, **kw)
    assert generate(gpt, tok, "the cat", seed=11, **kw) == a
    assert generate(gpt, tok, "the cat", seed=11, use_cache=False, **kw).text == a.text
    assert generate(gpt, tok, "the cat", seed=12, **kw).text != a.text


def test_gpt_greedy_matches_transformers_generate(gpt):
    """Our greedy loop == transformers' greedy `generate` on the same weights (within the
    context window: transformers cannot go past n_positions)."""
    from helpers.gpt_interop import to_transformers

    tok = ToyTokenizer()
    ours = generate(gpt, tok, "the cat", max_new_tokens=9, temperature=0)
    hf = to_transformers(gpt)
    prompt = torch.tensor([tok.encode("the cat")])
    out = hf.generate(
        prompt,
        attention_mask=torch.ones_like(prompt),
        do_sample=False,
        max_new_tokens=9,
        pad_token_id=0,
    )
    assert out[0, prompt.shape[1] :].tolist() == ours.token_ids


def test_sample_token_draws_what_torch_multinomial_draws():
    """One row is drawn by multinomial's own exponential race: the same tokens, seed for seed."""
    probs = torch.softmax(torch.randn(3, 512, generator=torch.Generator().manual_seed(0)), -1)
    probs[1, :500] = 0  # zeros are never drawn
    for row in probs:
        ours, theirs = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
        drawn = [int(sample_token(row, ours)) for _ in range(300)]
        assert drawn == [int(torch.multinomial(row, 1, generator=theirs)) for _ in range(300)]
        assert all(row[t] > 0 for t in drawn)
