"""Print the pip section of environment.yml as a requirements list (stdlib only).

The Makefile pipes this into `pip install -r /dev/stdin`, so environment.yml stays the one
place that lists versions. Usage: python3 tools/requirements.py [environment.yml]
"""

import pathlib
import sys


def pip_requirements(text: str) -> list[str]:
    """The entries under `- pip:` in a conda environment file, comments dropped."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    except StopIteration:
        raise SystemExit("environment.yml has no '- pip:' section") from None
    indent = len(lines[start]) - len(lines[start].lstrip())
    requirements = []
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break  # the pip section ended
        if stripped.startswith("- "):
            requirements.append(stripped[2:].split("#")[0].strip())
    return requirements


if __name__ == "__main__":
    path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "environment.yml")
    print("\n".join(pip_requirements(path.read_text())))
