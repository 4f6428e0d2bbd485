"""Print the pip section of environment.yml as a requirements list (stdlib only).

The Makefile pipes this into `pip install -r /dev/stdin`, so environment.yml stays the one
place that lists versions. With --override FILE, the pins named in FILE (pip requirement
lines, e.g. tools/colab-versions.txt) replace the ones of the same packages.
Usage: python3 tools/requirements.py [environment.yml] [--override FILE]
"""

import pathlib
import re
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


def requirement_name(requirement: str) -> str:
    """The normalised package name of a requirement such as 'Foo_Bar[x]==1.0'."""
    name = re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def overridden(requirements: list[str], overrides_text: str) -> list[str]:
    """`requirements` with each package named in `overrides_text` pinned as it says there;
    packages only in the overrides are added at the end."""
    overrides = {}
    for line in overrides_text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            overrides[requirement_name(line)] = line
    result = [overrides.pop(requirement_name(r), r) for r in requirements]
    return result + list(overrides.values())


def main(argv: list[str]) -> None:
    args = list(argv)
    override = None
    if "--override" in args:
        at = args.index("--override")
        if at + 1 >= len(args):
            raise SystemExit("--override needs a file of pip requirement lines")
        override = pathlib.Path(args[at + 1])
        del args[at : at + 2]
    path = pathlib.Path(args[0] if args else "environment.yml")
    requirements = pip_requirements(path.read_text())
    if override is not None:
        requirements = overridden(requirements, override.read_text())
    print("\n".join(requirements))


if __name__ == "__main__":
    main(sys.argv[1:])
