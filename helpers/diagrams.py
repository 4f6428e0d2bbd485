"""Diagrams of the models the course builds, drawn with matplotlib in the course style.

Four pictures a learner would rather look at than read: the unrolled RNN encoder-decoder with
its single context vector (notebook 02), scaled dot-product attention as a data flow with the
shape of every table (04), the pre-norm transformer block (05) and the decoder-only stack from
token ids to next-token logits (07). Each function returns the matplotlib Figure.

Every figure is drawn on one axes that fills it, in inches (x from 0 to the width, y from 0 to
the height), so boxes and text keep their proportions whatever the figure's size.
"""

from collections.abc import Sequence

import matplotlib.colors
import matplotlib.patches
import matplotlib.pyplot as plt

from helpers.plots import COLORS

BLUE, ORANGE, GREEN, PINK, SKY, VERMILLION = COLORS[:6]  # Okabe & Ito: colour-blind safe
GREY = "#555555"
TITLE_SIZE, TEXT_SIZE, SMALL_SIZE = 12, 10, 8.5
MAX_WORDS = 10  # the unrolled RNN stays readable at notebook width up to this many words a side


# --- drawing in inches ---------------------------------------------------------------------------


def _canvas(width: float, height: float, title: str):
    """A figure of width x height inches whose one axes maps 1 data unit to 1 inch."""
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_position((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    _text(ax, width / 2, height - 0.22, title, size=TITLE_SIZE, weight="bold")
    return fig, ax


def _text(ax, x, y, text, size=TEXT_SIZE, ha="center", va="center", **style):
    """Text at (x, y), centred unless told otherwise."""
    return ax.text(x, y, text, ha=ha, va=va, fontsize=size, **style)


def _note(ax, x, y, text, va="top", **style):
    """Small grey text: a comment beside the picture, not a part of it."""
    return _text(ax, x, y, text, size=SMALL_SIZE, va=va, color=GREY, **style)


def _code(ax, x, y, text, va="top"):
    """A part's name in the course's code (helpers.gpt), small, grey and monospaced."""
    return _note(ax, x, y, text, va=va, family="monospace")


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """`color` mixed with white: amount 1 is the colour itself, 0 is white."""
    return tuple(1 - amount * (1 - c) for c in matplotlib.colors.to_rgb(color))


def _box(ax, x, y, w, h, text="", color=SKY, fill=0.35, size=TEXT_SIZE, lw=1.0):
    """A rounded box centred on (x, y), filled with a tint of `color`, with centred text."""
    corner = (x - w / 2, y - h / 2)
    style = "round,pad=0,rounding_size=0.08"
    patch = matplotlib.patches.FancyBboxPatch(
        corner, w, h, boxstyle=style, fc=_tint(color, fill), ec=color, lw=lw
    )
    ax.add_patch(patch)
    if text:
        _text(ax, x, y, text, size=size)


def _region(ax, x0, x1, y0, y1, color, label, label_y=None):
    """A light background behind a group of parts, its label at the top (or label_y) left."""
    style = "round,pad=0,rounding_size=0.12"
    patch = matplotlib.patches.FancyBboxPatch(
        (x0, y0), x1 - x0, y1 - y0, boxstyle=style, fc=_tint(color, 0.1), ec=_tint(color, 0.6)
    )
    patch.set(lw=0.8, zorder=0)
    ax.add_patch(patch)
    y = y1 - 0.1 if label_y is None else label_y
    _note(ax, x0 + 0.1, y, label, ha="left", va="top" if label_y is None else "center")


def _arrow(ax, start, end, color="black", lw=1.2, connection=None):
    """An arrow from start to end (x, y), its head touching `end`."""
    props = {"arrowstyle": "-|>", "color": color, "lw": lw, "shrinkA": 0, "shrinkB": 0}
    props["mutation_scale"] = 11
    if connection:
        props["connectionstyle"] = connection
    ax.annotate("", xy=end, xytext=start, arrowprops=props)


def _line(ax, points, color="black", lw=1.2, ls="-"):
    """A line through points [(x, y), ...]: the part of a path before its arrow."""
    xs, ys = zip(*points, strict=True)
    ax.plot(xs, ys, color=color, lw=lw, ls=ls, solid_capstyle="butt")


def _plus(ax, x, y, r=0.17):
    """The circled + where a residual connection adds its two inputs."""
    ax.add_patch(matplotlib.patches.Circle((x, y), r, fc="white", ec="black", lw=1.2, zorder=3))
    _text(ax, x, y, "+", size=13, weight="bold", zorder=4)


def _grid(ax, x, y, rows, cols, color, cell=0.11):
    """A small table of rows x cols squares centred on (x, y): a tensor's shape as a picture.

    Returns its height and width."""
    x0, y0 = x - cols * cell / 2, y - rows * cell / 2
    for i in range(rows):
        for j in range(cols):
            square = matplotlib.patches.Rectangle((x0 + j * cell, y0 + i * cell), cell, cell)
            square.set(fc=_tint(color, 0.45), ec=color, lw=0.6)
            ax.add_patch(square)
    return rows * cell, cols * cell


# --- argument checks -----------------------------------------------------------------------------


def _words(value, name: str) -> list[str]:
    """1 to MAX_WORDS non-empty words, from a string (split on spaces) or a list of strings."""
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, Sequence) or not all(isinstance(w, str) and w for w in value):
        raise TypeError(f"{name} must be a string or a list of non-empty strings, got {value!r}")
    if not 1 <= len(value) <= MAX_WORDS:
        raise ValueError(f"{name} must have 1 to {MAX_WORDS} words, got {len(value)}")
    return list(value)


def _positive_int(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _size(value, name: str) -> str:
    """A dimension shown in a shape: a positive integer, or a name such as 'T'."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return str(value)
    raise ValueError(f"{name} must be a positive integer or a name such as 'T', got {value!r}")


# --- 02: the RNN encoder-decoder -----------------------------------------------------------------


def rnn_encoder_decoder(source_words, target_words, hidden_size: int | None = None):
    """The RNN encoder-decoder unrolled over one sentence pair.

    The encoder's GRU reads `source_words` (a string or a list of words) one per step, passing
    its state h_t along; its last state is the one context vector c, the only thing the decoder
    receives. The decoder's GRU starts from c, gets c again at every step, and writes
    `target_words` and then <eos>, each written word being its next input. `hidden_size`
    (optional) is printed as the size of c.
    """
    source = _words(source_words, "source_words")
    target = _words(target_words, "target_words")
    if hidden_size is not None:
        hidden_size = _positive_int(hidden_size, "hidden_size")
    inputs, outputs = ["<sos>", *target], [*target, "<eos>"]
    longest = max(len(w) for w in [*source, *inputs, *outputs])
    dx = max(0.72, 0.075 * longest + 0.2)  # room for the longest word under its cell
    cell_w, cell_h, ctx_w, ctx_h = 0.5, 0.46, 0.62, 1.0
    y_in, y_cell, y_out = 0.33, 1.5, 2.45
    encoder = "encoder (GRU): reads one word per step"
    decoder = "decoder (GRU): writes one word per step,\neach the next step's input"
    # each region is at least as wide as its label, even around a single cell
    pad_enc = max(0.5, (0.065 * len(encoder) - (len(source) - 1) * dx) / 2)
    pad_dec = max(0.55, (0.065 * 42 - (len(outputs) - 1) * dx) / 2)  # 42: its longer line
    x_enc = [0.2 + pad_enc + i * dx for i in range(len(source))]
    x_ctx = x_enc[-1] + pad_enc + 0.87
    x_dec = [x_ctx + 0.87 + pad_dec + i * dx for i in range(len(outputs))]
    width = x_dec[-1] + pad_dec + 0.95
    shift = max(0.0, (8.5 - width) / 2)  # at least as wide as the title
    x_enc, x_ctx, x_dec = [x + shift for x in x_enc], x_ctx + shift, [x + shift for x in x_dec]
    title = "The RNN encoder-decoder: the whole sentence passes through one vector"
    fig, ax = _canvas(width + 2 * shift, 3.75, title)
    _region(ax, x_enc[0] - pad_enc, x_enc[-1] + pad_enc, 0.12, 3.12, BLUE, encoder)
    _region(ax, x_dec[0] - pad_dec, x_dec[-1] + pad_dec, 0.12, 3.12, ORANGE, decoder)

    # the encoder: one GRU step per source word, the state h_t passed along
    for t, (x, word) in enumerate(zip(x_enc, source, strict=True), start=1):
        _box(ax, x, y_cell, cell_w, cell_h, "GRU", color=BLUE, size=SMALL_SIZE)
        _text(ax, x, y_in, word)
        _arrow(ax, (x, y_in + 0.14), (x, y_cell - cell_h / 2))
        if t < len(source):
            _arrow(ax, (x + cell_w / 2, y_cell), (x + dx - cell_w / 2, y_cell), color=BLUE)
            _text(ax, x + dx / 2, y_cell + 0.12, f"$h_{{{t}}}$", size=SMALL_SIZE, va="bottom")

    # the bottleneck: the last state h_S, and nothing else, becomes the context vector c
    last_state = (x_enc[-1] + cell_w / 2, y_cell), (x_ctx - ctx_w / 2, y_cell)
    _arrow(ax, *last_state, color=VERMILLION, lw=2)
    h_last = f"$h_{{{len(source)}}}$"
    _text(ax, (x_enc[-1] + x_ctx) / 2, y_cell + 0.12, h_last, size=SMALL_SIZE, va="bottom")
    _box(ax, x_ctx, y_cell, ctx_w, ctx_h, color=VERMILLION, fill=0.9, lw=1.5)
    _text(ax, x_ctx, y_cell, "$c$", size=16, color="white")
    name = "one context vector" + (f"\n({hidden_size} numbers)" if hidden_size else "")
    bold_red = {"size": SMALL_SIZE, "weight": "bold", "color": VERMILLION}
    _text(ax, x_ctx, y_cell + ctx_h / 2 + 0.08, name, va="bottom", **bold_red)
    _note(ax, x_ctx, y_cell - ctx_h / 2 - 0.1, "all the decoder\nknows about\nthe source")

    # the decoder: starts from c (s_0), gets c again at every step (the dashed line)
    _arrow(ax, (x_ctx + ctx_w / 2, y_cell), (x_dec[0] - cell_w / 2, y_cell), color=VERMILLION, lw=2)
    _text(ax, (x_ctx + x_dec[0]) / 2, y_cell + 0.12, "$s_0$", size=SMALL_SIZE, va="bottom")
    y_bus = y_cell - cell_h / 2 - 0.2
    bus = [(x_ctx + ctx_w / 2, y_bus), (x_dec[-1] + 0.15, y_bus)]
    _line(ax, bus, color=VERMILLION, lw=1, ls="--")
    again = "$c$ again\nat every\nstep"
    _text(ax, x_dec[-1] + pad_dec + 0.07, y_bus, again, ha="left", size=8, color=VERMILLION)
    for t, (x, word_in, word_out) in enumerate(zip(x_dec, inputs, outputs, strict=True), start=1):
        _box(ax, x, y_cell, cell_w, cell_h, "GRU", color=ORANGE, size=SMALL_SIZE)
        _arrow(ax, (x + 0.15, y_bus), (x + 0.15, y_cell - cell_h / 2), color=VERMILLION, lw=1)
        _text(ax, x - 0.08, y_in, word_in, color=GREY)
        _arrow(ax, (x - 0.08, y_in + 0.14), (x - 0.08, y_cell - cell_h / 2))
        _arrow(ax, (x, y_cell + cell_h / 2), (x, y_out - 0.14))
        _text(ax, x, y_out, word_out, va="bottom", weight="bold")
        if t < len(outputs):
            _arrow(ax, (x + cell_w / 2, y_cell), (x + dx - cell_w / 2, y_cell), color=ORANGE)
    return fig


# --- 04: scaled dot-product attention ------------------------------------------------------------


def attention_flow(T: int | str = "T", d_k: int | str = "d_k"):
    """Scaled dot-product attention as a data flow, with the shape of every table.

    Q and K (T, d_k) -> Q K^T (T, T) -> divided by sqrt(d_k) (T, T) -> softmax along each row
    (T, T) -> weights times V (T, d_k) -> output (T, d_k). T and d_k are numbers (the shapes
    then show them) or names.
    """
    t, d = _size(T, "T"), _size(d_k, "d_k")
    rows = min(int(t), 6) if t.isdigit() else 5  # the grids draw at most 6 x 6 squares
    cols = min(int(d), 6) if d.isdigit() else 3
    qkv, square = f"({t}, {'$d_k$' if d == 'd_k' else d})", f"({t}, {t})"
    root = f"$\\sqrt{{{d}}}$" if d.isdigit() else r"$\sqrt{d_k}$"
    width, height = 11.4, 3.7
    title = r"Attention, step by step: $\mathrm{softmax}(QK^{\top} / \sqrt{d_k})\,V$"
    fig, ax = _canvas(width, height, title)
    if t.isdigit() or d.isdigit():  # say what the numbers in the shapes are
        _note(ax, width / 2, height - 0.5, f"T = {t} tokens, $d_k$ = {d}", va="center")

    y, y_q, y_k, y_v = 1.95, 2.75, 1.15, 0.62  # the main line; the three inputs
    x_qk, x_out, x_ops, x_tables = 0.8, 10.6, (2.15, 4.5, 6.85, 9.2), (3.33, 5.68, 8.03)
    tensors = [  # x, y, name, shape, rows, columns, colour
        (x_qk, y_q, "Q (queries)", qkv, rows, cols, BLUE),
        (x_qk, y_k, "K (keys)", qkv, rows, cols, BLUE),
        (x_tables[0], y, "scores", square, rows, rows, GREEN),
        (x_tables[1], y, "scaled scores", square, rows, rows, GREEN),
        (x_tables[2], y, "weights", square, rows, rows, PINK),
        (x_out, y, "output", qkv, rows, cols, BLUE),
    ]
    for x, ty, name, shape, r, c, color in tensors:
        h, _ = _grid(ax, x, ty, r, c, color)
        _text(ax, x, ty + h / 2 + 0.06, name, va="bottom", weight="bold")
        _text(ax, x, ty - h / 2 - 0.06, shape, va="top")
    h_v, w_v = _grid(ax, x_ops[3], y_v, rows, cols, BLUE)  # V, under the step that uses it
    _text(
        ax,
        x_ops[3] - w_v / 2 - 0.1,
        y_v + 0.02,
        "V (values)",
        ha="right",
        va="bottom",
        weight="bold",
    )
    _text(ax, x_ops[3] - w_v / 2 - 0.1, y_v - 0.02, qkv, ha="right", va="top")

    op_w, op_h = 0.9, 0.5
    steps = [  # what each step computes, and what it is for
        (r"$QK^{\top}$", "each query\nwith each key"),
        (f"÷ {root}", "keeps the\nsoftmax soft"),
        ("softmax", "along each row:\nrows sum to 1"),
        ("× $V$", "weighted sum\nof the values"),
    ]
    for n, (x, (label, purpose)) in enumerate(zip(x_ops, steps, strict=True), start=1):
        _box(ax, x, y, op_w, op_h, label, color=ORANGE, fill=0.45, size=TEXT_SIZE + 1)
        _note(ax, x, y + op_h / 2 + 0.06, purpose, va="bottom")
        _text(ax, x, y + op_h / 2 + 0.4, f"step {n}", size=SMALL_SIZE, va="bottom", weight="bold")

    q_right = x_qk + cols * 0.11 / 2 + 0.1
    _arrow(ax, (q_right, y_q), (x_ops[0] - op_w / 2, y + 0.12))
    _arrow(ax, (q_right, y_k), (x_ops[0] - op_w / 2, y - 0.12))
    half_table = rows * 0.11 / 2 + 0.08
    for x_op, x_table, x_next in zip(x_ops, x_tables, x_ops[1:], strict=False):
        _arrow(ax, (x_op + op_w / 2, y), (x_table - half_table, y))
        _arrow(ax, (x_table + half_table, y), (x_next - op_w / 2, y))
    _arrow(ax, (x_ops[3] + op_w / 2, y), (x_out - cols * 0.11 / 2 - 0.08, y))
    _arrow(ax, (x_ops[3], y_v + h_v / 2 + 0.06), (x_ops[3], y - op_h / 2))
    return fig


# --- 05: the pre-norm transformer block ----------------------------------------------------------


def transformer_block(d_model: int | str = "C", n_head: int | None = None, masked: bool = False):
    """The pre-norm transformer block (GPT-2's), as a data flow from left to right.

    x -> LayerNorm -> multi-head self-attention -> + (residual: x added back) -> LayerNorm ->
    MLP -> + (residual). Every arrow carries a (B, T, d_model) tensor. `n_head` is printed in
    the attention box when given; `masked` labels the attention masked (causal), as in a GPT.
    The small grey names are the parts' names in helpers.gpt.Block.
    """
    c = _size(d_model, "d_model")
    if n_head is not None:
        n_head = _positive_int(n_head, "n_head")
    if not isinstance(masked, bool):
        raise ValueError(f"masked must be True or False, got {masked!r}")
    shape = f"(B, T, {c})"
    mlp = f"MLP\n{c} → {4 * int(c) if c.isdigit() else '4·' + c} → {c}"
    attention = ("masked " if masked else "") + "multi-head\nself-attention"
    attention += f"\n({n_head} heads)" if n_head else ""
    title = "The pre-norm transformer block: LayerNorm before each part, x added back after it"
    fig, ax = _canvas(11.4, 3.5, title)
    y, y_skip, box_h = 1.45, 2.45, 0.78
    _region(ax, 0.92, 5.15, 0.18, 3.02, BLUE, "tokens look at each other", label_y=0.33)
    _region(ax, 5.27, 9.5, 0.18, 3.02, PINK, "each token on its own", label_y=0.33)
    _text(ax, 0.5, y, f"x\n{shape}")
    _text(ax, 10.55, y, f"out\n{shape}")
    _note(ax, 10.55, y - 0.55, f"every arrow:\n{shape}")
    parts = [  # centre, width, label, name in helpers.gpt, colour
        (2.0, 1.0, "LayerNorm", "ln_1", GREEN),
        (3.55, 1.55, attention, "attn", BLUE),
        (6.3, 1.0, "LayerNorm", "ln_2", GREEN),
        (7.85, 1.55, mlp, "mlp", PINK),
    ]
    for x, w, label, name, color in parts:
        _box(ax, x, y, w, box_h, label, color=color)
        _code(ax, x, y - box_h / 2 - 0.06, name)
    x_plus = (4.9, 9.2)
    for x in x_plus:
        _plus(ax, x, y)

    # the main line, left to right: x, ln_1, attn, +, ln_2, mlp, +, out
    stops = [(0.95, 0.95), *((x - w / 2, x + w / 2) for x, w, *_ in parts[:2])]
    stops += [
        (x_plus[0] - 0.17, x_plus[0] + 0.17),
        *((x - w / 2, x + w / 2) for x, w, *_ in parts[2:]),
    ]
    stops += [(x_plus[1] - 0.17, x_plus[1] + 0.17), (10.13, 10.13)]
    for (_, start), (end, _) in zip(stops, stops[1:], strict=False):
        _arrow(ax, (start, y), (end, y))
    # the residual connections: x goes around the sub-block and is added back
    for x_split, x_add in [(1.1, x_plus[0]), (5.4, x_plus[1])]:
        ax.add_patch(matplotlib.patches.Circle((x_split, y), 0.04, color="black"))
        _line(ax, [(x_split, y), (x_split, y_skip), (x_add, y_skip)], color=VERMILLION, lw=1.6)
        _arrow(ax, (x_add, y_skip), (x_add, y + 0.17), color=VERMILLION, lw=1.6)
        residual = "residual: x skips ahead, unchanged"
        _text(
            ax,
            (x_split + x_add) / 2,
            y_skip + 0.06,
            residual,
            size=SMALL_SIZE,
            va="bottom",
            color=VERMILLION,
        )
    _text(ax, 3.25, 0.62, "x = x + attn(ln_1(x))", family="monospace")
    _text(ax, 7.4, 0.62, "x = x + mlp(ln_2(x))", family="monospace")
    return fig


# --- 06: the decoder-only stack ------------------------------------------------------------------


def decoder_only_stack(n_layer: int, d_model: int | str = "C", vocab_size: int | str = "V"):
    """A decoder-only transformer (a GPT) from token ids to next-token logits.

    token ids (B, T) -> token embedding + position embedding -> n_layer transformer blocks
    (masked self-attention and MLP, pre-norm) -> final LayerNorm -> LM head -> logits
    (B, T, vocab_size): at every position, a score for every token of the vocabulary to come
    next. The small grey names are the parts' names in helpers.gpt.GPT.
    """
    n_layer = _positive_int(n_layer, "n_layer")
    c, v = _size(d_model, "d_model"), _size(vocab_size, "vocab_size")
    hidden = f"(B, T, {c})"
    title = "A decoder-only transformer (GPT): token ids in, next-token logits out"
    fig, ax = _canvas(12.4, 3.7, title)
    y, y_tok, y_pos = 1.6, 2.35, 0.85

    # the inputs and their two embeddings, added together
    x_emb, emb_w, x_add = 2.35, 1.4, 3.95
    inputs = [
        (y_tok, "token ids\n(B, T)", "token\nembedding", "wte", hidden),
        (y_pos, "positions\n0 … T−1", "position\nembedding", "wpe", f"(T, {c})"),
    ]
    for y_in, what, label, name, shape in inputs:
        up = 1 if y_in > y else -1  # names above the upper box, below the lower one
        va = "bottom" if up > 0 else "top"
        _text(ax, 0.7, y_in, what)
        _arrow(ax, (1.3, y_in), (x_emb - emb_w / 2, y_in))
        _box(ax, x_emb, y_in, emb_w, 0.62, label, color=BLUE)
        _code(ax, x_emb, y_in + 0.36 * up, name, va=va)
        bend = f"arc3,rad={-0.25 * up}"
        _arrow(ax, (x_emb + emb_w / 2, y_in), (x_add - 0.14, y + 0.1 * up), connection=bend)
        _text(ax, 3.42, y_in + 0.06 * up, shape, size=SMALL_SIZE, va=va)
    _plus(ax, x_add, y)

    # the stack: n_layer blocks, drawn as a pile of cards
    x_stack, stack_w, stack_h, step = 5.9, 1.9, 1.15, 0.08
    shown = min(n_layer, 4)
    for i in reversed(range(shown)):
        fill = 0.35 if i == 0 else 0.2
        _box(ax, x_stack + step * i, y + step * i, stack_w, stack_h, color=ORANGE, fill=fill)
    _text(ax, x_stack, y + 0.2, "transformer block", weight="bold")
    _text(ax, x_stack, y - 0.18, "masked self-attention\n+ MLP, pre-norm", size=SMALL_SIZE)
    top = y + stack_h / 2 + step * (shown - 1)
    _text(
        ax,
        x_stack + step * (shown - 1),
        top + 0.08,
        f"× {n_layer}",
        size=12,
        va="bottom",
        weight="bold",
    )
    _code(
        ax, x_stack, y - stack_h / 2 - 0.08, f"h[0] … h[{n_layer - 1}]" if n_layer > 1 else "h[0]"
    )

    # the head: the final LayerNorm, then a score for every token of the vocabulary
    x_ln, x_head, x_logits = 8.3, 10.05, 11.6
    _box(ax, x_ln, y, 1.15, 0.7, "final\nLayerNorm", color=GREEN)
    _code(ax, x_ln, y - 0.43, "ln_f")
    _box(ax, x_head, y, 1.0, 0.7, "LM head", color=PINK)
    _code(ax, x_head, y - 0.43, "lm_head")
    _text(ax, x_logits, y, f"next-token\nlogits\n(B, T, {v})", weight="bold")
    _note(ax, x_logits, y - 0.62, "at position t:\na score for every\ntoken to come at t+1")
    stack_right = x_stack + stack_w / 2 + step * (shown - 1)
    arrows = [
        (x_add + 0.17, x_stack - stack_w / 2, hidden),
        (stack_right, x_ln - 0.575, hidden),
        (x_ln + 0.575, x_head - 0.5, hidden),
        (x_head + 0.5, x_logits - 0.55, ""),
    ]
    for x0, x1, shape in arrows:
        _arrow(ax, (x0, y), (x1, y))
        _text(ax, (x0 + x1) / 2, y + 0.08, shape, size=SMALL_SIZE, va="bottom")
    return fig
