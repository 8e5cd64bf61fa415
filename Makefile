# `make demo` and `make test` each create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0

.PHONY: demo test lint docs bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Pinned first: this torch is a CPU build; an unpinned one pulls CUDA (GBs).
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e ".[test,images,faces,cnn,onnx,plot,dask,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sklearn-fer demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	@# A class page lists its inherited methods (partial_fit lives in a base class).
	@grep -q 'SGDSoftmaxRegression.partial_fit' \
	  docs/_build/html/generated/sklearn_fer.linear_model.SGDSoftmaxRegression.html \
	  || { echo "docs: the SGDSoftmaxRegression page lists no partial_fit"; exit 1; }

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/generated
