"""Notebooks 08 and 09: the training step, the teaching loop, min-p and the sampling loop.

For each exercise: the reference passes, an untouched skeleton is "not attempted", typical
wrong answers written the way a learner writes them get their own hint, honest variants pass,
and odd answers (nothing returned, a tuple, an exception) give one line. The inline teaching
loop of notebook 08 is run from the notebook itself and compared with helpers.training.
"""

import json
import warnings

import pytest
import torch
import torch.nn.functional as F
from course_paths import NOTEBOOKS

from helpers.exercises import REGISTRY, evaluate, get
from helpers.gpt import GPT, GPTConfig, lm_loss
from helpers.sampling import (
    generate,
    generate_ids,
    min_p_filter,
    next_token_probs,
    top_k_filter,
    top_p_filter,
)
from helpers.training import (
    TrainConfig,
    WarmupCosine,
    learning_rate,
    train_gpt,
    train_step,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # small models: fastest on one thread

NEW = ["08.cross_entropy", "08.train_step", "09.min_p", "09.generate"]


def _wrong(name, answer, hint):
    result = evaluate(name, answer)
    assert result.status == "wrong", result.message
    assert hint in result.message, result.message
    assert "\n" not in result.line()
    return result


def _one_line_wrong(name, answer, *fragments):
    result = evaluate(name, answer)
    assert result.status == "wrong" and "\n" not in result.line(), result.message
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result


def test_the_new_exercises_are_registered_and_the_copying_ones_are_gone():
    get("00.softmax")  # loads the bank
    assert set(NEW) <= set(REGISTRY)
    for old in ("08.uniform_loss", "09.temperature", "09.top_k", "09.top_p"):
        assert old not in REGISTRY
    assert "08.make_batch" in REGISTRY  # kept: it makes the learner think about the shift


def test_each_new_exercise_knows_at_least_three_mistakes():
    for name in NEW:
        assert len(get(name).mistakes) >= 3, name


# --------------------------------------------------------------------------- 08.cross_entropy


def test_cross_entropy_skeleton_reference_and_honest_variants():
    def my_cross_entropy(logits, targets):
        """The mean loss of logits (B, T, V) for targets (B, T), in nats."""
        ...

    assert evaluate("08.cross_entropy", my_cross_entropy).status == "not attempted"
    assert evaluate("08.cross_entropy", get("08.cross_entropy").reference).passed

    def with_torch(logits, targets):
        V = logits.shape[-1]
        return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))

    def with_indexing(logits, targets):
        log_probs = torch.log_softmax(logits, dim=-1)
        B, T = targets.shape
        return -log_probs[torch.arange(B)[:, None], torch.arange(T), targets].mean()

    for answer in (with_torch, with_indexing):
        assert evaluate("08.cross_entropy", answer).passed


def test_cross_entropy_typical_mistakes_get_their_hints():
    def copied_from_the_cell_above(logits, targets):
        p_right = torch.softmax(logits, dim=-1).gather(-1, targets[..., None])
        return (-p_right.log()).mean()

    def forgot_the_minus(logits, targets):
        return torch.log_softmax(logits, -1).gather(-1, targets[..., None]).mean()

    def mean_over_the_vocabulary(logits, targets):
        return -torch.log_softmax(logits, -1).mean()

    _wrong("08.cross_entropy", copied_from_the_cell_above, "log-softmax directly")
    _wrong("08.cross_entropy", forgot_the_minus, "the sign")
    _wrong("08.cross_entropy", mean_over_the_vocabulary, "pick each position's target")


def test_cross_entropy_odd_answers_give_one_line():
    _one_line_wrong("08.cross_entropy", lambda z, t: (z, t), "returned a tuple")
    _one_line_wrong("08.cross_entropy", lambda z, t: F.cross_entropy(z, t), "raised")

    def returns_nothing(logits, targets):
        F.cross_entropy(logits.flatten(0, 1), targets.flatten())

    _one_line_wrong("08.cross_entropy", returns_nothing, "did you forget `return`")


# --------------------------------------------------------------------------- 08.train_step


def test_train_step_skeleton_and_reference():
    def my_train_step(model, optimizer, scheduler, tokens, max_norm=1.0):
        """One optimisation step on tokens (B, T + 1); returns the loss as a float."""
        ...

    result = evaluate("08.train_step", my_train_step)
    assert result.status == "not attempted" and "my_train_step" in result.message
    assert evaluate("08.train_step", get("08.train_step").reference).passed
    assert evaluate("08.train_step", train_step).passed


def _learner_step(**mistake):
    """A train step written out the way the notebook's solution does, with one mistake."""

    def my_train_step(model, optimizer, scheduler, tokens, max_norm=1.0):
        x, y = tokens[:, :-1], tokens[:, 1:]
        if mistake.get("targets") == "x":
            y = x
        logits = model(x)
        if mistake.get("unflattened"):
            loss = F.cross_entropy(logits, y)  # (B, T, V): dim 1 read as the classes
        else:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        if not mistake.get("no_zero_grad"):
            optimizer.zero_grad()
        loss.backward()
        if not mistake.get("no_clip"):
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        if mistake.get("scheduler_first"):
            scheduler.step()
        optimizer.step()
        if not mistake.get("scheduler_first") and not mistake.get("no_scheduler"):
            scheduler.step()
        if not mistake.get("no_return"):
            return mistake.get("returns", lambda loss: loss.item())(loss)

    return my_train_step


def test_train_step_honest_variants_pass():
    assert evaluate("08.train_step", _learner_step()).passed
    assert evaluate("08.train_step", _learner_step(returns=lambda loss: loss)).passed  # a tensor

    def keeps_zeroed_gradients(model, optimizer, scheduler, tokens, max_norm=1.0):
        optimizer.zero_grad(set_to_none=False)
        loss = lm_loss(model(tokens[:, :-1]), tokens[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        optimizer.step()
        scheduler.step()
        return float(loss.detach())

    assert evaluate("08.train_step", keeps_zeroed_gradients).passed


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ({"no_zero_grad": True}, "the gradients add up"),
        ({"targets": "x"}, "the targets are the inputs themselves"),
        ({"no_clip": True}, "the gradient is not clipped"),
        ({"scheduler_first": True}, "scheduler.step() ran before optimizer.step()"),
        ({"no_scheduler": True}, "the learning rate never changed"),
        ({"unflattened": True}, "F.cross_entropy reads dim 1 as the classes"),
    ],
)
def test_train_step_typical_mistakes_get_their_hints(mistake, hint):
    _wrong("08.train_step", _learner_step(**mistake), hint)


def test_train_step_that_returns_nothing_or_odd_things_gives_one_line():
    _one_line_wrong(
        "08.train_step", _learner_step(no_return=True), "did you forget `return`? (case 1 of 2)"
    )
    _one_line_wrong(
        "08.train_step", _learner_step(returns=lambda loss: (loss, 1)), "returned a tuple"
    )
    _one_line_wrong("08.train_step", _learner_step(returns=str), "returned a str")

    def whole_window(model, optimizer, scheduler, tokens, max_norm=1.0):
        return lm_loss(model(tokens), tokens[:, 1:]).item()

    _one_line_wrong("08.train_step", whole_window, "raised ValueError")

    def no_parameters_argument(model, optimizer, tokens):
        return 0.0

    _one_line_wrong("08.train_step", no_parameters_argument, "raised TypeError")


def test_train_step_check_prints_no_warning_and_keeps_the_random_state():
    before = torch.get_rng_state()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the scheduler-before-optimizer warning would raise
        _wrong(
            "08.train_step",
            _learner_step(scheduler_first=True),
            "scheduler.step() ran before optimizer.step()",
        )
    assert torch.equal(before, torch.get_rng_state())


# --------------------------------------------------------------------------- helpers.training


def test_warmup_cosine_gives_learning_rate_at_every_step():
    settings = TrainConfig(steps=30, lr=6e-3, min_lr=3e-4, warmup_steps=5)
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=settings.lr)
    scheduler = WarmupCosine(optimizer, settings)
    seen = []
    for _ in range(settings.steps + 3):  # past the end it stays at min_lr
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert seen == [learning_rate(s, settings) for s in range(settings.steps + 3)]
    assert seen[-1] == settings.min_lr


def _notebook_cell(notebook: str, marker: str) -> str:
    path = next(p for p in NOTEBOOKS if p.name.startswith(notebook))
    cells = json.loads(path.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [s for s in sources if marker in s]
    assert len(found) == 1, f"{marker!r} should be in exactly one code cell of {path.name}"
    return found[0]


def test_the_notebooks_teaching_loop_trains_exactly_like_train_gpt():
    """Notebook 08's inline loop (batches, train_step, WarmupCosine) == train_gpt, bit for bit."""
    namespace: dict = {"torch": torch}  # imported at the top of the notebook
    exec(_notebook_cell("08_", "def train_live("), namespace)  # noqa: S102  (our own notebook)
    config = GPTConfig(vocab_size=64, context_length=16, n_layer=1, n_head=2, d_model=16)
    g = torch.Generator().manual_seed(0)
    train_ids, val_ids = torch.randint(0, 64, (3000,), generator=g), torch.randint(0, 64, (500,))
    settings = TrainConfig(steps=12, batch_size=4, lr=6e-3, min_lr=3e-4, warmup_steps=3,
                           eval_every=5, eval_batches=2)  # fmt: skip
    ours, theirs = GPT(config, seed=1), GPT(config, seed=1)
    history = train_gpt(theirs, train_ids, val_ids, settings, progress=False)
    live = namespace["train_live"](ours, train_ids, val_ids, settings, progress=False)
    assert live.train_loss == history.train_loss
    assert live.eval_steps == history.eval_steps and live.val_loss == history.val_loss
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert torch.equal(p, q), name


# --------------------------------------------------------------------------- 09.min_p


def test_min_p_skeleton_honest_variant_and_transformers():
    from transformers import MinPLogitsWarper

    def my_min_p(logits, min_p):
        """The logits with every token below min_p x the top probability set to -inf."""
        ...

    assert evaluate("09.min_p", my_min_p).status == "not attempted"

    def in_log_space(logits, min_p):  # p_i >= min_p * p_max  <=>  z_i >= z_max + ln(min_p)
        top = logits.max(dim=-1, keepdim=True).values
        return torch.where(logits >= top + torch.log(torch.tensor(min_p)), logits, -torch.inf)

    assert evaluate("09.min_p", in_log_space).passed
    for logits, min_p in get("09.min_p").cases():
        rows = logits.reshape(-1, logits.shape[-1])
        warped = MinPLogitsWarper(min_p)(None, rows.clone())
        assert torch.equal(min_p_filter(rows, min_p), warped)


def test_min_p_typical_mistakes_get_their_hints():
    def absolute(logits, min_p):
        return logits.masked_fill(torch.softmax(logits, -1) < min_p, float("-inf"))

    def on_logits(logits, min_p):
        return logits.masked_fill(logits < min_p * logits.max(), float("-inf"))

    def global_top(logits, min_p):
        probs = torch.softmax(logits, -1)
        return logits.masked_fill(probs < min_p * probs.max(), float("-inf"))

    _wrong("09.min_p", absolute, "min_p is relative")
    _wrong("09.min_p", on_logits, "compare probabilities")
    _wrong("09.min_p", global_top, "each row of a batch has its own top token")


def test_min_p_filter_checks_its_argument():
    with pytest.raises(ValueError, match=r"min_p must be in \[0, 1\], got 1.5"):
        min_p_filter(torch.zeros(3), 1.5)
    with pytest.raises(TypeError, match="min_p must be a number"):
        min_p_filter(torch.zeros(3), "0.1")


# --------------------------------------------------------------------------- 09.generate


def _learner_loop(**mistake):
    """A sampling loop written the way the notebook's solution does, with one mistake."""

    def my_generate(model, ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
                    generator=None):  # fmt: skip
        prompt_length = ids.shape[1]
        for _ in range(max_new_tokens):
            context = ids if mistake.get("no_crop") else ids[:, -model.config.context_length :]
            with torch.no_grad():
                logits = model(context)[:, 0 if mistake.get("first") else -1, :]
            if temperature == 0 and not mistake.get("divide_by_zero"):
                next_id = logits.argmax(dim=-1, keepdim=True)
            else:
                if mistake.get("temperature_after_softmax"):
                    probs = torch.softmax(logits, dim=-1) / temperature
                else:
                    probs = next_token_probs(logits, temperature or 1e-9, top_k, top_p)
                    if mistake.get("divide_by_zero") and temperature == 0:
                        probs = torch.softmax(logits / temperature, dim=-1)
                g = None if mistake.get("global_rng") else generator
                next_id = torch.multinomial(probs, num_samples=1, generator=g)
            ids = torch.cat([ids, next_id], dim=1)
        if mistake.get("new_only"):
            return ids[:, prompt_length:]
        return mistake.get("returns", lambda ids: ids)(ids)

    return my_generate


def test_generate_skeleton_reference_and_honest_variants():
    def my_generate(model, ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
                    generator=None):  # fmt: skip
        """Continue ids (B, T) by max_new_tokens tokens; returns (B, T + max_new_tokens)."""
        ...

    assert evaluate("09.generate", my_generate).status == "not attempted"
    assert evaluate("09.generate", get("09.generate").reference).passed
    assert evaluate("09.generate", _learner_loop()).passed

    def own_filters(model, ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
                    generator=None):  # fmt: skip
        for _ in range(max_new_tokens):
            logits = model(ids[:, -model.config.context_length :])[:, -1, :].detach()
            if temperature == 0:
                next_id = torch.argmax(logits, dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    logits = top_k_filter(logits, top_k)
                if top_p is not None:
                    logits = top_p_filter(logits, top_p)
                next_id = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            ids = torch.cat((ids, next_id), dim=-1)
        return ids

    assert evaluate("09.generate", own_filters).passed


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ({"temperature_after_softmax": True}, "the temperature was applied after the softmax"),
        ({"first": True}, "these are the first position's logits"),
        ({"no_crop": True}, "crop the ids to their last model.config.context_length tokens"),
        ({"global_rng": True}, "pass generator=generator to torch.multinomial"),
        ({"divide_by_zero": True}, "temperature 0 means greedy"),
        ({"new_only": True}, "return the prompt followed by the new tokens"),
    ],
)
def test_generate_typical_mistakes_get_their_hints(mistake, hint):
    _wrong("09.generate", _learner_loop(**mistake), hint)


def test_generate_top_p_that_drops_the_crossing_token_gets_its_hint():
    def strict_top_p(logits, p):
        probs, order = torch.sort(torch.softmax(logits, -1), dim=-1, descending=True)
        drop_sorted = probs.cumsum(-1) >= p  # drops the token that crosses p, too
        drop_sorted[..., 0] = False
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        return logits.masked_fill(drop, float("-inf"))

    def my_generate(model, ids, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
                    generator=None):  # fmt: skip
        for _ in range(max_new_tokens):
            logits = model(ids[:, -model.config.context_length :])[:, -1, :]
            if temperature == 0:
                next_id = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / temperature
                logits = top_k_filter(logits, top_k) if top_k else logits
                logits = strict_top_p(logits, top_p) if top_p else logits
                next_id = torch.multinomial(logits.softmax(-1), 1, generator=generator)
            ids = torch.cat([ids, next_id], 1)
        return ids

    _wrong("09.generate", my_generate, "top-p dropped the token that takes the total past p")


def test_generate_odd_answers_give_one_line():
    _one_line_wrong("09.generate", _learner_loop(returns=lambda ids: None), "forget `return`")
    _one_line_wrong("09.generate", _learner_loop(returns=lambda ids: (ids, 0)))
    _one_line_wrong("09.generate", _learner_loop(returns=lambda ids: "text"), "returned a str")
    _one_line_wrong("09.generate", lambda model, ids, n: ids, "raised TypeError")

    def crashes(model, ids, max_new_tokens, *controls):
        return model(ids)[0, -1].item()

    _one_line_wrong("09.generate", crashes, "raised")
    _one_line_wrong("09.generate", 42, "check needs your function itself")


def test_generate_check_restores_the_global_random_state():
    before = torch.get_rng_state()
    _wrong("09.generate", _learner_loop(global_rng=True), "generator=generator")
    assert torch.equal(before, torch.get_rng_state())


# --------------------------------------------------------------------------- helpers.sampling


@pytest.fixture(scope="module")
def mini_gpt():
    from helpers import checkpoints
    from helpers.tokenization import load_tokenizer

    model, _ = checkpoints.load("mini-gpt")
    return model, load_tokenizer("tiny-tales")


@pytest.mark.parametrize(
    "controls",
    [
        {"temperature": 0},
        {"temperature": 1.0},
        {"temperature": 0.8, "top_k": 20, "top_p": 0.9},
        {"temperature": 1.4, "top_p": 0.95},
    ],
)
def test_generate_ids_draws_the_tokens_of_generate(mini_gpt, controls):
    """The plain loop (no KV cache) == generate with its cache, past the 256-token window."""
    model, tokenizer = mini_gpt
    prompt = "One day, Lily"
    ids = torch.tensor([tokenizer.encode(prompt)])
    for seed in (0, 1):
        ours = generate(model, tokenizer, prompt, 260, seed=seed, stop_at_eos=False, **controls)
        g = torch.Generator().manual_seed(seed)
        plain = generate_ids(model, ids, 260, generator=g, **controls)
        assert plain[0, ids.shape[1] :].tolist() == ours.token_ids
