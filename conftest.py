"""Test setup for the whole repository: the course's offline, CPU-only defaults, nbval's
comparison rules and the notebooks' time budget. At the root so its hooks also reach the
notebooks that nbval collects from notebooks/."""

import json
import os
import pathlib
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parent
OUTPUT = ROOT / "tests" / "output"  # screenshots and timing reports; git ignores it
NOTEBOOK_BUDGET_S = 60  # design: each notebook executes headless within a minute

# Set before any kernel starts, so notebooks inherit them: stored outputs were made on the CPU,
# and nothing may reach a model hub.
os.environ["COURSE_DEVICE"] = "cpu"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_collection_modifyitems(items):
    """nbval compares stderr too; warnings there carry per-run kernel paths, so skip it."""
    for item in items:
        collector = item.parent
        skip = getattr(collector, "skip_compare", None)
        if skip is not None and "stderr" not in skip:
            collector.skip_compare = (*skip, "stderr")


def pytest_runtest_logreport(report):
    """Add up each notebook's time (kernel start included) from its cells' reports."""
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def _over_budget() -> dict[str, float]:
    return {p: s for p, s in _notebook_seconds.items() if s > NOTEBOOK_BUDGET_S}


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if a notebook took longer than its budget; keep the times for the notes."""
    if not _notebook_seconds:
        return
    OUTPUT.mkdir(exist_ok=True)
    times = {path: round(seconds, 1) for path, seconds in sorted(_notebook_seconds.items())}
    (OUTPUT / "notebook_times.json").write_text(json.dumps(times, indent=2) + "\n")
    if _over_budget() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    """Print each notebook's execution time (kernel start included) under the results."""
    if not _notebook_seconds:
        return
    over = _over_budget()
    terminalreporter.write_sep("-", f"notebook execution times (budget {NOTEBOOK_BUDGET_S} s)")
    for path, seconds in sorted(_notebook_seconds.items()):
        flag = "  OVER BUDGET: this fails the run" if path in over else ""
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}{flag}")


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread for a test module: small models run as fast as on two, and a busy
    machine cannot make the threads wait for each other."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
