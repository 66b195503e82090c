# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The embedded demo runs with dev.env applied (DEBUG on, development keys, the simulator
# playing Meta on 127.0.0.1:8001); settings.py itself has no development fallback.
DEV := $(PY) -m titz_broadcast.devenv

.PHONY: run test lint format bench bench-quick screenshots demo-reset messages clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

run: $(STAMP)
	mkdir -p var/broker/processed var/media
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py demo_setup --no-templates
	@echo "Verwaltung: http://127.0.0.1:8000/admin/"
	@echo "Simulator:  http://127.0.0.1:8001/  (Strg-C beendet alles; die Anmeldungen folgen, sobald alles läuft)"
	export TEST_RECIPIENTS="$${TEST_RECIPIENTS:-4915100000099}"; $(DEV) $(PY) manage.py demo_seed & $(DEV) $(VENV)/bin/honcho start -f Procfile

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
	$(DEV) $(PY) manage.py demo_setup --reset
	$(DEV) $(PY) manage.py demo_seed --wait 5 || echo "Start 'make run': it seeds the demo again."

messages: $(STAMP)
	$(DEV) $(PY) manage.py makemessages -l de -l en -l tr -l uk -l ar -l ru --ignore=.venv --ignore=var --ignore=e2e --ignore=bench
	$(DEV) $(PY) manage.py compilemessages --ignore=.venv --ignore=var

clean:
	rm -rf var
