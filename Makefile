# Knotwork developer commands (plain GNU make). Every target installs first; the install is skipped
# while .venv/.installed is newer than pyproject.toml.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCHES := $(sort $(wildcard bench/bench_*.py)) bench/queue_bench.py

.PHONY: run install test bench conformance lint docs

run: install
	$(PY) main.py

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

test: install
	$(PY) -m pytest -q

bench: install
	@if [ -z "$(BENCHES)" ]; then echo "no bench/bench_*.py scripts yet"; fi
	@for script in $(BENCHES); do \
		echo "== $$script"; \
		$(PY) $$script || exit 1; \
	done

conformance: install
	$(PY) -m tests.conformance.report
	$(PY) -m pytest -q tests/conformance

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy engine

docs: install
	$(PY) -m services.docs build build/docs
