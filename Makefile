# Two commands: `make run` starts the platform on SQLite with a demo region; `make test` runs every test.
# `make run` runs as production does (DEBUG off, collected static files); `make dev` is the developer's server with
# DEBUG, tracebacks in the browser and reloading. Production serving: docs/deploy.md (`rammeaftale serve`).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
DEMO_REGION ?= syddanmark

.PHONY: run dev test setup system-packages clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Collected (hashed, compressed) static files, gathered again only when a static file or the installation changed.
STATIC_MANIFEST := $(or $(RAMMEAFTALE_VAR_DIR),var)/static/staticfiles.json
STATIC_SOURCES := $(shell find src -path '*/static/*' -type f)

$(STATIC_MANIFEST): $(STAMP) $(STATIC_SOURCES)
	$(BIN)/rammeaftale collectstatic --noinput --verbosity 0

# The worker (`db_worker`) makes the large exports in the background; it runs beside the server and stops with it.
WITH_WORKER = $(BIN)/rammeaftale db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM;

run: $(STAMP) $(STATIC_MANIFEST)
	$(BIN)/rammeaftale bootstrap --demo $(DEMO_REGION)
	$(WITH_WORKER) $(BIN)/rammeaftale runserver $(HOST)

dev: $(STAMP)
	$(BIN)/rammeaftale bootstrap --demo $(DEMO_REGION)
	export RAMMEAFTALE_DEBUG=1; $(WITH_WORKER) $(BIN)/rammeaftale runserver $(HOST)

system-packages:
	scripts/ensure-system-packages

# The suite runs on every core (pytest-xdist, one test database per worker; a module marked xdist_group stays on one
# worker, where it builds its data once); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

test: $(STAMP) system-packages
	PYTHONPATH=src $(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var
