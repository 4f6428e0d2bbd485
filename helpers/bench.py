"""`python -m helpers.bench NAME [--json]`: the course's performance figures (`make bench`).

Each benchmark lives in the module of what it measures and is a function returning a dict of
figures; ratios are measured side by side in one process. NAME "all" runs every one.
"""

import importlib
import importlib.util
import json
import sys

# name -> "module:function"; each function takes no arguments and returns a JSON-able dict
BENCHMARKS = {
    "seq2seq": "helpers.bench_seq2seq:run",
    "parallelism": "helpers.parallelism:bench",
    "train": "helpers.bench_train:run",
    "sample": "helpers.bench_sample:run",
    "widgets": "helpers.bench_widgets:run",
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


if __name__ == "__main__":
    main(sys.argv[1:])
