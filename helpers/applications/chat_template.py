"""Chat templates: how a conversation becomes the one string a language model continues
(notebook 10).

A chat model is still a next-token predictor. The conversation (a list of messages, each with
a role: "system", "user" or "assistant") is written out as text with markers around each
message, and the text ends with the marker of the assistant's turn, so the most likely
continuation is the assistant's reply. The model learns the format during fine-tuning on
conversations; every model family has its own markers, stored with its tokenizer as a Jinja
template (transformers' `apply_chat_template` renders it).

`format_chat` writes the course's format in plain Python; `CHAT_TEMPLATE` is the same format
as a Jinja template, and a test checks that transformers renders it to the same string on the
course tokenizer.
"""

from collections.abc import Sequence

ROLES = ("system", "user", "assistant")
END = "<|endoftext|>"  # the course tokenizer's one special token ends every message

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}" + END + "\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def format_chat(messages: Sequence[dict], add_generation_prompt: bool = True) -> str:
    """The conversation as one prompt string, ending with the assistant's marker if asked.

    [{"role": "user", "content": "Hi"}] -> "<|user|>\\nHi<|endoftext|>\\n<|assistant|>\\n"
    """
    check_messages(messages)
    text = "".join(f"<|{m['role']}|>\n{m['content']}{END}\n" for m in messages)
    return text + ("<|assistant|>\n" if add_generation_prompt else "")


def check_messages(messages: Sequence[dict]) -> None:
    """ValueError unless messages is a non-empty list of {"role", "content"} dicts."""
    if isinstance(messages, str | dict) or not messages:
        raise ValueError('messages must be a non-empty list of {"role": ..., "content": ...}')
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            raise ValueError(
                f'message {i} must be a dict with keys "role" and "content", got {m!r}'
            )
        if m["role"] not in ROLES:
            raise ValueError(f"message {i}: role must be one of {ROLES}, got {m['role']!r}")
        if not isinstance(m["content"], str) or not m["content"].strip():
            raise ValueError(f"message {i}: content must be a non-empty string")


def chat_tokenizer():
    """The course tokenizer as a transformers tokenizer that carries CHAT_TEMPLATE."""
    from helpers.tokenization import load_tokenizer

    tokenizer = load_tokenizer("tiny-tales").hf_tokenizer()
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer
