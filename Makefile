# Two entry points do everything from a fresh clone:
#   make chat   set up .venv and open the chat on seeds/
#   make test   set up .venv and run the whole test suite
# and one for the inner loop:
#   make check  the tests not marked slow, with the one-shot memory check
# and one to update the lock file after a change of pyproject.toml:
#   make lock   (make lock UPGRADE=1 also moves every pin to the newest version allowed)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: setup chat test check bench-quality bench-speed clean lock

setup: $(STAMP)

# Exact versions from $(LOCK), each checked against its hashes; --no-deps, so pip resolves
# nothing and installs nothing the lock does not name. torch first, pinned to the CPU build:
# an unpinned torch would pull a multi-GB CUDA build. The lock leaves torch out (its wheel
# differs by where it comes from) but pins everything torch needs.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-deps torch==2.13.0
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# The lock: every dependency of pyproject.toml, core and all extras, pinned with hashes, by
# pip-tools (pinned here too) in a venv of its own. Existing pins are kept unless UPGRADE=1,
# so a new dependency is added without moving the others.
PIP_TOOLS := pip-tools==7.6.2
LOCK_VENV := .venv-lock
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_TOOLS))
	$(LOCK_VENV)/bin/pip-compile --quiet --all-extras --generate-hashes --strip-extras \
		--unsafe-package torch --no-emit-index-url --no-emit-find-links \
		$(if $(UPGRADE),--upgrade) --output-file $(LOCK) pyproject.toml

chat: setup
	$(BIN)/qa

# Tests run on JOBS pytest-xdist workers (JOBS=0: in this process). worksteal splits the tests
# evenly and lets an idle worker take over another's queue; the kill-loop halves lead each share
# (tests/conftest.py). Measured on 2 cores busy with other work: 10 minutes against 15.5.
JOBS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(JOBS) --dist worksteal

# mypy --strict (pyproject.toml [tool.mypy]) on the package first: a type error fails fast.
test: setup
	$(BIN)/mypy qa
	$(PYTEST)

check: setup
	$(PYTEST) -m "not slow"

bench-quality: setup
	$(BIN)/python benchmarks/quality.py

bench-speed: setup
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) .qa benchmarks/.cache

# A longer fuzzing run of every surface (tests/fuzz/targets.py): examples tried and failures
# found per target. `make fuzz FUZZ_EXAMPLES=1000` for more; the test suite runs a few each.
FUZZ_EXAMPLES ?= 300
.PHONY: fuzz
fuzz: setup
	$(BIN)/python benchmarks/fuzz.py --examples $(FUZZ_EXAMPLES)
