# Makefile — convenience entry points around CMake; see README.md.
#   make scan [TARGET=host] [ARGS=...]  install what is missing, build, scan (no TARGET: local Dovecot)
#   make test                           install test dependencies, run every test, also under ASan+UBSan
#   make bench                          run the benchmarks in bench/ (pop3scan against nmap)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps scan test test-release test-asan bench clean

all: build

deps:
	bash scripts/install-deps.sh build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

scan: deps build
ifeq ($(strip $(TARGET)),)
	bash scripts/demo-scan.sh $(BUILD)/src/pop3scan $(ARGS)
else
	$(BUILD)/src/pop3scan $(ARGS) $(TARGET)
endif

test: 
	bash scripts/install-deps.sh test
	$(MAKE) test-release test-asan

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j2

test-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DP3S_SANITIZE=ON >/dev/null
	cmake --build build-asan -j$(JOBS)
	ctest --test-dir build-asan --output-on-failure -j2

bench:
	bash scripts/install-deps.sh bench
	$(MAKE) build
	bash bench/run.sh

clean:
	rm -rf $(BUILD) build-asan
