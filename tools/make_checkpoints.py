"""Train and write the course's committed artefacts into data/ (`make checkpoints`).

    python -m tools.make_checkpoints                 # everything
    python -m tools.make_checkpoints tokenizer       # just some (names: see STEPS below)
    python -m tools.make_checkpoints --help          # this text and the step names

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
from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS
from helpers.seq2seq import Vocab, accuracy_by_length, train_seq2seq
from helpers.studies.translators import SEQ2SEQ_TRANSFORMER, build_models
from helpers.transformer_translator import TransformerTranslator

TRAIN_THREADS = 1  # per training process; results depend on it (float reductions)
FIRST = ("tokenizer",)  # steps the others depend on, run before them
LAST = ("sampling-tradeoff", "story-qa")  # steps that read what the others write, run after them

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

# The mini GPT of notebooks 08-09: about 0.9M parameters, trained on tiny tales.
MINI_GPT = {
    "config": {"vocab_size": 512, "context_length": 256, "n_layer": 4, "n_head": 4,
               "d_model": 128, "dropout": 0.0},
    "init_seed": 0,
    "train_chars": 8_000_000,  # tiny_tales(train_chars, seed=train_seed): ~2M tokens
    "train_seed": 100,  # not the tokenizer's corpus seed, so the val text is unseen too
    "val_chars": 300_000,
    "val_seed": 101,
    "train": {"steps": 1000, "batch_size": 32, "lr": 3e-3, "min_lr": 3e-4, "warmup_steps": 50,
              "weight_decay": 0.1, "grad_clip": 1.0, "eval_every": 100, "eval_batches": 8,
              "seed": 0},
    # how sample quality is measured, at every evaluation and at the end
    "stage_samples": 12, "final_samples": 60, "sample_tokens": 160, "temperature": 0.8,
}  # fmt: skip


def make_tokenizer() -> None:
    from helpers.tokenization import TOKENIZER_FILES, train_course_tokenizer

    text = tiny_tales(TOKENIZER["corpus_chars"], seed=TOKENIZER["corpus_seed"])
    tokenizer = train_course_tokenizer(text, vocab_size=TOKENIZER["vocab_size"])
    path = checkpoints.data_dir() / TOKENIZER_FILES["tiny-tales"]
    tokenizer.save(str(path))
    print(f"{path.name}: vocab {tokenizer.get_vocab_size()}, trained on {len(text):,} chars")


def make_seq2seq(attention: bool) -> dict:
    from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS
    from helpers.seq2seq import Seq2Seq, Vocab, accuracy_by_length, train_seq2seq

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
        "metrics": {"test_accuracy_by_length": rounded_rows(by_length)},
    }
    card = checkpoints.save(name, model, card)
    print(f"{name}: {seconds:.0f} s; longest bucket {by_length[-1]}", flush=True)
    return card


def sample_quality(model, tokenizer, n_samples: int, seed: int = 0) -> dict:
    """Stories sampled from scratch at the card's temperature, and the share of their complete
    sentences that the tiny-tales grammar accepts."""
    from helpers.studies.sample_quality import grammatical_share, sample_stories

    texts = sample_stories(model, tokenizer, n_samples, seed, MINI_GPT["temperature"],
                           MINI_GPT["sample_tokens"])  # fmt: skip
    share, total = grammatical_share(texts)
    return {"grammatical_share": round(share, 4), "sentences": total, "samples": texts}


def make_mini_gpt() -> dict:
    from helpers.gpt import GPT, GPTConfig
    from helpers.tokenization import TOKENIZER_FILES, load_tokenizer
    from helpers.training import TrainConfig, encode_stories, estimate_loss, train_gpt

    m = MINI_GPT
    tokenizer = load_tokenizer("tiny-tales")
    train_ids = encode_stories(tiny_tales(m["train_chars"], seed=m["train_seed"]), tokenizer)
    val_ids = encode_stories(tiny_tales(m["val_chars"], seed=m["val_seed"]), tokenizer)
    model = GPT(GPTConfig(**m["config"]), seed=m["init_seed"])
    settings = TrainConfig(**m["train"])
    stages = []

    def record(step, model, history):
        quality = sample_quality(model, tokenizer, m["stage_samples"], seed=1000)
        val = history.val_loss[-1] if history else estimate_loss(model, val_ids, 8, 32)
        stages.append({"step": step, "val_loss": round(val, 4), **quality,
                       "samples": quality["samples"][:3]})  # fmt: skip
        print(f"mini-gpt step {step}: val {val:.3f}, grammatical {quality['grammatical_share']}",
              flush=True)  # fmt: skip

    record(0, model, None)
    start = time.perf_counter()
    history = train_gpt(model, train_ids, val_ids, settings, on_eval=record)
    seconds = time.perf_counter() - start
    final = sample_quality(model, tokenizer, m["final_samples"], seed=0)
    every = 10
    card = {
        "kind": "gpt",
        "config": model.config.to_dict(),
        "parameters": model.num_parameters(),
        "tokenizer": TOKENIZER_FILES["tiny-tales"],
        "tokenizer_sha256": checkpoints.sha256_of(
            checkpoints.data_dir() / TOKENIZER_FILES["tiny-tales"]
        ),
        "training": {**m, "seconds": round(seconds, 1), "threads": TRAIN_THREADS,
                     "tokens_per_s": round(history.tokens_per_s),
                     "train_tokens": len(train_ids), "val_tokens": len(val_ids)},
        "data": "helpers.training.encode_stories(helpers.corpora.tiny_tales(chars, seed))",
        "history": {
            "train_loss_every": every,
            "train_loss": [round(sum(history.train_loss[i : i + every]) / every, 4)
                           for i in range(0, len(history.train_loss), every)],
            "eval_steps": history.eval_steps,
            "val_loss": [round(v, 4) for v in history.val_loss],
        },
        "stages": stages,
        "metrics": {"val_loss": round(history.val_loss[-1], 4),
                    "grammatical_share": final["grammatical_share"],
                    "sentences_checked": final["sentences"],
                    "temperature": m["temperature"]},
        "samples": final["samples"][:5],
    }  # fmt: skip
    card = checkpoints.save("mini-gpt", model, card)
    print(f"mini-gpt: {seconds:.0f} s, val loss {card['metrics']['val_loss']}, "
          f"grammatical {final['grammatical_share']}", flush=True)  # fmt: skip
    return card


def make_sampling_tradeoff() -> dict:
    """Notebook 09's measured trade-off: diversity vs grammatical validity of mini-gpt samples
    over a temperature x top-p grid (helpers.studies.sample_quality.TRADEOFF), written to
    data/sampling-tradeoff.json. Reads the mini-gpt checkpoint, so it runs after it."""
    import json

    from helpers.studies.sample_quality import TRADEOFF, sampling_tradeoff
    from helpers.tokenization import load_tokenizer

    model, card = checkpoints.load("mini-gpt")
    start = time.perf_counter()
    result = sampling_tradeoff(model, load_tokenizer("tiny-tales"), TRADEOFF)
    seconds = time.perf_counter() - start
    result = {**result, "mini_gpt_sha256": card["sha256"], "threads": TRAIN_THREADS,
              "seconds": round(seconds, 1)}  # fmt: skip
    path = checkpoints.data_dir() / "sampling-tradeoff.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{path.name}: {len(result['cells'])} cells in {seconds:.0f} s", flush=True)
    return result


# Notebook 02's studies of the bottleneck: the same data and budget as seq2seq-bottleneck, but
# the source read backwards (Sutskever et al. 2014) or a smaller/larger hidden state. Only the
# measured metrics are kept (data/seq2seq-studies.json), not the weights.
SEQ2SEQ_STUDIES = {
    "reversed source": {"reverse_source": True, "hidden_dim": SEQ2SEQ["hidden_dim"]},
    "hidden 64": {"reverse_source": False, "hidden_dim": 64},
    "hidden 256": {"reverse_source": False, "hidden_dim": 256},
}


def make_seq2seq_studies() -> dict:
    """Train the SEQ2SEQ_STUDIES variants of the bottleneck and write their metrics (accuracy
    by length; by position on the longest sentences, greedy and teacher-forced; seconds)."""
    import json

    from helpers.corpora.translation_grammar import EN_WORDS, ES_WORDS
    from helpers.seq2seq import Seq2Seq, Vocab, train_seq2seq
    from helpers.studies.seq2seq import STUDIES_FILE, reverse_source, study_metrics

    s = SEQ2SEQ
    train = translation_pairs(s["train_pairs"], s["train_seed"], s["min_words"], s["max_words"])
    test = translation_pairs(s["test_pairs"], s["test_seed"], s["min_words"], s["max_words"])
    results = {"settings": {**s, "threads": TRAIN_THREADS}, "models": {}}
    for label, study in SEQ2SEQ_STUDIES.items():
        flip = reverse_source if study["reverse_source"] else list
        seed_everything(s["seed"])
        model = Seq2Seq.from_vocabs(
            Vocab(EN_WORDS), Vocab(ES_WORDS), emb_dim=s["emb_dim"],
            hidden_dim=study["hidden_dim"], attention=False,
        )  # fmt: skip
        start = time.perf_counter()
        train_seq2seq(
            model, flip(train), s["steps"], s["batch_size"], s["lr"], s["seed"], clip=s["clip"],
            progress=False,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        results["models"][label] = {
            **study,
            "parameters": sum(p.numel() for p in model.parameters()),
            "seconds": round(seconds, 1),
            **study_metrics(model, flip(test)),
        }
        longest = results["models"][label]["accuracy_by_length"][-1]
        print(f"{STUDIES_FILE} {label}: {seconds:.0f} s; longest bucket {longest}", flush=True)
    path = checkpoints.data_dir() / STUDIES_FILE
    path.write_text(json.dumps(results, indent=2) + "\n")
    return results


def rounded_rows(rows: list[dict]) -> list[dict]:
    """Table rows with their floats rounded to 4 decimals, as the cards store them."""
    return [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def make_seq2seq_transformer(
    folder, name: str = "seq2seq-transformer", spec: dict | None = None, progress=False
) -> dict:
    """Notebook 06's transformer translator (helpers.studies.translators.SEQ2SEQ_TRANSFORMER):
    the same training pairs, held-out pairs and batch size as the GRU translators, one thread.
    The card adds a learning curve (held-out token accuracy on 28-32-word sentences against
    training seconds, evaluations left out) and names the smaller transformer that the speed
    comparison uses instead. Writes into `folder` (data/ for `make checkpoints`); `spec`
    overrides some settings (tests train a tiny one elsewhere)."""
    s = {**SEQ2SEQ_TRANSFORMER, **(spec or {})}
    unknown = set(s) - set(SEQ2SEQ_TRANSFORMER)
    if unknown:
        raise ValueError(f"spec has unknown keys {sorted(unknown)}")
    train = translation_pairs(s["train_pairs"], s["train_seed"], s["min_words"], s["max_words"])
    test = translation_pairs(s["test_pairs"], s["test_seed"], s["min_words"], s["max_words"])
    long = [p for p in test if len(p[0].split()) >= s["long_min_words"]] or test
    seed_everything(s["seed"])
    model = TransformerTranslator.from_vocabs(
        Vocab(EN_WORDS), Vocab(ES_WORDS), d_model=s["d_model"], n_heads=s["n_heads"],
        n_layers_enc=s["n_layers_enc"], n_layers_dec=s["n_layers_dec"], d_ff=s["d_ff"],
        max_len=s["max_len"], dropout=s["dropout"],
    )  # fmt: skip
    curve, evaluating = [], [0.0]
    start = time.perf_counter()

    def record(step: int, loss: float) -> None:
        if (step + 1) % s["eval_every"] and step + 1 != s["steps"]:
            return
        eval_start = time.perf_counter()
        seconds = eval_start - start - evaluating[0]  # training time so far
        acc = accuracy_by_length(model, long, bucket_width=100)[0]["token_accuracy"]
        evaluating[0] += time.perf_counter() - eval_start
        curve.append({"step": step + 1, "seconds": round(seconds, 1),
                      "long_token_accuracy": round(acc, 4)})  # fmt: skip

    losses = train_seq2seq(
        model, train, s["steps"], s["batch_size"], s["lr"], s["seed"], clip=s["clip"],
        progress=progress, callback=record, warmup_steps=s["warmup_steps"], min_lr=s["min_lr"],
    )  # fmt: skip
    seconds = time.perf_counter() - start - evaluating[0]
    by_length = accuracy_by_length(model, test)
    speed_model = build_models()["transformer"]
    every = 50
    card = {
        "kind": "transformer-translator",
        "config": model.config.to_dict(),
        "parameters": model.num_parameters(),
        "vocabularies": {"source": model.src_vocab.to_dict(), "target": model.tgt_vocab.to_dict()},
        "training": {
            **s,
            "seconds": round(seconds, 1),
            "threads": torch.get_num_threads(),
            "eval_seconds": round(evaluating[0], 1),
        },
        "data": "helpers.corpora.translation_pairs(train_pairs, train_seed, min_words, max_words)",
        "loss_curve": [
            round(sum(losses[i : i + every]) / len(losses[i : i + every]), 4)
            for i in range(0, len(losses), every)
        ],
        "learning_curve": curve,
        "metrics": {"test_accuracy_by_length": rounded_rows(by_length)},
        "speed_comparison_model": {
            "note": "the speed comparison and the equal-time race use this smaller transformer "
            "(helpers.studies.translators.SPEED_TRANSFORMER), of about the GRU + attention "
            "model's parameter count; this checkpoint is the bigger one",
            "config": speed_model.config.to_dict(),
            "parameters": speed_model.num_parameters(),
            "gru_attention_parameters": sum(
                p.numel() for p in build_models()["gru_attention"].parameters()
            ),
        },
    }
    card = checkpoints.save(name, model, card, folder=folder)
    if progress:
        print(f"{name}: {seconds:.0f} s; longest bucket {by_length[-1]}", flush=True)
    return card


def make_story_qa() -> dict:
    """Notebook 11: full fine-tuning vs LoRA of the mini GPT on the story questions
    (helpers.studies.finetuning.STUDY); writes data/fine-tuning.json and the LoRA adapter
    data/story-qa-lora/. Reads the mini-gpt checkpoint."""
    import json

    from helpers.studies.finetuning import ADAPTER, RESULTS, fine_tuning_study

    start = time.perf_counter()
    result = fine_tuning_study(adapter_folder=checkpoints.data_dir() / ADAPTER)
    result["mini_gpt_sha256"] = checkpoints.load_card("mini-gpt")["sha256"]
    adapter = checkpoints.data_dir() / ADAPTER / "adapter_model.safetensors"
    result["adapter_sha256"] = checkpoints.sha256_of(adapter)
    path = checkpoints.data_dir() / RESULTS
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{path.name}: {time.perf_counter() - start:.0f} s", flush=True)
    return result


def make_minilm_sentiment() -> dict:
    """Notebook 11: MiniLM fine-tuned end to end vs notebook 10's frozen head on the reviews;
    only the measurements are kept (data/minilm-fine-tuning.json), not the 90 MB of weights."""
    import json

    from helpers.studies.finetuning import SENTIMENT_RESULTS, sentiment_study

    result = sentiment_study()
    path = checkpoints.data_dir() / SENTIMENT_RESULTS
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{path.name}: end to end {result['end_to_end']}", flush=True)
    return result


STEPS = {  # longest first, so the side-by-side processes finish close together
    "tokenizer": make_tokenizer,
    "seq2seq-studies": make_seq2seq_studies,  # 3 trainings: notebook 02's studies
    "mini-gpt": make_mini_gpt,
    "seq2seq-bottleneck": lambda: make_seq2seq(attention=False),
    "seq2seq-attention": lambda: make_seq2seq(attention=True),
    "sampling-tradeoff": make_sampling_tradeoff,
    "story-qa": make_story_qa,
    "minilm-sentiment": make_minilm_sentiment,
    "seq2seq-transformer": lambda: make_seq2seq_transformer(checkpoints.data_dir()),
}


def _run_step(name: str) -> str:
    """Run one step in this process with the pinned thread count."""
    torch.set_num_threads(TRAIN_THREADS)
    start = time.perf_counter()
    STEPS[name]()
    return f"{name}: done in {time.perf_counter() - start:.0f} s"


def main(names: list[str]) -> None:
    """Make the artefacts `names` (all when empty); with -h or --help, print the usage only."""
    if {"-h", "--help"} & set(names):
        print(f"{__doc__.rstrip()}\n\nSteps: {', '.join(STEPS)}")
        return
    names = names or list(STEPS)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        sys.exit(f"unknown artefacts {unknown}; choose from {', '.join(STEPS)}")
    for name in [n for n in names if n in FIRST]:
        print(_run_step(name), flush=True)
    rest = [n for n in names if n not in FIRST and n not in LAST]
    workers = max(1, min(len(rest), os.cpu_count() or 1))
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        for message in pool.map(_run_step, rest):
            print(message, flush=True)
    for name in [n for n in names if n in LAST]:
        print(_run_step(name), flush=True)


if __name__ == "__main__":
    # Run `main` from the imported module, not from __main__: the worker processes look
    # `_run_step` up by its module's name, which __main__ is not.
    from tools.make_checkpoints import main as imported_main

    imported_main(sys.argv[1:])
