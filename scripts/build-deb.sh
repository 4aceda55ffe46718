#!/usr/bin/env bash
# build-deb.sh — the Debian packages of the committed HEAD. dpkg-buildpackage writes its results
# into the parent of the source tree and wants a tree with nothing but the sources, so the
# repository is cloned into OUT/pop3scan-VERSION (committed files only; the clone keeps .git, so
# the package's `pop3scan --version` names the commit) and built there with `dpkg-buildpackage
# -us -uc`: the binary package (.deb, and its -dbgsym), the source package (.dsc, .tar.xz, which
# builds without git: commit "unknown"), .buildinfo and .changes end up in OUT. Uncommitted
# changes are not in the packages.
# With --lintian, runs lintian on the package already in OUT instead, prints its whole output
# (errors, warnings, information, pedantic notes) and fails on any error.
#
#   scripts/build-deb.sh [--lintian] OUT
# Needs dpkg-dev, debhelper, fakeroot (build) and lintian: scripts/install-deps.sh test.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
lint=0
if [ "${1:-}" = --lintian ]; then lint=1; shift; fi
[ $# -eq 1 ] || { sed -n '12p' "$0" | sed 's/^# *//' >&2; exit 2; }
out=$(realpath -m -- "$1")
need() {
  command -v "$1" >/dev/null ||
    { echo "build-deb: $1 is missing ($2; scripts/install-deps.sh test installs it)" >&2; exit 1; }
}

if [ $lint -eq 1 ]; then
  need lintian lintian
  changes=$(ls "$out"/pop3scan_*.changes 2>/dev/null | head -1)
  [ -n "$changes" ] || { echo "build-deb: no package in $out (make deb)" >&2; exit 1; }
  rc=0
  tags=$(lintian --fail-on error --display-info --pedantic "$changes" 2>&1) || rc=$?
  # As root lintian says it would rather not be; that is not about the package.
  tags=$(grep -v '^running with root privileges' <<<"$tags" || true)
  [ -n "$tags" ] && echo "$tags"
  count() { grep -c "^$1: " <<<"$tags" || true; }
  echo "lintian $(basename "$changes") (source, .deb, -dbgsym): $(count E) errors, $(count W)" \
    "warnings, $(count I) information, $(count P) pedantic"
  [ $rc -eq 0 ] || echo "lintian: failed (exit $rc)" >&2
  exit $rc
fi

need dpkg-buildpackage dpkg-dev
need dh debhelper
need fakeroot fakeroot
need git git
start=$(date +%s)
# The changelog's version is the package's; it must be the one the program reports.
cmake_version=$(sed -n 's/^project(pop3scan VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")
deb_version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
if [ "$cmake_version" != "$deb_version" ]; then
  echo "build-deb: debian/changelog says $deb_version, CMakeLists.txt $cmake_version" >&2
  exit 1
fi
rm -rf -- "$out"
mkdir -p -- "$out"
commit=$(git -C "$here" rev-parse HEAD)
src=$out/pop3scan-$deb_version
git clone --quiet --no-checkout -- "$here" "$src"
git -C "$src" checkout --quiet --detach "$commit"
log=$out/build.log
echo "build-deb: dpkg-buildpackage -us -uc of ${commit:0:12} in $src (log: $log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "build-deb: dpkg-buildpackage failed; the whole log is $log" >&2
  exit 1
fi
rm -rf -- "$src"
deb=$(ls "$out"/pop3scan_*.deb)
echo "build-deb: $deb ($(du -k "$deb" | cut -f1) KiB, $(( $(date +%s) - start )) s)"
echo "  Depends: $(dpkg-deb -f "$deb" Depends)"
