"""The transformer translator: the 2017 encoder-decoder with no RNN (notebook 06).

Vaswani et al. (2017), "Attention Is All You Need", on the toy English -> Spanish task of
notebooks 02-03, built from notebook 05's pieces in `helpers.attention` (not `nn.Transformer`):

- the encoder reads the whole source at once: word embeddings + positions, then
  `n_layers_enc` pre-norm `TransformerBlock`s (self-attention: every source word looks at
  every real source word; padding is masked as a key), then a final LayerNorm. Its output,
  one vector per source word, is the "memory" (B, S, C) the decoder reads;
- the decoder writes the translation: target embeddings + positions, then `n_layers_dec`
  pre-norm `DecoderBlock`s, each

      y = y + self_attn(ln1(y), causal mask)   # output words look at earlier output words
      y = y + cross_attn(ln2(y), memory)       # ... and at every real source word
      y = y + ffn(ln3(y))                      # each position on its own

  then a final LayerNorm and a linear layer to the target vocabulary;
- `CrossAttention` is the one new piece: queries come from the decoder, keys and values from
  the encoder's memory, and its mask hides source padding only. No causal mask there: an
  output word may look at ANY source word, later ones included (they are all known).

Positions are sinusoidal, as in the paper (a translator too): they add no parameters, so the
parameter counts beside the GRU models are those of the layers, and every position has a
well-formed vector even where training data is thin (the longest targets are rare, and a
learned vector for them would get few updates). The model still only knows the positions
it was built for: `max_len` bounds the source and the decoder's input, with a clear error.

The model speaks `helpers.seq2seq`'s protocol, so the course's functions (`greedy_decode`,
`translate`, `translate_with_attention`, `accuracy_by_length`, `accuracy_by_position`,
`train_seq2seq`) work on it exactly as on the GRU models:

    memory = model.encode(src)                         # src (B, S) -> EncoderMemory
    state = model.init_decoder(memory)                 # the output so far: (B, 0) ids
    logits, state, weights = model.decode_step(y_prev, state, memory)  # (B, V), ..., (B, S)
    logits, attention = model(src, tgt_in)             # teacher forcing: (B, T, V), (B, T, S)

`attention` is the cross-attention of the last decoder layer averaged over its heads;
`model.cross_attention(src, tgt_in)` gives every layer's and head's maps, and
`cross_attention_maps(model, sentence)` the maps of one greedy translation.

The decoder state is simply the output so far: each greedy step reruns the decoder over it
(no key/value cache, which would be faster but longer to read; notebook 09 shows one).
"""

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.attention import (
    FeedForward,
    MultiHeadAttention,
    TransformerBlock,
    causal_mask,
    copy_from_torch,
    merge_heads,
    scaled_dot_product_attention,
    sinusoidal_positions,
    split_heads,
)
from helpers.seq2seq import PAD_ID, SOS_ID, Vocab, translate_with_attention

__all__ = [
    "CrossAttention",
    "Decoder",
    "DecoderBlock",
    "Encoder",
    "EncoderMemory",
    "TransformerTranslator",
    "TransformerTranslatorConfig",
    "cross_attention_maps",
    "decoder_block_from_torch",
    "encoder_block_from_torch",
]


# --------------------------------------------------------------------------- config


@dataclass
class TransformerTranslatorConfig:
    """Everything needed to rebuild a `TransformerTranslator` (JSON-serialisable)."""

    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 128  # width of every word vector, in the encoder and the decoder
    n_heads: int = 4  # attention heads per attention layer; each has d_model // n_heads dims
    n_layers_enc: int = 2  # encoder blocks
    n_layers_dec: int = 2  # decoder blocks
    d_ff: int | None = None  # hidden width of each feed-forward; None: 4 * d_model
    max_len: int = 40  # positions: the longest source, and the longest output + 1 (<sos>)
    dropout: float = 0.0  # on embeddings, attention outputs and feed-forwards (0: none)

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 5:
                raise ValueError(f"{name} must be an integer >= 5 (4 specials + 1), got {value!r}")
        if self.d_ff is None:
            self.d_ff = 4 * self.d_model if _is_int(self.d_model) else None
        for name in ("d_model", "n_heads", "n_layers_enc", "n_layers_dec", "d_ff", "max_len"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if self.d_model % 2 or self.d_model % self.n_heads:
            raise ValueError(
                f"d_model must be even (sinusoidal positions) and divisible by n_heads="
                f"{self.n_heads}, got {self.d_model}"
            )
        if not isinstance(self.dropout, int | float) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be a float in [0, 1), got {self.dropout!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TransformerTranslatorConfig":
        return cls(**d)


# --------------------------------------------------------------------------- the pieces


class CrossAttention(MultiHeadAttention):
    """Multi-head attention from the decoder to the encoder (the "encoder-decoder attention").

    The same four projections as `MultiHeadAttention`, but queries come from the decoder's
    words x (B, T, C) and keys and values from the encoder's memory (B, S, C): each output
    position asks "which source words matter for me now?". The mask only hides source
    padding; there is no causal mask, since the whole source is known before decoding starts.
    """

    def forward(
        self, x: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, C) decoder positions; memory (B, S, C) encoder outputs; memory_mask (B, S)
        True at real source words (None: all real).

        Returns (out (B, T, C), weights (B, n_heads, T, S)); weights are 0 on source padding.
        """
        self._check_inputs(x, memory)
        q = split_heads(self.q_proj(x), self.n_heads)  # (B, T, C) -> (B, nh, T, hs): decoder
        k = split_heads(self.k_proj(memory), self.n_heads)  # (B, S, C) -> (B, nh, S, hs): encoder
        v = split_heads(self.v_proj(memory), self.n_heads)  # (B, S, C) -> (B, nh, S, hs)
        mask = None if memory_mask is None else memory_mask[:, None, None, :]  # (B, 1, 1, S)
        out, weights = scaled_dot_product_attention(q, k, v, mask)  # (B, nh, T, hs), (.., T, S)
        out = self.dropout(self.out_proj(merge_heads(out)))  # (B, nh, T, hs) -> (B, T, C)
        return out, weights


class DecoderBlock(nn.Module):
    """A pre-norm decoder block: masked self-attention, cross-attention, feed-forward.

        y = y + self_attn(ln1(y))             causal: position t sees output positions 0..t
        y = y + cross_attn(ln2(y), memory)    every real source word
        y = y + ffn(ln3(y))

    The same as torch's `nn.TransformerDecoderLayer(norm_first=True, activation="gelu")`.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int | None = None, dropout: float = 0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.cross_attn = CrossAttention(d_model, n_heads, dropout=dropout)
        self.ln3 = nn.LayerNorm(d_model)
        self.ffn = FeedForward(d_model, d_ff, dropout=dropout)

    def forward(
        self, y: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """y (B, T, C), memory (B, S, C), memory_mask (B, S) True at real source words.

        Returns (y (B, T, C), cross-attention weights (B, n_heads, T, S)).
        """
        y = y + self.self_attn(self.ln1(y), causal_mask(y.shape[1], device=y.device))
        out, weights = self.cross_attn(self.ln2(y), memory, memory_mask)
        y = y + out
        y = y + self.ffn(self.ln3(y))
        return y, weights


class Encoder(nn.Module):
    """`n_layers` pre-norm `TransformerBlock`s (not causal) and a final LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, n_layers: int, dropout: float):
        super().__init__()
        self.blocks = nn.ModuleList(
            TransformerBlock(d_model, n_heads, d_ff, dropout=dropout) for _ in range(n_layers)
        )
        self.ln_f = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x (B, S, C) embedded source, mask (B, S) True at real words -> memory (B, S, C)."""
        keep = mask[:, None, None, :]  # (B, S) -> (B, 1, 1, S): any query may see real words
        for block in self.blocks:
            x = block(x, keep)
        return self.ln_f(x)


class Decoder(nn.Module):
    """`n_layers` `DecoderBlock`s and a final LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, n_layers: int, dropout: float):
        super().__init__()
        self.blocks = nn.ModuleList(
            DecoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)
        )
        self.ln_f = nn.LayerNorm(d_model)

    def forward(
        self, y: torch.Tensor, memory: torch.Tensor, memory_mask: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """y (B, T, C) embedded output so far -> (y (B, T, C), per-layer cross-attention
        weights, each (B, n_heads, T, S))."""
        weights = []
        for block in self.blocks:
            y, w = block(y, memory, memory_mask)
            weights.append(w)
        return self.ln_f(y), weights


class EncoderMemory(NamedTuple):
    """What the encoder hands the decoder."""

    states: torch.Tensor  # (B, S, C) one vector per source word (padding included, unused)
    mask: torch.Tensor  # (B, S) True at real source words


# --------------------------------------------------------------------------- the model


class TransformerTranslator(nn.Module):
    """Encoder-decoder transformer with the interface of `helpers.seq2seq.Seq2Seq`.

    forward(src, tgt_in) -> (logits, attention): src (B, S) and tgt_in (B, T) id tensors
    padded with <pad> (id 0), tgt_in starting with <sos>; logits (B, T, tgt_vocab_size);
    attention (B, T, S): the last decoder layer's cross-attention, averaged over its heads.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        d_model: int = 128,
        n_heads: int = 4,
        n_layers_enc: int = 2,
        n_layers_dec: int = 2,
        d_ff: int | None = None,
        max_len: int = 40,
        dropout: float = 0.0,
        *,
        src_vocab: Vocab | None = None,
        tgt_vocab: Vocab | None = None,
    ):
        super().__init__()
        self.config = TransformerTranslatorConfig(
            src_vocab_size, tgt_vocab_size, d_model, n_heads, n_layers_enc, n_layers_dec, d_ff,
            max_len, dropout,
        )  # fmt: skip
        for name, vocab, size in (
            ("src_vocab", src_vocab, src_vocab_size),
            ("tgt_vocab", tgt_vocab, tgt_vocab_size),
        ):
            if vocab is not None and len(vocab) != size:
                raise ValueError(f"{name} has {len(vocab)} entries, but the size given is {size}")
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        c = self.config
        C = c.d_model
        self.src_emb = nn.Embedding(src_vocab_size, C, padding_idx=PAD_ID)
        self.tgt_emb = nn.Embedding(tgt_vocab_size, C, padding_idx=PAD_ID)
        # Fixed, not trained, not saved: rebuilt from the config.
        self.register_buffer("positions", sinusoidal_positions(max_len, C), persistent=False)
        self.drop = nn.Dropout(c.dropout)
        self.encoder = Encoder(C, n_heads, c.d_ff, n_layers_enc, c.dropout)
        self.decoder = Decoder(C, n_heads, c.d_ff, n_layers_dec, c.dropout)
        self.out = nn.Linear(C, tgt_vocab_size)

    @classmethod
    def from_vocabs(cls, src_vocab: Vocab, tgt_vocab: Vocab, **kwargs) -> "TransformerTranslator":
        """A model sized for, and carrying, these vocabularies."""
        return cls(
            len(src_vocab), len(tgt_vocab), src_vocab=src_vocab, tgt_vocab=tgt_vocab, **kwargs
        )

    @classmethod
    def from_config(
        cls,
        config: TransformerTranslatorConfig,
        src_vocab: Vocab | None = None,
        tgt_vocab: Vocab | None = None,
    ) -> "TransformerTranslator":
        return cls(**config.to_dict(), src_vocab=src_vocab, tgt_vocab=tgt_vocab)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @property
    def max_output_len(self) -> int:
        """The most output words greedy decoding can write: <sos> + words fill max_len."""
        return self.config.max_len - 1

    # ----------------------------------------------------------------------- encoder

    def encode(self, src: torch.Tensor) -> EncoderMemory:
        """Run the encoder over src (B, S), padded with <pad> after each sentence's words."""
        if src.ndim != 2:
            raise ValueError(f"src must be (B, S), got shape {tuple(src.shape)}")
        B, S = src.shape
        self._check_length("src", S, "source sentence")
        mask = src != PAD_ID  # (B, S)
        if (mask.sum(dim=1) == 0).any():
            raise ValueError("src has an empty row: every source sentence needs at least one word")
        if (mask[:, 1:] & ~mask[:, :-1]).any():
            raise ValueError("src must be right-padded: <pad> (id 0) only after a sentence's words")
        x = self.drop(self.src_emb(src) + self.positions[:S])  # (B, S, C) + (S, C)
        return EncoderMemory(self.encoder(x, mask), mask)

    # ----------------------------------------------------------------------- decoder

    def decode(
        self, memory: EncoderMemory, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: read the reference words tgt_in (B, T), predict the next ones.

        All T positions in one pass (the causal mask keeps each from seeing later words).
        Returns (logits (B, T, V), attention (B, T, S): last layer, mean over heads).
        """
        y, weights = self._decode(memory, tgt_in)
        return self.out(y), weights[-1].mean(dim=1)  # (B, T, C) -> (B, T, V); (B, nh, T, S)

    def init_decoder(self, memory: EncoderMemory) -> torch.Tensor:
        """The decoder's state before the first step: no output words yet, (B, 0) ids."""
        B = memory.states.shape[0]
        return torch.empty(B, 0, dtype=torch.long, device=memory.states.device)

    def decode_step(
        self, y_prev: torch.Tensor, state: torch.Tensor, memory: EncoderMemory
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One greedy step. y_prev (B,) the previous word ids, state (B, t) the words before.

        Returns (logits (B, V) for the next word, new state (B, t + 1), cross-attention
        weights (B, S) of this step: last layer, mean over heads).
        """
        state = torch.cat([state, y_prev[:, None]], dim=1)  # (B, t + 1): <sos> w_1 .. w_t
        y, weights = self._decode(memory, state)  # reruns all positions: no cache
        return self.out(y[:, -1]), state, weights[-1][:, :, -1].mean(dim=1)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if src.ndim != 2 or tgt_in.ndim != 2 or src.shape[0] != tgt_in.shape[0]:
            raise ValueError(
                f"src and tgt_in must be (B, S) and (B, T) with the same B, "
                f"got {tuple(src.shape)} and {tuple(tgt_in.shape)}"
            )
        return self.decode(self.encode(src), tgt_in)

    def cross_attention(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Every cross-attention map: (B, n_layers_dec, n_heads, T, S) for teacher forcing."""
        _, weights = self._decode(self.encode(src), tgt_in)
        return torch.stack(weights, dim=1)  # L x (B, nh, T, S) -> (B, L, nh, T, S)

    def _decode(
        self, memory: EncoderMemory, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        if tgt_in.ndim != 2 or tgt_in.shape[0] != memory.states.shape[0]:
            raise ValueError(
                f"tgt_in must be (B, T) with the encoder's B={memory.states.shape[0]}, "
                f"got shape {tuple(tgt_in.shape)}"
            )
        T = tgt_in.shape[1]
        self._check_length("tgt_in", T, "decoder input (<sos> + output words)")
        y = self.drop(self.tgt_emb(tgt_in) + self.positions[:T])  # (B, T, C) + (T, C)
        return self.decoder(y, memory.states, memory.mask)

    def _check_length(self, name: str, n: int, what: str) -> None:
        if n > self.config.max_len:
            raise ValueError(
                f"{name} is too long: a {what} of {n} words, but the model has positions for "
                f"at most max_len={self.config.max_len} words (the lengths it was built for)"
            )


# --------------------------------------------------------------------------- attention maps


@torch.no_grad()
def cross_attention_maps(
    model: TransformerTranslator, sentence: str, max_len: int | None = None
) -> dict:
    """The cross-attention of one greedy translation, for heatmaps beside the GRU's alignments.

    Returns {"translation": str, "source_words": [...], "output_words": [...],
    "per_head": (n_layers_dec, n_heads, n_output_words + 1, n_source_words) tensor,
    "average": (n_output_words + 1, n_source_words) tensor}. Row t is the step that wrote output
    word t (the last row: the step that wrote <eos>, or the cut at max_len), as in
    `helpers.seq2seq.translate_with_attention`; "average" is the last layer's mean over heads,
    the weights that function returns (so `helpers.studies.seq2seq.plot_alignment` draws it).
    """
    if not isinstance(model, TransformerTranslator):
        raise TypeError(f"model must be a TransformerTranslator, got {type(model).__name__}")
    translation, average = translate_with_attention(model, sentence, max_len=max_len)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    src = torch.tensor([model.src_vocab.encode(sentence)], device=device)  # (1, S)
    out_ids = model.tgt_vocab.encode(translation)
    # The decoder is causal, so rereading <sos> + the output in one pass gives each step's
    # weights exactly as greedy decoding computed them, one row per step.
    tgt_in = torch.tensor([[SOS_ID, *out_ids]], device=device)  # (1, n_out + 1): <sos> + output
    per_head = model.cross_attention(src, tgt_in)[0].cpu()  # (L, nh, n_out + 1, S)
    model.train(was_training)
    return {
        "translation": translation,
        "source_words": sentence.split(),
        "output_words": translation.split(),
        "per_head": per_head,
        "average": average,
    }


# --------------------------------------------------------------------------- torch's layers


@torch.no_grad()
def encoder_block_from_torch(layer: nn.TransformerEncoderLayer) -> TransformerBlock:
    """Our `TransformerBlock` holding the weights of torch's `nn.TransformerEncoderLayer`.

    The layer must be pre-norm with GELU (norm_first=True, activation="gelu"), the block this
    module's encoder stacks. Compare in eval mode (dropout is not copied).
    """
    _check_torch_layer(layer, nn.TransformerEncoderLayer)
    d_model, d_ff = layer.linear1.in_features, layer.linear1.out_features
    block = TransformerBlock(d_model, layer.self_attn.num_heads, d_ff)
    block.to(device=layer.linear1.weight.device, dtype=layer.linear1.weight.dtype)
    block.attn.load_state_dict(copy_from_torch(layer.self_attn).state_dict())
    _copy_norm_and_ffn(block.ln1, block.ln2, block.ffn, layer)
    return block.eval()


@torch.no_grad()
def decoder_block_from_torch(layer: nn.TransformerDecoderLayer) -> DecoderBlock:
    """Our `DecoderBlock` holding the weights of torch's `nn.TransformerDecoderLayer`
    (norm_first=True, activation="gelu"): torch's self_attn, multihead_attn (its name for
    cross-attention), norm1-3, linear1-2 map to our self_attn, cross_attn, ln1-3, ffn."""
    _check_torch_layer(layer, nn.TransformerDecoderLayer)
    d_model, d_ff = layer.linear1.in_features, layer.linear1.out_features
    block = DecoderBlock(d_model, layer.self_attn.num_heads, d_ff)
    block.to(device=layer.linear1.weight.device, dtype=layer.linear1.weight.dtype)
    block.self_attn.load_state_dict(copy_from_torch(layer.self_attn).state_dict())
    block.cross_attn.load_state_dict(copy_from_torch(layer.multihead_attn).state_dict())
    _copy_norm_and_ffn(block.ln1, block.ln3, block.ffn, layer)
    block.ln2.load_state_dict(layer.norm2.state_dict())
    return block.eval()


def _check_torch_layer(layer: nn.Module, kind: type) -> None:
    if not isinstance(layer, kind):
        raise TypeError(f"layer must be a torch.nn.{kind.__name__}, got {type(layer).__name__}")
    gelu = layer.activation is F.gelu or isinstance(layer.activation, nn.GELU)
    if not layer.norm_first or not gelu:
        raise ValueError(
            f"layer must be a pre-norm GELU {kind.__name__} (norm_first=True, "
            f"activation='gelu'), as the course's blocks are"
        )


def _copy_norm_and_ffn(ln_first, ln_last, ffn: FeedForward, layer: nn.Module) -> None:
    """torch's norm1 -> our first LayerNorm, its last norm before the feed-forward -> ours,
    linear1 / linear2 -> our ffn.fc / ffn.proj."""
    last = layer.norm3 if isinstance(layer, nn.TransformerDecoderLayer) else layer.norm2
    ln_first.load_state_dict(layer.norm1.state_dict())
    ln_last.load_state_dict(last.state_dict())
    ffn.fc.load_state_dict(layer.linear1.state_dict())
    ffn.proj.load_state_dict(layer.linear2.state_dict())


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
