"""The progress line of the training loops: one line updated in place, ending in its final state."""

import pytest
from IPython.display import Pretty

import helpers.widgets.progress as progress_module
from helpers.widgets.progress import Progress


class _Handle:
    def __init__(self, shown):
        self.shown = [shown]

    def update(self, shown):
        self.shown.append(shown)


@pytest.fixture
def notebook(monkeypatch):
    """Pretend to run in a Jupyter kernel; collect what would be displayed."""
    handles = []

    def display(shown, display_id):
        assert display_id is True
        handles.append(_Handle(shown))
        return handles[-1]

    monkeypatch.setattr(progress_module, "_in_notebook", lambda: True)
    monkeypatch.setattr(progress_module, "display", display)
    return handles


def test_in_a_notebook_the_line_ends_in_its_final_state(notebook):
    bar = Progress(300, "training", every_s=3600)  # only the first and last draws
    for step in range(300):
        bar.update(step + 1, loss=6.0 - step / 100)
    bar.close()
    (handle,) = notebook
    assert all(isinstance(s, Pretty) for s in handle.shown)
    assert handle.shown[0].data == "training: 0/300 steps"
    assert handle.shown[-1].data == "training: 300/300 steps, loss 3.010"
    assert bar.text() == "training: 300/300 steps, loss 3.010"


def test_disabled_shows_nothing(notebook):
    bar = Progress(5, enabled=False)
    bar.update(5, loss=1.0)
    bar.close()
    assert notebook == []


def test_outside_a_notebook_it_is_a_tqdm_bar_on_stderr(capsys):
    bar = Progress(4, "steps")
    for done in range(1, 5):
        bar.update(done, loss=0.5)
    bar.close()
    assert "4/4" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("total", "done", "error", "named"),
    [
        (0, 0, ValueError, "total"),
        (3.0, 0, TypeError, "total"),
        (3, 4, ValueError, "done"),
        (3, -1, ValueError, "done"),
    ],
)
def test_bad_counts_name_the_argument(total, done, error, named):
    with pytest.raises(error, match=named):
        Progress(total, enabled=False).update(done)
