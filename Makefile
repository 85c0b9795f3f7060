# The two commands a newcomer needs (see README):
#   make run   — set everything up (venv, install, French catalogue, migrate, reference data, demo office) and serve
#   make test  — set up and run the whole test suite
# The venv's interpreter: the distribution's CPython when it is 3.11 or newer and can make venvs
# (Debian's is built with PGO and LTO: a median 12 % less CPU per payment request than a plain
# source build such as pyenv's default, README "Bank API load"), else the first python3 on the PATH.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
	$$p -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test venv messages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# The French catalogue (locale/fr/LC_MESSAGES/django.po) compiled to .mo: Django's compilemessages
# runs GNU gettext's msgfmt (Debian package `gettext`). Refresh the catalogue after changing strings:
#   $(PY) manage.py makemessages -l fr --ignore=.venv --ignore=tests --ignore='*/tests/*' --no-obsolete
messages: venv
	@# The UI strings are French in the source: without msgfmt the catalogue is skipped, nothing is lost
	@# but its overrides (a machine with only Python and make still sets up).
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages -l fr --ignore=.venv -v 0; \
	else echo "note: msgfmt (GNU gettext) absent, French catalogue not compiled — apt-get install gettext"; fi

setup: venv messages
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo_office --url http://$(HOST):$(PORT)/

run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

test: venv messages
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$rc
