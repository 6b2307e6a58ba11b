# Kasumi: two set-up commands for a fresh machine.
#   make run   install, migrate, load demo data, serve http://127.0.0.1:8000
#   make test  install and run the whole suite (lint, types, SQLite and PostgreSQL legs, browser)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev lint demo bench clean

$(BIN)/python:
	"$$(scripts/find-python)" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

run: install
	scripts/system-packages
	$(BIN)/kasumi migrate --no-input
	$(BIN)/kasumi demo --if-empty
	$(BIN)/kasumi runserver 127.0.0.1:8000

test: install-dev
	scripts/system-packages
	scripts/test

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

bench: install-dev
	$(BIN)/python benchmarks/registry_import.py

clean:
	rm -rf $(VENV) var
