"""The chat format in plain Python equals transformers' apply_chat_template with our template."""

import pytest

from helpers.applications.chat_template import (
    CHAT_TEMPLATE,
    chat_tokenizer,
    check_messages,
    format_chat,
)
from helpers.tokenization import load_tokenizer

CONVERSATIONS = [
    [{"role": "user", "content": "Tell me a story about a goat."}],
    [
        {"role": "system", "content": "You tell short stories."},
        {"role": "user", "content": "Who is Mia?"},
        {"role": "assistant", "content": "Mia is a girl who lives near Pine Lake."},
        {"role": "user", "content": "What does she like?"},
    ],
]


@pytest.mark.parametrize("messages", CONVERSATIONS)
@pytest.mark.parametrize("add_generation_prompt", [True, False])
def test_same_string_as_transformers(messages, add_generation_prompt):
    tokenizer = chat_tokenizer()
    assert tokenizer.chat_template == CHAT_TEMPLATE
    theirs = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )
    assert format_chat(messages, add_generation_prompt) == theirs


def test_format_and_tokens():
    text = format_chat([{"role": "user", "content": "Hi"}])
    assert text == "<|user|>\nHi<|endoftext|>\n<|assistant|>\n"
    course = load_tokenizer("tiny-tales")
    ids = course.encode(text)
    assert ids.count(course.eos_id) == 1  # the special token is one token...
    assert len(course.encode("<|user|>")) > 1  # ...a role marker is not, for this tokenizer


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "non-empty list"),
        ("Hi", "non-empty list"),
        ([{"role": "user"}], 'keys "role" and "content"'),
        ([{"role": "robot", "content": "Hi"}], "role must be one of"),
        ([{"role": "user", "content": " "}], "content must be a non-empty string"),
    ],
)
def test_bad_messages(messages, message):
    with pytest.raises(ValueError, match=message):
        check_messages(messages)
