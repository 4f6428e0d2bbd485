"""Optional online extras: ask the network briefly, and fall back offline in one sentence.

The course never needs the network. Cells marked "optional, online" call `hub_available()`
first: it answers False at once when offline mode is set (HF_HUB_OFFLINE=1, as in the tests)
and otherwise waits at most `timeout_s` for the Hugging Face hub to answer.
"""

import os
import urllib.error
import urllib.request

HUB_URL = "https://huggingface.co/api/models/gpt2"


def offline_mode() -> bool:
    """True when the environment asks for offline mode (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE)."""
    return any(
        os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def hub_available(timeout_s: float = 3.0) -> bool:
    """True if the Hugging Face hub answers within `timeout_s` seconds (never raises)."""
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
    if offline_mode():
        return False
    try:
        with urllib.request.urlopen(HUB_URL, timeout=timeout_s) as response:
            return response.status == 200
    except OSError:  # URLError, timeouts and refused connections are all OSErrors
        return False


def offline_note(what: str) -> str:
    """The one sentence an optional cell prints when the network is not there."""
    return (
        f"Offline (or the hub did not answer within a few seconds): skipping {what}; "
        "the rest of the notebook does not need it."
    )
