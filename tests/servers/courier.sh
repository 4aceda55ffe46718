#!/usr/bin/env bash
# Starts and stops a private Courier 1.0.16 POP3 server on 127.0.0.1 for the integration tests:
# couriertcpd running courierpop3login (POP3_STARTTLS=YES) on one port, and a second couriertcpd
# running couriertls -server around it (implicit TLS) on another, with courier-authlib's
# authdaemond behind them.
#
#   tests/servers/courier.sh start DIR --port P [--tls-port T] [--cert FILE --key FILE]
#   tests/servers/courier.sh stop DIR
#   tests/servers/courier.sh status DIR
#
# courier-pop declares Conflicts: pop3-server (with dovecot-pop3d), so it is never installed:
# `apt-get download courier-base courier-pop` into ${P3S_CACHE:-/var/cache/pop3scan-test}/courier,
# unpacked there with dpkg-deb -x (P3S_COURIER_DEBS=DIR unpacks the two .debs found in DIR
# instead). authdaemond and the libraries come from apt (courier-authdaemon, courier-authlib,
# libcourier-unicode4, libidn12: scripts/install-deps.sh test); start checks them with ldd.
#
# authdaemond's socket (/run/courier/authdaemon/socket) and its config (/etc/courier/authdaemonrc)
# are compiled-in paths, so every instance runs in its own mount and PID namespace (unshare):
# DIR/authdaemon and DIR/authdaemonrc are bind-mounted over them there, nothing on the host is
# used or changed (but for creating the empty mount point /run/courier/authdaemon), several
# instances can run at once, and when the namespace's first process dies the kernel kills every
# process in it. authdaemond uses PAM (Debian's default); there is no test user. couriertcpd
# runs with -maxprocs=1000 -maxperip=1000 (Debian's maxperip=4 silently drops the 5th
# concurrent connection from one address). Pid in DIR/courier.pid (the unshare process); output
# of authdaemond and both couriertcpd in DIR/courier.log. start returns 0 once each port answers
# with Courier's greeting (the TLS port through openssl s_client).
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
p3s_fixture courier "$@"

cache=${P3S_CACHE:-/var/cache/pop3scan-test}/courier
root=$cache/root
tcpd=$root/usr/sbin/couriertcpd
couriertls=$root/usr/bin/couriertls
login=$root/usr/lib/courier/courier/courierpop3login
pop3d=$root/usr/lib/courier/courier/courierpop3d
authdaemond=/usr/lib/courier/courier-authlib/authdaemond
authsock_dir=/run/courier/authdaemon
authrc=/etc/courier/authdaemonrc

# Inside the namespaces (PID 1 there): private authdaemond socket directory and config, then
# authdaemond and the couriertcpd listeners. Every process gets a clean environment with only
# what Courier's own init scripts would set, plus the fixture marker.
run_inside() {
  local port=$1 tls_port=$2 i
  mount --bind "$dir/authdaemon" "$authsock_dir"
  mount --bind "$dir/authdaemonrc" "$authrc"
  local -a base=(env -i "P3S_FIXTURE=$marker" PATH=/usr/sbin:/usr/bin:/sbin:/bin)
  "${base[@]}" "$authdaemond" &
  for ((i = 0; i < 200; i++)); do
    [[ -S $authsock_dir/socket ]] && break
    sleep 0.05
  done
  [[ -S $authsock_dir/socket ]] || p3s_die "authdaemond did not create its socket"
  local -a common=(POP3AUTH= POP3AUTH_TLS= POP3_PROXY=0 POP3_TLS_REQUIRED=0 "TLS_CERTFILE=$dir/courier.pem"
    TLS_VERIFYPEER=NONE MAILDIRPATH=Maildir)
  local -a tcpd_opts=(-address=127.0.0.1 -maxprocs=1000 -maxperip=1000 -nodnslookup -noidentlookup)
  "${base[@]}" "${common[@]}" POP3_STARTTLS=YES "COURIERTLS=$couriertls" \
    "$tcpd" "${tcpd_opts[@]}" "$port" "$login" "$pop3d" Maildir &
  if [[ -n $tls_port ]]; then
    "${base[@]}" "${common[@]}" POP3_TLS=1 POP3_STARTTLS=NO \
      "$tcpd" "${tcpd_opts[@]}" "$tls_port" "$couriertls" -server -tcpd -user=courier "$login" "$pop3d" Maildir &
  fi
  wait
}

# Fetch and unpack courier-base and courier-pop into the cache once.
ensure_courier() {
  p3s_unpack_debs "$cache" "${P3S_COURIER_DEBS:-}" "courier-base courier-pop" "$tcpd" "$login" "$pop3d" "$couriertls"
}

# authdaemond (courier-authdaemon) and every shared library of the unpacked binaries come from apt.
check_installed() {
  [[ -x $authdaemond && -f $authrc ]] ||
    p3s_die "courier-authdaemon not installed ($authdaemond, $authrc; run scripts/install-deps.sh test)"
  p3s_check_libs Courier "$tcpd" "$couriertls" "$login" "$pop3d" "$authdaemond"
}

# What the Debian maintainer scripts would have done: the user couriertls and authdaemond's
# socket directory belong to (courier-authlib's postinst normally creates it).
ensure_system() {
  p3s_system_user courier /var/lib/courier
  # The mount point for the private socket directory (empty on the host).
  if [[ ! -d $authsock_dir ]]; then
    mkdir -p -- "$authsock_dir"
    chown courier:courier "$authsock_dir" 2>/dev/null || true
    chmod 750 "$authsock_dir"
  fi
}

start() {
  local port='' tls_port='' cert='' key=''
  p3s_port_options certs "$@"
  p3s_need_root "namespaces, bind mounts, couriertls -user=courier"
  p3s_need_commands apt-get dpkg-deb ldd openssl ss setsid flock unshare mount

  stop
  ensure_courier
  check_installed
  ensure_system
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"

  p3s_default_cert
  # couriertls wants certificate and key in one file; -user=courier reads it after dropping root.
  cat -- "$cert" "$key" >"$dir/courier.pem"
  chown courier "$dir/courier.pem"
  chmod 600 "$dir/courier.pem"
  # couriertls runs as courier and must reach DIR.
  p3s_allow_traverse "$dir"

  rm -rf -- "$dir/authdaemon"
  mkdir -p -- "$dir/authdaemon"
  chown courier:courier "$dir/authdaemon"
  chmod 750 "$dir/authdaemon"
  cat >"$dir/authdaemonrc" <<EOF
# Generated by tests/servers/courier.sh; bind-mounted over $authrc in the instance's namespace.
authmodulelist="authpam"
daemons=2
authdaemonvar=$authsock_dir
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
EOF
  chmod 644 "$dir/authdaemonrc"

  # --kill-child: when unshare dies (stop sends TERM to its process group), the kernel kills the
  # namespace's PID 1 and with it every process inside, couriertcpd included (it moves itself
  # into a process group of its own).
  p3s_serve Courier '+OK Hello there.*' '+OK*' "$dir/courier.log" \
    unshare --mount --propagation private --pid --fork --kill-child \
    bash "${BASH_SOURCE[0]}" _inside "$dir" "$port" "$tls_port"
}

p3s_dispatch _inside run_inside
