"""Optional hub pipelines: offline they answer at once with one sentence and never raise."""

import time

import pytest

from helpers.applications import online_pipelines as op


@pytest.fixture
def online(monkeypatch):
    """Pretend the hub answers, with a fake pipeline factory (no network)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(op, "_hub_answer", {"answer": True})
    calls = []

    def fake_factory(task, model):
        def run(inputs, **kwargs):
            calls.append((task, model, inputs, kwargs))
            if task == "sentiment-analysis":
                return [{"label": "POSITIVE", "score": 0.99876}]
            if task == "ner":
                return [{"word": "Mia", "entity_group": "PER", "score": 0.9991}]
            reply = {"role": "assistant", "content": " Hola. "}
            return [{"generated_text": [*inputs, reply]}]

        return run

    monkeypatch.setattr(op, "_pipeline", fake_factory)
    return calls


@pytest.mark.parametrize("task", sorted(op.MODELS))
def test_offline_answers_at_once_with_the_note(task):
    start = time.perf_counter()
    text = op.run_pipeline(task, "I loved it.")  # the tests run with HF_HUB_OFFLINE=1
    assert time.perf_counter() - start < 0.5
    assert text.startswith("Offline") and op.MODELS[task] in text


def test_chat_model_offline():
    assert op.ask_chat_model("Translate 'good morning' into Spanish.").startswith("Offline")


def test_online_path_formats_each_task(online):
    assert op.run_pipeline("sentiment-analysis", "I loved it.") == "POSITIVE (score 0.999)"
    assert op.run_pipeline("ner", "Mia ran.").split() == ["Mia", "PER", "(score", "0.999)"]
    assert op.ask_chat_model("Say hello in Spanish.", max_new_tokens=5) == "Hola."
    task, model, inputs, kwargs = online[-1]
    assert (task, model) == ("text-generation", op.MODELS["text-generation"])
    assert inputs == [{"role": "user", "content": "Say hello in Spanish."}]
    assert kwargs == {"max_new_tokens": 5, "do_sample": False}


def test_a_failing_model_becomes_a_sentence(online, monkeypatch):
    def broken(task, model):
        raise OSError("connection reset\nmore detail")

    monkeypatch.setattr(op, "_pipeline", broken)
    text = op.run_pipeline("ner", "Mia ran.")
    assert text == "Could not run the ner pipeline (OSError: connection reset)."


def test_the_hub_is_asked_once(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(op, "_hub_answer", {})
    asked = []
    monkeypatch.setattr(op, "hub_available", lambda t: asked.append(t) or False)
    assert op.run_pipeline("ner", "x").startswith("Offline")
    assert op.run_pipeline("sentiment-analysis", "x").startswith("Offline")
    assert asked == [op.TIMEOUT_S]


def test_bad_inputs():
    with pytest.raises(ValueError, match="task must be one of"):
        op.run_pipeline("summarization", "text")
    with pytest.raises(ValueError, match="prompt must be a non-empty string"):
        op.ask_chat_model("  ")


def test_describe_reads_a_real_chat_pipeline_offline():
    """transformers' own chat pipeline, run offline on the mini GPT with the course template:
    its output has the shape `describe` expects (the conversation with the reply appended)."""
    from transformers import pipeline

    from helpers.applications.chat_template import chat_tokenizer
    from helpers.checkpoints import load
    from helpers.gpt_interop import to_transformers

    gpt, _ = load("mini-gpt")
    chat = pipeline("text-generation", model=to_transformers(gpt), tokenizer=chat_tokenizer())
    messages = [{"role": "user", "content": "Tell me a story about a goat."}]
    output = chat(messages, max_new_tokens=8, do_sample=False)
    assert output[0]["generated_text"][:1] == messages
    assert output[0]["generated_text"][-1]["role"] == "assistant"
    reply = op.describe("text-generation", output)
    assert isinstance(reply, str) and reply == reply.strip() and reply
