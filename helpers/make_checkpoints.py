"""Train and write the course's committed artefacts into data/ (`make checkpoints`).

    python -m helpers.make_checkpoints                 # everything
    python -m helpers.make_checkpoints tokenizer       # just some (names: see STEPS below)

Every artefact is deterministic from the seeds below on the same machine kind: each model
trains in its own process on one thread (float sums depend on the thread count), and
independent models train side by side, one per core. A rerun reproduces the committed
sha256s; the cards record the settings, the data spec, the training time and the metrics.
"""

import concurrent.futures
import os
import sys
import time

import torch

from helpers import checkpoints, seed_everything
from helpers.corpora import tiny_tales, translation_pairs

TRAIN_THREADS = 1  # per training process; results depend on it (float reductions)
FIRST = ("tokenizer",)  # steps the others depend on, run before them

# The course tokenizer: byte-level BPE trained with the tokenizers library on tiny tales.
TOKENIZER = {"corpus_chars": 1_000_000, "corpus_seed": 0, "vocab_size": 512}

# The two translators of notebooks 02-03: same data, same budget, with and without attention.
SEQ2SEQ = {
    "train_pairs": 60_000,
    "train_seed": 0,
    "test_pairs": 1_200,
    "test_seed": 12_345,
    "min_words": 3,
    "max_words": 32,
    "emb_dim": 64,
    "hidden_dim": 128,
    "steps": 2_400,
    "batch_size": 64,
    "lr": 3e-3,
    "clip": 1.0,
    "seed": 0,
}


def make_tokenizer() -> None:
    from helpers.tokenization import TOKENIZER_FILES, train_course_tokenizer

    text = tiny_tales(TOKENIZER["corpus_chars"], seed=TOKENIZER["corpus_seed"])
    tokenizer = train_course_tokenizer(text, vocab_size=TOKENIZER["vocab_size"])
    path = checkpoints.data_dir() / TOKENIZER_FILES["tiny-tales"]
    tokenizer.save(str(path))
    print(f"{path.name}: vocab {tokenizer.get_vocab_size()}, trained on {len(text):,} chars")


def make_seq2seq(attention: bool) -> dict:
    from helpers.seq2seq import Seq2Seq, Vocab, accuracy_by_length, train_seq2seq
    from helpers.translation_grammar import EN_WORDS, ES_WORDS

    s = SEQ2SEQ
    name = "seq2seq-attention" if attention else "seq2seq-bottleneck"
    train = translation_pairs(s["train_pairs"], s["train_seed"], s["min_words"], s["max_words"])
    test = translation_pairs(s["test_pairs"], s["test_seed"], s["min_words"], s["max_words"])
    seed_everything(s["seed"])
    model = Seq2Seq.from_vocabs(
        Vocab(EN_WORDS), Vocab(ES_WORDS), emb_dim=s["emb_dim"], hidden_dim=s["hidden_dim"],
        attention=attention,
    )  # fmt: skip
    start = time.perf_counter()
    losses = train_seq2seq(
        model, train, s["steps"], s["batch_size"], s["lr"], s["seed"], clip=s["clip"]
    )
    seconds = time.perf_counter() - start
    by_length = accuracy_by_length(model, test)
    card = {
        "kind": "seq2seq",
        "config": model.config.to_dict(),
        "vocabularies": {"source": model.src_vocab.to_dict(), "target": model.tgt_vocab.to_dict()},
        "training": {**s, "seconds": round(seconds, 1), "threads": TRAIN_THREADS},
        "data": "helpers.corpora.translation_pairs(train_pairs, train_seed, min_words, max_words)",
        "loss_curve": [round(sum(losses[i : i + 50]) / 50, 4) for i in range(0, len(losses), 50)],
        "metrics": {"test_accuracy_by_length": _rounded(by_length)},
    }
    card = checkpoints.save(name, model, card)
    print(f"{name}: {seconds:.0f} s; longest bucket {by_length[-1]}", flush=True)
    return card


def _rounded(rows: list[dict]) -> list[dict]:
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


STEPS = {
    "tokenizer": make_tokenizer,
    "seq2seq-bottleneck": lambda: make_seq2seq(attention=False),
    "seq2seq-attention": lambda: make_seq2seq(attention=True),
}


def _run_step(name: str) -> str:
    """Run one step in this process with the pinned thread count."""
    torch.set_num_threads(TRAIN_THREADS)
    start = time.perf_counter()
    STEPS[name]()
    return f"{name}: done in {time.perf_counter() - start:.0f} s"


def main(names: list[str]) -> None:
    names = names or list(STEPS)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        sys.exit(f"unknown artefacts {unknown}; choose from {', '.join(STEPS)}")
    for name in [n for n in names if n in FIRST]:
        print(_run_step(name), flush=True)
    rest = [n for n in names if n not in FIRST]
    workers = max(1, min(len(rest), os.cpu_count() or 1))
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        for message in pool.map(_run_step, rest):
            print(message, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
