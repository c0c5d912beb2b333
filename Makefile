# Two entry points (see README): `make run` and `make test`. Each sets itself up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-clock lint bench soak setup demo clean

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
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m vulture
	$(PY) -m pytest -n auto
	@$(MAKE) --no-print-directory test-clock

# The suite again with the wall clock a year ahead and a year behind the tests' fixed dates (libfaketime,
# Debian package `faketime`): whatever reads the system clock instead of the injected one (bot/domain/clock.py) fails
# on the day it is written. The process-level crash, reliability and fuzz tests are left out to keep this short.
# Monotonic time moves with the fake clock (a constant offset, so timers still work): libfaketime 0.9.10 with
# FAKETIME_DONT_FAKE_MONOTONIC=1 makes every time.sleep() fail with EINVAL. Under CI=true a missing faketime
# is an error.
CLOCK_SHIFTS  := +365d -365d
CLOCK_IGNORE  := -m "not process and not soak" --ignore=tests/test_fuzz.py
test-clock: $(STAMP)
	@if ! command -v faketime >/dev/null 2>&1; then \
	  if [ "$${CI:-}" = "true" ]; then \
	    echo "make test: faketime is not installed (apt-get install faketime); cannot run the suite off-date" >&2; exit 1; \
	  fi; \
	  echo "*** WARNING: faketime is not installed (sudo apt-get install faketime): the suite was NOT run" >&2; \
	  echo "*** with the wall clock a year ahead and behind. CI (.ci/run) installs it and runs it. ***" >&2; \
	  exit 0; \
	fi; \
	for shift in $(CLOCK_SHIFTS); do \
	  real=$$(date +%s); \
	  fake=$$(faketime -f "$$shift" $(PY) -c 'import time; print(int(time.time()))'); \
	  off=$$(( (fake - real) / 86400 )); \
	  if [ "$${off#-}" -lt 300 ]; then echo "make test: faketime $$shift did not move the clock ($$off days)" >&2; exit 1; fi; \
	  echo "== the test suite again, the wall clock moved $$shift (faketime)"; \
	  faketime -f "$$shift" $(PY) -m pytest -n auto -p no:cacheprovider $(CLOCK_IGNORE) || exit 1; \
	done

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m vulture

bench: setup
	$(PY) -m bench

soak: $(STAMP)
	$(PY) -m pytest -m soak -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info
