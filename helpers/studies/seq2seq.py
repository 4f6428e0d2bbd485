"""Measurements and figures of notebooks 02 and 03: where and why the RNN bottleneck fails.

helpers.seq2seq holds the models and the standard metrics; this module holds what the two
notebooks measure around them:

- `reverse_source`: the same pairs with each English sentence read backwards, the trick of
  Sutskever et al. (2014), "Sequence to Sequence Learning with Neural Networks";
- `teacher_forced_accuracy_by_position`: per-position accuracy when the decoder is given the
  correct previous words, which separates "the information is missing" from "one early
  mistake shifts everything after it" (greedy decoding feeds the model its own outputs);
- `time_per_sentence`: how long encoding and translating take as sentences grow, and how many
  sequential decoder steps a translation needs;
- `attention_focus`: how sharp the attention weights are (notebook 03's closing question);
- `study_metrics`: the metrics `make checkpoints` records for the reversed-source and
  hidden-size studies (data/seq2seq-studies.json);
- plots: accuracy by length, accuracy by position, time by length, encoder states,
  alignment heatmaps. Each returns its figure.
"""

import json
import pathlib
import statistics
import time
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from helpers._checks import check_int, eval_mode, model_device
from helpers.checkpoints import data_dir
from helpers.corpora import translation_pairs
from helpers.plots import SEQUENTIAL_CMAP  # importing helpers.plots applies the course style
from helpers.seq2seq import (
    PAD_ID,
    SOS_ID,
    Seq2Seq,
    accuracy_by_length,
    accuracy_by_position,
    translate,
    translate_with_attention,
)

__all__ = [
    "STUDIES_FILE",
    "attention_focus",
    "load_studies",
    "plot_accuracy_by_length",
    "plot_accuracy_by_position",
    "plot_alignment",
    "plot_encoder_states",
    "plot_time_by_length",
    "reverse_source",
    "study_metrics",
    "teacher_forced_accuracy_by_position",
    "time_per_sentence",
]

STUDIES_FILE = "seq2seq-studies.json"  # in data/: written by `make checkpoints`


# --------------------------------------------------------------------------- data


def reverse_source(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same pairs with the words of each source sentence in reverse order.

    ("the dog runs", "el perro corre") -> ("runs dog the", "el perro corre").
    """
    return [(" ".join(reversed(src.split())), tgt) for src, tgt in pairs]


def load_studies(folder=None) -> dict:
    """The reversed-source and hidden-size studies recorded by `make checkpoints`."""
    path = (pathlib.Path(folder) if folder is not None else data_dir()) / STUDIES_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"no {STUDIES_FILE} in data/: run `python -m tools.make_checkpoints "
            "seq2seq-studies` to measure the studies"
        )
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- measurements


@torch.no_grad()
def teacher_forced_accuracy_by_position(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    relative_bins: int | None = None,
    batch_size: int = 256,
) -> list[dict]:
    """Like `helpers.seq2seq.accuracy_by_position`, but each word is predicted from the
    reference's previous words (teacher forcing) instead of the model's own outputs.

    Position i counts as right when the likeliest next word after the reference's first i
    words is the reference's word i. Rows: {"position", "n", "accuracy"}, with positions
    1-based, or bin centres in (0, 1) when relative_bins=k groups positions by i / length.
    """
    check_int("relative_bins", relative_bins, low=1, none_ok=True)
    check_int("batch_size", batch_size, low=1)
    if model.src_vocab is None or model.tgt_vocab is None:
        raise ValueError("model must carry its vocabularies (Seq2Seq.from_vocabs or a checkpoint)")
    if len(pairs) == 0:
        raise ValueError("pairs must contain at least one (source, target) pair")
    with eval_mode(model):
        device = model_device(model)
        hits: dict[int, int] = {}
        counts: dict[int, int] = {}
        for start in range(0, len(pairs), batch_size):
            batch = pairs[start : start + batch_size]
            srcs = [model.src_vocab.encode(s) for s, _ in batch]
            refs = [model.tgt_vocab.encode(t) for _, t in batch]
            src = _pad(srcs).to(device)  # (B, S)
            tgt_in = _pad([[SOS_ID, *r] for r in refs]).to(device)  # (B, T): <sos> + reference
            logits, _ = model(src, tgt_in)  # (B, T, V): logits[b, i] predicts reference word i
            predicted = logits.argmax(dim=-1).tolist()
            for row, ref in zip(predicted, refs, strict=True):
                for i, word in enumerate(ref):
                    key = i if relative_bins is None else i * relative_bins // len(ref)
                    counts[key] = counts.get(key, 0) + 1
                    hits[key] = hits.get(key, 0) + (row[i] == word)
    return [
        {
            "position": key + 1 if relative_bins is None else (key + 0.5) / relative_bins,
            "n": counts[key],
            "accuracy": hits[key] / counts[key],
        }
        for key in sorted(counts)
    ]


@torch.no_grad()
def time_per_sentence(
    model: Seq2Seq,
    lengths: Sequence[int] = (4, 8, 12, 16, 20, 24, 28, 32),
    n_sentences: int = 5,
    repeats: int = 3,
    seed: int = 0,
) -> list[dict]:
    """Wall time to encode and to translate one sentence, by sentence length (in words).

    For each length, `n_sentences` grammar sentences of exactly that length are each timed
    `repeats` times, one sentence at a time (no batching), on one CPU thread (a step is too
    small to share out, and a busy machine then disturbs the timing least). Each sentence
    keeps its fastest run (noise only ever adds time); a row averages its sentences:
    {"words", "encode_ms", "translate_ms", "decoder_steps"}, where decoder_steps is the mean
    number of sequential decoder steps a greedy translation took (output words + 1 for <eos>).
    """
    check_int("n_sentences", n_sentences, low=1)
    check_int("repeats", repeats, low=1)
    if not lengths:
        raise ValueError("lengths must name at least one sentence length")
    model.eval()
    device = model_device(model)
    steps = [0]
    hook = model.decoder.register_forward_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows = []
    try:
        for n_words in lengths:
            sentences = [s for s, _ in translation_pairs(n_sentences, seed, n_words, n_words)]
            encode_s, translate_s, step_counts = [], [], []
            for sentence in sentences:
                src = torch.tensor([model.src_vocab.encode(sentence)], device=device)  # (1, S)
                encode_runs, translate_runs = [], []
                for _ in range(repeats):
                    start = time.perf_counter()
                    model.encode(src)
                    encode_runs.append(time.perf_counter() - start)
                    steps[0] = 0
                    start = time.perf_counter()
                    translate(model, sentence)
                    translate_runs.append(time.perf_counter() - start)
                encode_s.append(min(encode_runs))
                translate_s.append(min(translate_runs))
                step_counts.append(steps[0])
            rows.append(
                {
                    "words": n_words,
                    "encode_ms": 1000 * statistics.mean(encode_s),
                    "translate_ms": 1000 * statistics.mean(translate_s),
                    "decoder_steps": statistics.mean(step_counts),
                }
            )
    finally:
        hook.remove()
        torch.set_num_threads(threads)
    return rows


@torch.no_grad()
def attention_focus(model: Seq2Seq, sentences: Sequence[str]) -> dict:
    """How sharp the attention is over greedy translations of `sentences` (for a transformer
    translator: its last decoder layer's cross-attention, averaged over heads).

    Returns {"steps": decoder steps counted, "mean_max_weight": the average of each step's
    largest weight (1.0 = all weight on one source word), "mean_entropy_bits": the average
    entropy of a step's weights, "mean_source_words": the average source length}.
    """
    if len(sentences) == 0:
        raise ValueError("sentences must contain at least one sentence")
    max_weights, entropies, lengths = [], [], []
    for sentence in sentences:
        _, weights = translate_with_attention(model, sentence)  # (T + 1, S)
        if weights is None:
            raise ValueError("model must have attention (attention=True); the bottleneck has none")
        max_weights += weights.max(dim=-1).values.tolist()
        p = weights.clamp_min(1e-12)
        entropies += (-(p * p.log2()).sum(dim=-1)).tolist()
        lengths.append(len(sentence.split()))
    return {
        "steps": len(max_weights),
        "mean_max_weight": sum(max_weights) / len(max_weights),
        "mean_entropy_bits": sum(entropies) / len(entropies),
        "mean_source_words": sum(lengths) / len(lengths),
    }


def study_metrics(
    model: Seq2Seq, test_pairs: Sequence[tuple[str, str]], long_min_words: int = 28
) -> dict:
    """What the studies record for one trained model on the held-out pairs (pass them
    reversed for a reversed-source model): accuracy by length, and on the sentences of at
    least `long_min_words` words accuracy by relative position (10 bins), greedy and
    teacher-forced."""
    long = [p for p in test_pairs if len(p[0].split()) >= long_min_words]
    if not long:
        raise ValueError(f"test_pairs has no source sentence of >= {long_min_words} words")
    return {
        "accuracy_by_length": _rounded(accuracy_by_length(model, test_pairs)),
        "long_min_words": long_min_words,
        "long_sentences": len(long),
        "greedy_by_position": _rounded(accuracy_by_position(model, long, relative_bins=10)),
        "teacher_forced_by_position": _rounded(
            teacher_forced_accuracy_by_position(model, long, relative_bins=10)
        ),
    }


# --------------------------------------------------------------------------- figures


def plot_accuracy_by_length(
    tables: dict[str, list[dict]], title: str = "Token accuracy by source length", ax=None
):
    """One line per model: token accuracy per bucket of source length (rows of
    `helpers.seq2seq.accuracy_by_length`)."""
    return _lines(tables, "words", "token_accuracy", "source sentence length (words)",
                  "token accuracy", title, ax)  # fmt: skip


def plot_accuracy_by_position(
    tables: dict[str, list[dict]],
    title: str = "Accuracy by position in the sentence",
    xlabel: str = "position in the reference translation (0 = start, 1 = end)",
    ax=None,
):
    """One line per curve: accuracy per (relative) position of the reference translation."""
    return _lines(tables, "position", "accuracy", xlabel, "accuracy", title, ax)


def plot_time_by_length(
    tables: dict[str, list[dict]], key: str = "translate_ms", title: str = "Time per sentence"
):
    """Milliseconds per sentence against its length (rows of `time_per_sentence`)."""
    return _lines(tables, "words", key, "sentence length (words)", "milliseconds per sentence",
                  title, None, size=(6.0, 3.4), ylim=None, legend="upper left")  # fmt: skip


def _lines(tables, x, y, xlabel, ylabel, title, ax, size=(6.4, 3.6), ylim=(0, 1.05),
           legend="lower left"):  # fmt: skip
    """One line per table: column `y` against column `x` of its rows."""
    fig, ax = _figure(ax, size)
    for label, rows in tables.items():
        ax.plot([r[x] for r in rows], [r[y] for r in rows], "o-", label=label)
    if ylim is None:
        ax.set_ylim(bottom=0)
    else:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc=legend)
    fig.tight_layout()
    return fig


def plot_encoder_states(states: torch.Tensor, words: Sequence[str], n_units: int = 32):
    """Heatmap of the encoder state after each word: rows are words, columns the first
    `n_units` of the hidden state's numbers. states: (S, H)."""
    if states.ndim != 2 or states.shape[0] != len(words):
        raise ValueError(
            f"states must be (len(words), H) = ({len(words)}, H), got {tuple(states.shape)}"
        )
    values = states[:, :n_units].detach().cpu().numpy()
    fig, ax = plt.subplots(figsize=(7.0, 0.35 * len(words) + 1.2))
    image = ax.imshow(values, aspect="auto", cmap="cividis", vmin=-1, vmax=1)
    ax.set_yticks(range(len(words)), [f"{t + 1}: {w}" for t, w in enumerate(words)])
    ax.set_ylabel("step t: word read")
    ax.set_xlabel(f"hidden unit (the first {values.shape[1]} of {states.shape[1]})")
    ax.set_title("The encoder's hidden state, word by word")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="value")
    fig.tight_layout()
    return fig


def plot_alignment(
    weights: torch.Tensor,
    source_words: Sequence[str],
    output_words: Sequence[str],
    title: str = "Attention weights",
    ax=None,
):
    """Alignment heatmap: row t = output word t, column i = source word i, colour = weight.

    weights: (T, S) as `helpers.seq2seq.translate_with_attention` returns them; when it has
    one row more than output_words, the last row is labelled <eos>.
    """
    weights = torch.as_tensor(weights).detach().cpu()
    rows = list(output_words)
    if weights.shape[0] == len(rows) + 1:
        rows.append("<eos>")
    if tuple(weights.shape) != (len(rows), len(source_words)):
        raise ValueError(
            f"weights must be (output words [+1], source words) = ({len(rows)}, "
            f"{len(source_words)}), got {tuple(weights.shape)}"
        )
    size = (min(0.42 * len(source_words) + 1.8, 9.0), min(0.32 * len(rows) + 1.4, 7.5))
    fig, ax = _figure(ax, size)
    image = ax.imshow(weights.numpy(), cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, aspect="auto")
    fontsize = 10 if max(len(rows), len(source_words)) <= 16 else 7  # long sentences: smaller
    ax.set_xticks(
        range(len(source_words)), source_words, rotation=60, ha="right", fontsize=fontsize
    )
    ax.set_yticks(range(len(rows)), rows, fontsize=fontsize)
    ax.set_xlabel("source word (English)")
    ax.set_ylabel("output word (Spanish)")
    ax.set_title(title)
    ax.grid(False)
    fig.colorbar(image, ax=ax, fraction=0.04, label="weight")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- private


def _figure(ax, size):
    if ax is None:
        return plt.subplots(figsize=size)
    return ax.figure, ax


def _pad(rows: Sequence[Sequence[int]]) -> torch.Tensor:
    """Right-pad lists of ids with <pad> into a (len(rows), longest) tensor."""
    out = torch.full((len(rows), max(map(len, rows))), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def _rounded(rows: list[dict]) -> list[dict]:
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
