# Everyday commands. `make run` and `make test` are all a newcomer needs; see README.md and docs/operations.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
# Holds the sha256 of the requirements.lock last installed, so a re-run installs only after the lock changed.
STAMP := $(VENV)/.requirements.lock.sha256

HOST ?= 127.0.0.1
PORT ?= 8000

# The PostgreSQL pass of `make test` uses DATABASE_URL when set, else the machine's local server (trust auth);
# pytest-django creates and drops its own `test_<name>` database there.
PG_TEST_URL ?= $(or $(DATABASE_URL),postgres://root@127.0.0.1:5432/test)
# Two workers: the suite is database-bound and this is a 2-core machine. `make test PYTEST_WORKERS=0` runs serially.
PYTEST_WORKERS ?= 2
# The slowest tests are listed after each pass, so a suite that grows slow shows where.
PYTEST_ARGS ?= --durations=15
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS))
# Browser and fuzz tests run once, on SQLite; tests that need PostgreSQL run only in its pass.
SQLITE_MARKERS ?= not postgres
PG_MARKERS ?= not browser and not fuzz

# Production profile (`make prod`); every one of these can be overridden from the environment.
GUNICORN_BIND ?= 127.0.0.1:8000
GUNICORN_WORKERS ?= 2
# Empty: config/gunicorn.py picks (4 on PostgreSQL, 1 on SQLite).
GUNICORN_THREADS ?=
GUNICORN_TIMEOUT ?= 60
CELERY_CONCURRENCY ?= 2
CELERY_LOGLEVEL ?= INFO

# The dbt tool venv for the harvest tests (tests/harvest/test_dbt_real.py): dbt's pins clash with the portal's, so it
# lives apart under .tools/ (git-ignored). Rebuilt when the pins below change.
DBT_VENV := .tools/dbt
DBT_PINS := dbt-core==1.10.15 dbt-postgres==1.10.2
DBT_STAMP := $(DBT_VENV)/.pins

.PHONY: help install run test lint bench migrations-check prod vendor dbt-venv

help:
	@echo "make run               set up .venv, migrate, load the demo mesh, serve http://$(HOST):$(PORT)"
	@echo "make test              the suite on SQLite, then on PostgreSQL ($(PG_TEST_URL)) when reachable"
	@echo "make lint              ruff check, ruff format --check, mypy, the layer check (docs/architecture.md)"
	@echo "make bench             the benchmarks in bench/ (see bench/README.md)"
	@echo "make migrations-check  fail when a model change has no migration"
	@echo "make prod              production profile: gunicorn + Celery worker + beat (docs/operations.md)"
	@echo "make vendor            refresh the vendored front-end files under static/vendor/"
	@echo "make dbt-venv          the dbt tool venv under $(DBT_VENV) for the harvest tests (make test builds it)"

install:
	@test -x $(PY) || { echo "Creating $(VENV)"; python3 -m venv $(VENV); }
	@want=$$(sha256sum requirements.lock | cut -d' ' -f1); \
	if [ "$$(cat $(STAMP) 2>/dev/null)" != "$$want" ]; then \
		echo "Installing requirements.lock into $(VENV)"; \
		$(PY) -m pip install --disable-pip-version-check --quiet -r requirements.lock && echo "$$want" > $(STAMP); \
	fi

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Both passes run even when the first fails, so one `make test` shows everything; it fails if either did.
# pytest's exit code 5 means "no tests selected", which a marker filter may legitimately produce.
dbt-venv:
	@if [ "$$(cat $(DBT_STAMP) 2>/dev/null)" != "$(DBT_PINS)" ]; then \
		echo "Creating $(DBT_VENV) with $(DBT_PINS)"; \
		python3 -m venv $(DBT_VENV) && $(DBT_VENV)/bin/pip install --disable-pip-version-check --quiet $(DBT_PINS) \
			&& echo "$(DBT_PINS)" > $(DBT_STAMP) \
			|| echo "make dbt-venv: could not install dbt (offline?); tests/harvest/test_dbt_real.py will skip"; \
	fi

test: install dbt-venv
	@status=0; \
	echo "== make test: SQLite pass (markers: $(SQLITE_MARKERS)) =="; \
	env -u DATABASE_URL $(PY) -m pytest $(XDIST) -m "$(SQLITE_MARKERS)" $(PYTEST_ARGS); \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || status=1; \
	if $(PY) -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()' \
			"$(PG_TEST_URL)" >/dev/null 2>&1; then \
		echo "== make test: PostgreSQL pass at $(PG_TEST_URL) (markers: $(PG_MARKERS)) =="; \
		DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest $(XDIST) --create-db -m "$(PG_MARKERS)" $(PYTEST_ARGS); \
		rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || status=1; \
	else \
		echo "== make test: SKIPPED the PostgreSQL pass: no server answers at $(PG_TEST_URL) =="; \
	fi; \
	if [ $$status -ne 0 ]; then echo "== make test: FAILED =="; else echo "== make test: passed =="; fi; \
	exit $$status

# All four run, so one pass shows every complaint; it fails if any did. The layer check is a test over the import
# statements (tests/test_architecture.py): it also runs with the suite, and here so that lint alone catches it.
lint: install
	@status=0; \
	echo "== ruff check =="; $(PY) -m ruff check . || status=1; \
	echo "== ruff format --check =="; $(PY) -m ruff format --check . || status=1; \
	echo "== mypy =="; $(PY) -m mypy . || status=1; \
	echo "== layers =="; env -u DATABASE_URL $(PY) -m pytest -q --no-header tests/test_architecture.py || status=1; \
	exit $$status

bench: install
	@set -e; for script in bench/[!_]*.py; do echo "== $$script =="; $(PY) $$script; done

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# The production profile on one host: gunicorn in front, a Celery worker and beat beside it. They stop together
# on Ctrl-C or when any one of them exits. SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL must be set.
prod: install
	@for var in SECRET_KEY DATABASE_URL CELERY_BROKER_URL; do \
		[ -n "$${!var:-}" ] || { echo "make prod: $$var must be set (see docs/operations.md)"; exit 2; }; \
	done
	PORTAL_PROFILE=production $(PY) manage.py check --deploy --fail-level ERROR
	PORTAL_PROFILE=production $(PY) manage.py migrate --no-input
	PORTAL_PROFILE=production $(PY) manage.py collectstatic --no-input
	@export PORTAL_PROFILE=production; \
	beat_schedule="$${PORTAL_VAR_DIR:-var}/celerybeat-schedule"; \
	$(VENV)/bin/celery -A config worker --loglevel $(CELERY_LOGLEVEL) --concurrency $(CELERY_CONCURRENCY) & \
	$(VENV)/bin/celery -A config beat --loglevel $(CELERY_LOGLEVEL) --schedule "$$beat_schedule" & \
	$(VENV)/bin/gunicorn -c python:config.gunicorn config.wsgi --bind $(GUNICORN_BIND) --workers $(GUNICORN_WORKERS) \
		$(if $(GUNICORN_THREADS),--threads $(GUNICORN_THREADS)) --timeout $(GUNICORN_TIMEOUT) --access-logfile - & \
	trap 'kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	wait -n; echo "make prod: a process exited; stopping the others"

vendor:
	bash scripts/vendor_static.sh
