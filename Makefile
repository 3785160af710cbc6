# Two commands matter: `make run` and `make test`. Both build .venv from uv.lock first.
# uv is bootstrapped into .tools/ with pip when it is not on the PATH.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PORT ?= 8501
# Local mode (no [auth] in .streamlit/secrets.toml) only ever listens on this machine.
ADDRESS ?= 127.0.0.1
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test test-fast lint bench demo clean

install: $(VENV)/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# --compile-bytecode: the packages' .pyc files are written once here. Without them every
# process compiles what it imports again when PYTHONDONTWRITEBYTECODE is set or site-packages
# is read-only: `python -m dashboard --help` took 5.8-8.9 s instead of 1.7-3.0 s (loaded machine).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --quiet --compile-bytecode
	touch $@

run: install
	$(VENV)/bin/python -m dashboard demo --if-empty
	$(VENV)/bin/python -m dashboard serve --port $(PORT) --address $(ADDRESS)

test: install
	$(VENV)/bin/python -m pytest -q

test-fast: install
	$(VENV)/bin/python -m pytest -q -m "not browser and not slow"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
