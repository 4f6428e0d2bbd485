"""Write the course's setup cell, folded, and the note above it into every notebook.

helpers.course holds the one setup cell (SETUP_CELL), its metadata and its note; this script
puts them after each notebook's first (badge) cell. The cell prints nothing outside Colab, so
its stored output stays empty and the notebook need not be re-executed.
Usage: python tools/setup_cells.py [NOTEBOOK.ipynb ...]   (default: every notebook)
"""

import pathlib
import sys

import nbformat

from helpers.course import SETUP_CELL, SETUP_CELL_METADATA, SETUP_NOTE


def with_setup_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with its setup note and folded setup cell as cells 1 and 2."""
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    setup = nb.cells[first_code]
    setup.source = SETUP_CELL
    setup.metadata.update(SETUP_CELL_METADATA)
    before = nb.cells[first_code - 1]
    if before.cell_type == "markdown" and before.source == SETUP_NOTE:
        return nb
    if first_code == 1:
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(SETUP_NOTE))
    else:
        before.source = SETUP_NOTE
    return nb


def main(paths: list[str]) -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    default = sorted(root.glob("notebooks/[0-9][0-9]_*.ipynb"))
    notebooks = [pathlib.Path(p) for p in paths] or default
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nbformat.write(with_setup_cell(nb), path)
        print(f"{path.name}: setup cell written")


if __name__ == "__main__":
    main(sys.argv[1:])
