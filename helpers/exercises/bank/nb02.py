"""Exercises of notebook 02: the RNN encoder-decoder and its bottleneck."""

import torch

from helpers.exercises import Mistake, exercise

# --------------------------------------------------------------------------- 02.rnn_encoder


def _rnn_cases():
    g = torch.Generator().manual_seed(2)
    cases = []
    for T, E, H in [(1, 3, 4), (3, 2, 2), (5, 4, 3), (8, 6, 5)]:
        x = torch.randn(T, E, generator=g)
        W_x = torch.randn(H, E, generator=g) * 0.7
        W_h = torch.randn(H, H, generator=g) * 0.7
        b = torch.randn(H, generator=g) * 0.3
        cases.append((x, W_x, W_h, b))
    return cases


def _rnn_no_recurrence(x, W_x, W_h, b):
    return torch.tanh(x @ W_x.T + b)  # every word on its own: nothing is passed along


def _rnn_final_only(x, W_x, W_h, b):
    return rnn_encoder(x, W_x, W_h, b)[-1]


def _rnn_without_tanh(x, W_x, W_h, b):
    h, states = torch.zeros(W_h.shape[0]), []
    for x_t in x:
        h = W_x @ x_t + W_h @ h + b
        states.append(h)
    return torch.stack(states)


def _rnn_stores_previous_state(x, W_x, W_h, b):
    h, states = torch.zeros(W_h.shape[0]), []
    for x_t in x:
        states.append(h)  # stored before the update: row t holds h_{t-1}
        h = torch.tanh(W_x @ x_t + W_h @ h + b)
    return torch.stack(states)


def _rnn_transposed_weights(x, W_x, W_h, b):
    h, states = torch.zeros(W_h.shape[0]), []
    for x_t in x:
        h = torch.tanh(W_x @ x_t + W_h.T @ h + b)
        states.append(h)
    return torch.stack(states)


@exercise(
    "02.rnn_encoder",
    cases=_rnn_cases,
    mistakes=[
        Mistake(
            _rnn_no_recurrence,
            "each word is encoded on its own: feed the previous state h into every step "
            "through W_h",
        ),
        Mistake(
            _rnn_final_only,
            "only the final state was returned: stack the state after every word into (T, H)",
        ),
        Mistake(_rnn_without_tanh, "the tanh is missing: h_t = tanh(W_x x_t + W_h h_{t-1} + b)"),
        Mistake(
            _rnn_stores_previous_state,
            "row t holds the state before word t: update h first, then store it",
        ),
        Mistake(_rnn_transposed_weights, "W_h is transposed: use W_h @ h, not W_h.T @ h"),
    ],
)
def rnn_encoder(x, W_x, W_h, b):
    """Exercise 02: a plain (Elman) RNN over word vectors x (T, E); all states (T, H)."""
    h = torch.zeros(W_h.shape[0])  # h_0: (H,)
    states = []
    for x_t in x:  # one word at a time: step t needs h from step t - 1
        h = torch.tanh(W_x @ x_t + W_h @ h + b)  # (H,)
        states.append(h)
    return torch.stack(states)  # (T, H)


# --------------------------------------------------------------------------- 02.token_accuracy


def _accuracy_cases():
    return [
        ("la niña ve la pelota roja".split(), "la niña ve la pelota roja".split()),
        ("la niña ve la pelota".split(), "la niña ve la pelota roja".split()),
        ("la niña ve la pelota roja y".split(), "la niña ve la pelota".split()),
        ("la ve la pelota roja".split(), "la niña ve la pelota roja".split()),
        ("el perro come un pastel".split(), "un perro come el pastel dulce".split()),
        ([], "el gato duerme".split()),
        ([], []),
    ]


def _accuracy_over_reference(output, reference):
    hits = sum(o == r for o, r in zip(output, reference, strict=False))
    return hits / len(reference) if reference else 1.0


def _accuracy_over_shorter(output, reference):
    n = min(len(output), len(reference))
    return sum(o == r for o, r in zip(output, reference, strict=False)) / n if n else 1.0


def _accuracy_bag_of_words(output, reference):
    n = max(len(output), len(reference))
    return sum(w in reference for w in output) / n if n else 1.0


@exercise(
    "02.token_accuracy",
    cases=_accuracy_cases,
    mistakes=[
        Mistake(
            _accuracy_over_reference,
            "extra output words go unpunished: divide by the longer of output and reference",
        ),
        Mistake(
            _accuracy_over_shorter,
            "missing words go unpunished: divide by the longer of output and reference",
        ),
        Mistake(
            _accuracy_bag_of_words,
            "a word counts only at its own position: compare output[i] with reference[i]",
        ),
    ],
)
def token_accuracy(output, reference):
    """Exercise 02: share of positions where output and reference agree (lists of words)."""
    n = max(len(output), len(reference))
    if n == 0:
        return 1.0
    return sum(o == r for o, r in zip(output, reference, strict=False)) / n
