"""A progress line for training loops that ends showing where it ended.

tqdm's notebook bar is a widget: a saved notebook keeps only the text it had when it appeared
("0%"), so a reader sees an unfinished bar above finished results. `Progress` instead shows one
line of text, updated in place while the loop runs ("training: 120/300 steps, loss 2.412"); the
notebook keeps its last state ("training: 300/300 steps, loss 2.131"). Outside a notebook
(scripts, tests) it falls back to tqdm's text bar on stderr.

    progress = Progress(steps, "training")
    for step in range(steps):
        ...
        progress.update(step + 1, loss=loss.item())
    progress.close()
"""

import time

from IPython import get_ipython
from IPython.display import Pretty, display
from tqdm import tqdm

from helpers._checks import check_int

__all__ = ["Progress"]


class Progress:
    """Steps done out of `total`, with the latest values (e.g. loss), on one line.

    `update(done, **values)` sets how many steps are done; the display is redrawn at most every
    `every_s` seconds and always at the end. `enabled=False` shows nothing.
    """

    def __init__(self, total: int, desc: str = "training", enabled: bool = True, every_s=0.25):
        check_int("total", total, low=1)
        self.total, self.desc, self.enabled, self.every_s = total, desc, enabled, every_s
        self.done, self.values = 0, {}
        self._last_draw = 0.0
        self._handle = self._bar = None
        if not enabled:
            return
        if _in_notebook():
            self._handle = display(Pretty(self.text()), display_id=True)
        else:
            self._bar = tqdm(total=total, desc=desc)

    def text(self) -> str:
        """The line as it reads now."""
        values = "".join(f", {name} {value:.3f}" for name, value in self.values.items())
        return f"{self.desc}: {self.done}/{self.total} steps{values}"

    def update(self, done: int, **values: float) -> None:
        check_int("done", done, low=0, high=self.total)
        step, self.done = done - self.done, done
        self.values.update(values)
        if self._bar is not None:
            self._bar.update(step)
            if values:
                self._bar.set_postfix({k: f"{v:.3f}" for k, v in self.values.items()})
        if self._handle is not None:
            now = time.monotonic()
            if done == self.total or now - self._last_draw >= self.every_s:
                self._handle.update(Pretty(self.text()))
                self._last_draw = now

    def close(self) -> None:
        """Draw the final state (and close tqdm's bar)."""
        if self._handle is not None:
            self._handle.update(Pretty(self.text()))
        if self._bar is not None:
            self._bar.close()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Colab, nbclient), False in a terminal."""
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")
