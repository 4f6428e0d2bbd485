"""The transformer translator beside the GRU + attention one (notebook 06), measured.

What notebook 06 and `make bench` measure about `helpers.transformer_translator`:

- `measure_training_speed`: training steps of the GRU + attention model (notebook 03's
  seq2seq-attention config) and of a transformer of comparable parameter count, timed on
  the SAME batches, alternating step by step in one process, for short (3-8 words) and long
  (28-32 words) sentences: tokens per second, their ratio, and how each model's time per
  step grows with sentence length (the GRU steps through the words one by one; the
  transformer reads them all at once);
- `equal_time_race`: both models trained from scratch for the same wall-clock budget on the
  checkpoints' training pairs, with held-out accuracy on long sentences along the way;

The shipped `seq2seq-transformer` is trained by tools/make_checkpoints.py from
`SEQ2SEQ_TRANSFORMER` (same training pairs, held-out pairs and batch size as the GRU
checkpoints of notebooks 02-03); `python -m tools.bench translate --json` prints the figures.

Two transformers appear: the shipped checkpoint (`SEQ2SEQ_TRANSFORMER`, d_model 128, about
1M parameters) and the speed-comparison model (`SPEED_TRANSFORMER`, d_model 64, about 262k
parameters, beside the GRU + attention model's 316k). Timings depend on the machine and on
how busy it is: they never appear in compared notebook output.
"""

import random
import statistics
import time
from collections.abc import Sequence

import torch

from helpers._checks import check_int
from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS, translation_pairs
from helpers.seq2seq import (
    PAD_ID,
    SOS_ID,
    Seq2Seq,
    Vocab,
    _length_bucketed_batches,
    _pad,
    accuracy_by_length,
    scheduled_lr,
    train_step,
)
from helpers.transformer_translator import TransformerTranslator

__all__ = [
    "GRU_ATTENTION",
    "SEQ2SEQ_TRANSFORMER",
    "SPEED_TRANSFORMER",
    "TRAIN_THREADS",
    "build_models",
    "equal_time_race",
    "measure_training_speed",
]

TRAIN_THREADS = 1  # the checkpoint trains on one thread: float sums depend on the thread count

# The shipped checkpoint. Data, held-out pairs, batch size and clipping are the GRU
# checkpoints' (tools.make_checkpoints.SEQ2SEQ; a test checks they agree with their cards).
SEQ2SEQ_TRANSFORMER = {
    "train_pairs": 60_000,
    "train_seed": 0,
    "test_pairs": 1_200,
    "test_seed": 12_345,
    "min_words": 3,
    "max_words": 32,
    "d_model": 128,
    "n_heads": 4,
    "n_layers_enc": 2,
    "n_layers_dec": 2,
    "d_ff": 512,
    "max_len": 40,  # positions: sources of up to 32 words, targets of up to 39 (<sos> + 38)
    "dropout": 0.0,
    "steps": 800,
    "batch_size": 64,
    "lr": 2e-3,  # peak: a constant 2e-3 or more diverges now and then; the schedule keeps
    "warmup_steps": 100,  # the end of training stable
    "min_lr": 1e-4,
    "clip": 1.0,
    "seed": 0,
    "eval_every": 100,  # steps between held-out evaluations on long sentences (the curve)
    "long_min_words": 28,
}

# The speed comparison: notebook 03's GRU + attention model and a transformer of comparable
# parameter count, each trained with its own checkpoint's recipe.
GRU_ATTENTION = {"emb_dim": 64, "hidden_dim": 128, "attention": True, "lr": 3e-3}
SPEED_TRANSFORMER = {
    "d_model": 64,
    "n_heads": 4,
    "n_layers_enc": 2,
    "n_layers_dec": 2,
    "d_ff": 256,
    "max_len": 40,
    "lr": 3e-3,
    "warmup_steps": 100,
    "min_lr": 1e-4,
}
SHORT, LONG = (3, 8), (28, 32)  # sentence lengths (words) of the speed comparison


def build_models(seed: int = 0) -> dict[str, torch.nn.Module]:
    """{"gru_attention": Seq2Seq, "transformer": TransformerTranslator}: the speed comparison's
    two models, freshly initialised from `seed` (the global torch RNG is left as it was), with
    the course's vocabularies."""
    src, tgt = Vocab(EN_WORDS), Vocab(ES_WORDS)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        gru = Seq2Seq.from_vocabs(src, tgt, **_without(GRU_ATTENTION, "lr"))
        torch.manual_seed(seed)
        transformer = TransformerTranslator.from_vocabs(
            src, tgt, **_without(SPEED_TRANSFORMER, "lr", "warmup_steps", "min_lr")
        )
    return {"gru_attention": gru, "transformer": transformer}


# --------------------------------------------------------------------------- speed


def measure_training_speed(
    threads: int = 1,
    lengths: Sequence[tuple[int, int]] = (SHORT, LONG),
    batches: int = 5,
    repeats: int = 4,
    warmup: int = 2,
    batch_size: int = 64,
    seed: int = 0,
) -> dict:
    """Time training steps of both `build_models` on the same batches, for each length range.

    For each (min_words, max_words) in `lengths`: `batches` batches of `batch_size` pairs,
    each trained on `repeats` times by each model, the two models alternating step by step
    (and which goes first alternating too), after `warmup` untimed steps each. A step is a
    full `helpers.seq2seq.train_step` (forward, loss, backward, clipping, Adam). Each batch
    keeps each model's fastest step, since other work on a shared machine only ever adds
    time; a model's time per step is the mean over the batches. Tokens counts the real source
    words plus the target words and <eos>. Runs torch on `threads` threads (restored after).

    Returns {"threads", "batch_size", "steps" (timed, per model and range), "models": {name:
    {"parameters", "config"}}, "by_length": one row per range ({"words", "tokens_per_step",
    "<model>_ms_per_step", "<model>_tokens_per_s", "ratio"}), and for the longest range
    "gru_attention_tokens_per_s", "transformer_tokens_per_s", "ratio" (transformer / GRU
    throughput), for the shortest "ratio_short", and "<model>_step_growth" (time per step,
    longest / shortest range)}.
    """
    for name, value, low in (("threads", threads, 1), ("batches", batches, 1),
                             ("repeats", repeats, 1), ("warmup", warmup, 0),
                             ("batch_size", batch_size, 1)):  # fmt: skip
        check_int(name, value, low=low)
    lengths = _check_lengths(lengths)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        models = build_models(seed)
        optimizers = _optimizers(models)
        for model in models.values():
            model.train()
        rows = []
        for lo, hi in lengths:
            pairs = translation_pairs(batches * batch_size, seed + lo * 100 + hi, lo, hi)
            data = [
                _batch(models["transformer"], pairs[i : i + batch_size])
                for i in range(0, len(pairs), batch_size)
            ]
            for name in models:
                for _ in range(warmup):
                    train_step(models[name], optimizers[name], *data[0])
            fastest = {name: [float("inf")] * len(data) for name in models}
            for r in range(repeats):
                for i, (src, tgt) in enumerate(data):
                    order = list(models) if (r + i) % 2 == 0 else list(reversed(models))
                    for name in order:
                        start = time.perf_counter()
                        train_step(models[name], optimizers[name], src, tgt)
                        seconds = time.perf_counter() - start
                        fastest[name][i] = min(fastest[name][i], seconds)
            tokens = statistics.mean(
                int((src != PAD_ID).sum() + (tgt[:, 1:] != PAD_ID).sum()) for src, tgt in data
            )
            row = {"words": f"{lo}-{hi}", "tokens_per_step": round(tokens, 1)}
            for name in models:
                step = statistics.mean(fastest[name])
                row[f"{name}_ms_per_step"] = round(1000 * step, 2)
                row[f"{name}_tokens_per_s"] = round(tokens / step)
            row["ratio"] = round(
                row["transformer_tokens_per_s"] / row["gru_attention_tokens_per_s"], 3
            )
            rows.append(row)
    finally:
        torch.set_num_threads(before)
    short, long = rows[0], rows[-1]
    return {
        "threads": threads,
        "batch_size": batch_size,
        "steps": batches * repeats,
        "models": {
            name: {"parameters": _parameters(model), "config": _config(model)}
            for name, model in models.items()
        },
        "by_length": rows,
        "gru_attention_tokens_per_s": long["gru_attention_tokens_per_s"],
        "transformer_tokens_per_s": long["transformer_tokens_per_s"],
        "ratio": long["ratio"],
        "ratio_short": short["ratio"],
        **{
            f"{name}_step_growth": round(
                long[f"{name}_ms_per_step"] / short[f"{name}_ms_per_step"], 2
            )
            for name in models
        },
    }


# --------------------------------------------------------------------------- race


def equal_time_race(
    seconds: float = 30.0,
    evaluations: int = 5,
    threads: int = 1,
    seed: int = 0,
    train_pairs: Sequence[tuple[str, str]] | None = None,
    test_pairs: Sequence[tuple[str, str]] | None = None,
    batch_size: int = 64,
) -> dict:
    """Train both `build_models` from scratch for the same wall-clock budget; who learns more?

    Each model trains with its own checkpoint's recipe on the same kind of batches
    (`train_step`, length-bucketed random batches as in `train_seq2seq`): the GRU + attention
    at a constant lr; the transformer with a warm-up over the first tenth of its budget and a
    cosine decay to min_lr at its end (the schedule by the clock: the number of steps a
    budget buys is not known in advance). Steps alternate, each time for the model that has
    used less of its budget, so a busy machine slows both alike. `evaluations` times along
    each model's budget (and at 0 s) its token accuracy on the held-out sentences of 28-32
    words is measured (not counted in the budget); at the end, accuracy by length on all of
    `test_pairs`.

    train_pairs / test_pairs default to the checkpoints' (SEQ2SEQ_TRANSFORMER's spec).
    Returns {"seconds", "threads", "models": {name: {"parameters", "steps", "curve": [{"seconds",
    "steps", "long_token_accuracy"}], "accuracy_by_length": rows}}, "long_token_accuracy":
    {name: final value}}.
    """
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not seconds > 0:
        raise ValueError(f"seconds must be a number > 0, got {seconds!r}")
    check_int("evaluations", evaluations, low=1)
    check_int("threads", threads, low=1)
    check_int("batch_size", batch_size, low=1)
    spec = SEQ2SEQ_TRANSFORMER
    if train_pairs is None:
        train_pairs = translation_pairs(spec["train_pairs"], spec["train_seed"],
                                        spec["min_words"], spec["max_words"])  # fmt: skip
    if test_pairs is None:
        test_pairs = translation_pairs(spec["test_pairs"], spec["test_seed"],
                                       spec["min_words"], spec["max_words"])  # fmt: skip
    long = [p for p in test_pairs if len(p[0].split()) >= spec["long_min_words"]] or list(
        test_pairs
    )
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _race(seconds, evaluations, threads, seed, train_pairs, test_pairs, long,
                     batch_size)  # fmt: skip
    finally:
        torch.set_num_threads(before)


def _race(seconds, evaluations, threads, seed, train_pairs, test_pairs, long, batch_size):
    models = build_models(seed)
    optimizers = _optimizers(models)
    vocab = models["transformer"]
    data = [(vocab.src_vocab.encode(s), vocab.tgt_vocab.encode(t, add_eos=True))
            for s, t in train_pairs]  # fmt: skip
    streams = {n: _length_bucketed_batches(data, batch_size, random.Random(seed)) for n in models}
    used = dict.fromkeys(models, 0.0)
    steps = dict.fromkeys(models, 0)
    curves = {n: [] for n in models}
    marks = [seconds * k / evaluations for k in range(evaluations + 1)]  # 0 .. seconds

    def evaluate(name):
        acc = accuracy_by_length(models[name], long, bucket_width=100)[0]["token_accuracy"]
        curves[name].append({"seconds": round(used[name], 2), "steps": steps[name],
                             "long_token_accuracy": round(acc, 4)})  # fmt: skip
        models[name].train()

    for name in models:
        models[name].train()
        evaluate(name)
    while any(used[n] < seconds for n in models):
        name = min((n for n in models if used[n] < seconds), key=lambda n: used[n])
        if name == "transformer":
            r = SPEED_TRANSFORMER
            fraction = used[name] / seconds  # the schedule by the clock: 0 -> 1
            lr = scheduled_lr(int(1000 * fraction), 1000, r["lr"], 100, r["min_lr"])
            for group in optimizers[name].param_groups:
                group["lr"] = lr
        batch = next(streams[name])
        src = _pad([s for s, _ in batch])
        tgt = _pad([[SOS_ID, *t] for _, t in batch])
        start = time.perf_counter()
        train_step(models[name], optimizers[name], src, tgt)
        used[name] += time.perf_counter() - start
        steps[name] += 1
        if len(curves[name]) < len(marks) and used[name] >= marks[len(curves[name])]:
            evaluate(name)
    for name in models:
        if len(curves[name]) < len(marks):
            evaluate(name)
        models[name].eval()
    return {
        "seconds": seconds,
        "threads": threads,
        "batch_size": batch_size,
        "models": {
            name: {
                "parameters": _parameters(model),
                "steps": steps[name],
                "curve": curves[name],
                "accuracy_by_length": _rounded(accuracy_by_length(model, test_pairs)),
            }
            for name, model in models.items()
        },
        "long_token_accuracy": {n: curves[n][-1]["long_token_accuracy"] for n in models},
    }


# --------------------------------------------------------------------------- private


def _batch(model, pairs) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded (src (B, S), tgt (B, T + 1) = <sos> words <eos>) id tensors of `pairs`."""
    src = _pad([model.src_vocab.encode(s) for s, _ in pairs])
    tgt = _pad([[SOS_ID, *model.tgt_vocab.encode(t, add_eos=True)] for _, t in pairs])
    return src, tgt


def _optimizers(models: dict) -> dict[str, torch.optim.Adam]:
    """Adam for each model, at its recipe's (peak) learning rate."""
    lrs = {"gru_attention": GRU_ATTENTION["lr"], "transformer": SPEED_TRANSFORMER["lr"]}
    return {name: torch.optim.Adam(m.parameters(), lr=lrs[name]) for name, m in models.items()}


def _parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _config(model: torch.nn.Module) -> dict:
    return {k: v for k, v in model.config.to_dict().items() if not k.endswith("vocab_size")}


def _without(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def _rounded(rows: list[dict]) -> list[dict]:
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def _check_lengths(lengths) -> list[tuple[int, int]]:
    lengths = [tuple(r) for r in lengths]
    if not lengths or any(
        len(r) != 2 or not all(isinstance(x, int) for x in r) or not 1 <= r[0] <= r[1]
        for r in lengths
    ):
        raise ValueError(
            f"lengths must be (min_words, max_words) ranges with 1 <= min <= max, got {lengths}"
        )
    return lengths
