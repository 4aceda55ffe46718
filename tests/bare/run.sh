#!/usr/bin/env bash
# tests/bare/run.sh — the bare-machine check: what a new user gets on a fresh Debian 12 machine.
#
#   tests/bare/run.sh OUT DEBDIR      (as root; `make test-bare` runs it after `make deb`)
#
# 1. A bare Debian 12 root, `mmdebstrap --variant=apt bookworm` (apt and nothing else: no make,
#    no compiler, no cmocka), cached as OUT/bookworm.tar and made again when 30 days old.
# 2. Root A: a clean checkout of HEAD (git archive: committed files only, no .git) in /root, and
#    the README's first command run there as written, in its no-TARGET form (it scans a Dovecot
#    it starts on loopback). Fails unless it exits 0 and prints the Dovecot's POP3 services. Then
#    the TARGET form (`make scan TARGET=127.0.0.1:PORT`, a closed loopback port), and --version of
#    the binary built without git, which must say "commit unknown".
# 3. Root B, fresh again: the package from DEBDIR installed with apt-get, which brings exactly its
#    Depends; `pop3scan --version` must name HEAD's commit and the libraries, and the installed
#    binary scans a Dovecot started on loopback (in root A, which has it).
# Each root is a chroot on a tmpfs with /proc and /dev mounted; whatever happens, the processes
# started in it are stopped, everything is unmounted and the root is removed (trap). The chroots
# share the host's network: apt reaches Debian's mirror through the root's own sources
# (mmdebstrap wrote them) and the host's resolv.conf; every scan goes to 127.0.0.1 only.
# Downloaded packages are kept in OUT/apt-archives between runs, so a cached run only fetches
# the package lists.
# Logs: OUT/logs/. Prints the wall time of each step and of the whole check.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
[ $# -eq 2 ] || { sed -n '4p' "$0" | sed 's/^# *//' >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bare: needs root (chroot, mount)" >&2; exit 2; }
for tool in mmdebstrap git ss; do
  command -v $tool >/dev/null ||
    { echo "bare: $tool is missing (scripts/install-deps.sh test installs it)" >&2; exit 2; }
done
out=$(realpath -m -- "$1")
debdir=$(realpath -- "$2")
deb=$(ls "$debdir"/pop3scan_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "bare: no pop3scan .deb in $debdir (make deb)" >&2; exit 2; }
mkdir -p "$out/logs" "$out/apt-archives/partial"
rm -f "$out"/logs/*.log
start=$(date +%s)
roots=()

say() { echo "bare: $*"; }

# Every process whose root is $1 (started in that chroot), by pid: TERM, then KILL.
stop_processes_in() {
  local sig p pids
  for sig in TERM KILL; do
    pids=()
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && pids+=("${p#/proc/}")
    done
    [ ${#pids[@]} -eq 0 ] && return 0
    kill -s $sig "${pids[@]}" 2>/dev/null || true
    sleep 1
  done
}

cleanup() {
  local dir m t
  for dir in "${roots[@]}"; do
    t=$(date +%s)
    stop_processes_in "$dir"
    for m in var/cache/apt/archives dev proc ''; do
      if mountpoint -q "$dir/$m"; then umount "$dir/$m" || umount -l "$dir/$m"; fi
    done
    # Never remove a tree with a mount left in it: that would reach into the host's /dev.
    if grep -q " $dir[/ ]" /proc/mounts; then
      echo "bare: $dir still has mounts; not removed" >&2
    else
      rm -rf --one-file-system -- "$dir"
      say "removed $dir ($(( $(date +%s) - t )) s)"
    fi
  done
  say "wall time $(( $(date +%s) - start )) s, removing the roots included"
}
trap cleanup EXIT
trap 'echo "bare: interrupted; cleaning up" >&2; exit 130' INT
trap 'echo "bare: terminated; cleaning up" >&2; exit 143' TERM

# step NAME COMMAND...: runs COMMAND with its output in logs/NAME.log; on failure shows the log's
# end and stops the check.
step() {
  local name=$1 t=$(date +%s) rc=0
  shift
  # In the background and waited for, so that a signal reaches the trap (and the cleanup) at
  # once rather than when the command is done.
  "$@" >"$out/logs/$name.log" 2>&1 </dev/null &
  wait $! || rc=$?
  if [ $rc -ne 0 ]; then
    tail -30 "$out/logs/$name.log" | sed 's/^/    /' >&2
    say "FAILED: $name (exit $rc; log: $out/logs/$name.log)" >&2
    exit 1
  fi
  say "$name: ok ($(( $(date +%s) - t )) s)"
}

fail() {
  say "FAILED: $*" >&2
  exit 1
}

# new_root: a fresh root from the tarball, mounted, in $root.
new_root() {
  root=$(mktemp -d "$out/root.XXXXXX")
  roots+=("$root")
  # In memory (about 1 GB for root A once built): removing a built root from disk took close
  # to a minute on a loaded machine; unmounting a tmpfs takes none.
  mount -t tmpfs -o size=6g,mode=755 p3s-bare "$root"
  tar -xf "$out/bookworm.tar" -C "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  mount --bind "$out/apt-archives" "$root/var/cache/apt/archives"
}

# in_root ROOT COMMAND: COMMAND under bash in ROOT, as root with a login-like clean environment.
in_root() {
  chroot "$1" /usr/bin/env -i HOME=/root TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$2"
}

# free_port N: N, or the next port nothing on this machine listens on.
free_port() {
  local p=$1
  while [ -n "$(ss -Hltn "sport = :$p")" ]; do p=$((p + 1)); done
  echo "$p"
}

if [ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]; then
  say "note: uncommitted changes are not checked; this runs the committed HEAD"
fi
commit=$(git -C "$here" rev-parse HEAD)

# 1. The bare root.
tarball=$out/bookworm.tar
if [ -s "$tarball" ] && [ -z "$(find "$tarball" -mtime +30)" ]; then
  say "bare Debian 12 root: cached $tarball"
else
  # mmdebstrap picks the format from the name: the partial file must end in .tar too.
  rm -rf "$tarball" "$out/bookworm.partial.tar"
  step mmdebstrap mmdebstrap --variant=apt --quiet bookworm "$out/bookworm.partial.tar"
  mv "$out/bookworm.partial.tar" "$tarball"
fi

# 2. Root A: the README's first command, as written, without TARGET.
readme_cmd=$(sed -n '/^```sh$/,/^```$/p' "$here/README.md" | sed -n '2p')
readme_cmd=${readme_cmd%%#*}
no_target=$(sed -E 's/ TARGET=[^ ]+//; s/ +$//' <<<"$readme_cmd")
case $no_target in
  *"apt-get install -y make"*"make scan") ;;
  *) fail "the README's first command is no longer 'apt-get ... make scan [TARGET=...]': '$readme_cmd'" ;;
esac
t=$(date +%s)
new_root
a=$root
git -C "$here" archive --format=tar --prefix=pop3scan/ "$commit" | tar -x -C "$a/root"
say "root A: $a from the tarball with a clean checkout of ${commit:0:12} ($(( $(date +%s) - t )) s)"
say "root A: README: $no_target"
step readme-scan in_root "$a" "cd /root/pop3scan && $no_target"
log=$out/logs/readme-scan.log
grep -E '^127\.0\.0\.1:21110 +pop3 \(confirmed\)' "$log" ||
  fail "the README's command printed no POP3 result for the Dovecot on 127.0.0.1:21110 ($log)"
grep -E '^127\.0\.0\.1:21995 tls +pop3 \(confirmed\)' "$log" ||
  fail "the README's command printed no POP3 result for the Dovecot on 127.0.0.1:21995 ($log)"

closed=$(free_port 21109)
say "root A: README with TARGET: make scan TARGET=127.0.0.1:$closed (a closed port)"
step readme-target in_root "$a" "cd /root/pop3scan && make scan TARGET=127.0.0.1:$closed"
grep -E "^127\.0\.0\.1:$closed +closed" "$out/logs/readme-target.log" ||
  fail "make scan TARGET=127.0.0.1:$closed printed no result ($out/logs/readme-target.log)"
version=$(in_root "$a" "/root/pop3scan/build/src/pop3scan --version" | head -1)
[[ $version == "pop3scan "*" (commit unknown)" ]] ||
  fail "built without git, --version says '$version', not 'commit unknown'"
say "root A: $version (built without git)"

# 3. Root B: the package, with nothing but what its Depends bring.
t=$(date +%s)
new_root
b=$root
cp "$deb" "$b/root/"
say "root B: $b from the tarball ($(( $(date +%s) - t )) s)"
step deb-install in_root "$b" \
  "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./root/$(basename "$deb")"
in_root "$b" "pop3scan --version" >"$out/logs/deb-version.log" 2>&1 ||
  fail "the installed pop3scan --version failed: $(cat "$out/logs/deb-version.log")"
sed 's/^/    /' "$out/logs/deb-version.log"
first=$(head -1 "$out/logs/deb-version.log")
[[ $first =~ ^pop3scan\ [0-9.]+\ \(commit\ ([0-9a-f]{12})\)$ && $commit == "${BASH_REMATCH[1]}"* ]] ||
  fail "the package's --version does not name HEAD (${commit:0:12}): '$first' (built from an older commit? make deb)"
for lib in OpenSSL libevent c-ares PCRE2 jansson; do
  grep -q "^  $lib " "$out/logs/deb-version.log" || fail "the package's --version names no $lib"
done
for f in /usr/bin/pop3scan /usr/share/man/man1/pop3scan.1.gz /usr/share/doc/pop3scan/copyright \
  /usr/share/bash-completion/completions/pop3scan /usr/share/zsh/vendor-completions/_pop3scan; do
  [ -f "$b$f" ] || fail "the package did not install $f"
done

plain=$(free_port 21120)
tls=$(free_port $((plain + 1)))
server=/tmp/p3s-bare-dovecot
step dovecot-start in_root "$a" "bash /root/pop3scan/tests/servers/dovecot.sh start $server \
  --listen 127.0.0.1 --port $plain --tls-port $tls --plaintext yes"
step deb-scan in_root "$b" "pop3scan -p $plain,tls:$tls 127.0.0.1"
step dovecot-stop in_root "$a" "bash /root/pop3scan/tests/servers/dovecot.sh stop $server"
grep -E "^127\.0\.0\.1:$plain +pop3 \(confirmed\)" "$out/logs/deb-scan.log" &&
  grep -E "^127\.0\.0\.1:$tls tls +pop3 \(confirmed\)" "$out/logs/deb-scan.log" ||
  fail "the installed pop3scan did not find the Dovecot on $plain and $tls ($out/logs/deb-scan.log)"

say "passed in $(( $(date +%s) - start )) s"
