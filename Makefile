# Makefile — convenience entry points around CMake; see README.md.
#   make scan [TARGET=host] [ARGS=...]  install what is missing, build, scan (no TARGET: local Dovecot)
#   make test                           install test dependencies, run every test, also under ASan+UBSan,
#                                       a short libFuzzer smoke, the integration tests under valgrind,
#                                       the Debian package with lintian, and the bare-machine check
#   make test-release                   the unit and integration tests of the normal build (build/)
#   make test-asan                      the same under ASan+UBSan (build-asan)
#   make test-fuzz                      build fuzz/ (clang, build-fuzz) and fuzz each target 20 s
#   make test-valgrind                  the scanner's integration suites under valgrind memcheck (build-vg)
#   make test-deb                       build the Debian package (make deb) and fail on any lintian error
#   make test-bare                      the README's first command on a fresh Debian 12 root, and the
#                                       package installed and run there (tests/bare/run.sh; build/bare)
#   make install [PREFIX=/usr/local] [DESTDIR=dir]  build if needed, install the program, man page,
#                                       docs and bash/zsh completions
#   make uninstall [DESTDIR=dir]        remove what the last install put in place (install_manifest.txt)
#   make deb                            Debian package of the committed HEAD (dpkg-buildpackage) in build/deb/
#   make bench                          run the benchmarks in bench/ (pop3scan against nmap)
#
# Building and scanning need only scripts/install-deps.sh build; a test suite whose dependencies
# are missing is left out of a plain build with a note. The test targets configure with
# P3S_REQUIRE_TESTS=ON, so there a missing test dependency is an error, never a skipped suite.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
DESTDIR ?=
REQUIRE_TESTS ?= OFF

.PHONY: all build deps scan test test-release test-asan test-fuzz test-valgrind test-deb test-bare \
	test-deb-bare \
	install uninstall deb bench clean

all: build

deps:
	bash scripts/install-deps.sh build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	  -DP3S_REQUIRE_TESTS=$(REQUIRE_TESTS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

scan: deps build
ifeq ($(strip $(TARGET)),)
	bash scripts/demo-scan.sh $(BUILD)/src/pop3scan $(ARGS)
else
	$(BUILD)/src/pop3scan $(ARGS) $(TARGET)
endif

# The fuzzers run for a fixed time whatever else the machine does, so they run beside the
# package build and the bare-machine check (mostly apt and dpkg); the suites with time bounds
# run one after another, each with both cores.
test:
	bash scripts/install-deps.sh test
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) test-valgrind
	$(MAKE) -j2 --output-sync=target test-fuzz test-deb-bare

test-deb-bare:
	$(MAKE) test-deb
	$(MAKE) test-bare

test-release:
	$(MAKE) build REQUIRE_TESTS=ON
	ctest --test-dir $(BUILD) --output-on-failure -j2

test-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DP3S_SANITIZE=ON -DP3S_REQUIRE_TESTS=ON >/dev/null
	cmake --build build-asan -j$(JOBS)
	ctest --test-dir build-asan --output-on-failure -j2

test-fuzz:
	bash fuzz/run.sh --time 20

# Memcheck on every pop3scan run of the integration suites that drive the scanner itself
# (tests/integration/p3s.py: P3S_WRAP), a plain Debug build, the scale test on a /23. Left to the
# ASan+UBSan build: the suites that spend their time in other programs (SQLite and PostgreSQL
# histories, Slurm, Kubernetes manifests, Chromium, the installed package) and `everyday`, which
# repeats the server suites' scans; under valgrind they took 10 of CI's minutes. Any error or leak fails: valgrind's exit status
# 99, and a non-empty log in build-vg/valgrind/ (one per process). tests/valgrind.supp says why
# PCRE2's JIT code is exempt.
VALGRIND = valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --track-fds=no -q \
	--suppressions=$(CURDIR)/tests/valgrind.supp
VALGRIND_SUITES = ^integration[.](cli|services|scale|dovecot|popa3d|cyrus|courier|mailutils|solid_pop3d|perdition|twisted|tls|tls_versions|hostile|hostile_many|badinput|outputs|outofstep|discover)$$
test-valgrind:
	@command -v valgrind >/dev/null || { echo "test-valgrind: valgrind is missing (scripts/install-deps.sh test)" >&2; exit 1; }
	cmake -S . -B build-vg -DCMAKE_BUILD_TYPE=Debug -DP3S_REQUIRE_TESTS=ON >/dev/null
	cmake --build build-vg -j$(JOBS)
	rm -rf build-vg/valgrind && mkdir -p build-vg/valgrind
	P3S_WRAP="$(VALGRIND) --log-file=$(CURDIR)/build-vg/valgrind/%p.log" P3S_WRAP_SCALE_CIDR=127.0.0.0/23 \
	  ctest --test-dir build-vg -R '$(VALGRIND_SUITES)' --output-on-failure -j2
	@runs=$$(find build-vg/valgrind -name '*.log' | wc -l); \
	  if [ "$$runs" -eq 0 ]; then echo "valgrind: no run of pop3scan was checked" >&2; exit 1; fi; \
	  bad=$$(find build-vg/valgrind -name '*.log' -size +0c); \
	  if [ -n "$$bad" ]; then cat $$bad; echo "valgrind: errors in $$bad" >&2; exit 1; fi; \
	  echo "valgrind: $$runs runs of pop3scan, no errors, no leaks"

# An existing build directory is brought up to date as it is configured (so `make install
# BUILD=build-asan` does not reconfigure it); a missing one is made by `make build`. PREFIX is
# applied at install time.
install:
	@if [ -f $(BUILD)/CMakeCache.txt ]; then cmake --build $(BUILD) -j$(JOBS); else $(MAKE) build; fi
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

uninstall:
	DESTDIR="$(DESTDIR)" cmake --build $(BUILD) --target uninstall

# dpkg-buildpackage writes its results next to the source tree, so the package is built from a
# clone of HEAD in build/deb/src: committed files only, and the .deb lands in build/deb/.
deb:
	bash scripts/build-deb.sh $(BUILD)/deb

test-deb: deb
	bash scripts/build-deb.sh --lintian $(BUILD)/deb

test-bare: deb
	bash tests/bare/run.sh $(BUILD)/bare $(BUILD)/deb

bench:
	bash scripts/install-deps.sh bench
	$(MAKE) build
	bash bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-vg
