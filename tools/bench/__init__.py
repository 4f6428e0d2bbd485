"""`python -m tools.bench NAME [--json]`: the course's performance figures (`make bench`).

One module per benchmark in this folder (seq2seq, parallelism, train, sample, widgets,
translate), each with a `run()` returning a dict of figures; ratios are measured side by side
in one process.
NAME "all" runs every one. The entry point is `main` (tools/bench/__main__.py calls it).
"""

import importlib
import importlib.util
import json
import sys

# name -> "module:function"; each function takes no arguments and returns a JSON-able dict
BENCHMARKS = {
    "seq2seq": "tools.bench.seq2seq:run",
    "parallelism": "tools.bench.parallelism:run",
    "train": "tools.bench.train:run",
    "sample": "tools.bench.sample:run",
    "widgets": "tools.bench.widgets:run",
    "translate": "tools.bench.translate:run",
}


def run(name: str) -> dict:
    """The figures of benchmark `name`."""
    if name not in BENCHMARKS:
        raise ValueError(f"name must be one of {', '.join(BENCHMARKS)} or all, got {name!r}")
    module, function = BENCHMARKS[name].split(":")
    return getattr(importlib.import_module(module), function)()


def main(argv: list[str]) -> None:
    as_json = "--json" in argv
    names = [a for a in argv if a != "--json"] or ["all"]
    if names == ["all"]:
        names = [n for n in BENCHMARKS if importlib.util.find_spec(BENCHMARKS[n].split(":")[0])]
    results = {}
    for name in names:
        try:
            results[name] = run(name)
        except ValueError as error:
            sys.exit(str(error))
        if not as_json:
            print(f"== {name}")
            for key, value in results[name].items():
                print(f"  {key}: {value}")
    if as_json:
        print(json.dumps(results[names[0]] if len(names) == 1 else results, indent=2))
