"""A linear classifier on frozen features: the cheapest way to put a pretrained model to work.

Notebook 10 uses it twice on MiniLM's vectors: one vector per review -> positive/negative
(logistic regression), and one vector per word -> person/place/other (a token-classification
head). Cross-entropy on a linear layer is a convex problem, so the head starts at zero and is
fitted on all the data at every step: no random seed, the same result every run.
"""

import torch

from helpers._checks import check_int


class LinearHead(torch.nn.Module):
    """(N, d) feature vectors -> (N, n_classes) logits, starting from all zeros."""

    def __init__(self, dim: int, n_classes: int):
        super().__init__()
        self.linear = torch.nn.Linear(dim, n_classes)
        torch.nn.init.zeros_(self.linear.weight)
        torch.nn.init.zeros_(self.linear.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear(features)


def fit_linear_head(
    features: torch.Tensor,
    labels: torch.Tensor,
    n_classes: int,
    steps: int,
    lr: float,
    weight_decay: float,
) -> tuple[LinearHead, list[float]]:
    """Fit a LinearHead on (N, d) features and N integer labels, full batch with Adam.

    Returns (head in eval mode, training loss after each step).
    """
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(
            f"features must be (N, d) with one row per label, got {tuple(features.shape)} "
            f"and {len(labels)} labels"
        )
    check_int("steps", steps, low=1)
    head = LinearHead(features.shape[1], n_classes)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(head(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return head.eval(), losses
