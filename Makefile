# SpikeLab. `make test` and `make figures` install missing system packages first (make deps).
SWIFT   ?= swift
PYTHON  ?= python3
SCALE   ?= default
RELEASE  = $(SWIFT) build -c release
BIN      = .build/release

.PHONY: all deps build test bench fixtures clean
all: build

deps:
	@scripts/deps.sh

build: deps
	$(RELEASE)

# Unit, gradient-check, PyTorch-parity, determinism and resume tests (debug build: bounds checks on).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Throughput of the training step on this machine (see Sources/spikelab-bench).
bench: build
	$(BIN)/spikelab-bench

# Regenerates the PyTorch reference fixtures (needs PyTorch; CI uses the committed ones).
fixtures:
	$(PYTHON) tools/reference_llama.py --out Tests/Fixtures
	$(PYTHON) tools/spam_reference.py --out Tests/Fixtures/spam
	$(PYTHON) tools/spam_training_reference.py --out Tests/Fixtures/spam_training

clean:
	rm -rf .build

-include mk/*.mk
