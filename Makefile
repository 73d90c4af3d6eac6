# Everyday commands. Each target is idempotent: run any of them at any time.
#
#   make venv    Python virtualenv in .venv with the project and its dev tools
#   make infra   start RabbitMQ, FerretDB (MongoDB protocol) and MinIO (infra/local/up.sh)
#   make run     infra + every service and the gateway in the foreground, with demo data
#   make up      the same, detached;  make down  stops it all (keeps data)
#   make unit    the unit tests: seconds, no server started
#   make lint    ruff (lint and format check), import-linter contracts, mypy
#   make quick   every test not marked slow: about half the time of make test
#   make test    the whole test suite against real infrastructure
#   make bench   benchmarks
#   make clean   down, then delete .data (databases, queues, objects, logs)

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv infra run up down unit lint quick test bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(VENV)/bin/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

infra:
	bash infra/local/up.sh

run: venv infra
	$(VENV)/bin/anjian run

up: venv infra
	$(VENV)/bin/anjian up

down:
	-@if [ -x $(VENV)/bin/anjian ]; then $(VENV)/bin/anjian down; fi
	bash infra/local/down.sh

unit: venv
	$(VENV)/bin/python -m pytest tests/unit -q $(PYTEST_ARGS)

# Every check runs, so one pass lists every problem; any failure fails the target.
lint: venv
	@status=0; \
	$(VENV)/bin/ruff check --output-format concise . || status=1; \
	$(VENV)/bin/ruff format --check --output-format concise . || status=1; \
	$(VENV)/bin/lint-imports || status=1; \
	$(VENV)/bin/mypy || status=1; \
	exit $$status

quick: venv
	bash infra/local/up.sh
	$(VENV)/bin/python -m pytest -m "not slow" $(PYTEST_ARGS)

test: venv
	bash infra/local/up.sh --with-browser
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: venv infra
	$(VENV)/bin/python -m bench

clean: down
	bash infra/local/down.sh --purge
	rm -rf .data
