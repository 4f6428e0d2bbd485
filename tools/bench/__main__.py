"""`python -m tools.bench NAME [--json]` (NAME: seq2seq, parallelism, train, sample, widgets,
translate, or all): see tools/bench/__init__.py."""

import sys

from tools.bench import main

main(sys.argv[1:])
