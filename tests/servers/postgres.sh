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
#
# As root the server runs as the user postgres (made by the package; initdb refuses root). The
# URI to use is written to DIR/uri: postgresql://postgres:PW@127.0.0.1:PORT/NAME.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
P3S_PROG=postgres.sh
# shellcheck source=lib.sh
source "$here/lib.sh"

bindir=/usr/lib/postgresql/15/bin
cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || p3s_die "usage: $0 start|stop|kill|restart DIR [--port P] [--password PW] [--db NAME]"
shift 2
[[ -x $bindir/postgres ]] || p3s_die "no PostgreSQL 15 in $bindir (apt-get install postgresql-15)"

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    # runuser keeps the environment (P3S_FIXTURE marks the server's processes)
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_server() {
  local d=$1 port
  port=$(cat "$d/port")
  P3S_FIXTURE="$d/postgres" as_pg "$bindir/pg_ctl" -D "$d/data" -l "$d/log" -w -t 60 \
    -o "-p $port -k $d -c listen_addresses=127.0.0.1" start >/dev/null \
    || { tail -n 20 "$d/log" >&2; p3s_die "the server did not start"; }
}

case $cmd in
  start)
    port= password=p3s-test db=pop3scan
    while (($#)); do
      case $1 in
        --port) port=$2; shift 2 ;;
        --password) password=$2; shift 2 ;;
        --db) db=$2; shift 2 ;;
        *) p3s_die "unknown option $1" ;;
      esac
    done
    [[ -n $port ]] || p3s_die "--port is needed"
    dir=$(p3s_absdir "$dir" create)
    [[ ! -e $dir/data ]] || p3s_die "$dir/data exists: stop it first"
    if [[ $(id -u) -eq 0 ]]; then
      id postgres >/dev/null 2>&1 || p3s_die "no user postgres (apt-get install postgresql-15)"
      chown postgres "$dir"
    fi
    echo "$port" >"$dir/port"
    printf '%s\n' "$password" >"$dir/pwfile"
    [[ $(id -u) -ne 0 ]] || chown postgres "$dir/pwfile"
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; p3s_die "initdb failed"; }
    start_server "$dir"
    as_pg "$bindir/createdb" -h "$dir" -p "$port" -U postgres "$db"
    echo "postgresql://postgres:$password@127.0.0.1:$port/$db" >"$dir/uri"
    ;;
  restart)
    dir=$(p3s_absdir "$dir")
    start_server "$dir"
    ;;
  stop|kill)
    dir=$(p3s_absdir "$dir")
    [[ -d $dir/data ]] || exit 0
    if [[ $cmd == stop ]]; then
      as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    # What is left (a kill, or a stop that did not finish): the postmaster first, by the pid
    # it wrote, then any process marked for this instance.
    if [[ -s $dir/data/postmaster.pid ]]; then
      pid=$(head -n1 "$dir/data/postmaster.pid" | tr -dc 0-9)
      [[ -n $pid ]] && p3s_is_marked "$pid" "$dir/postgres" && kill -KILL "$pid" 2>/dev/null || true
    fi
    for _ in $(seq 50); do
      pids=$(p3s_marked_pids "$dir/postgres")
      [[ -z $pids ]] && break
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 0.1
    done
    # a killed postmaster leaves its pid file: the next start must not take it for a live one
    if [[ $cmd == kill ]]; then rm -f "$dir/data/postmaster.pid"; fi
    ;;
  *) p3s_die "unknown command $cmd" ;;
esac
