# Two commands do all set-up on a fresh machine with Python 3 and make:
#   make run    create .venv, install, execute every notebook (teach profile), write figures/
#   make test   create .venv if needed, run the whole test suite
# Other targets: make venv | make bench (notebook times, throughput; rewrites the README's course map)
#                | make ledger (README's reproduction ledger from figures/*/metrics.json) | make ledger-check
#                | make course-map (README's course map from bench.json and the exercises) | make lab | make clean
#
# Settings (environment or `make VAR=...`):
#   PYTHON          the Python 3 that creates .venv (default: python3)
#   PROFILE         teach (default) runs the notebooks in place; smoke or paper write
#                   executed copies to runs/<profile>/ and figures to figures/<profile>/
#   MNIST_TEST_DIR  folder with the real MNIST test set (t10k-*-ubyte.gz) used for evaluation;
#                   defaults to ../shared/data/mnist-t10k when that folder exists
PYTHON ?= python3
PROFILE ?= teach
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
MNIST_TEST_DIR ?= $(abspath $(firstword $(wildcard ../shared/data/mnist-t10k)))
export MNIST_TEST_DIR
export PYTHONHASHSEED := 0

.PHONY: venv run test bench ledger ledger-check course-map lab clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[test,lab]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --profile $(PROFILE) $(NOTEBOOKS)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

ledger: $(STAMP)
	$(BIN)/python scripts/ledger.py

ledger-check: $(STAMP)
	$(BIN)/python scripts/ledger.py --check

course-map: $(STAMP)
	$(BIN)/python scripts/course_map.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf runs .pytest_cache data/artifacts
