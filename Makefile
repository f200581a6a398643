# testimony: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt requirements-browser.txt | sha256sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: venv axe run serve test test-quick bench model lint requirements clean

venv: $(STAMP)

# Reinstall whenever a requirements file changes; every package is checked against its hash.
$(STAMP): requirements.txt requirements-dev.txt requirements-browser.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements.txt -r requirements-dev.txt -r requirements-browser.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: venv
	$(BIN)/flask --app wsgi init
	@echo
	@echo "testimony is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Moderation desk: http://$(HOST):$(PORT)/desk/login  (first admin: the name and one-time"
	@echo "password printed above on the first run; a new one: $(BIN)/flask --app wsgi moderators create NAME --role admin)"
	TESTIMONY_BIND=$(HOST):$(PORT) TESTIMONY_WORKERS=1 $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

serve: venv
	$(BIN)/flask --app wsgi init
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: venv axe
	$(BIN)/python -m pytest

# The inner loop: unit, web, desk and redactor tests; not the system drills (servers, faults,
# canaries, upgrades, schema fuzzing) nor the browser. `make test` runs everything.
test-quick: venv
	$(BIN)/python -m pytest tests/unit tests/web tests/desk tests/nlp

# axe-core for the browser tests, at the version and hash package-lock.json pins. Without npm
# the browser tests skip and say why (.ci/run installs npm and Chromium first).
axe: $(if $(shell command -v npm),node_modules/.package-lock.json)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error || echo "could not install axe-core: the browser tests will skip"

bench: venv
	@set -e; for script in bench/*.sh; do bash "$$script"; done

# Rebuild the redactor's fine-tuned entity recogniser (nlp/data/ner/, committed) from the dev
# corpora and gazetteers in the repository; seeded, nothing downloaded. Slow: about half an hour
# on two cores.
model: venv
	TESTIMONY_NER=base $(BIN)/python -m nlp.train_ner

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Recompile the pinned, hashed requirement files after editing the .in files.
requirements: venv
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --generate-hashes --no-emit-index-url --no-emit-find-links --allow-unsafe --strip-extras -q -o requirements.txt requirements.in
	$(BIN)/pip-compile --generate-hashes --no-emit-index-url --no-emit-find-links --allow-unsafe --strip-extras -q -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
