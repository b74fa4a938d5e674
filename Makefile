# StudyHub: `make run` to try it, `make test` to check it. Both set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install messages migrate demo serve check-deploy bench lint format clean browsers

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

run: demo
	@echo "StudyHub: http://$(HOST):$(PORT)/  (log in with an account listed above)"
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive a system Chromium where there is one, else Playwright's own.
browsers: install
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
		echo "using system chromium"; \
	else \
		$(BIN)/playwright install chromium; \
	fi

test: messages browsers
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

# Load benchmark against gunicorn on loopback (bench/load.py; about a minute).
bench: messages
	$(PY) bench/load.py

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
