"""Exercises of notebook 09: sampling and LLM controls.

09.min_p writes a filter the notebook does not show (keep the tokens at least min_p times as
likely as the top one); 09.generate writes the sampling loop itself, checked token for token
against the course's loop (`helpers.sampling.generate_ids`) under the same seeds, greedy
included, on a small GPT whose context window is short enough to fill.
"""

import torch

from helpers.exercises import Mistake, exercise
from helpers.exercises.bank.nb08 import one_thread
from helpers.gpt import GPT, GPTConfig
from helpers.sampling import generate_ids, min_p_filter, top_k_filter, top_p_filter

# --------------------------------------------------------------------------- 09.min_p


def _logits(seed: int, shape: tuple, scale: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g) * scale


def _min_p_cases():
    return [
        (torch.tensor([3.0, 1.0, 2.5, -1.0, 0.0]), 0.3),
        (_logits(1, (12,), 2.0), 0.1),
        (_logits(2, (16,), 1.0), 0.05),
        (_logits(3, (10,), 3.0), 0.5),
        (torch.stack([_logits(4, (10,), 4.0), _logits(5, (10,), 0.5)]), 0.2),  # (B, V): a batch
        (_logits(6, (8,), 2.0), 1.0),  # min_p = 1: only the top token
    ]


def _min_p_keep(logits, keep):
    return logits.masked_fill(~keep, float("-inf"))


def _relative_to(logits, min_p, top):
    probs = torch.softmax(logits, dim=-1)
    return _min_p_keep(logits, probs >= min_p * top(probs))


@exercise(
    "09.min_p",
    cases=_min_p_cases,
    mistakes=[
        Mistake(
            lambda z, m: _relative_to(z, m, lambda p: p.max()),
            "each row of a batch has its own top token: take the maximum along the last axis, "
            "probs.amax(dim=-1, keepdim=True), not over the whole tensor",
        ),
        Mistake(
            lambda z, m: _min_p_keep(z, torch.softmax(z, -1) >= m),
            "min_p is relative: a token stays if its probability is at least min_p times the "
            "TOP token's probability, not at least min_p itself",
        ),
        Mistake(
            lambda z, m: _min_p_keep(z, z >= m * z.max(dim=-1, keepdim=True).values),
            "compare probabilities (the softmax of the logits), not the logits themselves",
        ),
        Mistake(
            lambda z, m: _min_p_keep(
                z, torch.softmax(z, -1) < m * torch.softmax(z, -1).amax(-1, True)
            ),
            "these are the tokens to drop: keep the ones whose probability is at least "
            "min_p x the top probability",
        ),
        Mistake(
            lambda z, m: torch.where(torch.isinf(min_p_logits(z, m)), torch.zeros_like(z), z),
            "the dropped logits were set to 0, which still leaves them a chance after softmax: "
            "set them to -inf",
        ),
        Mistake(
            lambda z, m: torch.softmax(min_p_logits(z, m), dim=-1),
            "return the filtered logits (with -inf for dropped tokens), not probabilities",
        ),
    ],
)
def min_p_logits(logits, min_p):
    """Exercise 09.min_p: keep the tokens whose probability is at least min_p times the top
    token's probability (per row); set the other logits to -inf. (..., V) -> (..., V)."""
    return min_p_filter(logits, min_p)


# --------------------------------------------------------------------------- 09.generate

CHECK_CONFIG = GPTConfig(vocab_size=24, context_length=8, n_layer=1, n_head=2, d_model=16)

# What `run` returns instead of tokens when a loop did something the tokens cannot show
# (a mistake can return the same marker, so the check names it with its hint).
NOT_CROPPED = "the model was given more tokens than its context window"
GLOBAL_RANDOM = "a token was drawn from torch's global random generator"
GREEDY_FAILED = "temperature 0 failed"


class _SeededGenerator(torch.Generator):
    """A torch.Generator that shows its seed (so two runs' cases compare equal as text)."""

    def __repr__(self) -> str:
        return f"torch.Generator(seed={self.initial_seed()})"


def _check_model(seed: int) -> GPT:
    """A small GPT whose random weights are large enough for peaked, varied distributions."""
    model = GPT(CHECK_CONFIG, seed=seed).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=g) * (0.6 if "wte" in name else 0.3))
    return model


def _prompt(seed: int, batch: int, length: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(100 + seed)
    return torch.randint(0, CHECK_CONFIG.vocab_size, (batch, length), generator=g)


def _generate_cases():
    """(model, ids, max_new_tokens, temperature, top_k, top_p, seed) for each case."""
    model = _check_model(0)
    return [
        (model, _prompt(1, 1, 3), 5, 1.0, None, None, 1),  # plain sampling
        (model, _prompt(2, 1, 3), 5, 0, None, None, 2),  # greedy
        (model, _prompt(3, 1, 2), 6, 0.5, None, None, 3),  # a low temperature
        (model, _prompt(4, 1, 3), 5, 1.0, 3, None, 4),  # top-k
        (model, _prompt(5, 1, 3), 5, 1.0, None, 0.6, 5),  # top-p
        (model, _prompt(9, 2, 3), 6, 2.0, None, 0.5, 9),  # a batch of two rows, hot, top-p
        (model, _prompt(6, 2, 3), 5, 1.5, 5, 0.7, 6),  # every control
        (model, _prompt(7, 1, 6), 8, 0.8, None, None, 7),  # past the 8-token window
    ]


def _run_loop(fn, model, ids, max_new_tokens, temperature, top_k, top_p, seed):
    """Call the loop `fn` with a fresh generator seeded with `seed`; return its ids, or a
    marker for what went wrong on the way (see NOT_CROPPED and the others)."""
    generator = _SeededGenerator().manual_seed(seed)
    state = torch.get_rng_state()
    try:
        with one_thread():  # a tiny model: fastest on one thread, however busy the machine
            out = fn(model, ids.clone(), max_new_tokens, temperature, top_k, top_p, generator)
    except ValueError as error:
        if "exceeds context_length" in str(error):
            return NOT_CROPPED
        raise
    except (RuntimeError, ZeroDivisionError):
        if temperature == 0:
            return GREEDY_FAILED
        raise
    if not torch.equal(state, torch.get_rng_state()):
        return GLOBAL_RANDOM
    return out


def _strict_top_p(logits, p):
    """Top-p that also drops the token whose probability takes the total past p."""
    probs, order = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    keep_sorted = probs.cumsum(dim=-1) < p
    keep_sorted[..., 0] = True
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    return logits.masked_fill(~keep, float("-inf"))


def _loop(
    crop=True,
    position=-1,
    temperature_at="logits",
    order=("temperature", "top_k", "top_p"),
    top_p_filter_=top_p_filter,
    greedy="argmax",
    new_only=False,
    use_generator=True,
):
    """A sampling loop with one of the typical mistakes (the defaults make it correct)."""

    def loop(model, ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None, generator=None):
        prompt_length = ids.shape[1]
        for _ in range(max_new_tokens):
            context = ids[:, -model.config.context_length :] if crop else ids
            logits = model(context)[:, position, :]
            if temperature == 0 and greedy == "argmax":
                next_id = logits.argmax(dim=-1, keepdim=True)
            else:
                for control in order:
                    if control == "temperature" and temperature_at == "logits":
                        logits = logits / temperature
                    elif control == "top_k" and top_k is not None:
                        logits = top_k_filter(logits, top_k)
                    elif control == "top_p" and top_p is not None:
                        logits = top_p_filter_(logits, top_p)
                probs = torch.softmax(logits, dim=-1)
                if temperature_at == "probs":
                    probs = probs / temperature
                if greedy == "always":
                    next_id = probs.argmax(dim=-1, keepdim=True)
                else:
                    g = generator if use_generator else None
                    next_id = torch.multinomial(probs, 1, generator=g)
            ids = torch.cat([ids, next_id], dim=1)
        return ids[:, prompt_length:] if new_only else ids

    return loop


@exercise(
    "09.generate",
    cases=_generate_cases,
    run=_run_loop,
    mistakes=[
        Mistake(
            _loop(use_generator=False),
            "the tokens were drawn from torch's global random generator, so the same seed "
            "would not give the same text: pass generator=generator to torch.multinomial",
        ),
        Mistake(
            _loop(new_only=True),
            "return the prompt followed by the new tokens, (B, T + max_new_tokens): "
            "torch.cat([ids, next_id], dim=1) at each step, then return ids",
        ),
        Mistake(
            _loop(position=0),
            "these are the first position's logits, the guess after the first token; the next "
            "token is predicted by the LAST position: logits[:, -1, :]",
        ),
        Mistake(
            _loop(greedy="always"),
            "every token is the most likely one: at a temperature above 0, draw from the "
            "probabilities with torch.multinomial; argmax is only for temperature 0",
        ),
        Mistake(
            _loop(greedy="divide"),
            "temperature 0 means greedy: take logits.argmax(dim=-1, keepdim=True); dividing "
            "the logits by 0 gives inf and NaN",
        ),
        Mistake(
            _loop(top_p_filter_=_strict_top_p),
            "top-p dropped the token that takes the total past p: keep a token while the "
            "total of the tokens before it is still below p (or use top_p_filter)",
        ),
        Mistake(
            _loop(order=("temperature", "top_p", "top_k")),
            "top-p ran before top-k: the order is temperature, then top-k, then top-p (top-p "
            "measures what top-k left)",
        ),
        Mistake(
            _loop(order=("top_k", "top_p", "temperature")),
            "the filters ran before the temperature: divide the logits by the temperature "
            "first, so that top-k and top-p cut the distribution that will be sampled",
        ),
        Mistake(
            _loop(temperature_at="probs"),
            "the temperature was applied after the softmax, where dividing changes nothing "
            "(the draw renormalises): divide the logits by the temperature, then take softmax",
        ),
        Mistake(
            _loop(crop=False),
            "past the context window the model has no position for the next token: crop the "
            "ids to their last model.config.context_length tokens before each forward pass",
        ),
    ],
    praise="the loop behind every chatbot's reply, token by token",
)
def generate_reference(
    model, ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None, generator=None
):
    """Exercise 09.generate: ids (B, T) -> (B, T + max_new_tokens), temperature 0 greedy."""
    return generate_ids(model, ids, max_new_tokens, temperature, top_k, top_p, generator)
