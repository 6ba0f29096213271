# The one entry point: every command the README shows goes through here.
# `make demo` and `make test` create the virtual environment on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install demo test test-fast lint bench golden constraints clean

help:
	@echo "make demo   build examples/articles into examples/public/ (Atom, RSS, JSON Feed, OPML, index.html)"
	@echo "make test   run the whole test suite"
	@echo "make test-fast  the suite without the browser tests (no Chromium needed)"
	@echo "make lint   ruff + mypy (strict)"
	@echo "make bench  time builds of 1,000-100,000 generated articles against floors and Hugo (BENCH_ARGS=\"--sizes 1000,10000\")"
	@echo "make golden regenerate the golden feed files after an intended change"
	@echo "make clean  remove the virtual environment and build output"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "feedgen-miit needs Python 3.11 or newer; run: make PYTHON=python3.11 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/feedgen-miit build examples/articles --out examples/public
	@echo "Feed written to examples/public/atom.xml (rss.xml, feed.json, feeds.opml and index.html beside it)"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy feedgen_miit tests bench

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

golden: $(STAMP)
	$(BIN)/python -m tests.golden

constraints: $(STAMP)
	@{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip list --format=freeze --exclude-editable \
		| grep -viE '^(pip|setuptools)=='; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis examples/public
