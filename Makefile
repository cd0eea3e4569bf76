# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Each builds .venv from the pinned versions in requirements.lock by itself.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export JAX_COMPILATION_CACHE_DIR := $(CURDIR)/.jax_cache
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS := 0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES := 0
export PYTHONHASHSEED := 0
# the compiler of the optional oneDNN kernels (make test CXX=/nonexistent: built without them)
export CXX

.PHONY: venv kernels test lint docs demo bench bench-pytorch bench-accelerator clean

venv: $(STAMP) kernels

$(STAMP): requirements.lock setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==25.3"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The optional oneDNN convolutions for XLA:CPU, built into the per-user cache (jaxgen/kernels);
# where they cannot be built, one line says so and XLA's convolutions run.
kernels: $(STAMP)
	$(PY) -m jaxgen.kernels.build --optional

lint: $(STAMP) kernels
	$(VENV)/bin/ruff check jaxgen experiments tests benchmarks notebooks docs
	$(VENV)/bin/ruff format --check jaxgen experiments tests benchmarks notebooks docs

# the reference implementations the metrics are tested against (PyTorch for CPU, pytorch-fid,
# torch-fidelity): test-only, pinned in requirements-test.lock
$(TEST_STAMP): $(STAMP) requirements-test.lock
	$(PY) -m pip install --quiet -r requirements-test.lock
	touch $(TEST_STAMP)

test: lint $(TEST_STAMP)
	$(PY) -m pytest -n 2 -q

# The API reference, built from the docstrings by pdoc into docs/api/ (open docs/api/index.html);
# any pdoc warning (a module that fails to import, an annotation it cannot resolve) fails it.
docs: $(STAMP)
	rm -rf docs/api.new
	$(PY) docs/build.py docs/api.new
	rm -rf docs/api && mv docs/api.new docs/api

demo: $(STAMP) kernels
	$(PY) -m experiments.demo --out demo

bench: $(STAMP) kernels
	$(PY) -m benchmarks.run

# PyTorch is not a jaxgen dependency: this installs the CPU build pinned here, for the comparison.
bench-pytorch: $(STAMP) kernels
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m benchmarks.versus_pytorch

# A GPU or TPU machine's check: run by the Python that has JAX for the accelerator (not .venv,
# which pins JAX for CPU), e.g. make bench-accelerator PYTHON=/opt/venv/bin/python
bench-accelerator:
	$(PYTHON) -m benchmarks.accelerator

clean:
	rm -rf $(VENV) .jax_cache .pytest_cache demo docs/api docs/api.new
