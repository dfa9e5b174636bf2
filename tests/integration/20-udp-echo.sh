#!/usr/bin/env bash
# udp-echo: server and UDP-ping client against each other and against socat;
# oversized datagrams, loop protection, ICMP errors, duplicates, reordering,
# late replies, and a measured loss rate through a lossy netns pair.
. "$(dirname "$0")/lib.sh"
need socat perl python3
UE="$SOCKBOX_BIN/udp-echo"
T=timeout

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

# start_socat VAR ARGS...: `socat -d -d ARGS` whose first address listens on
# port 0; waits for socat's "listening on ...:PORT" notice, sets VAR_PORT.
start_socat() {
	local var=$1; shift
	local fifo="$TEST_TMP/$var.sfifo" line="" fd pid
	mkfifo "$fifo"
	socat -d -d "$@" 2>"$fifo" &
	pid=$!
	at_exit "kill $pid"
	exec {fd}<"$fifo"
	while IFS= read -r -t 10 -u "$fd" line; do
		case $line in *"listening on"*) break ;; esac
	done
	cat <&"$fd" >/dev/null &   # keep draining its log
	exec {fd}<&-
	printf -v "${var}_PID" '%s' "$pid"
	printf -v "${var}_PORT" '%s' "${line##*:}"
}

# ---- usage and exit status 2 ----------------------------------------------
rc=0; $UE >/dev/null 2>&1 || rc=$?
expect_eq "no operands: exit 2" 2 "$rc"
rc=0; out=$($UE -s 23 127.0.0.1 7 2>&1) || rc=$?
expect_eq "-s below the 24-byte header: exit 2" 2 "$rc"
case $out in *"udp-echo: invalid size '23' for -s"*) ok "-s error names the option" ;;
	*) fail "-s error names the option" "$out" ;; esac
rc=0; $UE -s 65508 127.0.0.1 7 >/dev/null 2>&1 || rc=$?
expect_eq "-s above 65507: exit 2" 2 "$rc"
rc=0; $UE -l -c 3 0 >/dev/null 2>&1 || rc=$?
expect_eq "-l with a client option: exit 2" 2 "$rc"
rc=0; $UE 127.0.0.1 0 >/dev/null 2>&1 || rc=$?
expect_eq "client to port 0: exit 2" 2 "$rc"
rc=0; offline $UE -c 1 no.such.host.invalid 7 >/dev/null 2>&1 || rc=$?
expect_eq "unresolvable host: exit 2" 2 "$rc"
rc=0; $UE --help >/dev/null 2>&1 || rc=$?
expect_eq "--help: exit 0" 0 "$rc"

# ---- sockbox client against sockbox server --------------------------------
start_server S "$UE" -l 0
P=$S_PORT
case $S_ADDR in "[::]:"*|"0.0.0.0:"*) ok "server listens on the wildcard: $S_ADDR" ;;
	*) fail "server listens on the wildcard" "$S_ADDR" ;; esac

rc=0; out=$($T 10 "$UE" -c 3 -i 0.05 127.0.0.1 "$P") || rc=$?
expect_eq "3 probes over IPv4: exit 0" 0 "$rc"
expect_eq "3 reply lines, numbered from 1" "1 2 3" \
	"$(sed -n "s/^64 bytes from 127\.0\.0\.1:$P: seq=\([0-9]*\) time=[0-9.]* ms$/\1/p" <<<"$out" | xargs)"
check "summary counts" grep -qx "3 datagrams transmitted, 3 received, 0 reordered, 0% packet loss, time [0-9]*ms" <<<"$out"
check "rtt and jitter line" grep -Eqx "rtt min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms, jitter [0-9]+\.[0-9]{3} ms" <<<"$out"

rc=0; out=$($T 10 "$UE" -c 2 -i 0.05 ::1 "$P") || rc=$?
expect_eq "IPv6 probes to the dual-stack server: exit 0" 0 "$rc"
check "IPv6 reply lines" grep -q "^64 bytes from \[::1\]:$P: seq=2 " <<<"$out"

# the reply must leave from the address the request went to
rc=0; out=$($T 10 "$UE" -c 2 -i 0.05 127.0.0.2 "$P") || rc=$?
expect_eq "probes to 127.0.0.2 answered from 127.0.0.2: exit 0" 0 "$rc"

rc=0; out=$($T 10 "$UE" -c 2 -i 0.02 -s 65507 127.0.0.1 "$P") || rc=$?
expect_eq "65507-byte datagrams echoed whole: exit 0" 0 "$rc"
check "65507 bytes per reply" grep -q "^65507 bytes from 127.0.0.1:$P: seq=2 " <<<"$out"

rc=0; out=$($T 10 "$UE" --json -c 2 -i 0.02 127.0.0.1 "$P") || rc=$?
expect_eq "--json: exit 0" 0 "$rc"
check "--json: every line is JSON" pyj 1 <<<"$out"
expect_eq "--json: start, 2 replies, summary" "start reply reply summary" \
	"$(pyj 'o["type"]' <<<"$out" | xargs)"
expect_eq "--json summary" "2 2 0 0.0" \
	"$(pyj '"%s %s %s %s" % (o["transmitted"], o["received"], o["duplicates"], o["loss_pct"])' 'o["type"] == "summary"' <<<"$out")"

rc=0; out=$($T 10 "$UE" -q -c 3 -i 0.01 127.0.0.1 "$P") || rc=$?
expect_eq "-q prints the summary only" "0" "$(grep -c 'bytes from' <<<"$out")"

rc=0; out=$($T 20 "$UE" --bench -d 0.5 127.0.0.1 "$P") || rc=$?
expect_eq "bench on loopback: exit 0 (no loss)" 0 "$rc"
check "bench prints msgs/s and percentiles" grep -Eq "^[0-9]+ msgs/s, rtt p50/p90/p99/p99.9/max = " <<<"$out"
rc=0; out=$($T 20 "$UE" --bench --json -C 4 -s 100 -d 0.3 127.0.0.1 "$P") || rc=$?
expect_eq "bench --json" "summary 4 100 True" \
	"$(pyj '"%s %s %s %s" % (o["type"], o["inflight"], o["size_bytes"], o["msgs_per_s"] > 0)' 'o["type"] == "summary"' <<<"$out")"

# ---- socat as an independent peer ------------------------------------------
out=$(printf hello | $T 5 socat -t 1 - "UDP4:127.0.0.1:$P")
expect_eq "socat client gets its datagram back" hello "$out"
head -c 65507 /dev/urandom >"$TEST_TMP/big"
$T 5 socat -b 65536 -t 1 - "UDP4:127.0.0.1:$P" <"$TEST_TMP/big" >"$TEST_TMP/big.echo"
check "socat: a 65507-byte random datagram comes back identical" cmp "$TEST_TMP/big" "$TEST_TMP/big.echo"

# -b 64: socat moves at most 64 bytes per step, so datagram boundaries
# survive its pipe
start_socat SP -b 64 UDP4-LISTEN:0,bind=127.0.0.1 PIPE
rc=0; out=$($T 10 "$UE" -c 5 -i 0.02 127.0.0.1 "$SP_PORT") || rc=$?
expect_eq "sockbox client against socat's echo: exit 0" 0 "$rc"
check "5 received from socat" grep -q "^5 datagrams transmitted, 5 received," <<<"$out"

printf 'while (sysread(STDIN, my $b, 64)) { syswrite(STDOUT, $b) for 1 .. 2 }\n' >"$TEST_TMP/dup.pl"
start_socat SD -b 64 UDP4-LISTEN:0,bind=127.0.0.1 "SYSTEM:perl $TEST_TMP/dup.pl"
rc=0; out=$($T 10 "$UE" -c 3 -i 0.1 127.0.0.1 "$SD_PORT") || rc=$?
expect_eq "duplicating peer: exit 0" 0 "$rc"
# like ping, the client ends once every probe is answered, so the last
# probe's duplicate may arrive after it has gone: 2 or 3
check "duplicating peer: (DUP!) marks on seq 1 and 2" grep -q "seq=2 time=[0-9.]* ms (DUP!)" <<<"$out"
check "duplicating peer: summary" grep -Eq "^3 datagrams transmitted, 3 received, \+[23] duplicates, 0 reordered, 0% packet loss" <<<"$out"
dups=$(grep -c ' (DUP!)$' <<<"$out")
check "duplicating peer: a (DUP!) line per duplicate" grep -q "received, +$dups duplicates" <<<"$out"

# swaps each pair of datagrams: seq 1 and 3 arrive after 2 and 4
printf 'while (sysread(STDIN, my $a, 64) && sysread(STDIN, my $b, 64)) { syswrite(STDOUT, $b); syswrite(STDOUT, $a) }\n' >"$TEST_TMP/swap.pl"
start_socat SR -b 64 UDP4-LISTEN:0,bind=127.0.0.1 "SYSTEM:perl $TEST_TMP/swap.pl"
rc=0; out=$($T 10 "$UE" -c 4 -i 0.05 -W 2 127.0.0.1 "$SR_PORT") || rc=$?
expect_eq "reordering peer: exit 0" 0 "$rc"
expect_eq "reordering peer: arrival order" "2 1 4 3" \
	"$(sed -n 's/.* seq=\([0-9]*\) .*/\1/p' <<<"$out" | xargs)"
check "reordering peer: 2 reordered" grep -q "^4 datagrams transmitted, 4 received, 2 reordered," <<<"$out"

# answers only after 1 s: the first probes time out, their replies are late
start_socat SL -b 64 UDP4-LISTEN:0,bind=127.0.0.1 "SYSTEM:sleep 1; exec cat"
rc=0; out=$($T 20 "$UE" -c 15 -i 0.1 -W 0.3 127.0.0.1 "$SL_PORT") || rc=$?
expect_eq "slow peer: late replies still count as received: exit 0" 0 "$rc"
check "slow peer: (late) marks on the first probes" grep -q "seq=1 time=[0-9.]* ms (late)$" <<<"$out"
check "slow peer: summary counts late" grep -Eq "^15 datagrams transmitted, 15 received, 0 reordered, [0-9]+ late, 0% packet loss" <<<"$out"

# ---- oversized, loop protection, stats on SIGTERM --------------------------
start_server M "$UE" -l -b 127.0.0.1 --max-size 1000 0
head -c 1000 /dev/zero | tr '\0' a >"$TEST_TMP/k1"
out=$($T 5 socat -b 4096 -t 1 - "UDP4:127.0.0.1:$M_PORT" <"$TEST_TMP/k1" | wc -c)
expect_eq "--max-size 1000: 1000 bytes echoed" 1000 "$out"
out=$(head -c 2000 /dev/zero | $T 5 socat -b 4096 -t 0.5 - "UDP4:127.0.0.1:$M_PORT" | wc -c)
expect_eq "--max-size 1000: 2000 bytes not echoed" 0 "$out"
rc=0; out=$($T 10 "$UE" -c 2 -i 0.05 -W 0.3 -s 2000 127.0.0.1 "$M_PORT") || rc=$?
expect_eq "client: truncated probes are lost: exit 1" 1 "$rc"
check "client: 100% loss reported" grep -q "^2 datagrams transmitted, 0 received, 0 reordered, 100% packet loss" <<<"$out"
out=$(printf x | $T 5 socat -t 0.5 - "UDP4:127.0.0.1:$M_PORT,sourceport=7,reuseaddr")
expect_eq "no echo to source port 7" "" "$out"
out=$(printf x | $T 5 socat -t 0.5 - "UDP4:127.0.0.1:$M_PORT,sourceport=19,reuseaddr")
expect_eq "no echo to source port 19" "" "$out"
# a datagram that claims to come from the server itself (same address and
# port, sent unconnected so the more specific server socket receives it)
printf x | $T 5 socat -t 0.3 - "UDP4-SENDTO:127.0.0.1:$M_PORT,bind=0.0.0.0:$M_PORT,reuseaddr" >/dev/null
stop_server M TERM
expect_eq "server exits 0 on SIGTERM" 0 "$M_RC"
check "stats line: 3 truncated, 3 blocked" grep -qx "udp-echo: 7 datagrams in, 1 out, 7003 bytes in, 1000 bytes out, 3 truncated, 0 dropped, 3 blocked" "$M_ERR"

stop_server S INT
expect_eq "server exits 0 on SIGINT" 0 "$S_RC"
check "server stats line on SIGINT" grep -Eq "^udp-echo: [0-9]+ datagrams in, [0-9]+ out, " "$S_ERR"

# ---- nothing listening: ICMP port unreachable per probe -------------------
# a port that was just ours and is closed now
start_server Z "$UE" -l -b 127.0.0.1 0
ZP=$Z_PORT
stop_server Z
rc=0; out=$($T 20 "$UE" -c 3 -i 0.1 -W 5 127.0.0.1 "$ZP") || rc=$?
expect_eq "nothing listening: exit 1" 1 "$rc"
expect_eq "nothing listening: one error line per probe" "1 2 3" \
	"$(sed -n 's/^From 127\.0\.0\.1: seq=\([0-9]\) Destination Port Unreachable$/\1/p' <<<"$out" | xargs)"
check "nothing listening: +3 errors, 100% loss" grep -q "^3 datagrams transmitted, 0 received, +3 errors, 0 reordered, 100% packet loss" <<<"$out"
ms=$(sed -n 's/.*, time \([0-9]*\)ms$/\1/p' <<<"$out")
if [ -n "$ms" ] && [ "$ms" -lt 4000 ]; then ok "errors end the probes without waiting for -W 5"
else fail "errors end the probes without waiting for -W 5" "$out"; fi
rc=0; out=$($T 20 "$UE" -c 1 -W 5 ::1 "$ZP") || rc=$?
expect_eq "nothing listening over IPv6: exit 1" 1 "$rc"
check "ICMPv6 port unreachable line" grep -qx "From ::1: seq=1 Destination unreachable: Port unreachable" <<<"$out"
rc=0; out=$($T 20 "$UE" --json -c 1 -W 5 127.0.0.1 "$ZP") || rc=$?
expect_eq "--json error object" "send_error 1 Destination Port Unreachable" \
	"$(pyj '"%s %s %s" % (o["type"], o["seq"], o["error"])' 'o["type"] == "send_error"' <<<"$out")"

# ---- client interrupted ------------------------------------------------------
start_server S2 "$UE" -l -b 127.0.0.1 0
"$UE" -i 0.2 127.0.0.1 "$S2_PORT" >"$TEST_TMP/int.out" 2>&1 &
cpid=$!
wait_until 100 grep -q "seq=2 " "$TEST_TMP/int.out"
kill -INT "$cpid"
rc=0; wait "$cpid" || rc=$?
if [ "$rc" -le 1 ]; then ok "interrupted client exits 0/1 ($rc)"; else fail "interrupted client exits 0/1" "rc=$rc"; fi
check "interrupted client prints the summary" grep -q "^--- 127.0.0.1:$S2_PORT echo statistics ---$" "$TEST_TMP/int.out"

# ---- a lossy path: 30% of requests dropped in a netns pair ------------------
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && command -v nft >/dev/null &&
	ip netns add "sbdg-a-$$" 2>/dev/null; then
	NA="sbdg-a-$$" NB="sbdg-b-$$"
	at_exit "ip netns del $NA; ip netns del $NB"
	ip netns add "$NB"
	ip link add "sbdg$$a" netns "$NA" type veth peer name "sbdg$$b" netns "$NB"
	ip -n "$NA" addr add 198.18.0.1/30 dev "sbdg$$a"
	ip -n "$NB" addr add 198.18.0.2/30 dev "sbdg$$b"
	ip -n "$NA" link set "sbdg$$a" up; ip -n "$NA" link set lo up
	ip -n "$NB" link set "sbdg$$b" up; ip -n "$NB" link set lo up
	start_server L ip netns exec "$NB" "$UE" -l -b 198.18.0.2 0
	ip netns exec "$NB" nft -f - <<-EOF
	table inet sbdg {
		chain input {
			type filter hook input priority 0;
			udp dport $L_PORT numgen random mod 10 < 3 drop
			udp dport 9 reject with icmp type host-unreachable
		}
	}
	EOF
	rc=0; out=$($T 60 ip netns exec "$NA" "$UE" -q -c 1000 -i 0.002 -W 0.5 198.18.0.2 "$L_PORT") || rc=$?
	expect_eq "lossy path: exit 1" 1 "$rc"
	loss=$(sed -n 's/.* received, .*, \([0-9.]*\)% packet loss.*/\1/p' <<<"$out")
	if [ -n "$loss" ] && awk -v l="$loss" 'BEGIN { exit !(l >= 24 && l <= 36) }'; then
		ok "lossy path: 30% dropped, ${loss}% reported"
	else
		fail "lossy path: loss within 6 points of 30%" "$out"
	fi
	check "lossy path: 1000 sent" grep -q "^1000 datagrams transmitted, " <<<"$out"
	rc=0; out=$($T 20 ip netns exec "$NA" "$UE" -c 2 -i 0.1 -W 5 198.18.0.2 9) || rc=$?
	expect_eq "ICMP host unreachable: exit 1" 1 "$rc"
	check "ICMP host unreachable per probe" grep -qx "From 198.18.0.2: seq=2 Destination Host Unreachable" <<<"$out"
	stop_server L
else
	skip "lossy path: 30% dropped in a namespace pair" "needs root, ip and nft"
fi

done_testing
