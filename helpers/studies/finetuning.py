"""Notebook 11's measured comparison: full fine-tuning vs LoRA on the story questions.

`fine_tuning_study()` (run by `make checkpoints`, step "story-qa") adapts the shipped mini GPT
both ways on the same data and budget and records, for each: held-out and training exact match
every few steps, the trainable parameters, the training time, the size on disk of what must be
kept (the whole model vs the adapter), and how much of the original skill is left (the share of
grammatical sentences when the model tells a story again). The LoRA adapter is kept too, so the
notebook can load it instead of training.
"""

from __future__ import annotations

import json
import pathlib
import tempfile
import warnings

import torch

from helpers import checkpoints
from helpers import finetuning as ft
from helpers.corpora.story_qa import story_qa

__all__ = [
    "ADAPTER",
    "STUDY",
    "adapted_model",
    "base_model",
    "fine_tuning_study",
    "forgetting",
    "fine_tune_minilm",
    "load_sentiment_study",
    "load_study",
    "sentiment_study",
]

STUDY = {
    "train_examples": 2000,  # story questions the models learn from
    "held_out_examples": 200,  # questions about held-out names and combinations
    "seen_examples": 200,  # the first training examples, to compare with
    "seed": 0,
    "steps": 300,
    "batch_size": 16,
    "eval_every": 25,
    "lora": {"r": 8, "alpha": 16.0, "targets": ["c_attn", "c_proj"], "lr": 3e-3},
    "full": {"lr": 5e-4},
    "story_samples": 20,  # stories told from scratch to measure forgetting
    "temperature": 0.8,
    "sample_tokens": 160,
}
ADAPTER = "story-qa-lora"  # folder under data/: adapter_model.safetensors + adapter_config.json
RESULTS = "fine-tuning.json"
SENTIMENT_RESULTS = "minilm-fine-tuning.json"


def base_model():
    """(the shipped mini GPT as a transformers GPT2LMHeadModel, the course tokenizer)."""
    from helpers.gpt_interop import to_transformers
    from helpers.tokenization import load_tokenizer

    tokenizer = load_tokenizer("tiny-tales")
    gpt, _ = checkpoints.load("mini-gpt")
    return to_transformers(gpt, eos_token_id=tokenizer.eos_id), tokenizer


def task_data(tokenizer, settings: dict = STUDY) -> dict:
    """{"train", "held_out", "seen"}: encoded examples (input ids, prompt-masked labels)."""
    s, n = settings, 256
    train = ft.encode_examples(story_qa(s["train_examples"], "train", s["seed"]), tokenizer, n)
    held = ft.encode_examples(story_qa(s["held_out_examples"], "held_out", s["seed"]), tokenizer, n)
    return {"train": train, "held_out": held, "seen": train[: s["seen_examples"]]}


def adapted_model(folder=None):
    """(the mini GPT with the shipped LoRA adapter loaded through peft, the tokenizer)."""
    import peft

    hf, tokenizer = base_model()
    folder = pathlib.Path(folder) if folder is not None else checkpoints.data_dir() / ADAPTER
    with warnings.catch_warnings():  # transformers' notice about a renamed method peft calls
        warnings.simplefilter("ignore", FutureWarning)
        return peft.PeftModel.from_pretrained(hf, str(folder)).eval(), tokenizer


def forgetting(hf_model, tokenizer, settings: dict = STUDY) -> dict:
    """Stories told from scratch by `hf_model` (converted back to the course's GPT) and the
    share of their complete sentences that the tiny-tales grammar accepts."""
    from helpers.gpt_interop import from_transformers
    from helpers.studies.sample_quality import grammatical_share, sample_stories

    gpt = from_transformers(hf_model).eval()
    texts = sample_stories(gpt, tokenizer, settings["story_samples"], 0, settings["temperature"],
                           settings["sample_tokens"])  # fmt: skip
    share, total = grammatical_share(texts)
    return {"grammatical_share": round(share, 4), "sentences": total, "first_story": texts[0]}


def _size(state: dict) -> int:
    from safetensors.torch import save_file

    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "w.safetensors"
        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
        return path.stat().st_size


def fine_tuning_study(settings: dict = STUDY, adapter_folder=None) -> dict:
    """Train both ways, measure, and save the LoRA adapter to `adapter_folder` (if given)."""
    s = settings
    results = {"settings": s, "methods": {}}
    for method in ("full", "lora"):
        hf, tokenizer = base_model()
        data = task_data(tokenizer, s)
        if method == "lora":
            model = ft.lora_model(hf, s["lora"]["r"], s["lora"]["alpha"], s["lora"]["targets"])
        else:
            model = hf
        trainable, total = ft.trainable_parameters(model)
        torch.manual_seed(s["seed"])
        run = ft.train_steps(model, data["train"], s["steps"], s[method]["lr"], s["batch_size"],
                             s["seed"], {"held_out": data["held_out"], "seen": data["seen"]},
                             s["eval_every"])  # fmt: skip
        if method == "lora":
            kept = {k: v for k, v in model.state_dict().items() if "lora_" in k}
            merged = model.merge_and_unload().eval()
            if adapter_folder is not None:
                hf2, _ = base_model()
                again = ft.lora_model(hf2, s["lora"]["r"], s["lora"]["alpha"],
                                      s["lora"]["targets"])  # fmt: skip
                again.load_state_dict(kept, strict=False)
                again.save_pretrained(str(adapter_folder))
                (pathlib.Path(adapter_folder) / "README.md").unlink(missing_ok=True)
                config = pathlib.Path(adapter_folder) / "adapter_config.json"
                card = json.loads(config.read_text())
                card["target_modules"] = sorted(card["target_modules"])  # a set: fix the order
                config.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
        else:
            merged = model.eval()
            kept = dict(model.state_dict())
            kept.pop("lm_head.weight", None)  # tied to the token embedding
        results["methods"][method] = {
            "trainable": trainable,
            "parameters": total,
            "curve": [
                {k: round(v, 4) if k != "step" else v for k, v in row.items()}
                for row in run["curve"]
            ],  # fmt: skip
            "final_loss": round(sum(run["losses"][-20:]) / 20, 4),
            "seconds": round(run["seconds"], 1),
            "bytes": _size(kept),
            "forgetting": forgetting(merged, tokenizer, s),
        }
    hf, tokenizer = base_model()
    results["before"] = {
        "held_out": ft.exact_match(hf, task_data(tokenizer, s)["held_out"]),
        "forgetting": forgetting(hf, tokenizer, s),
    }
    results["threads"] = torch.get_num_threads()
    return results


def load_study() -> dict:
    """The measured study shipped in data/fine-tuning.json."""
    return json.loads((checkpoints.data_dir() / RESULTS).read_text())


# --------------------------------------------------------------------------- MiniLM end to end

SENTIMENT = {"epochs": 4, "batch_size": 16, "lr": 3e-5, "head_lr": 1e-2, "seed": 0}


class MiniLMClassifier(torch.nn.Module):
    """MiniLM (every weight trainable) + mean pooling + a linear head: sentiment end to end."""

    def __init__(self):
        super().__init__()
        import copy

        from helpers.pretrained import minilm

        self.tokenizer, encoder = minilm()
        self.encoder = copy.deepcopy(encoder)  # a copy: the shared MiniLM stays as it is
        self.head = torch.nn.Linear(encoder.config.hidden_size, 2)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, texts: list[str]) -> torch.Tensor:  # -> (N, 2) logits
        batch = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        hidden = self.encoder(**batch).last_hidden_state  # (B, T, 384)
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
        return self.head(pooled * 10.0)  # unit vectors scaled, so the head's logits can grow


def fine_tune_minilm(split, settings: dict = SENTIMENT, steps: int | None = None) -> dict:
    """Train MiniLMClassifier on split.train_* (all weights; the encoder at a small learning
    rate, the new head at a larger one). Returns {"model", "losses", "seconds", "accuracy"}
    (held-out accuracy on split.test_*). `steps` cuts the run short (a live demo)."""
    import time

    s = settings
    torch.manual_seed(s["seed"])
    model = MiniLMClassifier().train()
    optimizer = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": s["lr"]},
        {"params": model.head.parameters(), "lr": s["head_lr"]},
    ], weight_decay=0.0)  # fmt: skip
    g = torch.Generator().manual_seed(s["seed"])
    n = len(split.train_texts)
    losses, start, done = [], time.perf_counter(), 0
    for _ in range(s["epochs"]):
        order = torch.randperm(n, generator=g).tolist()
        for i in range(0, n, s["batch_size"]):
            rows = order[i : i + s["batch_size"]]
            logits = model([split.train_texts[r] for r in rows])
            loss = torch.nn.functional.cross_entropy(logits, split.train_labels[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            done += 1
            if steps is not None and done >= steps:
                break
        if steps is not None and done >= steps:
            break
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(split.test_texts[i : i + 64]).argmax(-1)
                               for i in range(0, len(split.test_texts), 64)])  # fmt: skip
    accuracy = float((predicted == split.test_labels).float().mean())
    return {"model": model, "losses": losses, "seconds": seconds, "accuracy": accuracy}


def sentiment_study(settings: dict = SENTIMENT) -> dict:
    """Notebook 10's frozen-encoder head vs MiniLM fine-tuned end to end, on notebook 10's split
    (a quarter of the 400 reviews held out, seed 0): held-out accuracy and seconds of each."""
    import time

    from helpers.applications.sentiment import accuracy, load_reviews, train_head
    from helpers.applications.sentiment import train_test_split as split_reviews
    from helpers.embeddings import sentence_embeddings

    texts, labels = load_reviews()
    split = split_reviews(texts, labels, 0.25, 0)
    start = time.perf_counter()
    head, _ = train_head(sentence_embeddings(split.train_texts), split.train_labels)
    frozen_seconds = time.perf_counter() - start
    frozen = accuracy(head(sentence_embeddings(split.test_texts)).argmax(-1), split.test_labels)
    run = fine_tune_minilm(split, settings)
    return {
        "settings": settings,
        "test_reviews": len(split.test_texts),
        "frozen": {"accuracy": round(frozen, 4), "seconds": round(frozen_seconds, 1)},
        "end_to_end": {
            "accuracy": round(run["accuracy"], 4),
            "seconds": round(run["seconds"], 1),
            "losses": [round(x, 4) for x in run["losses"]],
        },  # fmt: skip
        "threads": torch.get_num_threads(),
    }


def load_sentiment_study() -> dict:
    """The measured comparison shipped in data/minilm-fine-tuning.json."""
    return json.loads((checkpoints.data_dir() / SENTIMENT_RESULTS).read_text())
