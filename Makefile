# Aduan — the two commands a newcomer needs are `make run` and `make test`.
# Both set themselves up: a virtualenv in .venv with the pinned dependencies,
# reinstalled only when requirements*.txt or pyproject.toml change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint format bench system-deps clean help docs-preview live-test

help:
	@echo "make run    - siapkan lingkungan lalu jalankan demo (tiga kantor, satu bulan simulasi)"
	@echo "make test   - siapkan lingkungan + server uji (Dovecot), lint, lalu seluruh pengujian"
	@echo "make lint   - ruff (lint + format), mypy (tipe), import-linter (aturan arsitektur)"
	@echo "make bench  - jalankan benchmark di bench/ (mencetak 'nama: nilai satuan')"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Aduan membutuhkan Python 3.11 atau lebih baru"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
	    $(PYTHON) -m venv $(VENV); \
	  else echo "python3 -m venv gagal: pasang paket python3-venv"; exit 1; fi; }
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.deps-run: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

$(VENV)/.deps-dev: requirements-dev.txt $(VENV)/.deps-run
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

run: $(VENV)/.deps-run
	$(BIN)/aduan demo

system-deps:
	@bash scripts/install-system-deps.sh

lint: $(VENV)/.deps-dev
	$(BIN)/ruff check aduan tests bench scripts
	$(BIN)/ruff format --check aduan tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.deps-dev
	$(BIN)/ruff check --fix aduan tests bench scripts
	$(BIN)/ruff format aduan tests bench scripts

test: $(VENV)/.deps-dev system-deps lint
	$(BIN)/python -m pytest -q

# against a real Google account, IMAP inbox and SMTP given in tests/live/live.ini (see live-sample.ini); skips without
live-test: $(VENV)/.deps-dev
	$(BIN)/python -m pytest -v -rs -p no:cacheprovider tests/live

bench: $(VENV)/.deps-dev system-deps
	@for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

docs-preview: $(VENV)/.deps-run system-deps
	$(BIN)/python scripts/preview_documents.py --out var/preview

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
