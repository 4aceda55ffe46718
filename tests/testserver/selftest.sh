#!/usr/bin/env bash
# selftest.sh - end-to-end check of the p3testd test server on loopback:
# ready file, greeting, handlers, profile matching (mod, cidr), escapes,
# floods, close (FIN), reset (RST), stall, implicit TLS (also TLS 1.0),
# 'tls none' / 'tls stall', STARTTLS, script errors and clean shutdown.
# Builds nothing. Usage: selftest.sh PATH/TO/p3testd
set -u

BIN=${1:?usage: selftest.sh PATH/TO/p3testd}
T=$(mktemp -d /tmp/p3testd-selftest.XXXXXX)
PID=
pass=0
fail=0

cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1${2:+: $2}"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		bad "$1" "expected $(printf %q "$2"), got $(printf %q "$3")"
	fi
}

# check_has NAME NEEDLE HAYSTACK
check_has() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) bad "$1" "no $(printf %q "$2") in $(printf %q "$3")" ;;
	esac
}

# talk HOST PORT INPUT: send INPUT, print everything until the server
# closes (p3testd answers what it got, then closes after our FIN).
talk() {
	printf '%s' "$3" | timeout 5 socat -t 2 - "TCP:$1:$2" 2>/dev/null
}

# tls_talk HOST:PORT INPUT [s_client options...]
tls_talk() {
	local hp=$1 in=$2
	shift 2
	printf '%s' "$in" | timeout 5 openssl s_client -quiet -connect "$hp" \
		-servername localhost "$@" 2>/dev/null
}

cat >"$T/script" <<'EOF'
# Lines before any 'profile' belong to 'default'.
start send "+OK selftest ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n"   # comment after actions
on "USER " send "+OK\r\n"
on STLS send "+OK begin TLS\r\n" ; starttls
on QUIT send "+OK bye\r\n" ; close
on RSET send "+OK hel" ; reset
on STALL send "+OK stalling\r\n" ; stall
on LINES floodlines 1000 "X-CAP\r\n" ; send ".\r\n"
on FLOOD flood 1000000 "ab" ; close
on DRIP drip 10 "+OK\r\n" ; send ";\r\n"
on ESC send "\e[\x41\t\0\\\"\r\n"
on * send "-ERR unknown\r\n"

profile tlsnone
match cidr 127.0.0.5/32
tls none
start send "+OK cleartext on a TLS port\r\n" ; close

profile tlsstall
match cidr 127.0.0.6/32
tls stall
start send "+OK never sent on TLS listeners\r\n"

# parsed here; what extra and starttls keep do is checked by tests/integration/test_outofstep.py
profile inject
match port 1
extra 0 "+OK extra\r\n"
on STLS send "+OK begin TLS\r\n" ; starttls keep
on CAPA send "+OK\r\nSTLS\r\n.\r\n"
on QUIT send "+OK bye\r\n" ; close

profile odd
match mod 4 3          # 127.0.0.3 (0x7f000003 % 4 == 3), not 127.0.0.4
start send "+OK profile mod-4-3\r\n"
on * send "-ERR odd\r\n" ; close
EOF

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$T/k" -out "$T/c" >/dev/null 2>&1 || {
	echo "cannot create a test certificate"
	exit 1
}

"$BIN" --listen 0.0.0.0:0 --tls-listen 127.0.0.1:0 --tls-listen 0.0.0.0:0 \
	--cert "$T/c" --key "$T/k" --ready-file "$T/ready" "$T/script" \
	2>"$T/stderr" &
PID=$!
for _ in $(seq 100); do
	[ -s "$T/ready" ] && break
	sleep 0.05
done
if [ ! -s "$T/ready" ]; then
	echo "p3testd did not start:"
	cat "$T/stderr"
	exit 1
fi

# --- ready file ---------------------------------------------------------
mapfile -t R <"$T/ready"
P=${R[0]##* }
TP=${R[1]##* }
TP2=${R[2]##* }
check "ready file: plain listener" "plain 0.0.0.0 $P" "${R[0]}"
check "ready file: tls listener" "tls 127.0.0.1 $TP" "${R[1]}"
check "ready file: three lines" 3 "${#R[@]}"

# --- cleartext dialogue -------------------------------------------------
CR=$'\r'
out=$(talk 127.0.0.1 "$P" "")
check "greeting" "+OK selftest ready$CR" "$out"

out=$(talk 127.0.0.1 "$P" $'CAPA\r\nuser bob\r\nnoop\nQUIT\r\n')
check "CAPA, case-insensitive USER, bare-LF line, QUIT" \
	"$(printf '+OK selftest ready\r\n+OK\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n+OK\r\n-ERR unknown\r\n+OK bye\r')" \
	"$out"

out=$(talk 127.0.0.3 "$P" $'CAPA\r\n')
check "match mod 4 3 picks profile on 127.0.0.3" \
	"$(printf '+OK profile mod-4-3\r\n-ERR odd\r')" "$out"
out=$(talk 127.0.0.4 "$P" "")
check "no match on 127.0.0.4 falls back to default" \
	"+OK selftest ready$CR" "$out"

out=$(talk 127.0.0.1 "$P" $'ESC\r\n' | od -An -tx1 | tr -d ' \n')
want=$(printf '+OK selftest ready\r\n\033[A\t\0\\"\r\n' | od -An -tx1 | tr -d ' \n')
check "escapes \\e \\x41 \\t \\0 \\\\ \\\"" "$want" "$out"

out=$(talk 127.0.0.1 "$P" $'LINES\r\n' | grep -c '^X-CAP')
check "floodlines 1000" 1000 "$out"

out=$(talk 127.0.0.1 "$P" $'FLOOD\r\n' | wc -c)
check "flood 1000000 bytes (+ greeting)" $((1000000 + 20)) "$out"

start=$(date +%s%N)
out=$(talk 127.0.0.1 "$P" $'DRIP\r\n')
ms=$((($(date +%s%N) - start) / 1000000))
check "drip, then ';' inside quotes" "$(printf '+OK selftest ready\r\n+OK\r\n;\r')" "$out"
if [ "$ms" -ge 40 ]; then ok "drip takes time (${ms} ms)"; else bad "drip took only ${ms} ms"; fi

# --- close (FIN) and reset (RST) -----------------------------------------
exec 3<>"/dev/tcp/127.0.0.1/$P"
printf 'QUIT\r\n' >&3
out=$(timeout 3 cat <&3 2>&1)
rc=$?
exec 3<&-
check "close ends with a clean FIN" "0 +OK selftest ready$CR
+OK bye$CR" "$rc $out"

exec 3<>"/dev/tcp/127.0.0.1/$P"
printf 'RSET\r\n' >&3
sleep 0.2
out=$(timeout 3 cat <&3 2>&1)
exec 3<&-
check_has "reset flushes the partial line" "+OK hel" "$out"
check_has "reset gives a connection reset" "reset by peer" "$out"

# --- stall ----------------------------------------------------------------
exec 3<>"/dev/tcp/127.0.0.1/$P"
read -r -t 2 greet <&3
printf 'STALL\r\n' >&3
read -r -t 2 line <&3
printf 'CAPA\r\n' >&3
if read -r -t 0.5 more <&3; then
	bad "stall stays silent" "got $(printf %q "$more")"
else
	[ "$line" == "+OK stalling$CR" ] && ok "stall: queued reply sent, then silence" ||
		bad "stall reply" "$(printf %q "$greet / $line")"
fi
exec 3<&-

# --- TLS ----------------------------------------------------------------
out=$(tls_talk "127.0.0.1:$TP" $'CAPA\r\nQUIT\r\n')
check "implicit TLS: greeting and CAPA over TLS" \
	"$(printf '+OK selftest ready\r\n+OK\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n+OK bye\r')" "$out"

out=$(printf 'QUIT\r\n' | timeout 5 openssl s_client -connect "127.0.0.1:$TP" \
	-tls1 -cipher 'DEFAULT:@SECLEVEL=0' 2>&1 | grep -E '^ *Protocol *:')
check "TLS 1.0 is accepted" "TLSv1" "${out##* }"

out=$(tls_talk "127.0.0.1:$P" $'CAPA\r\nQUIT\r\n' -starttls pop3)
check_has "STARTTLS: CAPA answered over TLS" \
	"$(printf '+OK\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n+OK bye\r')" "$out"

out=$(talk 127.0.0.5 "$TP2" "")
check "tls none: cleartext on a TLS listener" \
	"+OK cleartext on a TLS port$CR" "$out"

if (exec 3<>"/dev/tcp/127.0.0.6/$TP2") 2>/dev/null; then
	timeout 1 openssl s_client -connect "127.0.0.6:$TP2" </dev/null >/dev/null 2>&1
	rc=$?
	check "tls stall: TCP accepted, ClientHello never answered (timeout)" 124 "$rc"
else
	bad "tls stall: TCP connect refused"
fi

# --- bookkeeping ----------------------------------------------------------
active=
for _ in $(seq 40); do
	kill -USR1 "$PID"
	sleep 0.05
	active=$(sed -n 's/^p3testd: active \([0-9]*\) .*/\1/p' "$T/stderr" | tail -n1)
	[ "$active" == 0 ] && break
done
check "every closed connection was freed" 0 "$active"

# --- --delay: every greeting and answer waits a round trip ----------------
printf 'start send "+OK slow\\r\\n"\non QUIT send "+OK bye\\r\\n" ; close\n' >"$T/delay"
"$BIN" --listen 127.0.0.1:0 --delay 300 --ready-file "$T/dready" "$T/delay" 2>/dev/null &
DPID=$!
for _ in $(seq 100); do [ -s "$T/dready" ] && break; sleep 0.05; done
DP=$(awk '{print $3}' "$T/dready")
t0=$(date +%s%N)
out=$(printf 'QUIT\r\n' | timeout 5 socat -t 3 - "TCP:127.0.0.1:$DP" 2>/dev/null)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
check "--delay: greeting and answer" "+OK slow"$'\r'$'\n'"+OK bye"$'\r' "$out"
# Two waits of 300 ms (the QUIT, sent at once, waits behind the greeting's).
if [ "$ms" -ge 600 ] && [ "$ms" -lt 3000 ]; then
	ok "--delay: two replies took $ms ms (>= 600)"
else
	bad "--delay: two replies took $ms ms, expected 600 to 3000"
fi
"$BIN" --listen 127.0.0.1:0 --delay x "$T/delay" 2>/dev/null
check "--delay x: usage error" 2 "$?"

printf 'profile x\nstart send "ok" ; bogus\n' >"$T/bad"
"$BIN" --listen 127.0.0.1:0 "$T/bad" 2>"$T/bad.err"
rc=$?
check "bad script: exit 2 with file:line" "2 $T/bad:2: unknown action 'bogus'" \
	"$rc $(cat "$T/bad.err")"

printf 'extra "a"\nextra "b"\n' >"$T/bad3"
"$BIN" --check "$T/bad3" 2>"$T/bad.err"
rc=$?
check "duplicate extra: exit 2 with file:line" \
	"2 $T/bad3:2: duplicate 'extra' in profile 'default'" "$rc $(cat "$T/bad.err")"

printf 'start send "x\\q"\n' >"$T/bad2"
"$BIN" --check "$T/bad2" 2>"$T/bad.err"
rc=$?
check "bad escape: exit 2 with file:line" "2 $T/bad2:1: bad escape '\\q'" \
	"$rc $(cat "$T/bad.err")"

kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
check "SIGTERM: clean exit" 0 "$rc"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
