# Channel Performance Workbook — the project's front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DATA ?= data/sample
PLANS ?= plans
QUARTER ?= latest
PARTNERS ?= flagged+top:10
PYTEST_ARGS ?=

.PHONY: help venv reports test test-fast lab workshop screenshots bench lint format sample lock chromium clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0] + " at " + sys.executable + "; set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==$$(grep -E '^pip==' requirements/constraints.txt | cut -d= -f3)"
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev,distributed]'
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv and install the workbook with its locked dependencies

# make reports: the last two quarters, oldest first, so the latest packs review the actions the
# quarter before raised; QUARTER=FY2026-Q3 (or a range) on the command line reports that instead
REPORT_QUARTERS ?= $(if $(filter command line environment,$(origin QUARTER)),$(QUARTER),last:2)

reports: $(STAMP)  ## produce the sample's HTML reports for the last two quarters under reports/ (QUARTER=... for others)
	$(BIN)/channel-workbook report --data $(DATA) --plans $(PLANS) --quarter $(REPORT_QUARTERS) --partners $(PARTNERS) --out reports

chromium:  ## install Debian's chromium for the browser tests when it is missing
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "chromium not found: installing Debian's chromium (apt-get, needs root)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Run as root: apt-get update && apt-get install -y chromium  (or sudo make chromium)"; exit 1; fi; }

test: $(STAMP) chromium  ## run the whole test suite (browser tests included)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=20 $(PYTEST_ARGS)

test-fast: $(STAMP)  ## the tests that start no kernel, server or browser (under a minute)
	$(BIN)/python -m pytest -n 2 --fast-lane $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff, the layer contract (import-linter); notebooks must be stripped
	$(BIN)/ruff check channel_lib tests benchmarks tools notebooks
	$(BIN)/ruff format --check channel_lib tests benchmarks tools
	$(BIN)/lint-imports
	$(BIN)/nbstripout --verify --keep-id notebooks/*.ipynb

format: $(STAMP)  ## apply ruff fixes and strip notebook outputs
	$(BIN)/ruff check --fix channel_lib tests benchmarks notebooks
	$(BIN)/ruff format channel_lib tests benchmarks
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

sample: $(STAMP)  ## regenerate data/sample/ from its documented seed
	$(BIN)/channel-workbook sample --seed 20261 --out data/sample

# JUPYTER_PATH first: the venv's python3 kernel wins over one in ~/.local/share/jupyter;
# JUPYTER_CONFIG_PATH: jupyter-config/ enables the server extension that serves the chart library
lab: $(STAMP)  ## open JupyterLab on 127.0.0.1 on the notebooks with the project kernel
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter-config $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 \
	  --ServerApp.root_dir=. --FileContentsManager.preferred_dir=notebooks \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

workshop: $(STAMP)  ## serve the workshop app with Voilà on 127.0.0.1; decisions go to PLANS
	$(BIN)/channel-workbook workshop --data $(DATA) --plans $(PLANS) --quarter $(QUARTER)

screenshots: $(STAMP) chromium  ## refresh docs/img/ (index, two reports, Lab, workshop; 1280x800)
	$(BIN)/python docs/screenshots.py

bench: $(STAMP)  ## run the benchmarks (generates a 10M-line set once under benchmarks/data)
	$(BIN)/python benchmarks/run.py

lock:  ## re-resolve requirements/constraints.txt in a clean Python 3.11 venv
	rm -rf /tmp/cw-lock && $(PYTHON) -m venv /tmp/cw-lock
	/tmp/cw-lock/bin/python -m pip install --quiet --upgrade pip
	/tmp/cw-lock/bin/python -m pip install --quiet -e '.[dev,distributed]'
	( echo "# Resolved on Python 3.11 by 'make lock'; installed with pip -c by 'make venv'."; \
	  /tmp/cw-lock/bin/python -m pip freeze --all --exclude-editable | grep -v -E '^(setuptools|wheel)==' ) > requirements/constraints.txt

clean:  ## remove generated reports, caches and the virtualenv
	rm -rf reports/* reports/.prepared $(VENV) .pytest_cache .ruff_cache build *.egg-info
