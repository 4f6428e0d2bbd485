"""Re-execute notebooks in place, top to bottom, the way the tests will compare them.

Usage: python tools/execute.py [--check] notebooks/00_start_here.ipynb [...]
Runs each notebook in a fresh `python3` kernel (the Python that runs this script) from the
notebooks/ folder with COURSE_DEVICE=cpu and the Hugging Face hub offline (so stored outputs
match what the tests see on any machine), drops the saved widget state (large, and rebuilt
when the notebook runs), and prints how long each notebook took.
With --check nothing is written: each notebook must run top to bottom without an error
(`make test-colab` uses this with Colab's package versions, where outputs may differ).
"""

import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TIMEOUT_PER_CELL_S = 600
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def execute(path: pathlib.Path, write: bool = True) -> float:
    """Execute one notebook (in place unless write is False); return its wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("COURSE_DEVICE", "cpu")
    # the stored outputs are the offline ones (what the tests see): optional online cells skip
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_PER_CELL_S,
        kernel_name="python3",
        record_timing=False,  # no per-cell timestamps: they would change every run
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if not write:
        return seconds
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps from older runs
    nb.metadata["kernelspec"] = KERNELSPEC
    nbformat.write(nb, path)
    return seconds


def main(args: list[str]) -> None:
    write = "--check" not in args
    paths = [a for a in args if a != "--check"]
    if not paths:
        sys.exit("usage: python tools/execute.py [--check] NOTEBOOK.ipynb [...]")
    failed = []
    for name in paths:
        try:
            seconds = execute(pathlib.Path(name), write=write)
        except CellExecutionError as error:
            if write:
                raise
            failed.append(name)
            print(f"{name}: FAILED\n{error}")
            continue
        print(f"{name}: {'executed' if write else 'ran without errors'} in {seconds:.1f} s")
    if failed:
        sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
