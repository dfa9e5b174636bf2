#!/usr/bin/env bash
# ping: output format line by line against iputils ping (numbers masked) on
# loopback v4/v6; the unprivileged datagram path, the no-socket error and
# the setcap path as a non-root user (capabilities gone while it runs);
# ICMP errors and loss in a router topology of network namespaces.
. "$(dirname "$0")/lib.sh"
need_root
need ip nft setpriv setcap timeout
IPUTILS=/usr/bin/ping
[ -x "$IPUTILS" ] || skip_all "iputils ping not installed"
PING="$SOCKBOX_BIN/ping"
T() { timeout -k 2 20 "$@"; }

# Mask what varies run to run: rtts, elapsed time, -D stamps.
mask() {
	sed -E -e 's/time=[0-9.]+ ms/time=T ms/' -e 's/time [0-9]+ms/time Nms/' \
	    -e 's#= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms#= A/B/C/D ms#' \
	    -e 's#ipg/ewma [0-9.]+/[0-9.]+ ms#ipg/ewma I/E ms#' \
	    -e 's/^\[[0-9]+\.[0-9]{6}\] /[S] /'
}
# Same options, same target, iputils vs sockbox; compare masked lines.
same_as_iputils() {
	local desc=$1; shift
	local a b ra rb try
	# Two tries: on this shared machine either tool can miss a late reply
	# (iputils then prints "1 received"); a real format difference repeats.
	for try in 1 2; do
		a=$(T "$IPUTILS" "$@" 2>&1); ra=$?
		b=$(T "$PING" "$@" 2>&1); rb=$?
		a=$(mask <<<"$a"); b=$(mask <<<"$b")
		[ "$a" = "$b" ] && [ "$ra" = "$rb" ] && break
	done
	if [ "$a" = "$b" ] && [ "$ra" = "$rb" ]; then ok "$desc"
	else fail "$desc" "iputils (rc $ra):
$a
sockbox (rc $rb):
$b"; fi
}

# ---- loopback, raw sockets (root) ---------------------------------------
same_as_iputils "v4 loopback format" -c 3 -i 0.2 127.0.0.1
same_as_iputils "v6 loopback format" -c 3 -i 0.2 ::1
same_as_iputils "v4 hostname: reverse name in replies" -c 2 -i 0.2 localhost
same_as_iputils "-s 8: no times, no rtt line" -c 2 -i 0.2 -s 8 127.0.0.1
same_as_iputils "-q" -q -c 2 -i 0.2 127.0.0.1
same_as_iputils "-D -O -n" -D -O -n -c 2 -i 0.2 127.0.0.1
same_as_iputils "-p pattern, -s 100" -p 0fab -s 100 -c 2 -i 0.2 127.0.0.1
same_as_iputils "-l 3: pipe" -l 3 -c 3 -i 0.3 127.0.0.1
same_as_iputils "-i 0: ipg/ewma" -i 0 -c 5 127.0.0.1
same_as_iputils "-I lo header" -I lo -c 1 127.0.0.1
same_as_iputils "-I address header" -I 127.0.0.1 -c 1 127.0.0.1
same_as_iputils "-6 -I lo header" -6 -I lo -c 1 ::1
same_as_iputils "-w 1 -c 2" -w 1 -c 2 -i 0.2 127.0.0.1
same_as_iputils "-t 1 to loopback" -t 1 -c 1 127.0.0.1

out=$(T "$PING" -f -c 200 127.0.0.1 | od -An -c | tr -d ' \n')
case $out in
	*'.\b\b.\b\b'*) ok "flood prints '.' and backspaces" ;;
	*) fail "flood prints '.' and backspaces" "$out" ;;
esac
out=$(T "$PING" -f -c 200 127.0.0.1 | tail -3)
grep -q '^200 packets transmitted, 200 received, 0% packet loss' <<<"$out" &&
	ok "flood -c 200 counts" || fail "flood -c 200 counts" "$out"

# sequence numbers wrap past 65535 without false duplicates
out=$(T "$PING" -i 0 -c 65540 127.0.0.1)
if grep -q 'icmp_seq=65535 ' <<<"$out" && [ "$(grep -c 'icmp_seq=0 ' <<<"$out")" = 1 ] &&
   ! grep -q DUP <<<"$out" && grep -q '^65540 packets transmitted, 65540 received, 0% packet loss' <<<"$out"; then
	ok "sequence wraps 65535 -> 0, no false duplicates"
else fail "sequence wraps 65535 -> 0, no false duplicates" "$(tail -3 <<<"$out")"; fi

# SIGQUIT: one status line on stderr, and ping goes on
fifo=$TEST_TMP/quitfifo; mkfifo "$fifo"
"$PING" -c 4 -i 0.2 127.0.0.1 >"$fifo" 2>"$TEST_TMP/quit.err" &
pid=$!
exec {fd}<"$fifo"
IFS= read -r -t 10 -u "$fd" line; IFS= read -r -t 10 -u "$fd" line
kill -QUIT "$pid"
rest=$(timeout 10 cat <&$fd); exec {fd}<&-
wait "$pid"; rc=$?
if [ "$rc" = 0 ] && grep -qE $'^\r[0-9]+/[0-9]+ packets, [0-9]+% loss, min/avg/ewma/max = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms$' "$TEST_TMP/quit.err" &&
   grep -q '^4 packets transmitted, 4 received' <<<"$rest"; then
	ok "SIGQUIT: status line on stderr, run continues"
else fail "SIGQUIT: status line on stderr, run continues" "rc=$rc $(od -c "$TEST_TMP/quit.err" | head -3) $rest"; fi

out=$(T "$SOCKBOX_BIN/ping6" -c 1 ::1); expect_eq "ping6 alias implies -6" "PING ::1(::1) 56 data bytes" "$(head -1 <<<"$out")"
T "$PING" -4 -6 ::1 >/dev/null 2>&1; expect_eq "-4 -6 together: exit 2" 2 $?
T "$PING" >/dev/null 2>&1; expect_eq "no destination: exit 1 (iputils)" 1 $?
T "$PING" -c 0 127.0.0.1 >/dev/null 2>&1; expect_eq "-c 0: exit 1 (iputils)" 1 $?
T "$PING" -p xyz 127.0.0.1 >/dev/null 2>&1; expect_eq "bad -p: exit 2" 2 $?
out=$(offline timeout 20 "$PING" -c 1 no-such-host.invalid 2>&1); rc=$?
expect_eq "unknown host: exit 2" 2 "$rc"
grep -q '^ping: no-such-host.invalid: ' <<<"$out" && ok "unknown host: one line" || fail "unknown host: one line" "$out"

# --json: one object per line, a typed summary
out=$(T "$PING" --json -c 2 -i 0.2 127.0.0.1); rc=$?
if [ "$rc" = 0 ] && [ "$(grep -c '"type":"reply"' <<<"$out")" = 2 ] &&
   tail -1 <<<"$out" | grep -q '"type":"summary".*"transmitted":2,"received":2,.*"exit":0}' &&
   python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <<<"$out"; then
	ok "--json lines"
else fail "--json lines" "$out"; fi
out=$(T "$PING" -c 2 -i 0.2 --max-rtt 0.000001 127.0.0.1 2>&1); rc=$?
expect_eq "--max-rtt breached: exit 1" 1 "$rc"
grep -q '^ping: average rtt .* exceeds --max-rtt' <<<"$out" && ok "--max-rtt says which" || fail "--max-rtt says which" "$out"
T "$PING" -c 2 -i 0.2 --max-loss 0 --max-rtt 1000 127.0.0.1 >/dev/null 2>&1
expect_eq "thresholds met: exit 0" 0 $?

# ---- a network namespace per privilege case -----------------------------
U=$(test_user)
NS=sbping$$
ip netns add "$NS" && at_exit "ip netns del $NS"
ip -n "$NS" link set lo up
# the user must reach the binary: a world-readable copy
chmod 755 "$TEST_TMP"
cp "$SOCKBOX" "$TEST_TMP/sockbox"; chmod 755 "$TEST_TMP/sockbox"
ln -s sockbox "$TEST_TMP/ping"
UPING="$TEST_TMP/ping"

# no capability, ping_group_range "1 0": neither socket -> exit 2, explained
out=$(T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" -c 1 127.0.0.1 2>&1); rc=$?
expect_eq "no raw, no dgram: exit 2" 2 "$rc"
if [ "$(wc -l <<<"$out")" = 1 ] && grep -q 'ping_group_range' <<<"$out" && grep -q 'setcap cap_net_raw+p' <<<"$out"; then
	ok "no socket: one line naming ping_group_range and setcap"
else fail "no socket: one line naming ping_group_range and setcap" "$out"; fi

# datagram socket allowed inside our namespace only
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
for dst in 127.0.0.1 ::1; do
	out=$(T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" -c 2 -i 0.2 "$dst" 2>&1); rc=$?
	ref=$(T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$IPUTILS" -c 2 -i 0.2 "$dst" 2>&1)
	if [ "$rc" = 0 ] && [ "$(mask <<<"$out")" = "$(mask <<<"$ref")" ]; then ok "unprivileged dgram $dst: format as iputils"
	else fail "unprivileged dgram $dst: format as iputils" "$out
--- iputils:
$ref"; fi
done
out=$(T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" --json -c 1 127.0.0.1)
grep -q '"socket":"dgram"' <<<"$out" && ok "unprivileged: datagram socket used" || fail "unprivileged: datagram socket used" "$out"
out=$(T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" -f -c 1 127.0.0.1 2>&1); rc=$?
expect_eq "non-root flood refused after the header, as iputils (exit 2)" "2 PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
ping: cannot flood; minimal interval allowed for user is 2ms" "$rc $out"
T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" -l 4 -c 1 127.0.0.1 >/dev/null 2>&1
expect_eq "non-root preload > 3 refused" 2 $?

# setcap: raw socket as the user, then no capabilities while running
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="1 0"
setcap cap_net_raw+p "$TEST_TMP/sockbox"
out=$(T ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" --json -c 1 127.0.0.1)
grep -q '"socket":"raw"' <<<"$out" && ok "setcap: raw socket used" || fail "setcap: raw socket used" "$out"
fifo=$TEST_TMP/capfifo; mkfifo "$fifo"
ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$UPING" -c 30 -i 0.1 127.0.0.1 >"$fifo" 2>&1 &
pid=$!
exec {fd}<"$fifo"
IFS= read -r -t 10 -u "$fd" first   # the header comes after the drop
IFS= read -r -t 10 -u "$fd" reply   # and a reply: it is working
st=$(grep -E '^(CapEff|CapPrm|Uid):' "/proc/$pid/status" 2>&1)
kill -INT "$pid" 2>/dev/null
rest=$(timeout 10 cat <&$fd); exec {fd}<&-
wait "$pid"; rc=$?
uid=$(id -u "$U")
if grep -q "^CapEff:[[:space:]]*0000000000000000" <<<"$st" && grep -q "^CapPrm:[[:space:]]*0000000000000000" <<<"$st" &&
   grep -q "^Uid:[[:space:]]*$uid" <<<"$st" && grep -q '^64 bytes from 127.0.0.1' <<<"$reply"; then
	ok "setcap: CapEff and CapPrm zero while pinging"
else fail "setcap: CapEff and CapPrm zero while pinging" "$first
$reply
$st"; fi
if [ "$rc" = 0 ] && grep -q 'packets transmitted' <<<"$rest"; then ok "SIGINT prints statistics, exit 0"
else fail "SIGINT prints statistics, exit 0" "rc=$rc $rest"; fi

# ---- topology: h1 -- r -- h2, 198.18.0.0/15 --------------------------------
H1=sbh1$$ R=sbr$$ H2=sbh2$$
for n in $H1 $R $H2; do ip netns add "$n"; at_exit "ip netns del $n"; ip -n "$n" link set lo up; done
ip link add sbv1$$ netns "$H1" type veth peer name sbv1r$$ netns "$R"
ip link add sbv2$$ netns "$H2" type veth peer name sbv2r$$ netns "$R"
ip -n "$H1" addr add 198.18.1.2/24 dev sbv1$$; ip -n "$H1" link set sbv1$$ up
ip -n "$R" addr add 198.18.1.1/24 dev sbv1r$$; ip -n "$R" link set sbv1r$$ up
ip -n "$R" addr add 198.18.2.1/24 dev sbv2r$$; ip -n "$R" link set sbv2r$$ up
ip -n "$H2" addr add 198.18.2.2/24 dev sbv2$$; ip -n "$H2" link set sbv2$$ up
ip -n "$H2" addr add 198.18.2.4/24 dev sbv2$$
ip -n "$H1" route add default via 198.18.1.1
ip -n "$H2" route add default via 198.18.2.1
# IPv6 from the benchmarking range 2001:2::/48 (RFC 5180), no DAD wait
ip -n "$H1" addr add 2001:2:0:1::2/64 dev sbv1$$ nodad
ip -n "$R" addr add 2001:2:0:1::1/64 dev sbv1r$$ nodad
ip -n "$R" addr add 2001:2:0:2::1/64 dev sbv2r$$ nodad
ip -n "$H2" addr add 2001:2:0:2::2/64 dev sbv2$$ nodad
ip -n "$H1" -6 route add default via 2001:2:0:1::1
ip -n "$H2" -6 route add default via 2001:2:0:2::1
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000
ip netns exec "$R" nft -f - <<EOF
table ip sbping {
	chain sbfwd {
		type filter hook forward priority 0;
		ip daddr 198.18.2.3 reject with icmp type host-unreachable
		ip daddr 198.18.2.4 icmp type echo-request numgen random mod 10 < 5 drop
	}
	chain sbpost {
		type filter hook postrouting priority 0;
		ip saddr 198.18.2.2 oifname "sbv1r$$" icmp type echo-reply dup to 198.18.1.2 device "sbv1r$$"
	}
}
EOF
ip netns exec "$R" nft -f - <<EOF
table ip6 sbping6 {
	chain sbfwd {
		type filter hook forward priority 0;
		ip6 daddr 2001:2:0:2::3 reject with icmpv6 type admin-prohibited
	}
}
EOF
# wait for the path (neighbour resolution) rather than sleeping
wait_until 100 ip netns exec "$H1" "$IPUTILS" -c 1 -W 0.2 198.18.2.2 || fail "topology reachable"
wait_until 100 ip netns exec "$H1" "$IPUTILS" -c 1 -W 0.2 2001:2:0:2::2 || fail "topology reachable (v6)"

out=$(T ip netns exec "$H1" "$PING" -c 2 -i 0.2 198.18.2.2); rc=$?
[ "$rc" = 0 ] && grep -q 'ttl=63' <<<"$out" && ok "through the router: ttl=63" || fail "through the router: ttl=63" "$out"
out=$(T ip netns exec "$H1" "$PING" -c 2 -i 0.2 198.18.2.2); rc=$?
if [ "$rc" = 0 ] && grep -q 'icmp_seq=1 ttl=63 time=[0-9.]* ms (DUP!)$' <<<"$out" &&
   grep -qE '^2 packets transmitted, 2 received, \+[0-9]+ duplicates, 0% packet loss' <<<"$out"; then
	ok "nft dup: (DUP!) marked and counted"
else fail "nft dup: (DUP!) marked and counted" "$out"; fi
a=$(T ip netns exec "$H1" "$IPUTILS" -c 1 -t 1 198.18.2.2 2>&1); ra=$?
b=$(T ip netns exec "$H1" "$PING" -c 1 -t 1 198.18.2.2 2>&1); rb=$?
if [ "$(mask <<<"$a")" = "$(mask <<<"$b")" ] && [ "$ra" = "$rb" ] && [ "$rb" = 1 ] &&
   grep -q '^From 198.18.1.1 icmp_seq=1 Time to live exceeded$' <<<"$b"; then
	ok "-t 1: Time to live exceeded, as iputils, exit 1"
else fail "-t 1: Time to live exceeded, as iputils, exit 1" "$a
---
$b"; fi
a=$(T ip netns exec "$H1" "$IPUTILS" -c 2 -i 0.2 198.18.2.3 2>&1); ra=$?
b=$(T ip netns exec "$H1" "$PING" -c 2 -i 0.2 198.18.2.3 2>&1); rb=$?
if [ "$(mask <<<"$a")" = "$(mask <<<"$b")" ] && [ "$ra" = "$rb" ] &&
   grep -q '^From 198.18.1.1 icmp_seq=2 Destination Host Unreachable$' <<<"$b" &&
   grep -q '2 packets transmitted, 0 received, +2 errors, 100% packet loss' <<<"$b"; then
	ok "nft reject: Destination Host Unreachable, as iputils"
else fail "nft reject: Destination Host Unreachable, as iputils" "$a
---
$b"; fi
for args in "-c 1 -t 1 2001:2:0:2::2" "-c 2 -i 0.2 2001:2:0:2::3" "-c 2 -i 0.2 2001:2:0:2::2"; do
	a=$(T ip netns exec "$H1" "$IPUTILS" $args 2>&1); ra=$?
	b=$(T ip netns exec "$H1" "$PING" $args 2>&1); rb=$?
	if [ "$(mask <<<"$a")" = "$(mask <<<"$b")" ] && [ "$ra" = "$rb" ]; then ok "v6 routed: ping $args as iputils (exit $rb)"
	else fail "v6 routed: ping $args as iputils" "$a
---
$b"; fi
done
grep -q 'Destination unreachable: Administratively prohibited' <<<"$(T ip netns exec "$H1" "$PING" -c 1 2001:2:0:2::3)" &&
	ok "v6 reject text" || fail "v6 reject text"
# the datagram socket's errors come only from the error queue (a copy
# without file capabilities, so the user gets no raw socket)
mkdir -m 755 "$TEST_TMP/nocap"; cp "$SOCKBOX" "$TEST_TMP/nocap/ping"; chmod 755 "$TEST_TMP/nocap/ping"
ip netns exec "$H1" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
for args in "-c 1 -t 1 198.18.2.2" "-c 2 -i 0.2 198.18.2.3" "-c 1 -t 1 2001:2:0:2::2" "-c 2 -i 0.2 2001:2:0:2::3"; do
	a=$(T ip netns exec "$H1" "$IPUTILS" $args 2>&1); ra=$?
	b=$(T ip netns exec "$H1" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$TEST_TMP/nocap/ping" $args 2>&1); rb=$?
	if [ "$(mask <<<"$a")" = "$(mask <<<"$b")" ] && [ "$ra" = "$rb" ] && grep -q '^From ' <<<"$b"; then
		ok "unprivileged dgram: ping $args errors as iputils"
	else fail "unprivileged dgram: ping $args errors as iputils" "$a
---
$b"; fi
done
out=$(T ip netns exec "$H1" "$PING" --json -c 1 198.18.2.3)
grep -q '"type":"send_error","seq":1,"from":"198.18.1.1","icmp_type":3,"icmp_code":1,"cause":"Destination Host Unreachable"' <<<"$out" &&
	ok "--json send_error event" || fail "--json send_error event" "$out"
out=$(T ip netns exec "$H1" "$PING" --until-reply -w 1 -i 0.2 198.18.2.3 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q 'errors' <<<"$out" && ok "--until-reply: errors ignored until the deadline, exit 1" ||
	fail "--until-reply: errors ignored until the deadline, exit 1" "rc=$rc $out"
out=$(T ip netns exec "$H1" "$PING" --until-reply -w 5 -i 0.05 198.18.2.4 2>&1); rc=$?
[ "$rc" = 0 ] && grep -q '1 received' <<<"$out" && ok "--until-reply: exit 0 at the first reply" ||
	fail "--until-reply: exit 0 at the first reply" "rc=$rc $out"

out=$(T ip netns exec "$H1" "$PING" -q -c 60 -i 0.01 -W 1 198.18.2.4); rc=$?
line=$(grep 'packets transmitted' <<<"$out")
recv=$(sed -E 's/.* ([0-9]+) received.*/\1/' <<<"$line")
if [ "$rc" = 0 ] && [ "$recv" -gt 0 ] && [ "$recv" -lt 60 ] && grep -qE '^60 packets transmitted, [0-9]+ received, [0-9.]+% packet loss, time [0-9]+ms$' <<<"$line"; then
	ok "random drop: loss counted ($line)"
else fail "random drop: loss counted" "rc=$rc $out"; fi
# the percentage by iputils' arithmetic on the printed counts: computed in
# double, passed through a float, printed with %g (48.3333, not 48.33)
want=$(python3 -c 'import struct, sys
t, r = int(sys.argv[1]), int(sys.argv[2])
print("%g" % struct.unpack("f", struct.pack("f", (t - r) * 100.0 / t))[0])' 60 "${recv:-0}")
expect_eq "random drop: loss % as iputils computes it from 60 sent, ${recv:-?} received" \
	"$want" "$(sed -nE 's/.* received, ([0-9.e+-]+)% packet loss.*/\1/p' <<<"$line")"
out=$(T ip netns exec "$H1" "$PING" -q -c 60 -i 0.01 -W 1 --max-loss 1 198.18.2.4 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q 'exceeds --max-loss 1%' <<<"$out" && ok "--max-loss breached: exit 1" || fail "--max-loss breached: exit 1" "rc=$rc $out"
out=$(T ip netns exec "$H1" "$PING" --json -c 20 -i 0.01 -W 0.3 198.18.2.4)
n_to=$(grep -c '"type":"timeout"' <<<"$out"); n_re=$(grep -c '"type":"reply"' <<<"$out")
[ $((n_to + n_re)) = 20 ] && ok "--json: every probe a reply or a timeout" || fail "--json: every probe a reply or a timeout" "$out"
done_testing
