# Humus: `make run` installs and serves the app with demo data; `make test` installs and runs every test.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
TERRITORY_FILE ?= ../shared/domain/puglia_territory.csv

.PHONY: install run test lint browser vendor translations translations-update bench clean

install: $(VENV)/.installed app/static/vendor/.done translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

app/static/vendor/.done: frontend-assets.json scripts/vendor_assets.py
	$(BIN)/python scripts/vendor_assets.py
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations >/dev/null

# After adding or changing user-visible strings: refresh the catalogs, then translate the new entries.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
	  -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

# Keys of the case records, added once to an instance/config.py made before they existed.
instance/.case-keys: instance/config.py
	grep -q '^IDENTITY_KEYS' instance/config.py || $(BIN)/python -c "from cryptography.fernet import Fernet; print(f'IDENTITY_KEYS = ({Fernet.generate_key().decode()!r},)')" >> instance/config.py
	grep -q '^PSEUDONYM_KEY' instance/config.py || $(BIN)/python -c "import secrets; print(f'PSEUDONYM_KEY = {secrets.token_hex(32)!r}')" >> instance/config.py
	touch $@

run: install instance/config.py instance/.case-keys
	$(FLASK) db upgrade
	HUMUS_TERRITORY_FILE=$(TERRITORY_FILE) $(FLASK) humus demo
	@echo "Serving Humus on http://127.0.0.1:5000 (Ctrl+C to stop)"
	SESSION_COOKIE_SECURE=false $(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --access-logfile - \
		--logger-class app.access_log.AccessLogger wsgi:app

browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .

test: install browser lint
	$(BIN)/pytest

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python "$$b" || exit 1; done

clean:
	rm -rf $(VENV) app/static/vendor instance .pytest_cache
