"""Exercises of notebook 07: masked attention and the GPT architecture."""

import copy
import functools

import torch
from torch import nn

from helpers.attention import causal_mask
from helpers.exercises import ComponentCase, Mistake, component, exercise
from helpers.gpt import GPT, MLP, Block, CausalSelfAttention, GPTConfig
from helpers.gpt_interop import to_transformers

# --------------------------------------------------------------------------- 07.causal_weights


def _scores_cases():
    g = torch.Generator().manual_seed(6)
    return [
        (torch.randn(4, 4, generator=g),),
        (torch.randn(2, 5, 5, generator=g) * 2,),  # a batch of score matrices
        (torch.randn(1, 2, 6, 6, generator=g),),  # (B, n_head, T, T)
    ]


def _masked(scores, mask, fill=float("-inf")):
    return torch.softmax(scores.masked_fill(~mask, fill), dim=-1)


def _upper_triangle(scores):
    return _masked(scores, causal_mask(scores.shape[-1]).T)


def _mask_after_softmax(scores):
    return torch.softmax(scores, dim=-1) * causal_mask(scores.shape[-1])


def _zero_instead_of_minus_inf(scores):
    return _masked(scores, causal_mask(scores.shape[-1]), fill=0.0)


def _no_diagonal(scores):
    return _masked(scores, causal_mask(scores.shape[-1]).tril(-1))


@exercise(
    "07.causal_weights",
    cases=_scores_cases,
    mistakes=[
        Mistake(
            lambda scores: torch.softmax(scores, dim=-1),
            "no mask: every token still sees the tokens after it; hide the keys above the "
            "diagonal before the softmax",
        ),
        Mistake(
            _upper_triangle,
            "the mask is the wrong triangle: row t (the query) may see columns 0..t, the lower "
            "triangle (tril), so the token looks back, not ahead",
        ),
        Mistake(
            _mask_after_softmax,
            "the mask was applied after the softmax, so the rows no longer sum to 1: set the "
            "future scores to -inf first, then take the softmax",
        ),
        Mistake(
            _zero_instead_of_minus_inf,
            "the future scores were set to 0, but exp(0) = 1 still gives them weight: set them "
            "to -inf (float('-inf'))",
        ),
        Mistake(
            _no_diagonal,
            "the diagonal is masked too: a token may look at itself (tril(), not tril(-1)); "
            "the first row then has nothing left and becomes NaN",
        ),
    ],
)
def causal_weights(scores):
    """Exercise 06: causal attention weights from scores (..., T, T): each row a distribution
    over the keys 0..t."""
    mask = causal_mask(scores.shape[-1], device=scores.device)  # (T, T), True = may attend
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


# --------------------------------------------------------------------------- the mini GPT


@functools.cache
def _mini_gpt() -> GPT:
    """The shipped mini GPT, loaded once; cases take deep copies."""
    from helpers import checkpoints

    model, _ = checkpoints.load("mini-gpt")
    return model.eval()


def _sentence_ids() -> torch.Tensor:
    """(1, 9): "Mia found a red ball." in the course tokenizer, as notebook 07 uses it."""
    from helpers.tokenization import load_tokenizer

    return torch.tensor([load_tokenizer("tiny-tales").encode("Mia found a red ball.")])


# --------------------------------------------------------------------------- 07.transformer_block


def _block_cases():
    mini = copy.deepcopy(_mini_gpt())
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, mini.config.vocab_size, (2, 12), generator=g)
    with torch.no_grad():
        x = mini.transformer.wte(ids) + mini.transformer.wpe(torch.arange(12))  # (2, 12, C)
        inputs = [x]
        for block in mini.transformer.h:
            inputs.append(block(inputs[-1]))  # inputs[i]: what block i reads
    blocks = mini.transformer.h
    return [
        ComponentCase(
            blocks[0], (mini.config,), (inputs[0],), "block 0 on token + position embeddings"
        ),
        ComponentCase(blocks[3], (mini.config,), (inputs[3],), "block 3 on what block 2 gives it"),
        ComponentCase(
            blocks[1],
            (mini.config,),
            (3 + 2 * torch.randn(1, 7, mini.config.d_model, generator=g),),
            "block 1 on inputs with mean ~3",
        ),
    ]


def _post_norm(block, x):
    x = block.ln_1(x + block.attn(x))
    return block.ln_2(x + block.mlp(x))


def _no_residual(block, x):
    return block.mlp(block.ln_2(block.attn(block.ln_1(x))))


def _no_attention_residual(block, x):
    x = block.attn(block.ln_1(x))
    return x + block.mlp(block.ln_2(x))


def _no_mlp_residual(block, x):
    x = x + block.attn(block.ln_1(x))
    return block.mlp(block.ln_2(x))


def _norms_swapped(block, x):
    x = x + block.attn(block.ln_2(x))
    return x + block.mlp(block.ln_1(x))


def _mlp_first(block, x):
    x = x + block.mlp(block.ln_1(x))
    return x + block.attn(block.ln_2(x))


def _mlp_first_own_norms(block, x):
    x = x + block.mlp(block.ln_2(x))
    return x + block.attn(block.ln_1(x))


def _no_layer_norm(block, x):
    x = x + block.attn(x)
    return x + block.mlp(x)


def _residual_of_normed(block, x):
    h = block.ln_1(x)
    x = h + block.attn(h)
    h = block.ln_2(x)
    return h + block.mlp(h)


def _attention_only(block, x):
    return x + block.attn(block.ln_1(x))


def _parallel(block, x):
    return x + block.attn(block.ln_1(x)) + block.mlp(block.ln_2(x))


@component(
    "07.transformer_block",
    cases=_block_cases,
    mistakes=[
        Mistake(
            _post_norm,
            "that is post-norm (layer norm after the sum, as in the 2017 Transformer); GPT "
            "normalises what goes INTO each part: x + self.attn(self.ln_1(x))",
        ),
        Mistake(
            _no_residual,
            "both residual connections are missing: add each part's output to x "
            "(x = x + ...), do not replace x",
        ),
        Mistake(
            _no_attention_residual,
            "the attention's residual is missing: x = x + self.attn(self.ln_1(x)), not "
            "x = self.attn(...)",
        ),
        Mistake(
            _no_mlp_residual,
            "the MLP's residual is missing: return x + self.mlp(self.ln_2(x)), not only the "
            "MLP's output",
        ),
        Mistake(
            _norms_swapped,
            "ln_1 and ln_2 are swapped: ln_1 belongs to the attention, ln_2 to the MLP (each "
            "has its own learned weights)",
        ),
        Mistake(
            _mlp_first,
            "the MLP ran before the attention: first the tokens look at each other "
            "(attention, with ln_1), then each token is processed on its own (MLP, with ln_2)",
        ),
        Mistake(
            _mlp_first_own_norms,
            "the MLP ran before the attention: first the tokens look at each other "
            "(attention, with ln_1), then each token is processed on its own (MLP, with ln_2)",
        ),
        Mistake(
            _no_layer_norm,
            "the layer norms are skipped: each part reads self.ln_1(x) / self.ln_2(x)",
        ),
        Mistake(
            _residual_of_normed,
            "the residual adds the normalised x; add the part's output to x itself: "
            "x = x + self.attn(self.ln_1(x))",
        ),
        Mistake(
            _attention_only,
            "only the attention half: a block then adds self.mlp(self.ln_2(x))",
        ),
        Mistake(
            _parallel,
            "the MLP read the block's input; it must read x AFTER the attention's residual "
            "(two steps one after the other)",
        ),
    ],
)
class TransformerBlockSolution(nn.Module):
    """Exercise 06: a pre-norm GPT block, with the parts (and names) of helpers.gpt.Block."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.d_model)
        self.attn = CausalSelfAttention(config, layer_idx=0)  # (B, T, C) -> (B, T, C)
        self.ln_2 = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config)  # (B, T, C) -> (B, T, C), each token on its own

    def forward(self, x):
        """x (B, T, C) -> (B, T, C)."""
        x = x + self.attn(self.ln_1(x))  # tokens look at earlier tokens
        return x + self.mlp(self.ln_2(x))  # each token on its own


# --------------------------------------------------------------------------- 07.gpt_forward


def _gpt_cases():
    mini = copy.deepcopy(_mini_gpt())
    small = GPT(
        GPTConfig(vocab_size=64, context_length=16, n_layer=2, n_head=2, d_model=32), seed=3
    )
    g = torch.Generator().manual_seed(8)
    full = torch.randint(0, mini.config.vocab_size, (2, mini.config.context_length), generator=g)
    return [
        ComponentCase(mini, (mini.config,), (_sentence_ids(),), '"Mia found a red ball."'),
        ComponentCase(mini, (mini.config,), (full,), "2 rows of random ids, the whole context"),
        ComponentCase(
            small.eval(),
            (small.config,),
            (torch.randint(0, 64, (3, 10), generator=g),),
            "a smaller random GPT: 2 blocks, vocabulary 64",
        ),
    ]


def _gpt2_logits(reference: GPT, idx: torch.Tensor) -> torch.Tensor:
    """What transformers' GPT2LMHeadModel with the reference's weights gives."""
    return to_transformers(reference).eval()(idx).logits


def _gpt(m, idx, positions="0..T-1", final_norm=True, blocks=True):
    """The GPT forward written out, with the switches of the typical mistakes."""
    B, T = idx.shape
    x = m.transformer.wte(idx)  # (B, T, C)
    if positions == "0..T-1":
        x = x + m.transformer.wpe(torch.arange(T))
    elif positions == "1..T":
        x = x + m.transformer.wpe(torch.arange(1, T + 1))
    elif positions == "token table":
        x = x + m.transformer.wte(torch.arange(T))
    for block in m.transformer.h if blocks else []:
        x = block(x)
    if final_norm:
        x = m.transformer.ln_f(x)
    return x @ m.transformer.wte.weight.T  # (B, T, vocab_size)


@component(
    "07.gpt_forward",
    cases=_gpt_cases,
    expected=_gpt2_logits,
    mistakes=[
        Mistake(
            lambda m, idx: _gpt(m, idx, positions=None),
            "the position embedding is missing: add self.transformer.wpe(torch.arange(T)) to "
            "the token embeddings, or the model cannot tell word order",
        ),
        Mistake(
            lambda m, idx: _gpt(m, idx, positions="1..T"),
            "positions start at 0: look up torch.arange(T), i.e. 0, 1, ..., T - 1",
        ),
        Mistake(
            lambda m, idx: _gpt(m, idx, positions="token table"),
            "the positions were looked up in the token table wte: they have their own table, "
            "self.transformer.wpe",
        ),
        Mistake(
            lambda m, idx: _gpt(m, idx, final_norm=False),
            "the final layer norm is missing: self.transformer.ln_f(x) after the last block, "
            "before the LM head",
        ),
        Mistake(
            lambda m, idx: _gpt(m, idx, blocks=False),
            "the blocks were skipped: x goes through every block of self.transformer.h, in order",
        ),
        Mistake(
            lambda m, idx: torch.softmax(_gpt(m, idx), dim=-1),
            "these are probabilities: return the logits (raw scores); the softmax comes later, "
            "in the loss or when sampling",
        ),
        Mistake(
            lambda m, idx: _gpt(m, idx)[:, -1],
            "only the last position's logits: return them for every position, (B, T, vocab_size)",
        ),
    ],
    error_hints=[
        (
            "index out of range in self",
            "an embedding got an index past the end of its table: the positions "
            "0, 1, ..., T - 1 go into wpe, the token ids into wte",
        )
    ],
    atol=1e-4,  # float32 logits up to ~20: the two libraries differ by < 1e-5 (order of sums)
    praise="your model gives the same logits as transformers' GPT2LMHeadModel with these "
    "weights: your code is a GPT-2",
)
class GPTSolution(nn.Module):
    """Exercise 06: the GPT forward, with the parts (and names) of helpers.gpt.GPT."""

    def __init__(self, config):
        super().__init__()
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.d_model),  # token embedding
                wpe=nn.Embedding(config.context_length, config.d_model),  # position embedding
                h=nn.ModuleList(Block(config, i) for i in range(config.n_layer)),
                ln_f=nn.LayerNorm(config.d_model),  # final layer norm
            )
        )
        # no lm_head of its own: the LM head reuses wte's weight (weight tying)

    def forward(self, idx):
        """Token ids (B, T) -> next-token logits (B, T, vocab_size)."""
        B, T = idx.shape
        positions = torch.arange(T, device=idx.device)  # 0, 1, ..., T - 1
        x = self.transformer.wte(idx) + self.transformer.wpe(positions)  # (B, T, C)
        for block in self.transformer.h:
            x = block(x)  # (B, T, C) -> (B, T, C)
        x = self.transformer.ln_f(x)
        return x @ self.transformer.wte.weight.T  # (B, T, C) @ (C, V) -> (B, T, V)
