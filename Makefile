# 村社通 — the two commands: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/cunshe
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
DEMO_ENV := CUNSHE_ENV=demo

.PHONY: demo test lint migrations-check test-sqlite test-postgres serve install assets messages \
        keys demo-db bench clean system-packages

## make demo: install what is missing, build the SQLite database, load Jilin and the demo, serve.
demo: install assets messages keys demo-db
	@$(DEMO_ENV) $(PY) manage.py demo_logins
	@HOST=$(HOST) PORT=$(PORT) bash scripts/serve_demo.sh

## make test: lint, migrations check, the whole suite on SQLite, then on PostgreSQL.
test: install assets messages lint migrations-check test-sqlite test-postgres

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Need $(PYTHON) (CPython 3.11)"; exit 1; }
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==24.3.1
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

system-packages:
	@bash scripts/ensure_system_packages.sh $(if $(BROWSER),--browser,)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: var/vendor/.built
var/vendor/.built: node_modules/.package-lock.json scripts/build_assets.py | install
	$(PY) scripts/build_assets.py
	@touch $@

# Compiling catalogues needs no keys or database: run it under the test profile.
messages: install system-packages
	@CUNSHE_ENV=test $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var -v 0

keys: var/keys.json
var/keys.json: | install
	$(PY) -m cunshe.keys var/keys.json

demo-db: install keys
	$(DEMO_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEMO_ENV) $(PY) manage.py import_regions --province 22 --if-empty
	$(DEMO_ENV) $(PY) manage.py workdays_seed
	$(DEMO_ENV) $(PY) manage.py demo_seed --seed 1
	$(DEMO_ENV) $(PY) manage.py collectstatic --no-input -v 0

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: install
	CUNSHE_ENV=test $(PY) manage.py makemigrations --check --dry-run

test-sqlite: install
	$(VENV)/bin/pytest -q -n $(PYTEST_WORKERS) -p no:randomly

# PostgreSQL: DATABASE_URL if given, else the local server. With REQUIRE_POSTGRES=1 (CI) an
# unreachable server fails the run instead of skipping it.
test-postgres: install
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if DATABASE_URL="$$url" $(PY) scripts/pg_available.py; then \
	  echo "== PostgreSQL: $$url"; \
	  DATABASE_URL="$$url" $(VENV)/bin/pytest -q -n $(PYTEST_WORKERS); \
	elif [ "$${REQUIRE_POSTGRES:-0}" = 1 ]; then \
	  echo "REQUIRE_POSTGRES=1 and PostgreSQL is unreachable: failing."; exit 1; \
	else \
	  echo "== PostgreSQL not reachable: skipped (set REQUIRE_POSTGRES=1 to make this an error)"; \
	fi

serve: install
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Each benchmark gets its own scratch database (most drop and re-create theirs). Sizes are the
# scripts' defaults; BENCH_ARGS_residents_import="--persons 200000" make bench shrinks one.
PG_SERVER ?= postgres://postgres@127.0.0.1:5432
bench: install keys
	@for f in bench/[!_]*.py; do \
	  name=$$(basename $$f .py); url="$(PG_SERVER)/cunshe_bench_$$name"; \
	  echo "== $$f  ($$url)"; \
	  if [ "$$name" = residents_generate ]; then \
	    $(PY) -c "import psycopg; c=psycopg.connect('$(PG_SERVER)/postgres'.replace('postgres://','postgresql://',1), autocommit=True); \
	      c.execute('DROP DATABASE IF EXISTS cunshe_bench_residents_generate'); c.execute('CREATE DATABASE cunshe_bench_residents_generate')" && \
	    DATABASE_URL=$$url $(PY) manage.py migrate --no-input -v 0 && \
	    DATABASE_URL=$$url $(PY) manage.py import_regions --province 22 >/dev/null; \
	  fi; \
	  args_var="BENCH_ARGS_$$name"; \
	  DATABASE_URL=$$url $(PY) $$f $${!args_var} || exit 1; \
	done

clean:
	rm -rf var/staticfiles var/vendor node_modules
