# Makefile — convenience entry points around CMake; see README.md.
#   make scan [TARGET=host] [ARGS=...]  install what is missing, build, scan (no TARGET: local Dovecot)
#   make test                           install test dependencies, run every test, also under ASan+UBSan,
#                                       a short libFuzzer smoke and the integration tests under valgrind
#   make test-fuzz                      build fuzz/ (clang, build-fuzz) and fuzz each target 20 s
#   make test-valgrind                  integration tests with pop3scan under valgrind memcheck (build-vg)
#   make bench                          run the benchmarks in bench/ (pop3scan against nmap)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps scan test test-release test-asan test-fuzz test-valgrind bench clean

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
	$(MAKE) test-release test-asan test-fuzz test-valgrind

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j2

test-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DP3S_SANITIZE=ON >/dev/null
	cmake --build build-asan -j$(JOBS)
	ctest --test-dir build-asan --output-on-failure -j2

test-fuzz:
	bash fuzz/run.sh --time 20

# Memcheck on every pop3scan run of the integration tests (tests/integration/p3s.py: P3S_WRAP),
# a plain Debug build, the scale test on a /23. Any error or leak fails: valgrind's exit status
# 99, and a non-empty log in build-vg/valgrind/ (one per process). tests/valgrind.supp says why
# PCRE2's JIT code is exempt.
VALGRIND = valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --track-fds=no -q \
	--suppressions=$(CURDIR)/tests/valgrind.supp
test-valgrind:
	cmake -S . -B build-vg -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-vg -j$(JOBS)
	rm -rf build-vg/valgrind && mkdir -p build-vg/valgrind
	P3S_WRAP="$(VALGRIND) --log-file=$(CURDIR)/build-vg/valgrind/%p.log" P3S_WRAP_SCALE_CIDR=127.0.0.0/23 \
	  ctest --test-dir build-vg -R '^integration[.]' --output-on-failure -j2
	@runs=$$(find build-vg/valgrind -name '*.log' | wc -l); \
	  if [ "$$runs" -eq 0 ]; then echo "valgrind: no run of pop3scan was checked" >&2; exit 1; fi; \
	  bad=$$(find build-vg/valgrind -name '*.log' -size +0c); \
	  if [ -n "$$bad" ]; then cat $$bad; echo "valgrind: errors in $$bad" >&2; exit 1; fi; \
	  echo "valgrind: $$runs runs of pop3scan, no errors, no leaks"

bench:
	bash scripts/install-deps.sh bench
	$(MAKE) build
	bash bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-vg
