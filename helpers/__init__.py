"""Transformers, hands-on: the course's importable helpers.

At the top, one module per idea the learner builds and reads (softmax, tokenization, embeddings,
seq2seq, attention, gpt, training, sampling, ...). The rest sits in sub-packages by role:
corpora (the generated data), pretrained (MiniLM and what reads it), applications (notebook
10), studies (the measurements behind the notebooks' plots), widgets and exercises. The few
names below are what almost every notebook needs in its first cells.
"""

from helpers.reproducibility import pick_device, seed_everything

__all__ = ["pick_device", "seed_everything"]
__version__ = "0.1.0"
