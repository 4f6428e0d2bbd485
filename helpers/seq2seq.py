"""The RNN encoder-decoder and attention (notebooks 02 and 03).

One model, two modes, so the comparison is fair (same encoder, decoder, sizes, training):

- `attention=False`, the bottleneck (Cho et al. 2014, "Learning Phrase Representations using
  RNN Encoder-Decoder"): a GRU encoder reads the source; its final hidden state h_T is the ONE
  context vector c. The decoder starts from s_0 = tanh(W c) and, as in Cho et al., also gets c
  as input at every step, so it cannot simply forget it. Nothing else of the encoder reaches
  the decoder: however long the sentence, it must fit in `hidden_dim` numbers.
- `attention=True`, additive attention (Bahdanau et al. 2015, "Neural Machine Translation by
  Jointly Learning to Align and Translate"): at every step the decoder scores all encoder
  states against its previous state, score_i = v^T tanh(W s_{t-1} + U h_i), and its context
  c_t is the softmax-weighted average of the encoder states. We use additive rather than
  Luong's dot-product attention because it converged fastest on this task in our runs, and
  it is the historical first. Padding positions get weight exactly 0.

Per decoder step t (both modes): s_t = GRU([emb(y_{t-1}); c_t], s_{t-1}) and
logits_t = Linear([s_t; c_t; emb(y_{t-1})]). The encoder is a one-directional GRU in both
modes (Bahdanau used a bidirectional one; one direction keeps the bottleneck comparison clean).

Around the model: a word-level `Vocab`, a JSON-serialisable `Seq2SeqConfig`, greedy
`translate` (with attention weights for heatmaps), `accuracy_by_length` and
`accuracy_by_position` (where long sentences go wrong), and a readable `train_seq2seq` loop.

The inference, evaluation and training functions use only the model's `encode`,
`init_decoder`, `decode_step`, `forward`, `config` and vocabularies, so they work unchanged on
notebook 07's transformer (`helpers.transformer_translator.TransformerTranslator`).

Saving: `model.config.to_dict()`, `model.src_vocab.to_dict()` and `model.tgt_vocab.to_dict()`
are plain JSON; `Seq2Seq.from_config(config, src_vocab, tgt_vocab)` rebuilds the model for a
state_dict.
"""

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from helpers._checks import check_bool, check_int, eval_mode, model_device
from helpers.widgets.progress import Progress

__all__ = [
    "EOS",
    "PAD",
    "SOS",
    "UNK",
    "AdditiveAttention",
    "Encoded",
    "Seq2Seq",
    "Seq2SeqConfig",
    "Vocab",
    "accuracy_by_length",
    "accuracy_by_position",
    "greedy_decode",
    "scheduled_lr",
    "token_accuracy",
    "train_seq2seq",
    "train_step",
    "translate",
    "translate_with_attention",
]

PAD, SOS, EOS, UNK = "<pad>", "<sos>", "<eos>", "<unk>"
PAD_ID, SOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3


# --------------------------------------------------------------------------- vocabulary


class Vocab:
    """Word <-> id table. Ids 0-3 are <pad>, <sos>, <eos>, <unk>; words follow in given order."""

    def __init__(self, words: Iterable[str]):
        words = list(dict.fromkeys(words))  # drop repeats, keep order
        bad = [w for w in words if not isinstance(w, str) or not w or w.split() != [w]]
        if bad:
            raise ValueError(f"words must be non-empty strings without spaces, got {bad[:5]}")
        specials = [w for w in words if w in (PAD, SOS, EOS, UNK)]
        if specials:
            raise ValueError(f"words must not contain the special tokens, got {specials}")
        self.itos: list[str] = [PAD, SOS, EOS, UNK, *words]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}

    @classmethod
    def from_sentences(cls, sentences: Iterable[str]) -> "Vocab":
        """A vocabulary of every word in `sentences`, sorted."""
        return cls(sorted({w for s in sentences for w in s.split()}))

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"Vocab({len(self)} entries: {' '.join(self.itos[:8])} ...)"

    def encode(self, sentence: str | Sequence[str], add_eos: bool = False) -> list[int]:
        """Ids of the words of `sentence`; raises ValueError naming any unknown words."""
        words = sentence.split() if isinstance(sentence, str) else list(sentence)
        unknown = [w for w in dict.fromkeys(words) if w not in self.stoi]
        if unknown:
            raise ValueError(
                f"words outside the vocabulary: {', '.join(map(repr, unknown))} "
                f"(the vocabulary has {len(self) - 4} words)"
            )
        return [self.stoi[w] for w in words] + ([EOS_ID] if add_eos else [])

    def decode(self, ids: Iterable[int]) -> str:
        """The words of `ids`, stopping at <eos> and skipping <pad> and <sos>."""
        words = []
        for i in ids:
            i = int(i)
            if i == EOS_ID:
                break
            if i not in (PAD_ID, SOS_ID):
                words.append(self.itos[i])
        return " ".join(words)

    def to_dict(self) -> dict:
        """JSON-serialisable form: {"words": [...]} (the special tokens are implied)."""
        return {"words": self.itos[4:]}

    @classmethod
    def from_dict(cls, d: dict) -> "Vocab":
        return cls(d["words"])


# --------------------------------------------------------------------------- the model


@dataclass
class Seq2SeqConfig:
    """Everything needed to rebuild a `Seq2Seq` (JSON-serialisable with `to_dict`)."""

    src_vocab_size: int
    tgt_vocab_size: int
    emb_dim: int = 64  # size of a word embedding
    hidden_dim: int = 128  # size of a GRU state: the bottleneck's whole memory
    attention: bool = False  # False: one context vector; True: additive attention

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size"):
            message = f"{name} must be an integer >= 5 (4 specials + 1)"
            check_int(name, getattr(self, name), low=5, message=message)
        for name in ("emb_dim", "hidden_dim"):
            check_int(name, getattr(self, name), low=1)
        check_bool("attention", self.attention)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Seq2SeqConfig":
        return cls(**d)


class AdditiveAttention(nn.Module):
    """Bahdanau attention: score(s, h_i) = v^T tanh(W s + U h_i), softmax over source positions."""

    def __init__(self, hidden_dim: int):
        super().__init__()
        self.W = nn.Linear(hidden_dim, hidden_dim, bias=False)  # projects the decoder state
        self.U = nn.Linear(hidden_dim, hidden_dim)  # projects the encoder states (once)
        self.v = nn.Linear(hidden_dim, 1, bias=False)

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query (B, H): decoder state; keys (B, S, H): U @ encoder states (see `self.U`);
        values (B, S, H): encoder states; mask (B, S): True at real (non-pad) source words.

        Returns (context (B, H), weights (B, S)); weights are 0 on padding and sum to 1.
        """
        scores = self.v(torch.tanh(self.W(query)[:, None, :] + keys)).squeeze(-1)  # (B, S)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)  # (B, S)
        context = torch.bmm(weights[:, None, :], values).squeeze(1)  # (B, 1, S) @ (B, S, H)
        return context, weights


class Encoded(NamedTuple):
    """What the encoder hands the decoder."""

    states: torch.Tensor  # (B, S, H) encoder state after each source word, 0 at padding
    final: torch.Tensor  # (B, H) state after the last real word: the bottleneck's context
    mask: torch.Tensor  # (B, S) True at real source words
    keys: torch.Tensor | None  # (B, S, H) attention keys U @ states, None without attention


class Seq2Seq(nn.Module):
    """GRU encoder-decoder; `attention=False` is the bottleneck, `True` adds additive attention.

    forward(src, tgt_in) -> (logits, attention): src (B, S) and tgt_in (B, T) are id tensors
    padded with <pad> (id 0), tgt_in starting with <sos>. logits (B, T, tgt_vocab_size);
    attention (B, T, S) weights, or None for the bottleneck model.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        emb_dim: int = 64,
        hidden_dim: int = 128,
        attention: bool = False,
        *,
        src_vocab: Vocab | None = None,
        tgt_vocab: Vocab | None = None,
    ):
        super().__init__()
        self.config = Seq2SeqConfig(src_vocab_size, tgt_vocab_size, emb_dim, hidden_dim, attention)
        for name, vocab, size in (
            ("src_vocab", src_vocab, src_vocab_size),
            ("tgt_vocab", tgt_vocab, tgt_vocab_size),
        ):
            if vocab is not None and len(vocab) != size:
                raise ValueError(f"{name} has {len(vocab)} entries, but the size given is {size}")
        # Optional: with vocabularies attached, translate(model, sentence) needs nothing else.
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        E, H = emb_dim, hidden_dim
        self.src_emb = nn.Embedding(src_vocab_size, E, padding_idx=PAD_ID)
        self.encoder = nn.GRU(E, H, batch_first=True)
        self.init_state = nn.Linear(H, H)  # s_0 = tanh(W h_T)
        self.tgt_emb = nn.Embedding(tgt_vocab_size, E, padding_idx=PAD_ID)
        self.attention = AdditiveAttention(H) if attention else None
        self.decoder = nn.GRU(E + H, H, batch_first=True)  # input: [previous word; context]
        self.out = nn.Linear(H + H + E, tgt_vocab_size)  # from [state; context; previous word]

    @classmethod
    def from_vocabs(cls, src_vocab: Vocab, tgt_vocab: Vocab, **kwargs) -> "Seq2Seq":
        """A model sized for, and carrying, these vocabularies."""
        return cls(
            len(src_vocab), len(tgt_vocab), src_vocab=src_vocab, tgt_vocab=tgt_vocab, **kwargs
        )

    @classmethod
    def from_config(
        cls, config: Seq2SeqConfig, src_vocab: Vocab | None = None, tgt_vocab: Vocab | None = None
    ) -> "Seq2Seq":
        return cls(**config.to_dict(), src_vocab=src_vocab, tgt_vocab=tgt_vocab)

    def encode(self, src: torch.Tensor) -> Encoded:
        """Run the encoder over src (B, S), padded with <pad> after each sentence's words."""
        B, S = src.shape
        mask = src != PAD_ID  # (B, S)
        lengths = mask.sum(dim=1)  # (B,)
        if (lengths == 0).any():
            raise ValueError("src has an empty row: every source sentence needs at least one word")
        if (mask[:, 1:] & ~mask[:, :-1]).any():
            raise ValueError("src must be right-padded: <pad> (id 0) only after a sentence's words")
        x = self.src_emb(src)  # (B, S) -> (B, S, E)
        # Packing makes the GRU stop at each sentence's last word, so padding changes nothing.
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.encoder(packed)
        states, _ = pad_packed_sequence(out, batch_first=True, total_length=S)  # (B, S, H)
        keys = self.attention.U(states) if self.attention is not None else None
        return Encoded(states, h_n[0], mask, keys)  # h_n: (1, B, H) -> (B, H)

    def init_decoder(self, enc: Encoded) -> torch.Tensor:
        """The decoder's first state s_0 (B, H), made from the encoder's final state only."""
        return torch.tanh(self.init_state(enc.final))

    def decode_step(
        self, y_prev: torch.Tensor, s_prev: torch.Tensor, enc: Encoded
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One decoder step. y_prev (B,) previous word ids, s_prev (B, H) previous state.

        Returns (logits (B, V), new state (B, H), attention weights (B, S) or None).
        """
        e = self.tgt_emb(y_prev)  # (B, E)
        if self.attention is None:
            context, weights = enc.final, None  # the same vector at every step
        else:
            context, weights = self.attention(s_prev, enc.keys, enc.states, enc.mask)
        x = torch.cat([e, context], dim=-1)[:, None, :]  # (B, 1, E + H): one time step
        s = self.decoder(x, s_prev[None])[1][0]  # new state (B, H)
        logits = self.out(torch.cat([s, context, e], dim=-1))  # (B, 2H + E) -> (B, V)
        return logits, s, weights

    def decode(
        self, enc: Encoded, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: feed the reference words tgt_in (B, T), predict the next ones.

        Gives the same logits as calling `decode_step` T times (the tests check this).
        """
        s = self.init_decoder(enc)
        if self.attention is None:
            # The context is the same at every step, so the GRU can run over all steps in one
            # call (faster than a Python loop; the computation is the same).
            T = tgt_in.shape[1]
            e = self.tgt_emb(tgt_in)  # (B, T, E)
            context = enc.final[:, None, :].expand(-1, T, -1)  # (B, H) -> (B, T, H)
            states, _ = self.decoder(torch.cat([e, context], dim=-1), s[None])  # (B, T, H)
            return self.out(torch.cat([states, context, e], dim=-1)), None  # (B, T, V)
        all_logits, all_weights = [], []
        for t in range(tgt_in.shape[1]):
            logits, s, weights = self.decode_step(tgt_in[:, t], s, enc)
            all_logits.append(logits)
            all_weights.append(weights)
        return torch.stack(all_logits, dim=1), torch.stack(all_weights, dim=1)  # (B,T,V), (B,T,S)

    def forward(
        self, src: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if src.ndim != 2 or tgt_in.ndim != 2 or src.shape[0] != tgt_in.shape[0]:
            raise ValueError(
                f"src and tgt_in must be (B, S) and (B, T) with the same B, "
                f"got {tuple(src.shape)} and {tuple(tgt_in.shape)}"
            )
        return self.decode(self.encode(src), tgt_in)


# --------------------------------------------------------------------------- inference


@torch.no_grad()
def greedy_decode(
    model: Seq2Seq, src: torch.Tensor, max_len: int
) -> tuple[list[list[int]], torch.Tensor | None]:
    """Greedy decoding of a padded batch src (B, S): at each step take the likeliest word.

    Returns (ids, attention): ids[b] is the output of sentence b without <eos> (at most
    max_len words); attention (B, T, S) holds the weights of every step taken, or None.

    Works on any model with Seq2Seq's decoding protocol: `encode(src)`, `init_decoder(enc)`
    and `decode_step(y_prev, state, enc) -> (logits, state, weights or None)`, such as
    `helpers.transformer_translator.TransformerTranslator`. A model with a fixed number of
    positions says so in `max_output_len`; max_len is then capped at it.
    """
    check_int("max_len", max_len, low=1)
    max_len = min(max_len, getattr(model, "max_output_len", max_len))
    with eval_mode(model):
        enc = model.encode(src)
        s = model.init_decoder(enc)
        B = src.shape[0]
        y = torch.full((B,), SOS_ID, dtype=torch.long, device=src.device)
        done = torch.zeros(B, dtype=torch.bool, device=src.device)
        steps, all_weights = [], []
        for _ in range(max_len + 1):  # max_len words, then room for <eos>
            logits, s, weights = model.decode_step(y, s, enc)
            y = logits.argmax(dim=-1)  # (B,)
            steps.append(y)
            all_weights.append(weights)
            done |= y == EOS_ID
            if done.all():
                break
    ids = []
    for row in torch.stack(steps, dim=1).tolist():  # (B, T)
        row = row[: row.index(EOS_ID)] if EOS_ID in row else row
        ids.append(row[:max_len])
    attn = None if all_weights[0] is None else torch.stack(all_weights, dim=1)
    return ids, attn


def translate(
    model: Seq2Seq,
    sentence: str,
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    max_len: int | None = None,
) -> str:
    """Greedy translation of one sentence (vocabularies default to the model's own)."""
    return translate_with_attention(model, sentence, src_vocab, tgt_vocab, max_len)[0]


def translate_with_attention(
    model: Seq2Seq,
    sentence: str,
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    max_len: int | None = None,
) -> tuple[str, torch.Tensor | None]:
    """Greedy translation and its attention weights, for an alignment heatmap.

    Returns (translation, weights): weights (n_output_words + 1, n_source_words) on the CPU,
    one row per output word and a last row for the step that ended it (<eos>, or the cut at
    max_len); None for the bottleneck model, which has no attention. max_len (the most
    output words) defaults to 2 * n_source_words + 10 (a transformer caps it at its positions).
    """
    src_vocab, tgt_vocab = _vocabs(model, src_vocab, tgt_vocab)
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a str, got {type(sentence).__name__}")
    words = sentence.split()
    if not words:
        raise ValueError("sentence must contain at least one word, got an empty sentence")
    src = torch.tensor([src_vocab.encode(words)], device=model_device(model))  # (1, S)
    ids, attn = greedy_decode(model, src, max_len if max_len is not None else 2 * len(words) + 10)
    out = ids[0]
    return tgt_vocab.decode(out), None if attn is None else attn[0, : len(out) + 1].cpu()


# --------------------------------------------------------------------------- evaluation


def token_accuracy(output: Sequence[str], reference: Sequence[str]) -> float:
    """Share of positions where output and reference agree, over the longer of the two.

    Missing and extra words count as wrong: ("a b", "a b c") -> 2/3, ("a b c d", "a b") -> 2/4.
    """
    n = max(len(output), len(reference))
    return 1.0 if n == 0 else sum(o == r for o, r in zip(output, reference, strict=False)) / n


def accuracy_by_length(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    bucket_width: int = 5,
    batch_size: int = 256,
) -> list[dict]:
    """Greedy-translate `pairs` and score them per bucket of source length (in words).

    Buckets are `bucket_width` words wide, starting at the shortest source. One row per
    non-empty bucket: {"words": "28-32", "min_words", "max_words", "n", "token_accuracy",
    "exact_match"}. token_accuracy counts matching positions over all positions of the
    bucket (the longer of output and reference at each pair); exact_match is the share of
    outputs equal to the reference.
    """
    check_int("bucket_width", bucket_width, low=1)
    outputs, refs, lengths = _evaluate(model, pairs, src_vocab, tgt_vocab, batch_size)
    lo = min(lengths)
    buckets: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        buckets.setdefault((n - lo) // bucket_width, []).append(i)
    rows = []
    for b, idx in sorted(buckets.items()):
        first, last = lo + b * bucket_width, lo + (b + 1) * bucket_width - 1
        hits = sum(sum(o == r for o, r in zip(outputs[i], refs[i], strict=False)) for i in idx)
        total = sum(max(len(outputs[i]), len(refs[i])) for i in idx)
        rows.append(
            {
                "words": f"{first}-{last}",
                "min_words": first,
                "max_words": last,
                "n": len(idx),
                "token_accuracy": hits / total,
                "exact_match": sum(outputs[i] == refs[i] for i in idx) / len(idx),
            }
        )
    return rows


def accuracy_by_position(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    relative_bins: int | None = None,
    batch_size: int = 256,
) -> list[dict]:
    """Accuracy per position of the reference translation: where do long sentences go wrong?

    Position i of a pair counts as right when the greedy output has the reference word at i.
    With relative_bins=None, one row per position: {"position": 1-based index, "n", "accuracy"}.
    With relative_bins=k, positions are grouped by where they sit in their sentence
    (i / length) into k equal bins: {"position": bin centre in (0, 1), "n", "accuracy"}, so
    "the first tenth" of sentences of different lengths is pooled.
    """
    if relative_bins is not None:
        check_int("relative_bins", relative_bins, low=1)
    outputs, refs, _ = _evaluate(model, pairs, src_vocab, tgt_vocab, batch_size)
    hits: dict[int, int] = {}
    counts: dict[int, int] = {}
    for out, ref in zip(outputs, refs, strict=True):
        for i, word in enumerate(ref):
            key = i if relative_bins is None else i * relative_bins // len(ref)
            counts[key] = counts.get(key, 0) + 1
            hits[key] = hits.get(key, 0) + (i < len(out) and out[i] == word)
    return [
        {
            "position": key + 1 if relative_bins is None else (key + 0.5) / relative_bins,
            "n": counts[key],
            "accuracy": hits[key] / counts[key],
        }
        for key in sorted(counts)
    ]


# --------------------------------------------------------------------------- training


def train_seq2seq(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    steps: int,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    *,
    src_vocab: Vocab | None = None,
    tgt_vocab: Vocab | None = None,
    clip: float = 1.0,
    progress: bool = True,
    callback: Callable[[int, float], None] | None = None,
    warmup_steps: int = 0,
    min_lr: float | None = None,
) -> list[float]:
    """Train with teacher forcing: Adam, gradient clipping, cross-entropy over target words.

    Each step takes `batch_size` random pairs of similar length (seeded by `seed`; the
    model's initial weights come from the global torch seed: call `helpers.seed_everything`
    first). Shows a
    progress line unless progress=False; calls callback(step, loss) after each step.
    Returns the loss of every step.

    The learning rate is `lr` throughout (the GRU models' recipe), unless a schedule is
    asked for: a linear warm-up from 0 over the first `warmup_steps` steps, and with `min_lr`
    a cosine decay from lr to min_lr at the last step (the transformer's recipe).
    Works on any model with Seq2Seq's forward(src, tgt_in) -> (logits, attention) and
    vocabularies, such as `helpers.transformer_translator.TransformerTranslator`.
    """
    check_int("steps", steps, low=1)
    check_int("batch_size", batch_size, low=1)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if not clip > 0:
        raise ValueError(f"clip must be > 0, got {clip}")
    check_int("warmup_steps", warmup_steps, low=0)
    if min_lr is not None and not 0 < min_lr <= lr:
        raise ValueError(f"min_lr must be in (0, lr={lr}], got {min_lr}")
    src_vocab, tgt_vocab = _vocabs(model, src_vocab, tgt_vocab)
    if len(pairs) == 0:
        raise ValueError("pairs must contain at least one (source, target) pair")
    data = [(src_vocab.encode(s), tgt_vocab.encode(t, add_eos=True)) for s, t in pairs]
    device = model_device(model)
    batches = _length_bucketed_batches(data, batch_size, random.Random(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    bar = Progress(steps, "training", enabled=progress)
    for step in range(steps):
        if warmup_steps or min_lr is not None:
            for group in optimizer.param_groups:
                group["lr"] = scheduled_lr(step, steps, lr, warmup_steps, min_lr)
        batch = next(batches)
        src = _pad([s for s, _ in batch]).to(device)  # (B, S)
        tgt = _pad([[SOS_ID, *t] for _, t in batch]).to(device)  # (B, T + 1): <sos> words <eos>
        losses.append(train_step(model, optimizer, src, tgt, clip))
        bar.update(step + 1, loss=losses[-1])
        if callback is not None:
            callback(step, losses[-1])
    bar.close()
    model.eval()
    return losses


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    src: torch.Tensor,
    tgt: torch.Tensor,
    clip: float = 1.0,
) -> float:
    """One step of `train_seq2seq` on a padded batch; returns its loss.

    src (B, S) source ids; tgt (B, T + 1) target ids <sos> w_1 .. w_n <eos>, right-padded:
    the model reads tgt[:, :-1] and is scored on predicting tgt[:, 1:] (padding not counted).
    """
    logits, _ = model(src, tgt[:, :-1])  # predict each next word: (B, T, V)
    loss = F.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten(), ignore_index=PAD_ID)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()


def scheduled_lr(
    step: int, steps: int, lr: float, warmup_steps: int = 0, min_lr: float | None = None
) -> float:
    """The learning rate of step `step` (0-based) of `steps` in `train_seq2seq`: a linear
    warm-up to lr over `warmup_steps`, then lr, or with `min_lr` a cosine decay from lr to
    min_lr at the last step."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    if min_lr is None:
        return lr
    progress = min(1.0, (step - warmup_steps) / max(1, steps - 1 - warmup_steps))
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))


# --------------------------------------------------------------------------- private


def _length_bucketed_batches(data: list, batch_size: int, rng: random.Random, pool: int = 16):
    """Endless random batches whose members have similar source lengths.

    Draws `pool` batches' worth of random examples, sorts them by length, cuts them into
    batches and yields those in random order: far less padding than fully random batches,
    so each step costs less, while every example is still drawn at random.
    """
    while True:
        chunk = sorted(
            (data[rng.randrange(len(data))] for _ in range(pool * batch_size)),
            key=lambda pair: len(pair[0]),
        )
        batches = [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        yield from batches


def _pad(rows: Sequence[Sequence[int]]) -> torch.Tensor:
    """Right-pad lists of ids with <pad> into a (len(rows), longest) tensor."""
    out = torch.full((len(rows), max(map(len, rows))), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def _evaluate(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    src_vocab: Vocab | None,
    tgt_vocab: Vocab | None,
    batch_size: int,
) -> tuple[list[list[str]], list[list[str]], list[int]]:
    """Greedy outputs, references (as word lists) and source lengths of `pairs`."""
    check_int("batch_size", batch_size, low=1)
    src_vocab, tgt_vocab = _vocabs(model, src_vocab, tgt_vocab)
    if len(pairs) == 0:
        raise ValueError("pairs must contain at least one (source, target) pair")
    srcs = [src_vocab.encode(s) for s, _ in pairs]
    if any(len(s) == 0 for s in srcs):
        raise ValueError("pairs contains an empty source sentence")
    refs = [t.split() for _, t in pairs]
    tgt_vocab.encode([w for r in refs for w in r])  # unknown reference words: ValueError
    order = sorted(range(len(srcs)), key=lambda i: len(srcs[i]))  # similar lengths batch well
    outputs: list[list[str]] = [[] for _ in srcs]
    device = model_device(model)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        max_len = 2 * max(len(refs[i]) for i in idx) + 10
        ids, _ = greedy_decode(model, _pad([srcs[i] for i in idx]).to(device), max_len)
        for i, row in zip(idx, ids, strict=True):
            outputs[i] = [tgt_vocab.itos[j] for j in row]
    return outputs, refs, [len(s) for s in srcs]


def _vocabs(model: Seq2Seq, src_vocab: Vocab | None, tgt_vocab: Vocab | None):
    src_vocab = src_vocab if src_vocab is not None else model.src_vocab
    tgt_vocab = tgt_vocab if tgt_vocab is not None else model.tgt_vocab
    if src_vocab is None or tgt_vocab is None:
        raise ValueError(
            "src_vocab and tgt_vocab are needed: pass them, or build the model with "
            "Seq2Seq.from_vocabs(src_vocab, tgt_vocab)"
        )
    for name, vocab, size in (
        ("src_vocab", src_vocab, model.config.src_vocab_size),
        ("tgt_vocab", tgt_vocab, model.config.tgt_vocab_size),
    ):
        if len(vocab) != size:
            raise ValueError(f"{name} has {len(vocab)} entries, but the model expects {size}")
    return src_vocab, tgt_vocab
