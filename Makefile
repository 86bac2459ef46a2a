# kamlab: two commands do everything.  `make app` serves the workbench, `make test` proves it works.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kamlab-installed
PORT   ?= 8866
export KAMLAB_SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: app lab test bootstrap browser exercises benchmarks clean

## app: bootstrap, then serve the workbench with Voila on http://127.0.0.1:$(PORT)
##      classroom on a LAN: make app HOST=0.0.0.0 TOKEN=<secret>  (a token is required off loopback)
##      projector: make app PRESENTER=1  (every page in presenter mode)
##      prints the join address and a QR code (also workshop/join.html); BOARD_PIN=<pin> (default: the TOKEN)
##      lets the trainer clear the workshop board from unit 01 opened with ?trainer=1
app: bootstrap
	@host='$(or $(HOST),127.0.0.1)'; \
	if [ "$$host" != 127.0.0.1 ] && [ "$$host" != localhost ] && [ -z '$(TOKEN)' ]; then \
	  echo "Serving on $$host lets anyone on the network in: add a token, e.g. make app HOST=$$host TOKEN=\$$(openssl rand -hex 8)"; \
	  exit 2; fi; \
	$(BIN)/python -m compileall -q kamlab >/dev/null; \
	$(BIN)/python -m kamlab join --host "$$host" --port $(PORT) $(if $(TOKEN),--token '$(TOKEN)'); \
	KAMLAB_BOARD_PIN='$(or $(BOARD_PIN),$(TOKEN))' KAMLAB_PRESENTER='$(PRESENTER)' $(BIN)/voila notebooks --no-browser --port=$(PORT) --Voila.ip=$$host $(if $(TOKEN),--Voila.token='$(TOKEN)')

## lab: bootstrap, then open the notebooks in JupyterLab
lab: bootstrap
	$(BIN)/jupyter lab notebooks

## test: bootstrap (plus Debian's Chromium for the browser tests), lint (ruff), then the whole suite
test: bootstrap browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

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

## exercises: regenerate exercises/ from solutions/
exercises: bootstrap
	$(BIN)/kamlab assign

## benchmarks: run every benchmark script and print its figures
benchmarks: bootstrap
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
