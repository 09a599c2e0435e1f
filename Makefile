# Two commands: `make run` starts the platform on SQLite with a demo region; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
DEMO_REGION ?= syddanmark

.PHONY: run test setup system-packages clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/rammeaftale bootstrap --demo $(DEMO_REGION)
	$(BIN)/rammeaftale runserver $(HOST)

system-packages:
	scripts/ensure-system-packages

test: $(STAMP) system-packages
	PYTHONPATH=src $(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var
