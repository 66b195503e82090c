# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The embedded demo: the simulator plays Meta on 127.0.0.1:8001.
export WHATSAPP_API_BASE_URL ?= http://127.0.0.1:8001
export SIMULATOR_WEBHOOK_URL ?= http://127.0.0.1:8000/whatsapp/webhook/

.PHONY: run test lint format bench bench-quick screenshots demo-reset messages clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(STAMP)
	mkdir -p var/broker/processed var/media
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	@echo "Admin:     http://127.0.0.1:8000/admin/"
	@echo "Simulator: http://127.0.0.1:8001/  (Ctrl-C stops everything)"
	export TEST_RECIPIENTS="$${TEST_RECIPIENTS:-4915100000099}"; $(PY) manage.py demo_seed & $(VENV)/bin/honcho start -f Procfile

test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) -m bench

bench-quick: $(STAMP)
	$(PY) -m bench --quick

# The README's screenshots: the end-to-end journeys, writing into docs/screenshots.
screenshots: $(STAMP)
	E2E_SCREENSHOTS_DIR=docs/screenshots $(VENV)/bin/pytest -m e2e

# Restores the demo's starting state; with `make run` going, it is seeded again at once.
demo-reset: $(STAMP)
	$(PY) manage.py demo_setup --reset
	$(PY) manage.py demo_seed --wait 5 || echo "Start 'make run': it seeds the demo again."

messages: $(STAMP)
	$(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore=var --ignore=e2e --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var
