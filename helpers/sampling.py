"""Sampling controls of a language model: temperature, top-k, top-p, greedy, and generation.

Notebook 09 teaches these. A language model gives one logit per vocabulary token; the controls
that hosted models expose reshape those logits before a token is drawn:

    logits (V,) --temperature--> --top-k--> --top-p--> softmax --> probs (V,) --draw--> token

in that order, the order transformers' `generate` uses. Temperature 0 means greedy decoding:
always the most likely token. The filters set every removed token's logit to -inf, so softmax
gives it probability exactly 0, and they keep exactly the tokens transformers' logits warpers
keep (TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper; tests/test_sampling.py
cross-checks them, ties and extreme values included).

`generation_loop` is the loop itself: crop the context to the window, run the model, filter,
draw, append, repeat. `generate` wraps it for the notebooks: it checks the arguments, crops the
prompt (with a note), and records each new token's probability. Both take a model that follows
the course GPT's contract (`helpers.gpt`): `model(idx)` -> logits (B, T, V), optionally with a
KV cache from `model.new_kv_cache(B)`.

    probs = next_token_probs(logits, temperature=0.8, top_k=50, top_p=0.95)
    result = generate(model, tokenizer, "Once upon a time", max_new_tokens=40, seed=0)
    print(result.text)

The last three functions (`entropy`, `candidate_count`, `top_tokens`) are the pure compute
behind notebook 09's slider-driven bar charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from helpers._checks import check_int, check_number, eval_mode, is_number, model_device

__all__ = [
    "Generation",
    "TokenRow",
    "apply_temperature",
    "candidate_count",
    "entropy",
    "generate",
    "generate_ids",
    "generation_loop",
    "min_p_filter",
    "next_token_probs",
    "sample_token",
    "top_k_filter",
    "top_p_filter",
    "top_tokens",
]


# ---------------------------------------------------------------------------------------------
# Logits -> probabilities
# ---------------------------------------------------------------------------------------------


def apply_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Logits divided by `temperature` (> 0): below 1 sharpens the distribution, above 1
    flattens it. Shape (..., V) -> (..., V).

    Temperature 0 (greedy decoding) is not a division; `next_token_probs` and `generate` handle
    it. Unlike transformers' TemperatureLogitsWarper, an int temperature is fine here.
    """
    _check_logits(logits)
    if is_number(temperature) and temperature == 0:
        raise ValueError(
            "temperature must be > 0 here, got 0; use temperature=0 in next_token_probs or "
            "generate for greedy decoding"
        )
    _check_temperature(temperature, allow_zero=False)
    return logits / temperature


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the `k` largest logits of each row and set the others to -inf. (..., V) -> (..., V).

    Every token tied with the k-th largest logit is kept too, so a row may keep more than k
    tokens (as transformers' TopKLogitsWarper does); k >= V keeps every token.
    """
    _check_logits(logits)
    _check_top_k(k, name="k")
    return _top_k(logits, k)


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filtering: keep the smallest set of most likely tokens whose probabilities add up
    to at least `p` (in (0, 1]), always at least the most likely one; set the rest to -inf.
    (..., V) -> (..., V).

    We compute the same set from the other end: sort the tokens from least to most likely and
    drop the longest run of unlikely tokens whose total probability is at most 1 - p. In exact
    arithmetic the two are the same; in float32 only this one gives bit-for-bit the cumulative
    sums transformers' TopPLogitsWarper compares with 1 - p, so the kept set is always the same
    as theirs. (Summing from the most likely token instead moves the cut by one token in about
    1 row in 2000 of random logits, where the sum lands within float32 rounding of p.)

    Two consequences worth knowing:
    - Ties at the cut: when tokens with exactly equal logits straddle the cut, the ones that
      stay are those that torch.sort happens to place last. That is not index order (torch's
      default CPU sort is not stable for rows longer than 16), but it is deterministic for a
      given torch build and device, and it is the order transformers uses, since we call the
      same sort. (Top-k has no such question: it keeps every tie.)
    - p = 1 keeps every token whose probability is not exactly 0 in float32; tokens whose
      probability underflows to 0 (e.g. 1e4 below the top logit) become -inf, which changes no
      probability.
    """
    _check_logits(logits)
    _check_top_p(p, name="p")
    return _top_p(logits, p)


def min_p_filter(logits: torch.Tensor, min_p: float) -> torch.Tensor:
    """Min-p filtering: keep the tokens whose probability is at least `min_p` (in [0, 1]) times
    the most likely token's, in each row; set the rest to -inf. (..., V) -> (..., V).

    The cut follows the model's confidence: a sure model (top token 0.9, min_p 0.1) keeps only
    tokens above 0.09; a hesitant one (top token 0.05) keeps everything above 0.005. The same
    tokens as transformers' MinPLogitsWarper (notebook 09 writes it as an exercise).
    """
    _check_logits(logits)
    check_number("min_p", min_p, 0, 1)
    probs = logits.softmax(dim=-1)  # (..., V)
    threshold = min_p * probs.amax(dim=-1, keepdim=True)  # (..., 1)
    return logits.masked_fill(probs < threshold, float("-inf"))


def _top_k(logits: torch.Tensor, k: int) -> torch.Tensor:
    """top_k_filter without the argument checks."""
    k = min(int(k), logits.size(-1))
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))


def _top_p(logits: torch.Tensor, p: float) -> torch.Tensor:
    """top_p_filter without the argument checks."""
    sorted_logits, order = torch.sort(logits, dim=-1)  # ascending: least likely first
    tail_mass = sorted_logits.softmax(dim=-1).cumsum(dim=-1)  # mass of a token + all below it
    drop_sorted = tail_mass <= 1 - float(p)
    drop_sorted[..., -1] = False  # the most likely token always stays
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to vocabulary order
    return logits.masked_fill(drop, float("-inf"))


def next_token_probs(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """The next-token distribution the sampling controls give: temperature, then top-k, then
    top-p, then softmax (transformers' order). (V,) or (B, V) logits -> probs of the same shape.

    temperature 0 is greedy decoding: a one-hot distribution on the largest logit (the first
    one if several tie, as torch.argmax), with top_k and top_p ignored (they are still checked),
    as in transformers' greedy search. top_k=None / top_p=None switch those filters off.
    """
    _check_logits(logits)
    _check_controls(temperature, top_k, top_p)
    if temperature == 0:  # greedy: all the probability on the most likely token
        best = logits.argmax(dim=-1, keepdim=True)  # (..., 1)
        return torch.zeros_like(logits).scatter_(-1, best, 1.0)
    return _filtered_probs(logits, temperature, top_k, top_p)


def sample_token(probs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one token id from each row of `probs`: (V,) -> () or (B, V) -> (B,), dtype long.

    A token with probability 0 is never drawn. With a `generator` the draw happens on the
    generator's device, so the same seed gives the same tokens whatever device made `probs`.
    It draws what `torch.multinomial(probs, 1, generator=generator)` draws; for one row it
    does so by multinomial's own method, the exponential race argmax(p / E) with E ~ Exp(1)
    per token (the same random numbers, so the same token; a test checks it), which skips
    multinomial's input checks and halves the cost of a draw in the generation loop.
    """
    if not isinstance(probs, torch.Tensor):
        raise TypeError(f"probs must be a torch.Tensor, got {type(probs).__name__}")
    if probs.dim() not in (1, 2) or probs.size(-1) < 1:
        raise ValueError("probs must be a (V,) or (B, V) tensor with V >= 1")
    if generator is not None:
        probs = probs.to(generator.device)
    if probs.dim() == 1:
        race = torch.empty_like(probs).exponential_(1, generator=generator)  # (V,)
        token = torch.div(probs, race, out=race).argmax()  # argmax picks a NaN if there is one
        if torch.isnan(probs[token]):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        return token
    ids = torch.multinomial(probs.reshape(-1, probs.size(-1)), 1, generator=generator)  # (N, 1)
    return ids.reshape(probs.shape[:-1])


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


@dataclass
class Generation:
    """What `generate` returns. Lists of new tokens are aligned: entry i is the i-th new token."""

    text: str  # the prompt (as given, even if cropped) followed by the completion
    completion: str  # the new text only (an end-of-text token that stopped generation excluded)
    token_ids: list[int] = field(default_factory=list)  # new token ids, the end-of-text one too
    token_texts: list[str] = field(default_factory=list)  # each new token shown on its own
    # probability of each new token under the distribution it was drawn from (after temperature,
    # top-k and top-p; 1.0 for greedy)
    token_probs: list[float] = field(default_factory=list)
    # probability of each new token under the model's plain softmax (temperature 1, no filters)
    model_probs: list[float] = field(default_factory=list)
    prompt_ids: list[int] = field(default_factory=list)  # the prompt tokens the model read
    prompt_tokens_dropped: int = 0  # tokens cropped from the start of a too-long prompt
    finish_reason: str = "length"  # "length": max_new_tokens reached; "stop": end-of-text token
    notes: list[str] = field(default_factory=list)  # plain-language notes (cropping) to show


def generate(
    model: torch.nn.Module,
    tokenizer: Any,
    prompt: str,
    max_new_tokens: int = 50,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int = 0,
    use_cache: bool = True,
    stop_at_eos: bool = True,
) -> Generation:
    """Continue `prompt` by up to `max_new_tokens` tokens drawn with the sampling controls.

    The same seed gives the same text (draws use a private torch.Generator, never the global
    random state); temperature 0 is greedy and ignores the seed. Generation stops early at the
    tokenizer's `eos_id` when `stop_at_eos` (and the tokenizer has one).

    The model reads at most `model.config.context_length` tokens. A longer prompt is cropped to
    its last context_length tokens, with a note in `Generation.notes`. With `use_cache` each
    new token costs one position through the KV cache. Once the window is full, generation
    goes on without the cache, each step re-reading the last context_length tokens (a note
    says when): the cached keys and values were computed at absolute positions that would all
    shift by one, so no part of them can be reused. Cached and uncached generation therefore
    see the same context at every step and give the same tokens; the cache saves time until
    the window fills.

    The model's train/eval mode is restored afterwards (it runs in eval mode, so no dropout).
    The loop itself is `generation_loop`; this function checks the arguments, crops the prompt
    and records what notebook 09 shows about each new token.
    """
    _check_controls(temperature, top_k, top_p)
    check_int("max_new_tokens", max_new_tokens, low=0)
    check_int("seed", seed, 0, 2**63 - 1, message="seed must be an integer in [0, 2**63)")
    n_ctx = model.config.context_length
    all_prompt_ids = _encode_prompt(tokenizer, prompt, model.config.vocab_size)
    if use_cache and not callable(getattr(model, "new_kv_cache", None)):
        raise ValueError("use_cache=True needs a model with new_kv_cache(); pass use_cache=False")
    dropped = max(0, len(all_prompt_ids) - n_ctx)
    prompt_ids = all_prompt_ids[dropped:]  # what the model reads first
    eos_id = getattr(tokenizer, "eos_id", None) if stop_at_eos else None
    rng = torch.Generator().manual_seed(seed)
    # plain sampling: the drawn-from distribution is the model's own softmax, computed once
    plain = temperature == 1 and top_k is None and top_p is None

    new_ids: list[int] = []
    token_probs: list[float] = []  # under the distribution each token was drawn from
    model_probs: list[float] = []  # under the model alone (temperature 1, no filters)
    with eval_mode(model), torch.inference_mode():  # inference: no autograd bookkeeping at all
        steps = generation_loop(
            model, prompt_ids, max_new_tokens, temperature, top_k, top_p, rng, use_cache, eos_id
        )
        for token, probs, logits in _nan_checked(steps, new_ids):
            new_ids.append(token)
            token_probs.append(1.0 if probs is None else float(probs[token]))  # greedy: 1
            if plain and logits.dtype == torch.float32:
                model_probs.append(token_probs[-1])  # probs is logits.softmax() here
            else:
                model_probs.append(float(logits.float().softmax(dim=-1)[token]))

    finish_reason = "stop" if new_ids and new_ids[-1] == eos_id else "length"
    text_ids = new_ids[:-1] if finish_reason == "stop" else new_ids
    completion = _decode_continuation(tokenizer, all_prompt_ids, text_ids)
    return Generation(
        text=prompt + completion,
        completion=completion,
        token_ids=new_ids,
        token_texts=[_token_text(tokenizer, i) for i in new_ids],
        token_probs=token_probs,
        model_probs=model_probs,
        prompt_ids=prompt_ids,
        prompt_tokens_dropped=dropped,
        finish_reason=finish_reason,
        notes=_window_notes(len(all_prompt_ids), n_ctx, len(new_ids)),
    )


def generation_loop(
    model: torch.nn.Module,
    ids: list[int],
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    eos_id: int | None = None,
) -> Iterator[tuple[int, torch.Tensor | None, torch.Tensor]]:
    """The loop of `generate`, bare: after the token ids `ids`, one new token per step until
    `max_new_tokens` or the token `eos_id`. Yields (token, the probabilities (V,) it was drawn
    from or None when greedy, the model's logits (V,)). `generator` makes the draws (None:
    torch's global random state).

    Run it under `torch.inference_mode()` with the model in eval mode; `generate` does, and it
    also checks the arguments, which this loop takes as they come.
    """
    ids = list(ids)
    read = _context_reader(model, use_cache)
    for _ in range(max_new_tokens):
        logits = read(ids)  # crop to the context window, forward: next-token logits (V,)
        if temperature == 0:  # greedy: the most likely token (the first one if several tie)
            token, probs = int(logits.argmax()), None
        else:  # temperature, top-k, top-p, softmax; then draw (torch.multinomial)
            probs = _filtered_probs(logits, temperature, top_k, top_p).float()
            token = int(sample_token(probs, generator))
        ids.append(token)
        yield token, probs, logits
        if token == eos_id:
            return


def generate_ids(
    model: torch.nn.Module,
    ids: torch.Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The sampling loop written out (notebook 09): token ids (B, T) -> (B, T + max_new_tokens).

    Each step crops the sequence to the context window, runs the whole window through the model
    (no KV cache), keeps the last position's logits, applies the controls (temperature 0:
    greedy) and draws one token per row with `generator`. For one row it draws the same tokens
    as `generate(..., seed=s, stop_at_eos=False)` with generator=torch.Generator().manual_seed(s).
    """
    context_length = model.config.context_length
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            context = ids[:, -context_length:]  # (B, <= context_length): what the model can see
            logits = model(context)[:, -1, :]  # (B, V): the scores for the next token
            if temperature == 0:
                next_id = logits.argmax(dim=-1, keepdim=True)  # (B, 1): greedy
            else:
                probs = next_token_probs(logits, temperature, top_k, top_p)  # (B, V)
                next_id = torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
            ids = torch.cat([ids, next_id], dim=1)  # (B, T + 1)
    return ids


def _context_reader(model: torch.nn.Module, use_cache: bool) -> Callable[[list[int]], torch.Tensor]:
    """A function: token ids -> the model's logits (V,) for the token after them, the model
    reading only the last context_length ids.

    With `use_cache` it reads through a KV cache, so each call costs only the ids the cache has
    not seen yet (one per step). Once the ids outgrow the context window, the window slides:
    every cached key and value would move to another position, so the cache is dropped and
    each call re-reads the whole window (the same logits, more time).
    """
    n_ctx = model.config.context_length
    device = model_device(model)
    cache = model.new_kv_cache(1) if use_cache else None

    def read(ids: list[int]) -> torch.Tensor:
        nonlocal cache
        if cache is not None and len(ids) <= n_ctx:  # the new ids only, through the cache
            idx = torch.tensor(ids[cache.length :], dtype=torch.long, device=device)
            return model(idx.view(1, -1), kv_cache=cache)[0, -1]  # (1, T, V) -> (V,)
        cache = None
        idx = torch.tensor(ids[-n_ctx:], dtype=torch.long, device=device)
        return model(idx.view(1, -1))[0, -1]  # (1, T, V) -> (V,)

    return read


def _nan_checked(steps: Iterator, new_ids: list[int]) -> Iterator:
    """`steps`, with torch.multinomial's refusal of NaN probabilities said in our words."""
    try:
        yield from steps
    except RuntimeError as error:
        if "nan" not in str(error):
            raise
        message = f"the model's logits contain NaN at new token {len(new_ids)}"
        raise RuntimeError(message) from error


def _window_notes(prompt_length: int, n_ctx: int, n_new: int) -> list[str]:
    """The plain-language notes of a generation: a cropped prompt, or the step at which the
    context window filled (when the model read at least one token after that)."""
    if prompt_length > n_ctx:
        dropped = prompt_length - n_ctx
        return [
            f"The prompt is {prompt_length} tokens but the context window holds "
            f"{n_ctx}: the model reads only the last {n_ctx} tokens "
            f"(the first {dropped} were cropped)."
        ]
    filled_at = n_ctx + 1 - prompt_length  # the first new token read from a full window
    if n_new > filled_at:
        return [
            f"The context window ({n_ctx} tokens) filled at new token {filled_at}: from then on "
            f"the model read only the last {n_ctx} tokens."
        ]
    return []


def _filtered_probs(
    logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None
) -> torch.Tensor:
    """The probabilities of `next_token_probs` for a temperature > 0, without checking the
    arguments (the callers do, once): temperature, then top-k, then top-p, then softmax,
    skipping the steps that are off (dividing by a temperature of 1 changes no bit)."""
    if temperature != 1:
        logits = logits / temperature
    if top_k is not None:
        logits = _top_k(logits, top_k)
    if top_p is not None:
        logits = _top_p(logits, top_p)
    return logits.softmax(dim=-1)


def _encode_prompt(tokenizer: Any, prompt: str, vocab_size: int) -> list[int]:
    """The prompt's token ids, with a clear ValueError for text the model cannot read."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    if not prompt:
        raise ValueError("prompt must be a non-empty string, got ''")
    try:
        ids = [int(i) for i in tokenizer.encode(prompt)]
    except Exception as err:  # noqa: BLE001  (tokenizers raise many kinds of errors)
        raise ValueError(
            f"prompt cannot be encoded by this tokenizer ({type(err).__name__}: {err}); "
            "use only text the tokenizer knows"
        ) from err
    if not ids:
        raise ValueError(f"prompt {prompt!r} encodes to no tokens; give some text")
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(
            f"prompt encodes to token id {bad[0]}, outside the model's vocabulary "
            f"[0, {vocab_size}); is this the model's own tokenizer?"
        )
    return ids


def _decode_continuation(tokenizer: Any, prompt_ids: list[int], new_ids: list[int]) -> str:
    """The text the new tokens add after the prompt.

    Decoding the new tokens alone can lose or garble what joins them to the prompt (a leading
    space, a character split across tokens), so decode everything and cut off the prompt's text
    when it is a prefix; otherwise fall back to decoding the new tokens alone.
    """
    if not new_ids:
        return ""
    head = tokenizer.decode(prompt_ids)
    full = tokenizer.decode(prompt_ids + new_ids)
    return full[len(head) :] if full.startswith(head) else tokenizer.decode(new_ids)


def _token_text(tokenizer: Any, token_id: int) -> str:
    """One token shown on its own: the tokenizer's token_str if it has one, else decode."""
    token_str = getattr(tokenizer, "token_str", None)
    return token_str(token_id) if callable(token_str) else tokenizer.decode([token_id])


# ---------------------------------------------------------------------------------------------
# What the notebook's bar charts show
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRow:
    """One bar of the next-token chart: a token and its probability before/after the controls."""

    token: str  # the token's text, as the tokenizer shows it
    token_id: int
    p_before: float  # probability under the model's plain softmax
    p_after: float  # probability after temperature / top-k / top-p
    kept: bool  # whether the controls left the token a chance (p_after > 0)


def entropy(probs: torch.Tensor) -> torch.Tensor:
    """Entropy in bits of each distribution: (..., V) -> (...). 0 for a one-hot distribution,
    log2(V) for a uniform one; 2 ** entropy is the "effective number of choices"."""
    _check_probs(probs)
    return torch.special.entr(probs).sum(dim=-1) / math.log(2)  # entr(p) = -p ln p, entr(0) = 0


def candidate_count(probs: torch.Tensor) -> torch.Tensor:
    """Number of tokens with nonzero probability in each distribution: (..., V) -> (...)."""
    _check_probs(probs)
    return (probs > 0).sum(dim=-1)


def top_tokens(
    probs_before: torch.Tensor, probs_after: torch.Tensor, tokenizer: Any, n: int = 20
) -> list[TokenRow]:
    """The `n` most likely tokens under `probs_before` (V,), most likely first (ties: lower id
    first), each with its probability before and after the sampling controls."""
    _check_probs(probs_before, name="probs_before")
    _check_probs(probs_after, name="probs_after")
    if probs_before.dim() != 1 or probs_after.shape != probs_before.shape:
        raise ValueError(
            "probs_before and probs_after must be 1-D and of the same shape, got "
            f"{tuple(probs_before.shape)} and {tuple(probs_after.shape)}"
        )
    check_int("n", n, low=1)
    order = torch.sort(probs_before, descending=True, stable=True).indices[:n].tolist()
    before, after = probs_before.tolist(), probs_after.tolist()
    return [
        TokenRow(_token_text(tokenizer, i), i, before[i], after[i], after[i] > 0) for i in order
    ]


# ---------------------------------------------------------------------------------------------
# Argument checks (helpers._checks): wrong type -> TypeError, wrong value -> ValueError
# ---------------------------------------------------------------------------------------------


def _check_controls(temperature: object, top_k: object, top_p: object) -> None:
    """The checks of `next_token_probs` and `generate`: top_k / top_p may be None (off)."""
    _check_temperature(temperature, allow_zero=True)
    if top_k is not None:
        _check_top_k(top_k)
    if top_p is not None:
        _check_top_p(top_p)


def _check_temperature(temperature: object, allow_zero: bool) -> None:
    allowed = ">= 0 (0 means greedy)" if allow_zero else "> 0"
    message = f"temperature must be a finite number {allowed}"
    check_number("temperature", temperature, low=0, low_open=not allow_zero, finite=True,
                 message=message)  # fmt: skip


def _check_top_k(k: object, name: str = "top_k") -> None:
    off = " (or None for no top-k)" if name == "top_k" else ""
    check_int(name, k, low=1, message=f"{name} must be an integer >= 1{off}")


def _check_top_p(p: object, name: str = "top_p") -> None:
    off = " (or None for no top-p)" if name == "top_p" else ""
    check_number(name, p, 0, 1, low_open=True, message=f"{name} must be a number in (0, 1]{off}")


def _check_logits(logits: object) -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits must be a torch.Tensor, got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"logits must be a floating-point tensor, got dtype {logits.dtype}")
    if logits.dim() < 1 or logits.size(-1) < 1:
        raise ValueError(f"logits must have shape (..., V) with V >= 1, got {tuple(logits.shape)}")


def _check_probs(probs: object, name: str = "probs") -> None:
    if not isinstance(probs, torch.Tensor) or not probs.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if probs.dim() < 1 or probs.size(-1) < 1:
        raise ValueError(f"{name} must have shape (..., V) with V >= 1, got {tuple(probs.shape)}")
