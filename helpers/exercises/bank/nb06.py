"""Exercises of notebook 06: masked attention and the GPT architecture."""

import torch

from helpers.attention import causal_mask
from helpers.exercises import Mistake, exercise
from helpers.gpt import Block, GPTConfig

# --------------------------------------------------------------------------- 06.causal_weights


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
    "06.causal_weights",
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


# --------------------------------------------------------------------------- 06.block_forward


def _block(config: GPTConfig, seed: int) -> Block:
    """A GPT block with random weights everywhere (layer norms included), on its own RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        block = Block(config, layer_idx=0).eval()
        with torch.no_grad():
            for name, p in block.named_parameters():
                noise = torch.randn(p.shape)
                is_scale = name.startswith("ln_") and name.endswith("weight")
                p.copy_(1.0 + 0.3 * noise if is_scale else 0.2 * noise)
    return block


def _block_cases():
    g = torch.Generator().manual_seed(7)
    small = GPTConfig(vocab_size=16, context_length=16, n_layer=1, n_head=4, d_model=32)
    other = GPTConfig(vocab_size=16, context_length=16, n_layer=1, n_head=2, d_model=16)
    return [
        (_block(small, 0), torch.randn(2, 5, 32, generator=g)),
        (_block(small, 1), 3 + 2 * torch.randn(1, 7, 32, generator=g)),
        (_block(other, 2), torch.randn(3, 4, 16, generator=g)),
    ]


def _post_norm(block, x):
    x = block.ln_1(x + block.attn(x))
    return block.ln_2(x + block.mlp(x))


def _no_residual(block, x):
    return block.mlp(block.ln_2(block.attn(block.ln_1(x))))


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


@exercise(
    "06.block_forward",
    cases=_block_cases,
    mistakes=[
        Mistake(
            _post_norm,
            "that is post-norm (layer norm after the sum, as in the 2017 Transformer); GPT "
            "normalises what goes INTO each part: x + block.attn(block.ln_1(x))",
        ),
        Mistake(
            _no_residual,
            "the residual connections are missing: add each part's output to x "
            "(x = x + ...), do not replace x",
        ),
        Mistake(
            _no_layer_norm,
            "the layer norms are skipped: each part reads block.ln_1(x) / block.ln_2(x)",
        ),
        Mistake(
            _residual_of_normed,
            "the residual adds the normalised x; add the part's output to x itself: "
            "x = x + block.attn(block.ln_1(x))",
        ),
        Mistake(
            _attention_only,
            "only the attention half: a block then adds block.mlp(block.ln_2(x))",
        ),
        Mistake(
            _parallel,
            "the MLP read the block's input; it must read x AFTER the attention's residual "
            "(two steps one after the other)",
        ),
    ],
)
def block_forward(block, x):
    """Exercise 06: a pre-norm GPT block, x (B, T, C) -> (B, T, C)."""
    x = x + block.attn(block.ln_1(x))  # tokens look at earlier tokens
    return x + block.mlp(block.ln_2(x))  # each token on its own
