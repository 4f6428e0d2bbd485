"""Where the tests find the course: the repository root, its notebooks, and test output."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OUTPUT = ROOT / "tests" / "output"  # screenshots and timing reports; git ignores it
