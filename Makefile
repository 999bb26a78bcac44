# Entry points. Every target installs missing dependencies first (idempotent, quiet when present).
SHELL := /bin/bash
PRESET ?= debug
JOBS ?= $(shell nproc)
BUILD_DIR = build/$(PRESET)

.PHONY: all deps configure build run test bench format asan tsan fuzz clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Release build, then the main job on the embedded default: the streaming demo.
run:
	@$(MAKE) --no-print-directory build PRESET=release
	@build/release/tools/laminardb/laminardb demo

# Every test: unit tests, SQL logic tests (test/sql via `laminardb test`), integration tests.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) 2>&1 | tail -n 40; \
	  exit $${PIPESTATUS[0]}

bench:
	@$(MAKE) --no-print-directory build PRESET=release
	@scripts/run-bench.sh build/release

format:
	@find src include tools bench test python -regex '.*\.\(h\|hpp\|cc\|cpp\)' 2>/dev/null \
	  | xargs clang-format -i

asan:
	@$(MAKE) --no-print-directory test PRESET=asan

tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

fuzz:
	@$(MAKE) --no-print-directory build PRESET=fuzz

clean:
	rm -rf build
