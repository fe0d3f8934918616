# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STORE ?= data/store
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

CORPUS ?= ../shared/corpus
BENCH ?= ../shared/bench
EVAL_STORE ?= data/eval-store

.PHONY: run test install install-test system-deps runtime-deps ingest-sample lint bench eval clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first: 2.13.0 is the CPU wheel on local disk; anything else pulls a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed runtime-deps

install-test: $(VENV)/.installed-test system-deps runtime-deps

# Debian libraries OpenCV (under the OCR of scans, rapidocr-onnxruntime) loads: libGL and GLib.
runtime-deps:
	@if ! ldconfig -p | grep -q "libGL.so.1" || ! ldconfig -p | grep -q "libgthread-2.0.so.0"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null; \
	fi

# Debian packages the tests need: poppler (pdftoppm for page renders), Chromium and CJK fonts for the UI test.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto.*CJK"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
	fi

ingest-sample: install
	$(VENV)/bin/budgetqa ingest data/samples --store $(STORE)

run: ingest-sample
	$(PY) app.py --store $(STORE)

# The project's test set over the shared corpus: summary in the terminal, HTML report, a run file.
eval: install
	$(PY) -m eval.build_store --corpus $(CORPUS) --bench $(BENCH) --store $(EVAL_STORE)
	$(VENV)/bin/budgetqa eval --store $(EVAL_STORE) --baseline --report eval/report.html

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

bench: install
	$(PY) -c "import reportlab" 2>/dev/null || $(PIP) install -q -e '.[bench]'
	$(PY) -m eval.bench --corpus $(CORPUS) --bench $(BENCH) --work /tmp/budgetqa-bench --name default

.PHONY: bench-large
bench-large: install
	$(PY) -c "import reportlab" 2>/dev/null || $(PIP) install -q -e '.[bench]'
	$(PY) -m eval.bench --no-real --generated 1000 --work /tmp/budgetqa-bench-large --name large

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) $(STORE)
