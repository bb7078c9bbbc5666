# Two commands for a fresh machine: `make demo` and `make test`. Each creates .venv and installs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types unit docs docs-check bench mutate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/clevertap-async demo

test: lint types unit docs-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# The documentation site (mkdocs.yml, docs/) into site/; builds offline. docs-check fails on any
# warning (a broken link or API reference), and runs in make test.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-check: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/docs-check-site

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Mutation testing, not part of `make test` (tens of minutes): MUTATE_ARGS="protocol batching" for some
# modules only, "--tests-from main --label before" to score older tests. See docs/mutation-testing.md.
mutate: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,mutation]'
	$(BIN)/python tools/mutate.py $(MUTATE_ARGS)

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .hypothesis .mutation
