"""Transformers, hands-on: the course's importable helpers.

One module per idea; notebooks import from here. The few names below are what almost every
notebook needs in its first cells.
"""

from helpers.reproducibility import pick_device, seed_everything

__all__ = ["pick_device", "seed_everything"]
__version__ = "0.1.0"
