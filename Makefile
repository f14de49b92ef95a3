# Two entry points do everything from a fresh clone:
#   make chat   set up .venv and open the chat on seeds/
#   make test   set up .venv and run the whole test suite
# and one for the inner loop:
#   make check  the tests not marked slow, with the one-shot memory check
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup chat test check bench-quality bench-speed clean

setup: $(STAMP)

# torch first, pinned to the CPU build: an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

chat: setup
	$(BIN)/qa

# Tests run on JOBS pytest-xdist workers (JOBS=0: in this process). worksteal splits the tests
# evenly and lets an idle worker take over another's queue; the kill-loop halves lead each share
# (tests/conftest.py). Measured on 2 cores busy with other work: 10 minutes against 15.5.
JOBS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(JOBS) --dist worksteal

test: setup
	$(PYTEST)

check: setup
	$(PYTEST) -m "not slow"

bench-quality: setup
	$(BIN)/python benchmarks/quality.py

bench-speed: setup
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) .qa benchmarks/.cache

# A longer fuzzing run of every surface (tests/fuzz/targets.py): examples tried and failures
# found per target. `make fuzz FUZZ_EXAMPLES=1000` for more; the test suite runs a few each.
FUZZ_EXAMPLES ?= 300
.PHONY: fuzz
fuzz: setup
	$(BIN)/python benchmarks/fuzz.py --examples $(FUZZ_EXAMPLES)
