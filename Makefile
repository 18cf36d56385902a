# wasmtier — install, run a real program, run the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test bench fuzz clean
N ?= 2000

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# The C shim for signal-based traps (cffi API mode).
	$(PY) -m wasmtier.runtime.native._shim_build
	# Warm the numba cache so no user's first call compiles the interpreter.
	$(PY) -c "from wasmtier.interp import loop; loop.warm()"
	touch $(STAMP)

run: install
	$(VENV)/bin/wasmtier run --stats programs/hello/primes.wasm
	# A longer run: its hot loop moves from the interpreter to tier 1 (OSR).
	$(VENV)/bin/wasmtier run --stats --tier-log /dev/stderr --invoke run programs/mandel.wasm 300

test: install
	$(PY) -c "from wasmtier.interp import loop; loop.warm()"
	$(PY) -m pytest -q -n 2 tests

fuzz: install
	$(PY) tools/differential.py --count $(N) --seed $${SEED:-1000}

bench: install
	$(PY) benches/bench_interp.py --table
	$(PY) benches/bench_baseline.py --table

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
