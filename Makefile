# `make demo` and `make test` install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint eval bench bench-spark clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,spark,formats]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vertcode code corpus/notes/seed-0[1-4].txt corpus/notes/mtsamples-*.txt

test: lint
	$(BIN)/python -m pytest

# ruff (lint and format, configured in pyproject.toml) and mypy on the package.
lint: $(STAMP)
	$(BIN)/ruff check vertcode tests bench
	$(BIN)/ruff format --check vertcode tests bench
	$(BIN)/mypy

eval: $(STAMP)
	$(BIN)/vertcode eval corpus

clean:
	rm -rf $(VENV) build dist *.egg-info

bench: $(STAMP)
	$(BIN)/python bench/bench.py

bench-spark: $(STAMP)
	$(BIN)/python bench/spark_bench.py
