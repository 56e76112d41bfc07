# Laureat — every chore is one command. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN    := $(VENV)/bin
PYTEST_ARGS ?=
# Tests run on every core (pytest-xdist); PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help install install-dev demo serve migrate test test-postgres lint format typecheck check messages clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed ## create .venv and install Laureat
install-dev: $(VENV)/.installed-dev ## create .venv and install Laureat with the test and lint tools

migrate: install ## create or update the SQLite database under var/ (or DATABASE_URL)
	DEBUG=$${DEBUG:-1} $(BIN)/laureat migrate --verbosity 1

demo: migrate ## install, migrate, load the demo, print its accounts, serve http://127.0.0.1:8000 (PORT=…)
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/laureat demo
	@printf "\nLaureat: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)\n\n"
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/laureat runserver $(HOST):$(PORT)

serve: migrate ## serve without loading the demo
	DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/laureat runserver $(HOST):$(PORT)

test: install-dev ## run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
	@$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure here." >&2; exit 1; fi; \
	exit $$status

test-postgres: ## run the suite on the local PostgreSQL (postgres@127.0.0.1:5432, fresh test database)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/laureat} \
		$(MAKE) test PYTEST_ARGS="--create-db $(PYTEST_ARGS)"

lint: install-dev ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev ## format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install-dev ## mypy with django-stubs
	$(BIN)/mypy

check: lint typecheck test ## everything CI checks, on SQLite

messages: install-dev ## update and compile the translations (French source, English)
	cd src/laureat && DEBUG=1 ../../$(BIN)/laureat makemessages -l en --no-obsolete
	cd src/laureat && DEBUG=1 ../../$(BIN)/laureat compilemessages

clean: ## remove the virtualenv, the database and caches
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
