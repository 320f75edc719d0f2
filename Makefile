# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
# pytest-xdist: one worker per core, a test module's tests on one worker (its module-scoped
# fixtures start once, and tests that build on each other's state keep their order).
PARALLEL ?= -n auto --dist loadfile

.PHONY: demo test test-fast lint labextension bench bench-git bench-results bench-resources bench-bot bench-review bench-render clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/nbreview diff fixtures/example/old.ipynb fixtures/example/new.ipynb --color=auto
	$(BIN)/nbreview web fixtures/example/old.ipynb fixtures/example/new.ipynb

# The JupyterLab extension: Node (Debian's nodejs and npm) builds it from jupyterlab/ into
# build/labextension, which the wheel ships, with @jupyterlab/builder (webpack) against the
# installed JupyterLab's core packages, as `jupyter labextension build` does (any Node >= 18). An editable install has no data files, so the
# venv gets what the wheel installs: the labextension (a link) and the server extension's config.
LABEXT := build/labextension/package.json
LAB_SOURCES := $(wildcard jupyterlab/package*.json jupyterlab/tsconfig.json jupyterlab/src/*.ts jupyterlab/style/*)
SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.d/nbreview.json

$(LABEXT): $(STAMP) $(LAB_SOURCES)
	sh scripts/ensure-debian-package.sh nodejs "building the JupyterLab extension" node nodejs
	sh scripts/ensure-debian-package.sh npm "building the JupyterLab extension" npm
	cd jupyterlab && npm ci --no-audit --no-fund --loglevel=error && npx tsc && node node_modules/@jupyterlab/builder/lib/build-labextension.js --core-path "$$($(CURDIR)/$(BIN)/python -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')" .
	mkdir -p $(VENV)/share/jupyter/labextensions
	rm -rf $(VENV)/share/jupyter/labextensions/nbreview
	ln -s $(CURDIR)/build/labextension $(VENV)/share/jupyter/labextensions/nbreview
	touch $@

$(SERVER_CONFIG): $(STAMP) jupyter-config/jupyter_server_config.d/nbreview.json
	mkdir -p $(dir $@)
	cp jupyter-config/jupyter_server_config.d/nbreview.json $@

labextension: $(LABEXT) $(SERVER_CONFIG)

test: $(STAMP) $(LABEXT) $(SERVER_CONFIG)
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

bench-review: $(STAMP)
	$(BIN)/python benchmarks/review_threads.py

bench-render: $(STAMP)
	$(BIN)/python benchmarks/render.py --pairs 0

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build/labextension jupyterlab/lib jupyterlab/node_modules
