# Synod: one command to set up and run, one to set up and test.
#   make run     install what is missing, build, run the bundled plugin in the sandbox
#   make test    install what is missing (Debian packages, chromium for the dashboard test;
#                bittensor==11.3.0 in .venv-wire for the interoperability tests), build, run
#                the test suite
#   make bench   release build, print the sandbox benchmark table
#   make bench-tensor  release build, tensor benchmark beside numpy (own virtualenv)
#   make bench-consensus  release build, Yuma epoch timings beside numpy float64
#   make bench-wire  release build, signed requests/s of the axon beside FastAPI + bittensor (wrk)
#   make bench-host  release build, 1,000 subnets in one synod up: start-up, memory, rounds/s, lateness, reloads
#   make bench-sim   release build, synod sim at 256 UIDs × 64 validators for 100 epochs
#   make bench-network  release build, one chain and 64 remote validators on 256 UIDs: weights/s, CPU, fan-out
#   make fuzz    libFuzzer targets (tensor scripts, value bridge, JSON, btauth/1 headers, Q32.32 division) with
#                ASan+UBSan, FUZZ_SECONDS each (default 60); seeds in fuzz/corpus/
#   make test-sanitized  the sandbox, tensor and JSON tests under ASan+UBSan (own build folder)
#   make embed   re-embed sandbox/prelude.lua and sandbox/limits.json after editing them

DEBIAN_PACKAGES := liblua5.4-dev lua5.4 pkg-config libsqlite3-dev libssl-dev libsodium-dev libopenblas-dev python3-venv chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift

.PHONY: deps build run test fuzz test-sanitized bench bench-tensor bench-consensus bench-wire bench-host bench-sim bench-network embed clean
FUZZ_SECONDS ?= 60
BENCH_VENV := .venv-bench
WIRE_VENV := .venv-wire
# The bittensor SDK the wire interoperability tests check Synod against.
BITTENSOR_VERSION := 11.3.0

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift not found: install Swift 6.1 or later" >&2; exit 1; }

build: deps
	$(SWIFT) build --product synod

run: build
	$$($(SWIFT) build --show-bin-path)/synod up

$(WIRE_VENV)/.installed:
	python3 -m venv $(WIRE_VENV)
	$(WIRE_VENV)/bin/pip install --quiet bittensor==$(BITTENSOR_VERSION)
	touch $@

# The network test runs its processes (a chain, validators, miners) on its own, after the
# rest: alongside 390 other tests on 2 cores it starves their timing and theirs starves it.
test: deps $(WIRE_VENV)/.installed
	$(SWIFT) test --skip SynodTests.NetworkTests
	$(SWIFT) test --skip-build --filter SynodTests.NetworkTests
	@# Yuma divides by a prepared reciprocal; check the hardware division gives the same bits.
	SYNOD_DIVISION=divq $(SWIFT) test --skip-build --filter ConsensusTests

fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# The C that plugins drive, and the Swift around it, under AddressSanitizer, and the C also
# under UndefinedBehaviorSanitizer (swiftc has no UBSan on Linux; the ASan runtime carries
# UBSan's handlers): a second configuration, so it has its own build folder.
SANITIZE := --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
test-sanitized: deps
	$(SWIFT) build --build-tests --scratch-path .build-sanitized $(SANITIZE)
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 LSAN_OPTIONS=suppressions=$(abspath scripts/lsan.supp) \
	  $(SWIFT) test --skip-build --scratch-path .build-sanitized \
	  $(SANITIZE) --filter 'LuaSandboxTests|TensorTests|StrictJSONTests|ConsensusTests'

bench: deps
	$(SWIFT) build -c release --product SandboxBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/SandboxBenchmark

$(BENCH_VENV)/bin/python:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet numpy

bench-tensor: deps $(BENCH_VENV)/bin/python
	$(SWIFT) build -c release --product TensorBenchmark
	SYNOD_BENCH_PYTHON=$(abspath $(BENCH_VENV))/bin/python $$($(SWIFT) build -c release --show-bin-path)/TensorBenchmark

# The consensus benchmark's torch peer lives in its own virtualenv: torch 2.5.1 from PyPI
# brings its CUDA wheels (it needs them to import, even on a CPU-only machine), about 4 GB.
# When it cannot be installed the benchmark says so and prints the rest.
TORCH_VENV := .venv-torch
TORCH_VERSION := 2.5.1
$(TORCH_VENV)/.installed:
	python3 -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install --quiet numpy torch==$(TORCH_VERSION) && touch $@ \
	  || echo "torch $(TORCH_VERSION) could not be installed: the consensus benchmark runs without its torch peer"

bench-consensus: deps $(BENCH_VENV)/bin/python
	-@$(MAKE) --no-print-directory $(TORCH_VENV)/.installed
	$(SWIFT) build -c release --product ConsensusBenchmark
	SYNOD_BENCH_PYTHON=$(abspath $(BENCH_VENV))/bin/python SYNOD_BENCH_TORCH_PYTHON=$(abspath $(TORCH_VENV))/bin/python \
	  $$($(SWIFT) build -c release --show-bin-path)/ConsensusBenchmark

$(WIRE_VENV)/.bench-installed: $(WIRE_VENV)/.installed
	$(WIRE_VENV)/bin/pip install --quiet fastapi "uvicorn[standard]"
	touch $@

bench-wire: deps $(WIRE_VENV)/.bench-installed
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl; }
	$(SWIFT) build -c release --product WireBenchmark
	SYNOD_BENCH_PYTHON=$(abspath $(WIRE_VENV))/bin/python $$($(SWIFT) build -c release --show-bin-path)/WireBenchmark
	SYNOD_BENCH_SCHEME=sr25519 SYNOD_BENCH_PYTHON=$(abspath $(WIRE_VENV))/bin/python \
	  $$($(SWIFT) build -c release --show-bin-path)/WireBenchmark

bench-host: deps
	$(SWIFT) build -c release --product HostBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/HostBenchmark

bench-sim: deps
	$(SWIFT) build -c release --product SimBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/SimBenchmark

bench-network: deps
	$(SWIFT) build -c release --product NetworkBenchmark
	$$($(SWIFT) build -c release --show-bin-path)/NetworkBenchmark

embed:
	scripts/embed-sandbox.sh

clean:
	rm -rf .build
