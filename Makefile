# Two commands do all the set-up on a fresh machine:
#   make demo   the whole pipeline on an embedded DuckDB with generated sample data
#   make test   the whole test suite (lint, pytest, dbt build on DuckDB and Postgres)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CUSTOMERS ?= 10000

.PHONY: help install demo test lint docs report dagster bench bench-build clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(STAMP): requirements.txt pyproject.toml
	@echo "== creating $(VENV) from requirements.txt"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	@$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)  ## create the virtualenv from the pinned requirements

demo: $(STAMP)  ## generate sample data, load it and dbt build on DuckDB; print what was built
	@DBT_TARGET=dev DBT_SEND_ANONYMOUS_USAGE_STATS=false \
		$(BIN)/mailpipe run --target dev --customers $(CUSTOMERS)

lint: $(STAMP)  ## ruff and sqlfluff
	@echo "== ruff"
	@$(BIN)/ruff check scripts tests
	@$(BIN)/ruff format --check scripts tests
	@echo "== sqlfluff"
	@$(BIN)/sqlfluff lint models analyses snapshots tests/data --disable-progress-bar

test: $(STAMP)  ## the whole suite: lint, then pytest with dbt build on DuckDB and Postgres
	@set -euo pipefail; \
	. .ci/postgres-env; \
	bash .ci/postgres-up; \
	$(MAKE) --no-print-directory lint; \
	echo "== pytest (DuckDB and Postgres)"; \
	MAILPIPE_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest

docs: $(STAMP)  ## the docs site as one offline HTML file: target/static_index.html (after a build)
	@$(BIN)/dbt docs generate --static --quiet
	@echo "wrote target/static_index.html ($$(du -h target/static_index.html | cut -f1)); open it in a browser, no server needed"

report: $(STAMP)  ## the dashboard report as one offline HTML file: target/report.html (after a build)
	@$(BIN)/mailpipe report

dagster: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000 (assets, checks, schedule, sensor); Ctrl-C stops it
	@mkdir -p data/dagster
	@test -f data/dagster/dagster.yaml || cp scripts/orchestration/dagster.yaml data/dagster/
	@DAGSTER_HOME=$(CURDIR)/data/dagster $(BIN)/dagster dev

bench: $(STAMP)  ## generate and load at 100k and 1M customers on DuckDB and Postgres (docs/benchmarks.md)
	@set -euo pipefail; \
	. .ci/postgres-env; \
	bash .ci/postgres-up; \
	$(BIN)/python -m scripts.bench.load_bench

bench-build: $(STAMP)  ## dbt build at 10k, 100k and 1M customers on DuckDB and 100k on Postgres (docs/benchmarks.md)
	@set -euo pipefail; \
	. .ci/postgres-env; \
	bash .ci/postgres-up; \
	$(BIN)/python -m scripts.bench.build_bench --markdown docs/benchmarks-build.md

clean:  ## remove build output and the local DuckDB file (not the landing data)
	rm -rf target logs data/warehouse
