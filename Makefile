# nnsreport — the front door. `make help` lists the targets.
# On a fresh machine (Python 3.11+, pip) `make report` and `make test` set
# everything up themselves: a virtual environment in .venv with pinned packages,
# and for the tests the system programs they use (tools/setup-system.sh).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.test-installed-$(shell cat requirements-test.txt tools/setup-system.sh | cksum | cut -d' ' -f1)
# axe-core (the accessibility checks of the HTML report), pinned by tools/package-lock.json
AXE    := tools/node_modules/axe-core/axe.min.js
YEAR   ?= 2022
FORBUND ?=
WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help report report-all jamforelse notebooks test test-fast lint bench ingest audit check nytt-ar template clean distclean

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

$(STAMP): requirements.txt pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP) requirements-test.txt tools/setup-system.sh
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	tools/setup-system.sh
	@rm -f $(VENV)/.test-installed-*
	@touch $(TEST_STAMP)

$(AXE): $(TEST_STAMP) tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	@touch $(AXE)

report: $(STAMP) ## Render the national report and the comparison between förbund (HTML + PDF) for YEAR; FORBUND="name" for a local one
	$(BIN)/nnsreport render --year $(YEAR) --workers $(WORKERS) $(if $(FORBUND),--forbund "$(FORBUND)")
	$(if $(FORBUND),,$(BIN)/nnsreport render --year $(YEAR) --workers $(WORKERS) --jamforelse)

jamforelse: $(STAMP) ## Render only the comparison between förbund (funnel plots) for YEAR into _output/YEAR/jamforelse/
	$(BIN)/nnsreport render --year $(YEAR) --workers $(WORKERS) --jamforelse

report-all: $(STAMP) ## Render every förbund's local report and the comparison for YEAR, in parallel, with an index page
	$(BIN)/nnsreport render --year $(YEAR) --all-forbund --workers $(WORKERS)

notebooks: $(STAMP) ## Execute the notebooks into the tree, write _variables.yml and _rapport.yml (then `quarto render`); FORBUND="name" for a local one (`quarto render --profile lokal`), JAMFORELSE=1 for the comparison (`quarto render --profile jamforelse`)
	$(BIN)/nnsreport notebooks --year $(YEAR) $(if $(FORBUND),--forbund "$(FORBUND)")$(if $(JAMFORELSE), --jamforelse)

lint: $(TEST_STAMP) ## Check code style (ruff) and the package's layers (import-linter)
	$(BIN)/ruff check --no-cache lib tests tools
	$(BIN)/lint-imports --no-cache

test: lint $(AXE) ## Run every test: unit, doctests and end-to-end (renders, LibreOffice, axe-core in Chromium)
	$(BIN)/python -m pytest -n $(WORKERS)

test-fast: $(TEST_STAMP) ## Run the tests except the slow end-to-end ones
	$(BIN)/python -m pytest -n $(WORKERS) -m "not e2e"

bench: $(STAMP) ## Benchmark: cold, naive (papermill CLI), unchanged rebuild, batch of all förbund
	$(BIN)/python tools/bench.py --year $(YEAR)

ingest: $(STAMP) ## Check the registration files and rebuild data/aggregated (nothing written on error)
	$(BIN)/nnsreport ingest

audit: $(STAMP) ## Compare computed figures with the published 2022 report; check it against itself
	$(BIN)/nnsreport audit --year 2022

check: $(STAMP) ## Check registration files: make check FILES="data/registration/2022"
	$(BIN)/nnsreport check $(or $(FILES),data/registration/$(YEAR))

nytt-ar: $(STAMP) ## Start a new year: folders, text drafts, templates and a checklist: make nytt-ar YEAR=2023
	$(BIN)/nnsreport nytt-ar $(YEAR)

template: $(STAMP) ## A blank registration file: make template FORBUND="name" YEAR=2023
	$(BIN)/nnsreport template --forbund "$(FORBUND)" --year $(YEAR)

clean: ## Remove build output (_output, _build, executed notebooks, caches)
	rm -rf _output _build .cache report/indicators/*.ipynb report/parts/*.ipynb _variables.yml

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV) tools/node_modules
