# Set-up and the two commands the README promises: `make demo` and `make test`.
# Everything installs into .venv from nothing but Python >= 3.11 and pip.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: dev demo test check lint-overlays docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# pykustomize's wheel declares Python >= 3.14 but runs on 3.11: install it first
	$(BIN)/python -m pip install -q --ignore-requires-python 'pykustomize>=0.1.4'
	# the airflow extra (tests/test_airflow.py imports the generated DAGs; ~35 s)
	$(BIN)/python -m pip install -q -e '.[dev,airflow]'
	touch $(STAMP)

dev: $(STAMP)  ## development environment in .venv

demo: $(STAMP)  ## scaffold a demo GitOps repo, lint it, show a rendered diff
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh

check: $(STAMP)  ## ruff, ruff format, mypy --strict
	$(BIN)/ruff check gitops_ml tests benchmarks
	$(BIN)/ruff format --check gitops_ml tests benchmarks
	$(BIN)/mypy gitops_ml

test: $(STAMP) check  ## the whole test suite (what CI runs)
	$(BIN)/python -m pytest

docs: $(STAMP)  ## regenerate docs/rules.md from the rule modules
	$(BIN)/python -m gitops_ml.docs

bench: $(STAMP)  ## performance benchmarks (slow; never part of the test suite)
	$(BIN)/python benchmarks/run.py --models 100 --rounds 5 --out benchmarks/results/latest.json

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
