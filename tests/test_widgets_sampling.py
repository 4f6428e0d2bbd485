"""Notebook 09's widgets: the next-token explorer and the generation playground, tested by
setting their controls as a learner would, and their pure compute on its own."""

import base64
import io
import re

import numpy as np
import PIL.Image
import pytest
import torch

from helpers.gpt import GPT, GPTConfig
from helpers.sampling import candidate_count, entropy, generate, next_token_probs
from helpers.tokenization import load_tokenizer
from helpers.widgets.sampling import (
    DEFAULT_PROMPT,
    SHOWN_TOKENS,
    NextTokenChart,
    generation_html,
    generation_playground,
    next_token_explorer,
    next_token_text,
    next_token_view,
    probability_color,
    prompt_logits,
    render_next_token,
    show_token,
)


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer("tiny-tales")


@pytest.fixture(scope="module")
def model():
    """A small random GPT over the course tokenizer; larger embeddings give it opinions."""
    config = GPTConfig(vocab_size=512, context_length=32, n_layer=2, n_head=2, d_model=32)
    model = GPT(config, seed=0).eval()
    with torch.no_grad():
        model.transformer.wte.weight.mul_(4)
    return model


class CountingModel(torch.nn.Module):
    """Wraps a model and counts its forward passes."""

    def __init__(self, model):
        super().__init__()
        self.inner, self.config, self.calls = model, model.config, 0

    def forward(self, idx, kv_cache=None):
        self.calls += 1
        return self.inner(idx) if kv_cache is None else self.inner(idx, kv_cache=kv_cache)

    def new_kv_cache(self, batch_size):
        return self.inner.new_kv_cache(batch_size)


def _shown(output):
    text = "".join(o["text"] for o in output.outputs if o["output_type"] == "stream")
    pngs = [base64.b64decode(o["data"]["image/png"]) for o in output.outputs if "data" in o]
    return text, pngs


def _candidates(text: str) -> int:
    return int(re.search(r"candidate tokens: (\d+) of", text).group(1))


# ---------------------------------------------------------------------------------------------
# Pure compute
# ---------------------------------------------------------------------------------------------


def test_show_token_makes_whitespace_and_control_characters_visible():
    assert show_token(" the") == "·the"
    assert show_token("\n") == "↵"
    assert show_token("a\x13") == "a\\x13"
    assert show_token("") == "∅"


def test_prompt_logits_are_the_models_last_position(model, tokenizer):
    logits, note = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    ids = torch.tensor([tokenizer.encode(DEFAULT_PROMPT)])
    with torch.no_grad():
        expected = model(ids)[0, -1]
    torch.testing.assert_close(logits, expected)
    assert note == ""


def test_a_long_prompt_is_cropped_to_the_window_with_a_note(model, tokenizer):
    long_prompt = "Tom had a big red ball. " * 10
    ids = tokenizer.encode(long_prompt)
    assert len(ids) > 32
    logits, note = prompt_logits(model, tokenizer, long_prompt)
    assert f"The prompt is {len(ids)} tokens: the model reads only its last 32." == note
    with torch.no_grad():
        expected = model(torch.tensor([ids[-32:]]))[0, -1]
    torch.testing.assert_close(logits, expected)


@pytest.mark.parametrize("prompt", ["", 42])
def test_bad_prompts_raise(model, tokenizer, prompt):
    with pytest.raises((ValueError, TypeError), match="prompt"):
        prompt_logits(model, tokenizer, prompt)


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p", "cut_by"),
    [(1.0, None, None, ""), (0.8, 10, None, "top-k"), (1.2, None, 0.6, "top-p"),
     (0.7, 40, 0.5, "top-p"), (0, 5, 0.9, "greedy")],
)  # fmt: skip
def test_next_token_view_agrees_with_the_sampling_functions(
    model, tokenizer, temperature, top_k, top_p, cut_by
):
    logits, _ = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    view = next_token_view(logits, tokenizer, temperature, top_k, top_p)
    after = next_token_probs(logits, temperature, top_k, top_p)
    before = logits.softmax(-1)
    assert view.candidates == int(candidate_count(after))
    assert view.cut_by == cut_by
    assert view.entropy_after == pytest.approx(float(entropy(after)))
    assert view.entropy_before == pytest.approx(float(entropy(before)))
    assert len(view.rows) == SHOWN_TOKENS
    p_before = [r.p_before for r in view.rows]
    assert p_before == sorted(p_before, reverse=True)  # the model's most likely first
    assert p_before[0] == pytest.approx(float(before.max()))
    # the kept tokens are a prefix of the rows: the cut is one place
    kept = [r.kept for r in view.rows]
    assert kept == [True] * view.kept_shown + [False] * (SHOWN_TOKENS - view.kept_shown)
    assert all(r.p_after == pytest.approx(float(after[r.token_id])) for r in view.rows)
    cumulative = np.array(view.cumulative)
    assert np.all(np.diff(cumulative) >= -1e-12) and cumulative[-1] <= 1.0
    if cut_by == "top-p" and view.kept_shown < SHOWN_TOKENS:
        # top-p keeps a token while the total before it is below p
        assert cumulative[view.kept_shown - 1] >= top_p - 1e-6
        assert view.kept_shown == 1 or cumulative[view.kept_shown - 2] < top_p + 1e-6


def test_next_token_text_lines(model, tokenizer):
    logits, _ = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    view = next_token_view(logits, tokenizer, 0.8, None, 0.9)
    text = next_token_text(view, note="a note")
    assert text.splitlines()[0] == "temperature 0.80, top-k off, top-p 0.90"
    assert f"candidate tokens: {view.candidates} of 512 (cut by top-p)" in text
    assert f"entropy: {view.entropy_after:.2f} bits" in text
    assert text.endswith("a note")
    greedy = next_token_text(next_token_view(logits, tokenizer, 0, None, None))
    assert "temperature 0 (greedy)" in greedy and "candidate tokens: 1 of 512" in greedy


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [({"temperature": -0.5}, ValueError, "temperature"), ({"top_k": 0}, ValueError, "top_k"),
     ({"top_k": 2.5}, TypeError, "top_k"), ({"top_p": 0.0}, ValueError, "top_p"),
     ({"top_p": 1.5}, ValueError, "top_p")],
)  # fmt: skip
def test_bad_controls_raise_an_error_naming_the_argument(model, tokenizer, kwargs, error, argument):
    logits, _ = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    settings = {"temperature": 1.0, "top_k": None, "top_p": None, **kwargs}
    with pytest.raises(error, match=argument):
        next_token_view(logits, tokenizer, **settings)


def test_chart_png_changes_and_has_no_leftovers_from_earlier_frames(model, tokenizer):
    logits, _ = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    chart = NextTokenChart()
    a = next_token_view(logits, tokenizer, 0.7, None, 0.8)
    b = next_token_view(logits, tokenizer, 1.5, 5, None)
    png_a = chart.png(a)
    png_b = chart.png(b)
    assert png_a.startswith(b"\x89PNG") and png_a != png_b
    assert chart.png(a) == png_a  # redrawn over the background: nothing of b remains
    image = PIL.Image.open(io.BytesIO(png_a))
    assert image.size == (576, 288)  # 7.2 x 3.6 inches at the course's 80 dpi


def test_blitted_chart_looks_like_a_full_redraw(model, tokenizer):
    """The fast path (background pixels + the changing artists) draws what savefig draws."""
    logits, _ = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    chart = NextTokenChart()
    view = next_token_view(logits, tokenizer, 0.9, 12, 0.85)
    fast = np.asarray(PIL.Image.open(io.BytesIO(chart.png(view))).convert("RGB"), dtype=int)
    buffer = io.BytesIO()
    chart.fig.savefig(buffer, format="png")
    full = np.asarray(PIL.Image.open(buffer).convert("RGB"), dtype=int)
    assert fast.shape == full.shape
    differs = np.abs(fast - full).max(axis=-1) > 40
    assert differs.mean() < 0.01  # only where a bar and a grid line overlap in another order


# ---------------------------------------------------------------------------------------------
# The next-token explorer
# ---------------------------------------------------------------------------------------------


def test_explorer_sliders_redraw_text_and_picture(model, tokenizer):
    box = next_token_explorer(model, tokenizer, temperature=1.0, top_k=0, top_p=0.9)
    prompt, temperature, top_k, top_p, output = box.children
    text, pngs = _shown(output)
    assert text.startswith("temperature 1.00, top-k off, top-p 0.90")
    assert len(pngs) == 1 and pngs[0].startswith(b"\x89PNG")
    temperature.value = 0.4
    text_t, pngs_t = _shown(output)
    assert text_t.startswith("temperature 0.40") and pngs_t[0] != pngs[0]
    assert _candidates(text_t) < _candidates(text)  # sharper: fewer tokens reach p
    top_p.value = 0.3
    text_p, _ = _shown(output)
    assert _candidates(text_p) <= _candidates(text_t)
    top_k.value = 3
    top_p.value = 1.0
    text_k, _ = _shown(output)
    assert "top-k 3, top-p off" in text_k and _candidates(text_k) == 3


def test_explorer_text_is_the_pure_functions(model, tokenizer):
    box = next_token_explorer(model, tokenizer, temperature=0.6, top_k=7, top_p=0.8)
    logits, _ = prompt_logits(model, tokenizer, DEFAULT_PROMPT)
    text, png = render_next_token(logits, tokenizer, 0.6, 7, 0.8)
    assert _shown(box.children[-1])[0].strip() == text


def test_explorer_runs_the_model_only_when_the_prompt_changes(model, tokenizer):
    counting = CountingModel(model)
    box = next_token_explorer(counting, tokenizer)
    prompt, temperature, top_k, top_p, _ = box.children
    assert counting.calls == 1
    for value in (0.3, 0.6, 1.1, 1.7):
        temperature.value = value
    top_k.value, top_p.value = 10, 0.5
    assert counting.calls == 1
    prompt.value = "The dog"
    assert counting.calls == 2


def test_explorer_shows_bad_input_as_a_message(model, tokenizer):
    box = next_token_explorer(model, tokenizer)
    prompt, output = box.children[0], box.children[-1]
    prompt.value = ""
    text, pngs = _shown(output)
    assert text.strip() == "⚠ prompt must be a non-empty string, got ''" and pngs == []
    prompt.value = "Tom had a big red ball. " * 10
    text, pngs = _shown(output)
    assert "the model reads only its last 32" in text and len(pngs) == 1


# ---------------------------------------------------------------------------------------------
# The generation playground
# ---------------------------------------------------------------------------------------------


def test_probability_color_runs_from_dark_to_light():
    assert probability_color(0.0) == ("#440154", "#ffffff")  # viridis' dark purple, white text
    assert probability_color(1.0) == ("#fde725", "#000000")  # viridis' yellow, black text
    with pytest.raises(ValueError, match="p must be in"):
        probability_color(1.5)


def test_generation_html_colours_each_token(model, tokenizer):
    g = generate(model, tokenizer, "Once <upon>", 12, temperature=1.0, seed=3)
    page = generation_html(g, tokenizer.eos_id)
    assert page.count('<span title="p = ') == len(g.token_ids) == 12
    assert "Once &lt;upon&gt;" in page  # escaped
    for p in g.token_probs:
        assert f"background:{probability_color(p)[0]}" in page
    assert "12 new tokens, finish reason: length" in page
    assert "linear-gradient" in page  # the legend


def test_generation_html_shows_notes_and_the_end_of_text():
    from helpers.sampling import Generation

    g = Generation(
        text="Hi there", completion=" there", token_ids=[7, 511], token_texts=[" there", "<e>"],
        token_probs=[0.5, 0.25], model_probs=[0.4, 0.2], finish_reason="stop",
        notes=["The prompt was cropped."],
    )  # fmt: skip
    page = generation_html(g, eos_id=511)
    assert "⏹ end of text" in page and "finish reason: stop" in page
    assert "<i>Note: The prompt was cropped.</i>" in page


def test_playground_generates_on_click_as_generate_does(model, tokenizer):
    box = generation_playground(model, tokenizer, "Once upon", temperature=0.9, top_k=0,
                                top_p=0.95, max_new_tokens=15, seed=4)  # fmt: skip
    prompt, t, k, p, n, row, out = box.children
    seed, button = row.children
    expected = generate(model, tokenizer, "Once upon", 15, 0.9, None, 0.95, seed=4)
    assert out.value == generation_html(expected, tokenizer.eos_id)
    first = out.value
    t.value = 0.5  # nothing happens until Generate is pressed
    assert out.value == first
    seed.value = 5
    k.value = 20
    button.click()
    expected = generate(model, tokenizer, "Once upon", 15, 0.5, 20, 0.95, seed=5)
    assert out.value == generation_html(expected, tokenizer.eos_id) != first
    p.value, n.value = 1.0, 3
    button.click()
    assert out.value.count('<span title="p = ') == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [({"prompt": ""}, "prompt must be a non-empty string"),
     ({"seed": -1}, "seed must be an integer in [0, 2**63)")],
)  # fmt: skip
def test_playground_shows_bad_input_as_a_message(model, tokenizer, change, message):
    box = generation_playground(model, tokenizer, max_new_tokens=5)
    prompt, *_, row, out = box.children
    seed, button = row.children
    if "prompt" in change:
        prompt.value = change["prompt"]
    else:
        seed.value = change["seed"]
    button.click()
    assert out.value.startswith("<b>⚠ ") and message in out.value
