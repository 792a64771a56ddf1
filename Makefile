# Targets mirror CI: `make test` is exactly what .ci/run runs after starting its services.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
CHROMIUM := /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/parley
REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: venv venv-serve demo test test-sqlite test-postgres lint format migrations-check bench \
	check-chromium check-services mutation

venv: $(STAMP)
venv-serve: $(SERVE_STAMP)

# Reinstall only when pyproject.toml is newer than the stamp. The demo needs only what serving
# needs; the test tooling (pytest, Playwright, ruff, mypy, mutmut) comes with the first `make test`.
$(SERVE_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $(SERVE_STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP) $(SERVE_STAMP)

# `make demo PORT=8080` serves on another port (HOST=0.0.0.0 to be reached from elsewhere).
demo: venv-serve
	$(VENV)/bin/parley demo --host $(HOST) --port $(PORT)
	$(VENV)/bin/parley serve --host $(HOST) --port $(PORT)

# The whole suite twice, side by side (tests/both_engines.py): embedded SQLite, and PostgreSQL +
# Redis. Both must pass.
test: venv check-chromium check-services
	PG_URL=$(PG_URL) REDIS_URL=$(REDIS_URL) $(PY) -m tests.both_engines

test-sqlite: venv check-chromium
	$(PY) -m pytest

test-postgres: venv check-chromium check-services
	PARLEY_DATABASE_URL=$(PG_URL) PARLEY_REDIS_URL=$(REDIS_URL) $(PY) -m pytest

# Browser tests always run; a missing browser is a setup error, not a reason to skip them.
check-chromium:
	@test -x $(CHROMIUM) || { \
	  echo "error: $(CHROMIUM) is missing. The browser tests drive Debian's Chromium;" >&2; \
	  echo "       install it with: sudo apt-get install chromium   (or run .ci/run)" >&2; \
	  exit 1; }

check-services:
	@$(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 3).close()" \
	  2>/dev/null || { echo "error: PostgreSQL is not answering on 127.0.0.1:5432 (.ci/run starts it)" >&2; exit 1; }
	@$(PY) -c "import socket; socket.create_connection(('127.0.0.1', 6379), 3).close()" \
	  2>/dev/null || { echo "error: Redis is not answering on 127.0.0.1:6379 (.ci/run starts it)" >&2; exit 1; }

# lint-imports holds the layers (ARCHITECTURE.md, "Layers"; contracts in pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy parley

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: venv
	$(VENV)/bin/parley manage makemigrations --check --dry-run --settings=parley.settings

# The production server under load (parley/bench/). Engines as PARLEY_DATABASE_URL and
# PARLEY_REDIS_URL say; e.g. make bench BENCH_ARGS="--data-dir var/bench --json bench.json",
# BENCH_ARGS=--in-process for the older in-process timings.
bench: venv
	$(PY) -m parley.cli bench $(BENCH_ARGS)

# Mutation testing (mutmut), a habit tool rather than part of `make test`: `make mutation` runs
# every target (permissions, markup, posting, moderation), `make mutation TARGET=markup` one,
# `make mutation TARGET=markup SURVIVORS=1` re-checks only what the last run left alive.
# Targets and the tests each runs are in pyproject.toml; always SQLite with the test settings.
mutation: venv
	env -u PARLEY_DATABASE_URL -u PARLEY_REDIS_URL \
	  $(PY) -m tests.mutation $(if $(SURVIVORS),--survivors) $(TARGET)
