# Transformers, hands-on. Two commands on a fresh machine (Python 3.11+ and make):
#   make lab    build .venv from environment.yml if needed, then open the course in JupyterLab
#   make test   the same .venv, then the whole test suite
# Also: make execute (re-run every notebook in place), make lint, make checkpoints, make bench,
#   make test-portable (outputs the same on any CPU), make test-colab (Colab's package versions).

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first Python 3.11+ on PATH; override with `make PYTHON=/path/to/python3.12 ...`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told to (containers, CI).
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: lab test test-portable test-colab execute lint format checkpoints bench clean help

help:
	@sed -n '1,5p' Makefile | sed 's/^# \{0,1\}//'

# The environment: rebuilt from scratch whenever environment.yml changes, so it never drifts.
$(VENV)/.installed: environment.yml tools/requirements.py
	@[ -n "$(PYTHON)" ] || { echo "make: no Python 3.11 or newer found on PATH." \
		"Install Python 3.11+ (python.org or your package manager), or run" \
		"make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PYTHON) tools/requirements.py environment.yml | $(BIN)/pip install --quiet -r /dev/stdin
	touch $@

# The course's own package, editable, re-installed when its metadata changes.
$(VENV)/.helpers: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

lab: $(VENV)/.helpers
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) $(LAB_ARGS)

test: $(VENV)/.helpers
	$(BIN)/python -m pytest

# The notebooks' compared outputs must not depend on the CPU or the thread count: run them again
# with torch's portable kernels (a different CPU in miniature), on one thread and on two.
test-portable: $(VENV)/.helpers
	ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 $(BIN)/python -m pytest notebooks
	ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=2 $(BIN)/python -m pytest notebooks

# Colab keeps its own packages: a second environment with Colab's versions (tools/colab-versions.txt)
# runs the unit tests and executes every notebook (outputs not compared: versions differ).
COLAB_VENV := .venv-colab
$(COLAB_VENV)/.installed: environment.yml tools/colab-versions.txt tools/requirements.py
	@[ -n "$(PYTHON)" ] || { echo "make: no Python 3.11 or newer found on PATH."; exit 1; }
	rm -rf $(COLAB_VENV)
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) tools/requirements.py environment.yml --override tools/colab-versions.txt \
		| $(COLAB_VENV)/bin/pip install --quiet -r /dev/stdin
	touch $@

test-colab: $(COLAB_VENV)/.installed
	$(COLAB_VENV)/bin/pip install --quiet --no-deps -e .
	$(COLAB_VENV)/bin/python -m pytest tests -p no:nbval -o addopts=-ra -m "not browser"
	$(COLAB_VENV)/bin/python tools/execute.py --check $(NOTEBOOKS)

execute: $(VENV)/.helpers
	$(BIN)/python tools/execute.py $(NOTEBOOKS)

lint: $(VENV)/.helpers
	$(BIN)/ruff check helpers tests notebooks tools conftest.py
	$(BIN)/ruff format --check helpers tests tools conftest.py

format: $(VENV)/.helpers
	$(BIN)/ruff format helpers tests tools
	$(BIN)/ruff check --fix helpers tests notebooks tools

checkpoints: $(VENV)/.helpers
	$(BIN)/python -m tools.make_checkpoints

bench: $(VENV)/.helpers
	$(BIN)/python -m tools.bench all

clean:
	rm -rf $(VENV) $(COLAB_VENV) .pytest_cache .ruff_cache tests/output
