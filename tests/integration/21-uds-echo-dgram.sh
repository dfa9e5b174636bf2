#!/usr/bin/env bash
# uds-echo --type dgram: the datagram engine on AF_UNIX SOCK_DGRAM with the
# socket path rules (files, abstract names, stale sockets, non-sockets),
# socat as an independent peer, a server that goes away and comes back.
. "$(dirname "$0")/lib.sh"
need socat python3
UE="$SOCKBOX_BIN/uds-echo"
T=timeout
D="$TEST_TMP"

# pyj EXPR [COND]: for each JSON line on stdin (o = the object) where COND
# holds, print EXPR; fails on a line that is not JSON (python3 is always
# installed by scripts/install-deps, jq is not)
pyj() {
	python3 -c 'import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if eval(sys.argv[2]):
        print(eval(sys.argv[1]))' "$1" "${2:-True}"
}

# ---- usage ------------------------------------------------------------------
rc=0; out=$($UE --type dgram -m hi "$D/x" 2>&1) || rc=$?
expect_eq "-m does not apply to dgram: exit 2" 2 "$rc"
rc=0; $UE --type dgram -s 10 "$D/x" >/dev/null 2>&1 || rc=$?
expect_eq "-s below the probe header: exit 2" 2 "$rc"
rc=0; $UE -l --type dgram --banner hi "$D/x" >/dev/null 2>&1 || rc=$?
expect_eq "--banner does not apply to dgram: exit 2" 2 "$rc"
rc=0; $UE -l --type dgram -c 3 "$D/x" >/dev/null 2>&1 || rc=$?
expect_eq "-l with a client option: exit 2" 2 "$rc"

# ---- file path -------------------------------------------------------------
start_server S "$UE" -l --type dgram --mode 600 "$D/dg.sock"
expect_eq "listening line names the path" "$D/dg.sock" "$S_ADDR"
expect_eq "--mode 600 on the socket file" "srw-------" "$(stat -c %A "$D/dg.sock")"
rc=0; out=$($T 10 "$UE" --type dgram -c 3 -i 0.02 "$D/dg.sock") || rc=$?
expect_eq "3 probes: exit 0" 0 "$rc"
expect_eq "reply lines" "1 2 3" \
	"$(sed -n "s|^64 bytes from $D/dg.sock: seq=\([0-9]*\) time=[0-9.]* ms$|\1|p" <<<"$out" | xargs)"
check "summary" grep -q "^3 datagrams transmitted, 3 received, 0 reordered, 0% packet loss" <<<"$out"
rc=0; out=$($T 10 "$UE" --type dgram -c 2 -i 0.02 -s 65507 "$D/dg.sock") || rc=$?
expect_eq "65507-byte datagrams: exit 0" 0 "$rc"
check "65507 bytes echoed whole" grep -q "^65507 bytes from $D/dg.sock: seq=2 " <<<"$out"
rc=0; out=$($T 10 "$UE" --type dgram --json -c 2 -i 0.02 "$D/dg.sock") || rc=$?
expect_eq "--json summary" "2 2" \
	"$(pyj '"%s %s" % (o["transmitted"], o["received"])' 'o["type"] == "summary"' <<<"$out")"
rc=0; out=$($T 20 "$UE" --type dgram --bench -C 32 -d 0.5 "$D/dg.sock") || rc=$?
expect_eq "bench, 32 in flight (more than the peer's queue): exit 0" 0 "$rc"
check "bench reports msgs/s" grep -Eq "^[0-9]+ msgs/s, rtt p50" <<<"$out"

# socat as an independent client: it must bind an address to get a reply
out=$(printf hello | $T 5 socat -t 1 - "UNIX-SENDTO:$D/dg.sock,bind=$D/socat.sock")
expect_eq "socat client gets its datagram back" hello "$out"
# an unnamed sender has no address to reply to: counted as blocked
printf x | $T 5 socat -t 0.3 - "UNIX-SENDTO:$D/dg.sock" >/dev/null 2>&1

rc=0; $UE -l --type dgram "$D/dg.sock" >/dev/null 2>"$D/live.err" || rc=$?
expect_eq "second server on a live path: exit 2" 2 "$rc"
check "... says a server is there" grep -q "a server is already listening there" "$D/live.err"

stop_server S
expect_eq "server exits 0 on SIGTERM" 0 "$S_RC"
check "stats line" grep -Eq "^uds-echo: [0-9]+ datagrams in, [0-9]+ out, [0-9]+ bytes in, [0-9]+ bytes out, 0 truncated, 0 dropped, 1 blocked$" "$S_ERR"
if [ -e "$D/dg.sock" ]; then fail "socket file removed on exit"; else ok "socket file removed on exit"; fi

# ---- a client that stops reading: its replies are dropped, never blocking
start_server F "$UE" -l --type dgram "$D/f.sock"
head -c 64000 /dev/zero | $T 10 socat -u -b 64 - "UNIX-SENDTO:$D/f.sock,bind=$D/slow.sock"
rc=0; $T 10 "$UE" --type dgram -c 2 -i 0.02 "$D/f.sock" >/dev/null || rc=$?
expect_eq "server still answers after a client stopped reading" 0 "$rc"
stop_server F
read -r fin fout fdrop < <(sed -n 's/^uds-echo: \([0-9]*\) datagrams in, \([0-9]*\) out, .* \([0-9]*\) dropped, .*/\1 \2 \3/p' "$F_ERR")
expect_eq "all 1002 datagrams received" 1002 "${fin:-}"
if [ "${fdrop:-0}" -gt 0 ] && [ $((fout + fdrop)) -eq 1002 ]; then
	ok "replies to the full client dropped and counted ($fdrop)"
else
	fail "replies to the full client dropped and counted" "$(cat "$F_ERR")"
fi

# ---- abstract names -----------------------------------------------------------
AB="@sockbox-dgram-test-$$"
start_server A "$UE" -l --type dgram "$AB"
expect_eq "abstract listening line" "$AB" "$A_ADDR"
rc=0; out=$($T 10 "$UE" --type dgram -c 2 -i 0.02 "$AB") || rc=$?
expect_eq "abstract: exit 0" 0 "$rc"
check "abstract reply lines" grep -q "^64 bytes from $AB: seq=2 " <<<"$out"
rc=0; $UE -l --type dgram "$AB" >/dev/null 2>&1 || rc=$?
expect_eq "abstract name in use: exit 2" 2 "$rc"
stop_server A
expect_eq "abstract server exits 0" 0 "$A_RC"

# ---- stale sockets and non-sockets --------------------------------------------
# a socket file nobody is bound to any more (socat leaves it behind on kill)
socat UNIX-RECVFROM:"$D/stale.sock" /dev/null &
sp=$!
wait_until 100 test -S "$D/stale.sock"
kill -9 "$sp"; wait "$sp" 2>/dev/null
check "a stale socket file is there" test -S "$D/stale.sock"
rc=0; out=$($T 10 "$UE" --type dgram -c 2 -i 0.05 -W 2 "$D/stale.sock") || rc=$?
expect_eq "client to a stale socket: exit 1" 1 "$rc"
expect_eq "... one error line per probe" "2" "$(grep -c '^seq=[12]: connect: Connection refused$' <<<"$out")"
start_server ST "$UE" -l --type dgram "$D/stale.sock" && [ -S "$D/stale.sock" ] \
	&& ok "server replaces a stale socket" || fail "server replaces a stale socket" "$(cat "${ST_ERR:-/dev/null}")"
rc=0; $T 10 "$UE" --type dgram -c 1 "$D/stale.sock" >/dev/null || rc=$?
expect_eq "... and answers there" 0 "$rc"

# the server goes away during a run and comes back: per-probe errors, then
# the client connects again
"$UE" --type dgram -c 60 -i 0.05 -W 1 "$D/stale.sock" >"$D/away.out" 2>&1 &
cp=$!
wait_until 100 grep -q "seq=3 " "$D/away.out"
stop_server ST
wait_until 100 grep -q "connect: No such file or directory" "$D/away.out"
start_server ST2 "$UE" -l --type dgram "$D/stale.sock"
rc=0; wait "$cp" || rc=$?
expect_eq "server away for a while: exit 1" 1 "$rc"
check "... error lines while away" grep -Eq "^seq=[0-9]+: (send: Connection refused|connect: No such file or directory)$" "$D/away.out"
last=$(grep -c "bytes from" "$D/away.out")
check "... replies again after it came back" grep -q "^64 bytes from $D/stale.sock: seq=60 " "$D/away.out"
check "... summary adds up" grep -Eq "^60 datagrams transmitted, $last received, \+[1-9][0-9]* errors, " "$D/away.out"
stop_server ST2

: >"$D/plain"
rc=0; $UE -l --type dgram "$D/plain" >/dev/null 2>"$D/plain.err" || rc=$?
expect_eq "a regular file at the path: exit 2" 2 "$rc"
check "... left alone" test -f "$D/plain"
rc=0; out=$($T 10 "$UE" --type dgram -c 1 -W 1 "$D/nothing.sock") || rc=$?
expect_eq "nothing at the path: exit 1" 1 "$rc"
check "... clear per-probe error" grep -qx "seq=1: connect: No such file or directory" <<<"$out"

done_testing
