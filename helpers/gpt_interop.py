"""Our GPT and transformers' GPT-2, back and forth (notebooks 07 and 08).

`helpers.gpt.GPT` uses GPT-2's parameter names, so converting is copying weights: only the four
Linear layers that GPT-2 stores as `Conv1D` ((in, out) matrices) are transposed.

    hf_model = to_transformers(model)          # a GPT2LMHeadModel: same logits as `model`
    model = from_transformers(hf_model)        # and back
    export_pretrained(model, tokenizer, "out") # a folder transformers.pipeline() loads offline
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from helpers._checks import check_int
from helpers.gpt import GPT, INIT_STD, LAYER_NORM_EPS, GPTConfig

if TYPE_CHECKING:  # transformers is slow to import; the functions below import it lazily
    import tokenizers
    import transformers

__all__ = ["export_pretrained", "from_transformers", "to_transformers"]

# Linear layers whose weights GPT-2 stores transposed (Conv1D keeps them as (in, out)).
_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def to_transformers(
    model: GPT, bos_token_id: int | None = None, eos_token_id: int | None = None
) -> transformers.GPT2LMHeadModel:
    """A transformers `GPT2LMHeadModel` with our model's weights (copied, not shared).

    It gives the same logits as `model` (same device, dtype and train/eval mode). Without biases
    (`bias=False`) GPT-2's biases are set to zero, which computes the same function.
    """
    import transformers

    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    cfg = model.config
    for name, token_id in (("bos_token_id", bos_token_id), ("eos_token_id", eos_token_id)):
        V = cfg.vocab_size
        check_int(name, token_id, 0, V - 1, none_ok=True, message=f"{name} must be in [0, {V})")
    hf_config = transformers.GPT2Config(
        vocab_size=cfg.vocab_size,
        n_positions=cfg.context_length,
        n_embd=cfg.d_model,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        n_inner=None,  # 4 * n_embd, as ours
        activation_function="gelu_new",  # GELU, tanh approximation
        resid_pdrop=cfg.dropout,
        embd_pdrop=cfg.dropout,
        attn_pdrop=cfg.dropout,
        layer_norm_epsilon=LAYER_NORM_EPS,
        initializer_range=INIT_STD,
        tie_word_embeddings=True,
        bos_token_id=bos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=eos_token_id,  # lets generate() pad finished rows without a warning
    )
    hf_model = transformers.GPT2LMHeadModel(hf_config).to(model.transformer.wte.weight.dtype)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    hf_state = {}
    for name, hf_param in hf_model.state_dict().items():
        if name in state:
            value = state[name]
            hf_state[name] = value.t() if name.endswith(_TRANSPOSED) else value
        elif name == "lm_head.weight":
            hf_state[name] = state["transformer.wte.weight"]
        elif name.endswith("bias") and not cfg.bias:
            hf_state[name] = torch.zeros_like(hf_param)
        else:
            raise RuntimeError(f"no weight of ours maps to GPT-2's {name}")
    hf_model.load_state_dict(hf_state, strict=True)
    hf_model.tie_weights()
    return hf_model.to(model.transformer.wte.weight.device).train(model.training)


def from_transformers(hf_model: transformers.GPT2LMHeadModel) -> GPT:
    """Our GPT with the weights of a transformers `GPT2LMHeadModel` (the inverse of
    `to_transformers`). Only GPT-2 variants our model can express are accepted."""
    import transformers

    if not isinstance(hf_model, transformers.GPT2LMHeadModel):
        raise TypeError(f"hf_model must be a GPT2LMHeadModel, got {type(hf_model).__name__}")
    c = hf_model.config
    problems = []
    if c.activation_function not in ("gelu_new", "gelu_pytorch_tanh"):
        problems.append(f"activation_function={c.activation_function!r} (need tanh GELU)")
    if c.n_inner not in (None, 4 * c.n_embd):
        problems.append(f"n_inner={c.n_inner} (need 4 * n_embd)")
    if not math.isclose(c.layer_norm_epsilon, LAYER_NORM_EPS):
        problems.append(f"layer_norm_epsilon={c.layer_norm_epsilon} (need {LAYER_NORM_EPS})")
    if not c.scale_attn_weights or c.scale_attn_by_inverse_layer_idx or c.add_cross_attention:
        problems.append("non-standard attention (scaling or cross-attention)")
    if not c.tie_word_embeddings:
        problems.append("untied LM head (need tie_word_embeddings=True)")
    if not c.resid_pdrop == c.embd_pdrop == c.attn_pdrop:
        problems.append("different dropout rates (need resid_pdrop == embd_pdrop == attn_pdrop)")
    if problems:
        raise ValueError("cannot convert this GPT2LMHeadModel: " + "; ".join(problems))
    config = GPTConfig(
        vocab_size=c.vocab_size,
        context_length=c.n_positions,
        n_layer=c.n_layer,
        n_head=c.n_head,
        d_model=c.n_embd,
        dropout=float(c.resid_pdrop),
    )
    hf_state = {k: v.detach().cpu() for k, v in hf_model.state_dict().items()}
    model = GPT(config)
    state = {
        name: hf_state[name].t() if name.endswith(_TRANSPOSED) else hf_state[name]
        for name in model.state_dict()
    }
    model.load_state_dict(state, strict=True)
    return model.to(hf_model.device).train(hf_model.training)


def export_pretrained(
    model: GPT,
    tokenizer: tokenizers.Tokenizer | transformers.PreTrainedTokenizerFast,
    folder: str | Path,
    eos_token: str | None = None,
) -> Path:
    """Write a folder that `transformers.pipeline("text-generation", model=folder)` loads
    offline: the GPT2LMHeadModel (safetensors, config, generation config) and the tokenizer.

    `tokenizer` is a `tokenizers.Tokenizer` (e.g. the course's byte-level BPE) or a transformers
    fast tokenizer. `eos_token` names the end-of-text token; by default the tokenizer's own eos
    token, else "<|endoftext|>" if the vocabulary has it, else none (generation then stops only
    at max_new_tokens). Returns the folder's path.
    """
    import tokenizers
    import transformers

    if isinstance(tokenizer, tokenizers.Tokenizer):
        hf_tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer)
    elif isinstance(tokenizer, transformers.PreTrainedTokenizerFast):
        hf_tokenizer = tokenizer
    else:
        raise TypeError(
            "tokenizer must be a tokenizers.Tokenizer or a transformers.PreTrainedTokenizerFast, "
            f"got {type(tokenizer).__name__}"
        )
    vocab = hf_tokenizer.get_vocab()
    if len(hf_tokenizer) > model.config.vocab_size:
        raise ValueError(
            f"the tokenizer has {len(hf_tokenizer)} tokens, more than the model's "
            f"vocab_size={model.config.vocab_size}"
        )
    if eos_token is None:
        eos_token = hf_tokenizer.eos_token
        if eos_token is None and "<|endoftext|>" in vocab:
            eos_token = "<|endoftext|>"
    elif eos_token not in vocab:
        raise ValueError(f"eos_token {eos_token!r} is not in the tokenizer's vocabulary")
    eos_id = None
    if eos_token is not None:
        hf_tokenizer.eos_token = eos_token
        eos_id = vocab[eos_token]

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    hf_model = to_transformers(model, bos_token_id=eos_id, eos_token_id=eos_id)
    hf_model.generation_config.pad_token_id = eos_id
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.utils.logging.disable_progress_bar()  # no "Writing model shards" bar
    try:
        hf_model.save_pretrained(folder)
    finally:
        if bars:
            transformers.utils.logging.enable_progress_bar()
    hf_tokenizer.save_pretrained(folder)
    return folder
