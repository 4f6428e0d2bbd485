"""The same applications with pretrained models from the Hugging Face hub: optional, online
(notebook 10).

`run_pipeline(task, inputs)` builds `transformers.pipeline(task, model=...)` with a small hub
model and returns its answer as one short text, but only if the hub answers within a few
seconds (helpers.pretrained.hub.hub_available); otherwise it returns at once the one-sentence
offline note. It never raises for network reasons: a download or model error becomes a sentence too.

Since transformers 5, summarization, translation and question answering have no pipelines of
their own: they are prompts to a chat model through "text-generation" (`ask_chat_model`),
which is exactly how foundation models are used.
"""

import functools
from typing import Any

from helpers.pretrained.hub import hub_available, offline_note

# Small hub models, one per task (a few hundred MB each; downloaded once, then cached).
MODELS = {
    "sentiment-analysis": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    "ner": "dslim/bert-base-NER",
    "text-generation": "Qwen/Qwen2.5-0.5B-Instruct",  # a small chat model (0.5B parameters)
}
TIMEOUT_S = 3.0  # how long to wait for the hub before skipping

_hub_answer: dict[str, bool] = {}  # asked once per session: a dead network costs one timeout


def run_pipeline(task: str, inputs: Any, timeout_s: float = TIMEOUT_S, **call_kwargs) -> str:
    """`task`'s pipeline with its small hub model, run on `inputs`, as readable text; or the
    offline note when the hub does not answer within `timeout_s` seconds."""
    if task not in MODELS:
        raise ValueError(f"task must be one of {sorted(MODELS)}, got {task!r}")
    if not hub_reachable(timeout_s):
        return offline_note(f"the {task} pipeline ({MODELS[task]})")
    try:
        output = _pipeline(task, MODELS[task])(inputs, **call_kwargs)
    except Exception as error:  # noqa: BLE001  (an optional cell must never stop the notebook)
        first_line = str(error).splitlines()[0] if str(error) else ""
        return f"Could not run the {task} pipeline ({type(error).__name__}: {first_line})."
    return describe(task, output)


def ask_chat_model(prompt: str, max_new_tokens: int = 80, timeout_s: float = TIMEOUT_S) -> str:
    """One user message to the small chat model (greedy decoding): its reply, or the note."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt must be a non-empty string")
    messages = [{"role": "user", "content": prompt}]
    return run_pipeline(
        "text-generation",
        messages,
        timeout_s=timeout_s,
        max_new_tokens=max_new_tokens,
        do_sample=False,
    )


def hub_reachable(timeout_s: float = TIMEOUT_S) -> bool:
    """hub_available(timeout_s), asked once per session (offline mode is asked every time)."""
    from helpers.pretrained.hub import offline_mode

    if offline_mode():
        return False
    if "answer" not in _hub_answer:
        _hub_answer["answer"] = hub_available(timeout_s)
    return _hub_answer["answer"]


def describe(task: str, output: Any) -> str:
    """A pipeline's raw output as a few readable lines."""
    if task == "sentiment-analysis":
        return "\n".join(f"{o['label']} (score {o['score']:.3f})" for o in output)
    if task == "ner":
        if not output:
            return "no entities found"
        return "\n".join(
            f"{o['word']:<16}{o['entity_group']:<6}(score {o['score']:.3f})" for o in output
        )
    if task == "text-generation":
        generated = output[0]["generated_text"]
        if isinstance(generated, list):  # chat input: the conversation with the reply appended
            return generated[-1]["content"].strip()
        return generated
    return str(output)


@functools.cache
def _pipeline(task: str, model: str):
    from transformers import pipeline

    kwargs = {"aggregation_strategy": "simple"} if task == "ner" else {}
    return pipeline(task, model=model, **kwargs)
