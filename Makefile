# nrlink — a newcomer needs two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the default campaign (preset "quick", about a minute on 2 cores)
	$(VENV)/bin/nrlink run quick --db results/quick.db

test: $(STAMP)  ## fast test suite (what CI runs)
	$(PY) -m pytest -q

test-slow: $(STAMP)  ## long statistical tests (decoder quality curves)
	$(PY) -m pytest -q -m slow

bench: $(STAMP)  ## coding, LDPC, physical-layer, channel, link, polar and cell-search benchmarks on one core
	$(PY) bench/coding.py
	$(PY) bench/ldpc.py
	$(PY) bench/phy.py
	$(PY) bench/channel.py
	$(PY) bench/link.py
	$(PY) bench/campaign.py
	$(PY) bench/polar.py
	$(PY) bench/cell_search.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
