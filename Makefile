# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run serve test install lint format check-migrations bench clean translations reset-demo

# The French catalogs, compiled from their .po sources (the .mo files are not committed).
PO := $(wildcard neighbours/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(VENV)/.installed $(MO)

# After changing messages in the code: refresh the template and the French catalog, then
# translate what is new (tests/test_i18n.py lists what is missing).
translations: install
	$(BIN)/pybabel extract -F neighbours/translations/babel.cfg -k _l -k lazy_gettext \
		--no-location --sort-output -o neighbours/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i neighbours/translations/messages.pot \
		-d neighbours/translations -l fr

# Zero setup: SQLite under instance/, Socket.IO in-process, a job consumer in threads of the
# server (its queue in instance/jobs.db: reminders, briefs, housekeeping), the demo seeded. A front end on
# another origin: `make run CORS_ORIGINS=http://localhost:5173` (comma-separated).
export CORS_ORIGINS
run: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/flask db upgrade
	env -u DATABASE_URL -u REDIS_URL $(BIN)/flask seed-demo
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m neighbours --port $(PORT)

# Back to the demo as first seeded: empties the SQLite database of `make run` and seeds it
# again (`flask seed-demo --reset`; refused when NEIGHBOURS_ENV=production).
reset-demo: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/flask db upgrade
	env -u DATABASE_URL -u REDIS_URL $(BIN)/flask seed-demo --reset

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

# The app against a bare baseline, path by path (bench/versus.py: PostgreSQL, Redis, Node 18+
# with npm), then the event log's cost (bench/event_log.py). Both run even if the first misses
# a goal; the status is 1 if either did. BENCH_ARGS="--quick" or "--only feed,signup".
bench: install
	@status=0; \
	$(BIN)/python -m bench $(BENCH_ARGS) || status=1; \
	$(BIN)/python -m bench.event_log || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
