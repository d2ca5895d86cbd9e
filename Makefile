# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run serve test install lint format check-migrations bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# Zero setup: SQLite under instance/, Socket.IO in-process, the demo seeded.
run: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/flask db upgrade
	env -u DATABASE_URL -u REDIS_URL $(BIN)/flask seed-demo
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m neighbours --port $(PORT)

# The development server with whatever DATABASE_URL / REDIS_URL the environment gives.
serve: install
	$(BIN)/flask db upgrade
	$(BIN)/python -m neighbours --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Models and migrations agree: upgrade an empty database, then ask Alembic for a diff.
check-migrations: install
	$(BIN)/flask db upgrade
	$(BIN)/flask db check

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
