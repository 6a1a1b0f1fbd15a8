# HİM-CRM — the two commands of the README, and their parts.
#   make run    install, migrate, seed demo data, start on http://127.0.0.1:5000 (SQLite, in-process jobs)
#   make test   install, lint, type-check, run the suite on SQLite and again on PostgreSQL

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite's PostgreSQL pass creates (and drops) its own databases on this server.
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres lint services-check clean translations messages

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed translations

# Compile the catalogs (Turkish is the source language; English comes from en/messages.po).
translations: $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d himcrm/translations

# Re-extract the strings after changing user-facing text, then translate the new entries.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o himcrm/translations/messages.pot . >/dev/null
	$(BIN)/pybabel -q update -i himcrm/translations/messages.pot -d himcrm/translations

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed --demo
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

services-check: install
	$(BIN)/python -m tests.services "$(TEST_POSTGRES_URL)" "$(TEST_REDIS_URL)"

test-sqlite: install
	HIMCRM_TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	HIMCRM_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) HIMCRM_TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint services-check test-sqlite test-postgres

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
