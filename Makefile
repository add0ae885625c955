# Two commands: `make run` (set up and serve the portal) and `make test` (the whole suite).
# Django 6 needs Python >= 3.12. PYTHON=/path/to/python3.12 overrides the search below.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VPY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TASK_WORKERS ?= 2
# What is installed, and for which pyproject.toml: serving needs only the dependencies;
# the test tools (pytest, Playwright, ruff…: the "test" extra) come with `make test`.
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# Find a working interpreter >= 3.12: $PYTHON first, then versioned names on the PATH,
# then pyenv's and the usual system locations. A pyenv shim whose version is not
# selected fails the check and is skipped.
FIND_PYTHON = for candidate in "$$PYTHON" python3.14 python3.13 python3.12 python3 \
	    $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /root/.pyenv/versions/3.1[2-9]*/bin/python3 \
	    /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  [ -n "$$candidate" ] || continue; \
	  if "$$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    echo "$$candidate"; exit 0; \
	  fi; \
	done; exit 1

.PHONY: help
help:
	@echo "make run    set up (virtualenv, database, reference data) and serve http://$(HOST):$(PORT)/"
	@echo "            (or the next free port if $(PORT) is taken: the URL printed is the one served)"
	@echo "make test   set up if needed and run the whole test suite (lint included)"
	@echo "make admin  create or reset an administrator account interactively"
	@echo "make bench  load the public pages with wrk on PostgreSQL (10k and 100k projects) and print a table"

$(STAMP): pyproject.toml
	@python_bin="$$( $(FIND_PYTHON) )" || { \
	  echo "No Python >= 3.12 with venv support was found."; \
	  echo "Install one, e.g. on Debian 13: sudo apt install python3 python3-venv;"; \
	  echo "on Debian 12: install Python 3.12+ (pyenv, or a backport) and run: make run PYTHON=/path/to/python3.12"; \
	  exit 1; }; \
	echo "Using $$python_bin ($$("$$python_bin" --version))"; \
	[ -x $(VPY) ] && $(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { rm -rf $(VENV); "$$python_bin" -m venv $(VENV); }
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(VPY) -m pip install --quiet '.[test]'
	@touch $(TEST_STAMP)

.PHONY: install install-test
install: $(STAMP)
install-test: $(TEST_STAMP)

# var/ holds the database, the secret key, the first admin password, uploads and
# backups: readable by its owner only, however it was created before.
.PHONY: var
var:
	@install -d -m 0700 var && chmod 0700 var

# System libraries from Debian's packages, installed when missing (with sudo unless root):
# WeasyPrint needs Pango (PDF sheets, and the URL configuration imports it); the browser
# tests drive Debian's Chromium.
APT_INSTALL = if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	$$sudo apt-get install -y -qq --no-install-recommends

# HarfBuzz's subsetter makes WeasyPrint embed only the glyphs a PDF uses about a third
# faster than its fallback (fontTools), and later WeasyPrint versions require it.
.PHONY: system-libs
system-libs:
	@libs="$$({ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null)"; \
	echo "$$libs" | grep -q 'libpangoft2-1.0.so' && echo "$$libs" | grep -q 'libharfbuzz-subset.so' || { \
	  echo "Installing Pango and HarfBuzz for WeasyPrint (Debian packages)..."; \
	  $(APT_INSTALL) libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; }

.PHONY: browser
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium for the browser tests (Debian package)..."; \
	  $(APT_INSTALL) chromium; }

.PHONY: setup
setup: install system-libs var
	$(VPY) manage.py migrate --no-input
	$(VPY) manage.py load_reference_data
	$(VPY) manage.py create_initial_admin

.PHONY: run
run: export DEBUG ?= 1
run: setup
	@# The first free port from PORT on (PORT itself when free), so that the URL printed
	@# is the one served. TASK_WORKERS task workers (2) build large PDF dossiers (sharing
	@# the parts of each) and imports in the background; they stop with the server.
	@port="$$($(VPY) -c "$$FREE_PORT" '$(HOST)' '$(PORT)')" || { \
	  echo "No free port from $(PORT) to $$(( $(PORT) + 19 )) on $(HOST): stop what uses them or choose another, e.g. PORT=8080 make run."; \
	  exit 1; }; \
	[ "$$port" = "$(PORT)" ] || echo "Port $(PORT) is in use on $(HOST): using $$port instead."; \
	echo "The portal: http://$(HOST):$$port/ (admin: http://$(HOST):$$port/admin/)"; \
	workers=; for n in $$(seq $(TASK_WORKERS)); do \
	  $(VPY) manage.py db_worker --interval 1 & workers="$$workers $$!"; \
	done; \
	trap 'kill $$workers 2>/dev/null' EXIT INT TERM; \
	$(VPY) manage.py runserver $(HOST):$$port

# Prints the first port from argv[2] on (20 tried) that argv[1] can listen on.
define FREE_PORT
import socket, sys
host, first = sys.argv[1].strip("[]"), int(sys.argv[2])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
for port in range(first, first + 20):
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            continue
    print(port)
    sys.exit(0)
sys.exit(1)
endef
export FREE_PORT

.PHONY: admin
admin: setup
	$(VPY) manage.py createsuperuser

.PHONY: test
test: install-test system-libs browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# Security lint: medium and high findings fail; reviewed exceptions carry "# nosec" and a reason.
	$(VENV)/bin/bandit --quiet --recursive smartcities catalogue caravan municipalities \
	  --exclude '*/migrations/*' --severity-level medium
	$(VPY) -m pytest $(PYTEST_ARGS)

# Benchmarks (issue 7): PostgreSQL on 127.0.0.1:5432, Debian's wrk (installed if missing).
# Not part of `make test` or CI. BENCH_SECONDS, BENCH_RUNS, BENCH_SKIP: see bench/README.md.
.PHONY: bench
bench: install-test system-libs
	$(VPY) bench/run.py
