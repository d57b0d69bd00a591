# `make demo` and `make test` install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-pythons lint eval bench bench-spark clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,spark,formats,review]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vertcode code corpus/notes/seed-0[1-4].txt corpus/notes/mtsamples-*.txt

test: lint
	$(BIN)/python -m pytest

# The other Pythons requires-python names, each in a venv of its own: the install and the tests.
# An interpreter comes from pyenv or the PATH (a pyenv shim on the PATH may only refuse, so each
# is tried); one that is not here is said, not hidden.
OTHER_PYTHONS ?= 3.10 3.12
PYENV_VERSIONS ?= $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions

test-pythons:
	@set -e; for v in $(OTHER_PYTHONS); do \
	  py=; for c in $$(ls -d $(PYENV_VERSIONS)/$$v.*/bin/python 2>/dev/null | sort -V | tail -1) $$(command -v python$$v); do \
	    if $$c -c '' 2>/dev/null; then py=$$c; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "Python $$v: no interpreter on this machine, not tested"; continue; fi; \
	  echo "Python $$v: $$py"; \
	  $(MAKE) --no-print-directory PYTHON=$$py VENV=.venv-$$v install; \
	  .venv-$$v/bin/python -m pytest -q; \
	done

# ruff (lint and format, configured in pyproject.toml) and mypy on the package.
lint: $(STAMP)
	$(BIN)/ruff check vertcode tests bench
	$(BIN)/ruff format --check vertcode tests bench
	$(BIN)/mypy

eval: $(STAMP)
	$(BIN)/vertcode eval corpus

clean:
	rm -rf $(VENV) .venv-* build dist *.egg-info

bench: $(STAMP)
	$(BIN)/python bench/bench.py

bench-spark: $(STAMP)
	$(BIN)/python bench/spark_bench.py
