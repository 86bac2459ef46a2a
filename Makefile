# kamlab: two commands do everything.  `make app` serves the workbench, `make test` proves it works.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kamlab-installed
PORT   ?= 8866
export KAMLAB_SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: app lab test test-newest bootstrap browser sandbox exercises benchmarks clean

## app: bootstrap, then serve the workbench with Voila on http://127.0.0.1:$(PORT)
##      classroom on a LAN: make app HOST=0.0.0.0 TOKEN=<secret>  (a token is required off loopback)
##      projector: make app PRESENTER=1  (every page in presenter mode)
##      without make (Windows, macOS): kamlab app [--host H --token T --presenter]
##      prints the join address and a QR code (also workshop/join.html); BOARD_PIN=<pin> (default: the TOKEN)
##      lets the trainer clear the workshop board from unit 01 opened with ?trainer=1
app: bootstrap
	$(BIN)/kamlab app --port=$(PORT) $(if $(HOST),--host='$(HOST)') $(if $(TOKEN),--token='$(TOKEN)') \
	  $(if $(BOARD_PIN),--board-pin='$(BOARD_PIN)') $(if $(filter 1 true yes on,$(PRESENTER)),--presenter)

## lab: bootstrap, then open the notebooks in JupyterLab (without make: `kamlab lab`)
lab: bootstrap
	$(BIN)/kamlab lab

## test: bootstrap (plus Debian's Chromium for the browser tests and bubblewrap for the grader's
##       sandbox), lint (ruff), then the whole suite
test: bootstrap browser sandbox
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## test-newest: the unit tests and doctests (not the notebooks, the browser or the slow tests) on the newest Python here
##      (3.12 or later, found by .ci/newest-python), in .venv-newest with the same pins; CI runs it after test
NEWEST_PYTHON ?= $(shell bash .ci/newest-python)
NEWEST := .venv-newest
test-newest:
	@if [ -z '$(NEWEST_PYTHON)' ]; then echo "test-newest: no Python 3.12 or later here, nothing to do"; exit 0; fi; \
	if [ ! -f $(NEWEST)/.kamlab-installed ] || [ pyproject.toml -nt $(NEWEST)/.kamlab-installed ] \
	   || [ constraints.txt -nt $(NEWEST)/.kamlab-installed ]; then \
	  rm -rf $(NEWEST) && '$(NEWEST_PYTHON)' -m venv $(NEWEST) && \
	  $(NEWEST)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' && \
	  touch $(NEWEST)/.kamlab-installed || exit 1; fi; \
	$(NEWEST)/bin/python --version; \
	$(NEWEST)/bin/python -m pytest -q -m 'not browser and not notebooks and not slow'

## bootstrap: .venv with the pinned dependencies (constraints.txt) and kamlab, editable
bootstrap: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/python -m compileall -q kamlab >/dev/null  # kernels start faster even where PYTHONDONTWRITEBYTECODE is set
	touch $@

## browser: Debian's Chromium for the browser tests (installed with apt when running as root)
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is missing: 'sudo apt-get install chromium' (browser tests will be skipped)"; fi

## sandbox: Debian's bubblewrap, the sandbox `kamlab grade` runs every notebook in (apt when root)
sandbox:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	else echo "bubblewrap is missing: 'sudo apt-get install bubblewrap' (kamlab grade refuses to grade without it)"; fi

## exercises: regenerate exercises/ from solutions/
exercises: bootstrap
	$(BIN)/kamlab assign

## benchmarks: run every benchmark script and print its figures
benchmarks: bootstrap
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(NEWEST) build *.egg-info
