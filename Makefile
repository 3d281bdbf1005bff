# Central 156 — the two commands a newcomer needs:
#   make demo   run the system on an embedded SQLite database
#   make test   run every test (installs what the tests need, PostgreSQL included)
# Everything installed is cached: the second run only does what changed.
#
# For contributors, between edits:
#   make check  format check, lint, types, import contract and the fast tier of tests (about
#               30 s with warm caches; no Asterisk, PostgreSQL, speech model or Qt window)
#   make faults the fault-injection suite alone (pytest -m faults)
# Tiers are pytest markers put on from the fixtures a test uses (tests/conftest.py): asterisk,
# postgresql, speech, qt, browser, web (a live web server), plus slow by hand. One tier:
# pytest -m asterisk.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages: the test PostgreSQL server, speech and audio tools, SIP callers, Qt's
# runtime libraries, a virtual screen for screenshots, and Chromium for the citizen page's
# browser tests (Playwright drives Debian's build: its own download needs a CDN).
QT_PACKAGES := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
SYSTEM_PACKAGES := postgresql espeak-ng sox libsox-fmt-mp3 sip-tester $(QT_PACKAGES) xvfb xauth \
	chromium
DEMO_PACKAGES := espeak-ng sox libsox-fmt-mp3 $(QT_PACKAGES)
MYPY_PACKAGES := citizen_center pbx serving gateway web ivr agent_desktop demo bench tests
# The tests that need nothing but Python and the Debian tools make demo installs, in seconds.
FAST_TIER := not (asterisk or postgresql or speech or qt or browser or web or slow)

.PHONY: demo test check check-format check-lint check-types check-imports check-fast lint \
	system-packages venv bench faults clean

demo: venv
	@scripts/install-system-packages $(DEMO_PACKAGES)
	$(BIN)/central156 db upgrade
	$(BIN)/central156 db seed
	$(BIN)/central156 demo-data --if-empty
	$(BIN)/central156 db status
	$(BIN)/central156 prompts build
	$(BIN)/central156 models install whisper-base
	$(BIN)/central156 pbx setup
	$(BIN)/central156 demo run

test: venv system-packages
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PACKAGES)
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest

# The steps one by one, in this order (make -k check runs them all past a failure).
check: check-format check-lint check-types check-imports check-fast

check-format: venv
	$(BIN)/ruff format --check .

check-lint: venv
	$(BIN)/ruff check .

check-types: venv
	$(BIN)/mypy $(MYPY_PACKAGES)

check-imports: venv
	$(BIN)/lint-imports --no-logo

# Bytecode is written here even where PYTHONDONTWRITEBYTECODE is set (as on the project's
# machines): importing the packages from cached .pyc saves seconds of every run.
# Without pytest's unraisable-exception plugin: its five gc.collect() passes at exit cost 3 s
# here; make test keeps it.
check-fast: venv
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -p no:unraisableexception -m "$(FAST_TIER)" -x -q

lint: check-lint check-types check-imports

# The fault-injection suite alone (also part of make test): database down, IVR killed mid-call,
# Asterisk restarted mid-queue, connection flood, resets; about 5 minutes.
faults: venv system-packages
	$(BIN)/python -m pytest -m faults

# Each prints a table (figures and method in bench/README.md); about an hour and a quarter in all.
bench: venv system-packages
	$(BIN)/python -m bench.database
	$(BIN)/python -m bench.reports --quiet
	$(BIN)/python -m bench.speech --voices
	$(BIN)/python -m bench.ivr_capacity
	$(BIN)/python -m bench.desktop
	$(BIN)/python -m bench.gateway
	$(BIN)/python -m bench.soak
	$(BIN)/python -m bench.web --quiet

system-packages:
	@scripts/install-system-packages $(SYSTEM_PACKAGES)

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"' \
		|| { echo "error: Python 3.11 or newer is needed ($(PYTHON))" >&2; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || scripts/install-system-packages python3-venv
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
