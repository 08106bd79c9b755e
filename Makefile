# « crise » — the README's two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: run setup test test-pg test-fast bench bench-pg system-deps clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## Set everything up and serve the app on http://127.0.0.1:$(PORT) (SQLite in instance/).
run: setup
	CRISE_ENV=$${CRISE_ENV:-development} $(BIN)/crise run --host 127.0.0.1 --port $(PORT)

## Migrate the database, load the reference data, create the first admin if none.
setup: $(STAMP)
	CRISE_ENV=$${CRISE_ENV:-development} $(BIN)/crise setup

## The whole test suite on SQLite, browser tests included.
test: $(STAMP) system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

## The suite without the browser tests (quicker while working).
test-fast: $(STAMP) system-deps
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

## The whole test suite on a throwaway PostgreSQL server.
test-pg: $(STAMP) system-deps
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

## Speed and size figures (see benchmarks/).
bench: $(STAMP)
	@set -e; for script in benchmarks/bench_*.py; do $(BIN)/python $$script; done

## The same figures on PostgreSQL (a throwaway server for each script, and for each size of
## bench_echelle.py: it needs an empty database per size).
bench-pg: $(STAMP)
	@set -e; for script in benchmarks/bench_*.py; do \
	  if [ $$script = benchmarks/bench_echelle.py ]; then \
	    for n in 100000 1000000; do \
	      BENCH_ECHELLES=$$n scripts/with-postgres.sh $(BIN)/python $$script; done; \
	  else scripts/with-postgres.sh $(BIN)/python $$script; fi; done

## Debian packages the tests drive (chromium, poppler-utils, zbar-tools), installed when missing.
system-deps:
	@scripts/ensure-system-deps.sh

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
