# StudyHub: `make run` to try it, `make test` to check it. Both set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install messages migrate demo serve check-deploy bench lint format clean browsers system-deps

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "StudyHub needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

messages: install
	$(PY) -m studyhub.catalogue

migrate: messages
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=1 $(PY) manage.py load_demo

# The development server and, beside it, the worker that runs background jobs
# (imports, index rebuilds); the worker stops when the server does.
run: demo
	@echo "StudyHub: http://$(HOST):$(PORT)/  (log in with an account listed above)"
	@DJANGO_DEBUG=1 $(PY) manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# What the suite needs besides Python packages: a Chromium for the browser tests,
# CJK fonts, LibreOffice (documents are checked as their readers see them) and
# poppler's pdftoppm. As root (a fresh Debian machine, CI) they come from apt-get;
# otherwise Chromium may come from Playwright's download, and anything still
# missing stops here with the exact packages to install.
DEBIAN_PACKAGES := chromium fonts-noto-cjk libreoffice-writer libreoffice-calc poppler-utils

system-deps: install
	@missing=""; \
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "noto.*cjk" || missing="$$missing fonts-noto-cjk"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-writer libreoffice-calc"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then echo "system packages: all present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing && exit 0; \
		echo "apt-get could not install:$$missing"; \
	fi; \
	still=""; \
	for package in $$missing; do \
		if [ "$$package" = chromium ] && $(BIN)/playwright install chromium; then \
			echo "using Playwright's Chromium"; \
		else \
			still="$$still $$package"; \
		fi; \
	done; \
	if [ -n "$$still" ]; then \
		echo "make test needs these Debian packages; install them as root:"; \
		echo "    apt-get install$$still"; \
		exit 1; \
	fi

# The old name of the target.
browsers: system-deps

test: messages system-deps
	$(PY) -m pytest

# Production-style server: see README "Production" for the environment it needs.
serve: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(BIN)/gunicorn studyhub.wsgi --config studyhub/gunicorn.conf.py

# Django's deployment checklist on the production settings: no warning allowed.
# A throw-away key and host stand in for the real ones, which live in the server's env.
check-deploy: messages
	DJANGO_DEBUG=0 DJANGO_HTTPS=1 \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=study.example.cn \
	DJANGO_CSRF_TRUSTED_ORIGINS=https://study.example.cn \
	$(PY) manage.py check --deploy --fail-level WARNING

# The benchmarks (a few minutes): the load test against gunicorn on loopback, alone,
# while the worker rebuilds the search index and while articles are imported, then every member page's cost as a
# multiple of a logged-in page that does nothing, at 1x and 10x data. On the database
# DATABASE_URL names (a temporary database there; SQLite when unset), e.g.
# `make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/studyhub`.
bench: messages
	$(PY) bench/load.py
	$(PY) bench/load.py --during rebuild
	$(PY) bench/load.py --during import
	$(PY) bench/pages.py

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
