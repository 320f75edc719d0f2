# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
# pytest-xdist: one worker per core; a test sharing a module's or the browser package's fixture
# runs on the worker that already has it (tests/support/markers.py gives the groups).
PARALLEL ?= -n auto --dist loadgroup

.PHONY: demo test test-fast lint bench bench-git bench-results bench-resources bench-bot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/nbreview diff fixtures/example/old.ipynb fixtures/example/new.ipynb --color=auto
	$(BIN)/nbreview web fixtures/example/old.ipynb fixtures/example/new.ipynb

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	sh scripts/ensure-debian-package.sh chromium "the browser tests" chromium chromium-browser
	sh scripts/ensure-debian-package.sh redis-server "the queue tests" redis-server
	$(BIN)/python -m pytest $(PARALLEL)

# The unit tests only (no git, browser, redis-server, child process or corpus): under a minute, in
# one process (on 2 cores two workers took as long: each collects the whole suite first).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-git: $(STAMP)
	$(BIN)/python benchmarks/git_diff.py

bench-results: $(STAMP)
	$(BIN)/python benchmarks/results.py

bench-resources: $(STAMP)
	$(BIN)/python benchmarks/resources.py

bench-bot: $(STAMP)
	$(BIN)/python benchmarks/bot_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
