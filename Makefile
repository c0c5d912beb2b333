# Two entry points (see README): `make run` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench soak setup demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Creates or migrates DATABASE_PATH; never loads the demo into it.
setup: $(STAMP)
	$(PY) -m bot setup

# The demo district in its own file (DEMO_DATABASE_PATH, default data/demo.sqlite3), for trying the bot.
demo: $(STAMP)
	$(PY) -m bot setup --demo

# With a token: the bot on DATABASE_PATH. Without: the console chat on the demo database.
run: setup
	$(PY) -m bot run

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: setup
	$(PY) -m bench

soak: $(STAMP)
	$(PY) -m pytest -m soak -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info
