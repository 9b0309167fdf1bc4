# Shortcuts; the README's commands work without make.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run test test-fast bench clean

$(VENV)/bin/mlpipe: setup.py constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/bin/mlpipe

run: install
	$(VENV)/bin/mlpipe run

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow"

bench: install
	$(PY) benchmarks/run_benchmark.py

clean:
	rm -rf mlpipe-output .pytest_cache
