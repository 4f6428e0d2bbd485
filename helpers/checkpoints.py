"""The course's trained models, stored in data/ as safetensors weights plus a JSON card.

A card records what is needed to rebuild and trust a model: its kind and config, how it was
trained (steps, seed, data spec, time), its final metrics and the sha256 of the weights file.
`load` checks that sha256 before it reads a single weight, and reads weights only through
safetensors (never pickle). `make checkpoints` (tools.make_checkpoints) writes them.
"""

import hashlib
import importlib.resources
import json
import pathlib
from typing import Any

import torch
from safetensors.torch import load_model, save_model

NAMES = ("seq2seq-bottleneck", "seq2seq-attention", "seq2seq-transformer", "mini-gpt")
KINDS = ("seq2seq", "transformer-translator", "gpt")


def data_dir() -> pathlib.Path:
    """The folder of committed artefacts (data/ in the repository, helpers/data when installed)."""
    return pathlib.Path(str(importlib.resources.files("helpers.data")))


def sha256_of(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(name: str, model: torch.nn.Module, card: dict[str, Any], folder=None) -> dict:
    """Write `name`.safetensors and `name`.json (the card, with the weights' sha256 added).

    The card must say the model's "kind" (one of KINDS) and hold its "config"; the
    translators' cards also hold their "vocabularies".
    """
    if "kind" not in card or "config" not in card:
        raise ValueError("card must contain 'kind' and 'config'")
    folder = pathlib.Path(folder) if folder is not None else data_dir()
    weights = folder / f"{name}.safetensors"
    save_model(model, str(weights))  # handles tied weights (the GPT's head = its embedding)
    card = {"name": name, **card, "weights": weights.name, "sha256": sha256_of(weights)}
    (folder / f"{name}.json").write_text(json.dumps(card, indent=2, sort_keys=False) + "\n")
    return card


def load_card(name: str, folder=None) -> dict:
    """The JSON card of checkpoint `name`."""
    folder = pathlib.Path(folder) if folder is not None else data_dir()
    path = folder / f"{name}.json"
    if not path.exists():
        known = ", ".join(NAMES)
        raise FileNotFoundError(
            f"no checkpoint card {path.name} in {folder}. Known checkpoints: {known}; "
            "`make checkpoints` trains and writes them."
        )
    return json.loads(path.read_text())


def load(name: str, folder=None, device: str | torch.device = "cpu"):
    """(model in eval mode, card) of checkpoint `name`, after verifying the weights' sha256."""
    folder = pathlib.Path(folder) if folder is not None else data_dir()
    card = load_card(name, folder)
    weights = folder / card["weights"]
    actual = sha256_of(weights)
    if actual != card["sha256"]:
        raise ValueError(
            f"checksum mismatch for {weights.name}: its card expects sha256 {card['sha256']}, "
            f"the file has {actual}. The file is corrupt or was replaced; restore it from the "
            "repository (git checkout -- data/) or rebuild it with `make checkpoints`."
        )
    model = _build(card)
    load_model(model, str(weights), strict=True, device=str(device))
    return model.to(device).eval(), card


def _build(card: dict) -> torch.nn.Module:
    """An untrained model of the card's kind and config, ready for its weights."""
    if card["kind"] == "seq2seq":
        from helpers.seq2seq import Seq2Seq, Seq2SeqConfig, Vocab

        config = Seq2SeqConfig.from_dict(card["config"])
        vocabs = card["vocabularies"]
        return Seq2Seq.from_config(
            config, Vocab.from_dict(vocabs["source"]), Vocab.from_dict(vocabs["target"])
        )
    if card["kind"] == "transformer-translator":
        from helpers.seq2seq import Vocab
        from helpers.transformer_translator import (
            TransformerTranslator,
            TransformerTranslatorConfig,
        )

        config = TransformerTranslatorConfig.from_dict(card["config"])
        vocabs = card["vocabularies"]
        return TransformerTranslator.from_config(
            config, Vocab.from_dict(vocabs["source"]), Vocab.from_dict(vocabs["target"])
        )
    if card["kind"] == "gpt":
        from helpers.gpt import GPT, GPTConfig

        return GPT(GPTConfig.from_dict(card["config"]))
    kinds = ", ".join(map(repr, KINDS))
    raise ValueError(f"card kind must be one of {kinds}, got {card['kind']!r}")
