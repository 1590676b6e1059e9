# safetykg: the same commands locally and in CI (.ci/run calls `make test`).
#
#   make run      set up .venv (and node_modules), build the store, serve on $(HOST):$(PORT)
#   make test     set up, then pytest WITHOUT the `slow` suites, plus the doctests in safetykg/
#   make test-all set up, then every suite, `slow` included
#   make test-crash  the slow crash test alone (>= 20 SIGKILL rounds; CI runs it after make test)
#   make lint     ruff over everything
#
# The venv is (re)installed when pyproject.toml changes (stamp file), the front-end
# libraries when package.json / package-lock.json change (`npm ci`).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.npm-ci
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help run build serve test test-all test-crash lint venv npm-deps clean

help:
	@sed -n '3,7p' Makefile | sed 's/^# \{0,1\}//'

$(VENV_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	touch $@

venv: $(VENV_STAMP)

# Front-end libraries (package.json, written by the UI work): installed with `npm ci`
# only when package.json exists; a no-op otherwise.
ifneq ($(wildcard package.json),)
npm-deps: $(NPM_STAMP)
$(NPM_STAMP): package.json $(wildcard package-lock.json)
	npm ci
	touch $@
else
npm-deps:
	@true
endif

SAMPLE_HAZARDS := graph_data/samples/hazards.csv

# Build the store from the plan text, then load the sample hazards (synthetic, marked so).
build: venv
	$(BIN)/safetykg build --data-dir $(DATA_DIR)
	$(BIN)/safetykg ingest --data-dir $(DATA_DIR) $(SAMPLE_HAZARDS)

serve: venv npm-deps
	$(BIN)/safetykg serve --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

run: venv npm-deps build
	$(BIN)/safetykg serve --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

test: venv npm-deps
	@echo "pytest: running every suite except those marked 'slow' (use 'make test-all' for those)"
	$(BIN)/pytest -m "not slow" --doctest-modules safetykg tests $(PYTEST_ARGS)

test-all: venv npm-deps
	$(BIN)/pytest --doctest-modules safetykg tests $(PYTEST_ARGS)

test-crash: venv
	$(BIN)/pytest -m slow tests/reliability/test_crash.py $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(DATA_DIR) .pytest_cache .ruff_cache

# Benchmarks (not part of `make test` or CI; see bench/README.md). `bench-peer` makes the
# peers' own venv (rdflib-endpoint, and Oxigraph server at pyoxigraph's version); `wrk`
# (Debian's package) is used for HTTP load when installed, else the harness's asyncio client.
.PHONY: bench bench-quick bench-peer

BENCH_ARGS ?=
BENCH_PEER := bench/.venv-peer/.installed

$(BENCH_PEER): $(VENV_STAMP)
	test -x bench/.venv-peer/bin/python || $(PYTHON) -m venv bench/.venv-peer
	bench/.venv-peer/bin/pip install 'rdflib-endpoint[cli]' uvicorn \
		"oxigraph==$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("pyoxigraph"))')"
	touch $@

bench-peer: $(BENCH_PEER)

bench: venv bench-peer
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: venv bench-peer
	$(BIN)/python -m bench --quick $(BENCH_ARGS)
