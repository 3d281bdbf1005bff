# Central 156 — the two commands a newcomer needs:
#   make demo   run the system on an embedded SQLite database
#   make test   run every test (installs what the tests need, PostgreSQL included)
# Everything installed is cached: the second run only does what changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages: the test PostgreSQL server, speech and audio tools, SIP callers, Qt's
# runtime libraries, and a virtual screen for screenshots.
QT_PACKAGES := libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
SYSTEM_PACKAGES := postgresql espeak-ng sox libsox-fmt-mp3 sip-tester $(QT_PACKAGES) xvfb xauth
DEMO_PACKAGES := espeak-ng sox libsox-fmt-mp3 $(QT_PACKAGES)

.PHONY: demo test lint system-packages venv bench clean

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
	$(BIN)/ruff check .
	$(BIN)/mypy citizen_center pbx ivr agent_desktop demo bench tests
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy citizen_center pbx ivr agent_desktop demo bench tests

# Each prints a table (figures and method in bench/README.md); about 30 minutes in all.
bench: venv system-packages
	$(BIN)/python -m bench.database
	$(BIN)/python -m bench.reports --quiet
	$(BIN)/python -m bench.speech --voices
	$(BIN)/python -m bench.ivr_capacity
	$(BIN)/python -m bench.desktop

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
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache .pytest_cache
