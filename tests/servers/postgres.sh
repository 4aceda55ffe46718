#!/usr/bin/env bash
# postgres.sh — a throwaway PostgreSQL 15 (Debian's postgresql-15) for the history's tests and
# benchmarks: a cluster made by initdb in DIR, listening on 127.0.0.1:PORT only (and a socket in
# DIR), never the system's cluster. Connections over TCP need the password (scram-sha-256), so a
# wrong one is refused as on a real server; the socket trusts the local postgres user.
#
#   tests/servers/postgres.sh start DIR --port PORT [--password PW] [--db NAME]
#   tests/servers/postgres.sh stop DIR        (fast shutdown, then by pid: nothing left running)
#   tests/servers/postgres.sh kill DIR        (SIGKILL of the postmaster: a crash)
#   tests/servers/postgres.sh restart DIR     (start again what stop or kill ended, same port)
#   tests/servers/postgres.sh status DIR      (pg_ctl's status; exit 1 when not running)
#
# As root the server runs as the user postgres (made by the package; initdb refuses root). The
# URI to use is written to DIR/uri: postgresql://postgres:PW@127.0.0.1:PORT/NAME.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
p3s_fixture postgres "$@"

bindir=/usr/lib/postgresql/15/bin
[[ -x $bindir/postgres ]] || p3s_die "no PostgreSQL 15 in $bindir (apt-get install postgresql-15)"

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    # runuser keeps the environment (P3S_FIXTURE marks the server's processes)
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The server of DIR's cluster on the port start wrote down, marked as the fixture's.
start_server() {
  local port
  port=$(<"$dir/port")
  P3S_FIXTURE=$marker as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null ||
    { tail -n 20 -- "$dir/log" >&2; p3s_die "the server did not start"; }
}

start() {
  local port='' password=p3s-test db=pop3scan
  p3s_options "port password db" "$@"
  [[ -n $port ]] || p3s_die "--port is required"
  p3s_check_port "$port"
  [[ ! -e $dir/data ]] || p3s_die "$dir/data exists: stop it first"
  p3s_ports_free 127.0.0.1 "$port"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || p3s_die "no user postgres (apt-get install postgresql-15)"
    chown postgres "$dir"
  fi
  echo "$port" >"$dir/port"
  printf '%s\n' "$password" >"$dir/pwfile"
  [[ $(id -u) -ne 0 ]] || chown postgres "$dir/pwfile"
  as_pg "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" >"$dir/initdb.log" 2>&1 ||
    { cat -- "$dir/initdb.log" >&2; p3s_die "initdb failed"; }
  start_server
  as_pg "$bindir/createdb" -h "$dir" -p "$port" -U postgres "$db"
  echo "postgresql://postgres:$password@127.0.0.1:$port/$db" >"$dir/uri"
}

# restart: the cluster start made, again (after stop or kill), on its port.
restart() {
  (($# == 0)) || usage
  [[ -d $dir/data ]] || p3s_die "no cluster in $dir: start it first"
  start_server
}

# stop: pg_ctl's fast shutdown; whatever is left of the instance then (a shutdown that did not
# finish) goes the way every fixture's leftovers go. The postmaster's own pid file names it.
stop() {
  [[ -d $dir/data ]] || return 0
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  p3s_kill "$marker" "$dir/data/postmaster.pid"
}

# kill: SIGKILL to the postmaster, a crash, then its children as after stop. The lock files it
# leaves (its pid file, the socket's) go too: until the dead postmaster is reaped, its pid still
# exists, and restart would take them for a live server's.
crash() {
  local pid
  (($# == 0)) || usage
  [[ -d $dir/data ]] || return 0
  if pid=$(p3s_pid_alive "$dir/data/postmaster.pid" "$marker"); then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  p3s_kill "$marker" "$dir/data/postmaster.pid"
  rm -f -- "$dir"/.s.PGSQL.*.lock
}

status() {
  [[ -d $dir/data ]] && as_pg "$bindir/pg_ctl" -D "$dir/data" status || return 1
}

p3s_dispatch kill crash restart restart
