#!/usr/bin/env bash
# Starts and stops a private Dovecot POP3 server on loopback for the integration tests.
# Everything (config, sockets, state, log, mail) lives in DIR; nothing is read from /etc/dovecot.
#
#   tests/servers/dovecot.sh start DIR [--listen ADDRS] [--port P] [--tls-port T]
#                                      [--plaintext yes|no] [--fast] [--ssl-min PROTO]
#                                      [--greeting TEXT] [--stls yes|no]
#                                      [--cert FILE --key FILE]
#   tests/servers/dovecot.sh stop DIR
#   tests/servers/dovecot.sh status DIR
#
#   --listen ADDRS      comma list of loopback addresses (default 127.0.0.1; e.g. 127.0.0.1,::1)
#   --port P            cleartext POP3 (with STLS) on P, named as in the other fixtures
#   --tls-port T        implicit-TLS POP3 (pop3s) on T       (at least one port is required)
#   --plaintext yes|no  yes: disable_plaintext_auth = no (USER/PLAIN before TLS accepted);
#                       no (default, Dovecot's own default): disable_plaintext_auth = yes.
#                       Dovecot counts client address == server address as secure, so refusals
#                       are only seen when listening on e.g. 127.0.0.2 and connecting from 127.0.0.1.
#   --fast              pop3-login service_count = 0, process_min_avail = 2, client_limit = 1000
#   --ssl-min PROTO     ssl_min_protocol (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; default Dovecot's,
#                       TLSv1.2). Below TLSv1.2 the cipher list gets @SECLEVEL=0 so OpenSSL 3
#                       really negotiates TLS 1.0/1.1.
#   --greeting TEXT     login_greeting (default Dovecot's, "Dovecot (Debian) ready.")
#   --stls yes|no       no: ssl = no, so no STLS (and no --tls-port); default yes
#   --cert/--key        certificate and key (default: made by certs.sh in DIR)
#
# Login: user poptest, password poptest (PLAIN, LOGIN, CRAM-MD5, USER/PASS). start returns 0 once
# every port accepts on every address (pid in DIR/dovecot.pid, log in DIR/dovecot.log); on failure
# it prints the log tail and returns 1. start on a running DIR restarts it. stop is a no-op when
# nothing runs.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
p3s_fixture dovecot "$@"
# Dovecot replaces its environment with process titles: recognise the master by its
# config path and the children by the instance name, unique per DIR.
instance=p3s-$(printf '%s' "$dir" | md5sum | cut -c1-10)
P3S_CMDMATCH="$dir/dovecot.conf
dovecot-$instance/"

# TERM to the master alone: it shuts its children down itself (the marker catches any left).
stop() {
  p3s_kill "$marker" "$pidfile"
  rm -f -- "$dir/run/master.pid"
}

start() {
  local listen=127.0.0.1 plain_port='' tls_port='' plaintext=no fast=0 ssl_min='' cert='' key=''
  local greeting='' stls=yes
  while [[ $# -gt 0 ]]; do
    case $1 in
      --listen) listen=${2:?}; shift 2 ;;
      --port) plain_port=${2:?}; shift 2 ;;
      --tls-port) tls_port=${2:?}; shift 2 ;;
      --plaintext) plaintext=${2:?}; shift 2 ;;
      --fast) fast=1; shift ;;
      --ssl-min) ssl_min=${2:?}; shift 2 ;;
      --greeting) greeting=${2:?}; shift 2 ;;
      --stls) stls=${2:?}; shift 2 ;;
      --cert) cert=${2:?}; shift 2 ;;
      --key) key=${2:?}; shift 2 ;;
      *) p3s_log "unknown option: $1"; usage ;;
    esac
  done
  [[ -n $plain_port || -n $tls_port ]] || p3s_die "need --port and/or --tls-port"
  [[ -z $plain_port ]] || p3s_check_port "$plain_port"
  [[ -z $tls_port ]] || p3s_check_port "$tls_port"
  [[ $plain_port != "$tls_port" ]] || p3s_die "--port and --tls-port must differ"
  case $plaintext in
    yes) disable_plaintext=no ;;
    no) disable_plaintext=yes ;;
    *) p3s_die "--plaintext takes yes or no" ;;
  esac
  case $ssl_min in
    '' | SSLv3 | TLSv1 | TLSv1.1 | TLSv1.2 | TLSv1.3 | ANY) ;;
    *) p3s_die "bad --ssl-min: $ssl_min" ;;
  esac
  [[ -n $cert && -n $key || -z $cert && -z $key ]] || p3s_die "--cert and --key go together"
  case $stls in
    yes) ;;
    no) [[ -z $tls_port ]] || p3s_die "--stls no turns TLS off: no --tls-port" ;;
    *) p3s_die "--stls takes yes or no" ;;
  esac
  # The greeting goes into the config file as a quoted string: keep it to safe characters.
  [[ $greeting =~ ^[A-Za-z0-9\ .,:_()-]*$ ]] || p3s_die "bad --greeting (letters, digits, space, .,:_()- only)"

  local -a addrs
  IFS=, read -r -a addrs <<<"$listen"
  [[ ${#addrs[@]} -gt 0 ]] || p3s_die "empty --listen"
  local a
  for a in "${addrs[@]}"; do p3s_check_loopback "$a"; done

  command -v dovecot >/dev/null || p3s_die "dovecot not installed (apt-get install dovecot-core dovecot-pop3d)"
  [[ -x /usr/lib/dovecot/pop3 && -x /usr/lib/dovecot/pop3-login ]] ||
    p3s_die "dovecot-pop3d not installed"
  local u
  for u in dovecot dovenull; do
    id -u "$u" >/dev/null 2>&1 || p3s_die "system user $u missing (reinstall dovecot-core)"
  done

  # A running instance from this DIR is restarted; a crashed one is cleaned up.
  stop

  local port
  for a in "${addrs[@]}"; do p3s_ports_free "$a" "$plain_port" "$tls_port"; done

  p3s_default_cert
  p3s_dh_params
  cert=$(realpath -- "$cert")
  key=$(realpath -- "$key")

  # The mail processes run as the dovecot user and must reach DIR/home.
  p3s_allow_traverse "$dir"

  local uid gid
  uid=$(id -u dovecot)
  gid=$(id -g dovecot)
  mkdir -p "$dir/run" "$dir/state" "$dir/home/poptest/Maildir"/{cur,new,tmp}
  chown -R "$uid:$gid" "$dir/home"
  rm -f -- "$dir/run/master.pid"
  printf 'poptest:{PLAIN}poptest:%s:%s::%s\n' "$uid" "$gid" "$dir/home/poptest" >"$dir/passwd"
  chmod 644 "$dir/passwd"
  : >"$dir/dovecot.log"

  local cipher_line=
  case $ssl_min in
    SSLv3 | TLSv1 | TLSv1.1 | ANY) cipher_line='ssl_cipher_list = ALL:@SECLEVEL=0' ;;
  esac

  cat >"$dir/dovecot.conf" <<EOF
# Generated by tests/servers/dovecot.sh for a throwaway test instance.
instance_name = $instance
base_dir = $dir/run
state_dir = $dir/state
protocols = pop3
listen = ${listen//,/, }
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
debug_log_path = $dir/dovecot.log
ssl = $stls
ssl_cert = <$cert
ssl_key = <$key
ssl_dh = <$dir/dh.pem
${ssl_min:+ssl_min_protocol = $ssl_min}
${greeting:+login_greeting = "$greeting"}
$cipher_line
disable_plaintext_auth = $disable_plaintext
auth_mechanisms = plain login cram-md5
first_valid_uid = $uid
last_valid_uid = 0
first_valid_gid = $gid
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/passwd
}
userdb {
  driver = passwd-file
  args = $dir/passwd
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${plain_port:-0}
  }
  inet_listener pop3s {
    port = ${tls_port:-0}
    ssl = yes
  }
EOF
  if ((fast)); then
    cat >>"$dir/dovecot.conf" <<EOF
  service_count = 0
  process_min_avail = 2
  client_limit = 1000
EOF
  fi
  cat >>"$dir/dovecot.conf" <<EOF
}
EOF

  local conf_err
  if ! conf_err=$(doveconf -c "$dir/dovecot.conf" -n 2>&1 >/dev/null); then
    p3s_log "bad generated config: $conf_err"
    return 1
  fi

  p3s_launch "$marker" "$pidfile" "$dir/dovecot.out" dovecot -F -c "$dir/dovecot.conf"
  local wants=()
  for a in "${addrs[@]}"; do
    for port in $plain_port $tls_port; do wants+=("$a:$port"); done
  done
  p3s_wait_listen "$(<"$pidfile")" 10 t "${wants[@]}" ||
    p3s_start_failed dovecot "$dir/dovecot.out" "$dir/dovecot.log"
}

p3s_dispatch
