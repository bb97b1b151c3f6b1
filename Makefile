# media-framing-analysis: `make all` regenerates every output from the bundled sample corpus,
# `make test` runs the whole test suite. Both create the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= figures

.PHONY: all setup test check figures score lab bench clean

all: figures

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt setup.py analysis/_core.c $(wildcard analysis/_core_src/*.h)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps moralizer==0.1.4  # MFD 2.0 word lists (MIT) for tests/measure/test_compat.py
	touch $@

test: setup
	$(BIN)/python -m pytest

check: test
	$(BIN)/python -m ruff check analysis tests benchmarks tools
	$(BIN)/lint-imports --no-cache  # room layering contracts in .importlinter

figures: setup
	$(BIN)/python -m analysis figures --out $(OUT)

score: setup
	$(BIN)/python -m analysis score data/sample/articles.csv --out outputs/sample

lab: setup
	$(BIN)/python -m jupyter lab notebooks/

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) outputs .pytest_cache
