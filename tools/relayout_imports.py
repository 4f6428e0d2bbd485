"""Rewrite imports and references of the old flat `helpers/` layout to the new one (issue 12).

    python tools/relayout_imports.py FILE_OR_FOLDER ...          # rewrite in place
    python tools/relayout_imports.py --check FILE_OR_FOLDER ...  # only list what would change

Handles .ipynb (code cells: imports and dotted references; markdown cells: dotted references
and paths; outputs are never touched) and any text file (.py, .md, .json, Makefile, ...):

- `from helpers.OLD import a, b as c` -> `from helpers.NEW import a, b as c`, split into one
  statement per new module when the names moved to different places (e.g. `to_transformers`
  from helpers.gpt to helpers.gpt_interop);
- `from helpers import OLD` -> `from helpers.PACKAGE import NEW as OLD` (the local name stays);
- `import helpers.OLD [as x]` -> `import helpers.NEW [as x]`;
- dotted references anywhere (code, strings, prose): `helpers.tiny_tales.vocabulary` ->
  `helpers.corpora.tiny_tales.vocabulary`, `python -m helpers.bench` -> `python -m tools.bench`;
- paths: `helpers/make_checkpoints.py` -> `tools/make_checkpoints.py`, and renamed test files.

Idempotent: running it twice changes nothing the second time. Standalone (standard library
only); it imports nothing from the course.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

# old module -> new module (modules not listed did not move)
MODULES = {
    # corpora
    "helpers.tiny_tales": "helpers.corpora.tiny_tales",
    "helpers.translation_grammar": "helpers.corpora.translation_grammar",
    # the pretrained MiniLM and what reads it
    "helpers.minilm_features": "helpers.pretrained.features",
    "helpers.attention_maps": "helpers.pretrained.attention_maps",
    "helpers.online": "helpers.pretrained.hub",
    # applications
    "helpers.sentiment": "helpers.applications.sentiment",
    "helpers.ner": "helpers.applications.ner",
    "helpers.retrieval_qa": "helpers.applications.retrieval_qa",
    "helpers.chat_template": "helpers.applications.chat_template",
    "helpers.foundation_models": "helpers.applications.foundation_models",
    "helpers.online_pipelines": "helpers.applications.online_pipelines",
    "helpers.linear_head": "helpers.applications.linear_head",
    # studies: the measurements behind the notebooks' plots
    "helpers.seq2seq_studies": "helpers.studies.seq2seq",
    "helpers.story_quality": "helpers.studies.sample_quality",
    "helpers.word_senses": "helpers.studies.word_senses",
    "helpers.parallelism": "helpers.studies.parallelism",
    # figures
    "helpers.gpt_plots": "helpers.plots",
    # widgets
    "helpers.tokenizer_widget": "helpers.widgets.tokenizer",
    "helpers.attention_widget": "helpers.widgets.attention",
    "helpers.sampling_widgets": "helpers.widgets.sampling",
    # exercises
    "helpers.exercise_bank": "helpers.exercises.bank",
    # maintainer tooling, out of the package
    "helpers.bench": "tools.bench",
    "helpers.bench_sample": "tools.bench.sample",
    "helpers.bench_seq2seq": "tools.bench.seq2seq",
    "helpers.bench_train": "tools.bench.train",
    "helpers.bench_widgets": "tools.bench.widgets",
    "helpers.make_checkpoints": "tools.make_checkpoints",
}
for _n in range(10):
    MODULES[f"helpers.exercise_bank.nb{_n:02d}"] = f"helpers.exercises.bank.nb{_n:02d}"

# (old module, name) -> "new module" or "new module:new name", where names went elsewhere
NAMES = {
    **{
        ("helpers.gpt", name): "helpers.gpt_interop"
        for name in ("to_transformers", "from_transformers", "export_pretrained", "_TRANSPOSED")
    },
    **{
        ("helpers.bench_sample", name): "helpers.studies.sample_quality"
        for name in (
            "TRADEOFF",
            "distinct_ngrams",
            "grammatical_counts",
            "sampling_tradeoff",
            "story_samples",
            "tradeoff_cell",
            "words",
        )
    },
    ("helpers.parallelism", "bench"): "tools.bench.parallelism:run",
    ("helpers.tokenizer_widget", "search_text"): "helpers.widgets.search",
    ("helpers.tokenizer_widget", "search_tool"): "helpers.widgets.search",
}

# old path -> new path (files and folders; test files that were renamed too)
PATHS = {
    "helpers/bench.py": "tools/bench/__init__.py",
    "helpers/make_checkpoints.py": "tools/make_checkpoints.py",
    "helpers/corpora.py": "helpers/corpora/__init__.py",
    "helpers/pretrained.py": "helpers/pretrained/__init__.py",
    "helpers/exercises.py": "helpers/exercises/__init__.py",
    "helpers/widgets.py": "helpers/widgets/__init__.py",
    "helpers/exercise_bank": "helpers/exercises/bank",
    "tests/test_story_quality.py": "tests/test_sample_quality.py",
    "tests/test_minilm_features.py": "tests/test_pretrained_features.py",
    "tests/test_online.py": "tests/test_pretrained_hub.py",
    "tests/test_attention_widget.py": "tests/test_widgets_attention.py",
    "tests/test_sampling_widgets.py": "tests/test_widgets_sampling.py",
    "tests/test_tokenizer_widget.py": "tests/test_widgets_tokenizer.py",
    "tests/test_gpt_plots.py": "tests/test_plots.py",
    "tests/test_seq2seq_studies.py": "tests/test_studies_seq2seq.py",
}
for _old, _new in MODULES.items():
    PATHS.setdefault(_old.replace(".", "/") + ".py", _new.replace(".", "/") + ".py")

_FROM = re.compile(
    r"^(?P<indent>[ \t]*)from[ \t]+(?P<module>helpers(?:\.\w+)*)[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)|[^\n#]*?)(?P<comment>[ \t]*#[^\n]*)?$",
    re.MULTILINE,
)
_IMPORT = re.compile(r"^(?P<head>[ \t]*import[ \t]+)(?P<module>helpers(?:\.\w+)+)", re.MULTILINE)
_DOTTED = re.compile(r"(?<![\w.])helpers(?:\.\w+)+")
_PATH = re.compile(r"(?<![\w/])(?:helpers|tests)/[\w/]+(?:\.py)?")


def _target(module: str, name: str) -> tuple[str, str]:
    """(new module, new name) of `name` imported from old `module`."""
    new = NAMES.get((module, name))
    if new is not None:
        new_module, _, new_name = new.partition(":")
        return new_module, new_name or name
    return MODULES.get(module, module), name


def _split_names(names: str) -> list[tuple[str, str | None]]:
    """[(name, alias or None)] of an import list, parentheses and comments removed."""
    body = re.sub(r"#[^\n]*", "", names).strip()
    if body.startswith("("):
        body = body[1:-1]
    out = []
    for item in body.replace("\\\n", " ").split(","):
        words = item.split()
        if not words:
            continue
        out.append((words[0], words[2] if len(words) == 3 and words[1] == "as" else None))
    return out


def _rewrite_from(match: re.Match) -> str:
    indent, module = match["indent"], match["module"]
    comment = match["comment"] or ""
    names = _split_names(match["names"])
    if not names or names == [("*", None)]:
        return match[0] if module not in MODULES else match[0].replace(module, MODULES[module], 1)
    groups: dict[str, list[str]] = {}
    for name, alias in names:
        if module == "helpers" and f"helpers.{name}" in MODULES:  # from PARENT import LEAF
            parent, _, leaf = MODULES[f"helpers.{name}"].rpartition(".")
            local = alias or name
            groups.setdefault(parent, []).append(leaf if leaf == local else f"{leaf} as {local}")
            continue
        new_module, new_name = _target(module, name)
        local = alias or name
        groups.setdefault(new_module, []).append(
            new_name if new_name == local else f"{new_name} as {local}"
        )
    if list(groups) == [module] and all(
        _target(module, n)[1] == n and not (module == "helpers" and f"helpers.{n}" in MODULES)
        for n, _ in names
    ):
        return match[0]  # nothing moved
    if len(groups) == 1 and all(
        _target(module, n)[1] == n and not (module == "helpers" and f"helpers.{n}" in MODULES)
        for n, _ in names
    ):  # one new module, same names: keep the statement's own formatting
        (new_module,) = groups
        return match[0].replace(f"from {module} import", f"from {new_module} import", 1)
    lines = [f"{indent}from {m} import {', '.join(items)}" for m, items in groups.items()]
    lines[0] += comment
    return "\n".join(lines)


def _rewrite_dotted(match: re.Match) -> str:
    parts = match[0].split(".")
    for i in range(len(parts), 1, -1):
        prefix = ".".join(parts[:i])
        rest = parts[i:]
        if rest and (prefix, rest[0]) in NAMES:
            new_module, new_name = _target(prefix, rest[0])
            return ".".join([new_module, new_name, *rest[1:]])
        if prefix in MODULES:
            return ".".join([MODULES[prefix], *rest])
    return match[0]


def _rewrite_path(match: re.Match) -> str:
    path = match[0]
    for old in sorted(PATHS, key=len, reverse=True):
        if path == old or path.startswith(old.rstrip("/") + "/") and not old.endswith(".py"):
            return PATHS[old] + path[len(old) :]
    return path


def rewrite_code(text: str) -> str:
    """Imports, dotted references and paths in Python source."""
    text = _FROM.sub(_rewrite_from, text)
    text = _IMPORT.sub(lambda m: m["head"] + _rewrite_dotted_module(m["module"]), text)
    return rewrite_text(text)


def _rewrite_dotted_module(module: str) -> str:
    parts = module.split(".")
    for i in range(len(parts), 1, -1):
        prefix = ".".join(parts[:i])
        if prefix in MODULES:
            return ".".join([MODULES[prefix], *parts[i:]])
    return module


def rewrite_text(text: str) -> str:
    """Dotted references and paths only (prose, JSON, Makefiles)."""
    text = _DOTTED.sub(_rewrite_dotted, text)
    return _PATH.sub(_rewrite_path, text)


def rewrite_notebook(text: str) -> str:
    """A notebook's code and markdown cells (not its outputs), in nbformat's JSON layout."""
    nb = json.loads(text)
    changed = False
    for cell in nb.get("cells", []):
        if cell["cell_type"] not in ("code", "markdown"):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        new = rewrite_code(source) if cell["cell_type"] == "code" else rewrite_text(source)
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if not changed:
        return text
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def rewrite_file(path: pathlib.Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return rewrite_notebook(text)
    if path.suffix == ".py":
        return rewrite_code(text)
    return rewrite_text(text)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    targets = [pathlib.Path(a) for a in argv if a != "--check"]
    if not targets:
        print(__doc__)
        return 2
    files = []
    for target in targets:
        if target.is_dir():
            files += sorted(
                p
                for p in target.rglob("*")
                if p.is_file() and p.suffix in (".py", ".ipynb", ".md", ".json", ".toml")
            )
        else:
            files.append(target)
    changed = 0
    for path in files:
        if path.resolve() == pathlib.Path(__file__).resolve():
            continue
        new = rewrite_file(path)
        if new != path.read_text(encoding="utf-8"):
            changed += 1
            print(("would rewrite " if check else "rewrote ") + str(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    print(f"{changed} of {len(files)} files {'need changes' if check else 'changed'}")
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
