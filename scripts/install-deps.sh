#!/usr/bin/env bash
# install-deps.sh — installs, with apt-get, the Debian 12 packages pop3scan needs and nothing that
# is already there. `build` is enough to build and scan (and nothing more: tests/CMakeLists.txt
# leaves out a suite whose packages are missing); `test` adds the real servers and tools the test
# suite starts on loopback, the packaging tools (make deb, lintian), mmdebstrap for the
# bare-machine check (tests/bare/run.sh) and zsh for the completion test; `bench` adds nmap.
#
#   scripts/install-deps.sh build|test|bench
set -euo pipefail

BUILD="build-essential cmake pkg-config libevent-dev libssl-dev libc-ares-dev libjansson-dev
       libpcre2-dev libsqlite3-dev libpq-dev openssl dovecot-core dovecot-pop3d iproute2"
# TEST also holds what tests/servers/cyrus.sh and courier.sh need around the cyrus-pop3d and
# courier-pop binaries they unpack themselves (those conflict with dovecot-pop3d): the libraries
# the binaries link to (objdump -p / ldd), the SASL plugins and saslpasswd2 for Cyrus, and
# courier-authdaemon, whose authdaemond courier.sh starts. libpython3.11-testsuite holds CPython's
# poplib test server (test_poplib.DummyPOP3Server, with its own certificate keycert3.pem), which
# tests/integration/test_outofstep.py runs under Debian's /usr/bin/python3. The other real servers
# the tests start: mailutils-pop3d, perdition and python3-twisted install with apt beside Dovecot
# (their services stay off, see below); solid-pop3d conflicts and is unpacked by solid-pop3d.sh,
# which needs liblockfile1 and libpam0g. tests/integration/test_report.py opens the HTML report in
# Debian's headless Chromium driven by chromium-driver through python3-selenium (no browser is
# downloaded), renders the Markdown report with cmark-gfm (GitHub's CommonMark) and makes its
# hostile certificates with python3-cryptography. The history in PostgreSQL is tested against a
# throwaway postgresql-15 (tests/servers/postgres.sh; the system's cluster is never started), a
# campaign on a one-node Slurm cluster of slurm-wlm and munge (tests/integration/test_slurm.py
# makes its own configuration, key and state), and deploy/k8s/ offline with python3-yaml and the
# Kubernetes client's object models (python3-kubernetes: there is no cluster to ask, and
# Debian 12's kubectl cannot check a manifest without one).
TEST="libcmocka-dev ucspi-tcp socat dnsmasq-base python3 python3-jsonschema clang valgrind
      libxapian30 libical3 libwrap0 libsasl2-2 libsasl2-modules sasl2-bin libjansson4 libpq5
      libsqlite3-0 libicu72 libxml2 libkrb5-3 libcom-err2 libpcre3
      courier-authdaemon courier-authlib libltdl7 libcourier-unicode4 libidn12 libgdbm6 libgnutls30
      libpython3.11-testsuite mailutils-pop3d perdition python3-twisted liblockfile1 libpam0g
      git zsh dpkg-dev debhelper fakeroot lintian mmdebstrap
      chromium chromium-driver python3-selenium cmark-gfm python3-cryptography
      postgresql-15 slurm-wlm munge python3-yaml python3-kubernetes"
BENCH="nmap"

case "${1:-build}" in
  build) want="$BUILD" ;;
  test) want="$BUILD $TEST" ;;
  bench) want="$BUILD $TEST $BENCH" ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
# Installing dovecot must not start a system POP3 server on 110/995: keep services from
# starting during the install, and leave the policy as it was afterwards.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '[ $made_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
