"""Seeds and the compute device: the two things every notebook sets first."""

import os
import random

import numpy as np
import torch

from helpers._checks import check_int


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and torch (CPU and CUDA) so a cell gives the same numbers each run."""
    check_int("seed", seed, 0, 2**32 - 1, message="seed must be an integer in [0, 2**32)")
    seed = int(seed)  # a numpy integer too
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses started from here
    return seed


def _mps_usable() -> bool:
    """True when Apple's MPS backend is built, available and can actually run a kernel."""
    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_available():
        return False
    try:
        torch.ones(1, device="mps") + 1
    except Exception:  # noqa: BLE001  (an unusable MPS raises many kinds of errors)
        return False
    return True


def pick_device(prefer: str | None = None) -> torch.device:
    """The device the course runs on: CUDA if present, else MPS if usable, else CPU.

    `prefer` ("cpu", "cuda", "mps") forces one; the environment variable COURSE_DEVICE does the
    same for a whole session (the tests set COURSE_DEVICE=cpu so outputs match stored ones).
    """
    choice = prefer or os.environ.get("COURSE_DEVICE")
    if choice is not None:
        if choice not in ("cpu", "cuda", "mps"):
            raise ValueError(f"device must be one of 'cpu', 'cuda', 'mps', got {choice!r}")
        if choice == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for, but torch sees no CUDA GPU")
        if choice == "mps" and not _mps_usable():
            raise ValueError("device 'mps' was asked for, but MPS is not usable here")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_usable():
        return torch.device("mps")
    return torch.device("cpu")
