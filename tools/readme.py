"""Rewrite the syllabus table in README.md from helpers.course (run after adding a notebook)."""

import pathlib
import re

from helpers.course import syllabus_table

START, END = "<!-- syllabus:start -->", "<!-- syllabus:end -->"


def updated_readme(readme: str, existing: set[str]) -> str:
    """README text with the block between the syllabus markers regenerated."""
    block = f"{START}\n{syllabus_table(existing)}\n{END}"
    new, count = re.subn(re.escape(START) + r".*?" + re.escape(END), block, readme, flags=re.S)
    if count != 1:
        raise SystemExit(f"README.md must contain exactly one {START} ... {END} block")
    return new


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    existing = {p.name for p in (root / "notebooks").glob("*.ipynb")}
    path = root / "README.md"
    path.write_text(updated_readme(path.read_text(), existing))
    print(f"README.md: syllabus lists {len(existing)} notebooks with Colab badges")
