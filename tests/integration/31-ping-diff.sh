#!/usr/bin/env bash
# ping: a differential suite against iputils ping 20221126 (/usr/bin/ping).
# The same command line runs under both; exit status, stdout and stderr are
# compared line by line with times, timestamps and identifiers masked.
# As root, then as a non-root user with cap_net_raw+p copies of both; then
# in network namespaces: path MTU (client - router - server, far link MTU
# 1400), broadcast with two responders, -R/-T through a router, -Q on the
# wire, -m counted by nftables, --until-reply waiting for a name and a
# route that appear later.
. "$(dirname "$0")/lib.sh"
need_root
need ip nft setpriv setcap timeout unshare
IPUTILS=/usr/bin/ping
[ -x "$IPUTILS" ] || skip_all "iputils ping not installed"
"$IPUTILS" -V 2>/dev/null | grep -q 'iputils 20221126' || skip_all "iputils ping is not 20221126"
PING="$SOCKBOX_BIN/ping"
T() { timeout -k 2 15 "$@"; }

# Mask what varies run to run.  iputils prefixes errors with argv[0] as
# given ("/usr/bin/ping: "), sockbox with the applet name ("ping: ").
mask() {
	ping_mask -e 's/[0-9]+ absolute/N absolute/' -e 's/flow 0x[0-9a-f]{5}/flow 0xF/' -e 's/^(TS: )?\t([0-9.]+\t)?[0-9]+$/\1\t\2N/'
}

# diff_case DESC [PREFIX... --] ARGS...: REF and OURS are the two binaries.
REF=$IPUTILS OURS=$PING
diff_case() {
	local desc=$1; shift
	local pre=() a b ra rb try
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do pre+=("$1"); shift; done; shift
	fi
	for try in 1 2; do
		[ -n "${BEFORE:-}" ] && eval "$BEFORE"
		a=$(T "${pre[@]}" "$REF" "$@" 2>&1); ra=$?
		[ -n "${BEFORE:-}" ] && eval "$BEFORE"
		b=$(T "${pre[@]}" "$OURS" "$@" 2>&1); rb=$?
		a=$(mask <<<"$a"); b=$(mask <<<"$b")
		# replies from several hosts (broadcast) arrive in any order
		if [ -n "${SORTED:-}" ]; then a=$(sort <<<"$a"); b=$(sort <<<"$b"); fi
		[ "$a" = "$b" ] && [ "$ra" = "$rb" ] && break
	done
	if [ "$a" = "$b" ] && [ "$ra" = "$rb" ]; then ok "$desc: ping $* (exit $rb)"
	else fail "$desc: ping $*" "$(diff <(printf 'rc %s\n%s\n' "$ra" "$a") <(printf 'rc %s\n%s\n' "$rb" "$b"))"; fi
}

# ---- command lines: as root, then as a user with cap_net_raw+p copies ----
BAD=( # usage errors and bad values
	"-c 0 127.0.0.1" "-c -1 127.0.0.1" "-c abc 127.0.0.1" "-c 99999999999999999999 127.0.0.1"
	"-s -1 127.0.0.1" "-s 2147483648 127.0.0.1" "-t 256 127.0.0.1" "-t x 127.0.0.1"
	"-l 0 127.0.0.1" "-l 65537 127.0.0.1" "-w abc 127.0.0.1" "-w 0.5 127.0.0.1"
	"-W -1 127.0.0.1" "-e 65536 127.0.0.1" "-m -1 127.0.0.1" "-S 0 127.0.0.1"
	"-M foo 127.0.0.1" "-Q 256 127.0.0.1" "-Q 0x100 127.0.0.1" "-Q zz 127.0.0.1"
	"-T foo 127.0.0.1" "-F 0x100000 ::1" "-F zz ::1" "-p xyz 127.0.0.1"
	"-4 -6 127.0.0.1" "-R -T tsonly 127.0.0.1" "-T tsonly -R 127.0.0.1" "-N foo ::1"
	"-N help ::1" "-4 ::1" "-6 127.0.0.1" "-t 0 127.0.0.1" "" "-c 1 -I sbnodev0 127.0.0.1"
	"-c 1 -I 198.18.77.1 127.0.0.1" "-c 1 -I ::zz ::1" "-c 1 -i -1 -W 0.2 127.0.0.1" "-c 1 -w -1 127.0.0.1"
)
GOOD=( # every option alone and common combinations (replies on loopback)
	"-c 1 127.0.0.1" "-c 1 ::1" "-c 1 localhost" "-c 1 -4 localhost" "-c 1 -6 localhost"
	"-c 1 -a 127.0.0.1" "-c 2 -A 127.0.0.1" "-c 1 -b 127.0.0.1" "-c 1 -B 127.0.0.1"
	"-c 1 -C 127.0.0.1" "-c 1 -d 127.0.0.1" "-c 1 -D 127.0.0.1" "-c 1 -e 4321 127.0.0.1"
	"-c 1 -I lo 127.0.0.1" "-c 1 -I 127.0.0.1 127.0.0.1" "-c 1 -I lo ::1" "-c 1 -I ::1 ::1"
	"-c 2 -i 0.2 127.0.0.1" "-c 2 -i 0.2 ::1" "-c 2 -l 2 -i 0.2 127.0.0.1" "-c 1 -L 127.0.0.1"
	"-c 1 -M do 127.0.0.1" "-c 1 -M want 127.0.0.1" "-c 1 -M dont 127.0.0.1" "-c 1 -M do ::1"
	"-c 1 -W 0.3 -M do -s 65508 127.0.0.1" "-c 1 -W 0.3 -s 65508 127.0.0.1" "-c 1 -W 0.3 -M do -s 70000 127.0.0.1"
	"-c 1 -n localhost" "-c 2 -i 0.2 -O 127.0.0.1" "-c 1 -p ff 127.0.0.1" "-c 1 -p 0102abc 127.0.0.1"
	"-c 2 -i 0.2 -q 127.0.0.1" "-c 1 -Q 16 127.0.0.1" "-c 1 -Q 0x10 127.0.0.1" "-c 1 -Q 0x20 ::1"
	"-c 1 -r 127.0.0.1" "-c 1 -R 127.0.0.1" "-c 2 -i 0.2 -R 127.0.0.1" "-c 1 -T tsonly 127.0.0.1"
	"-c 1 -T tsandaddr 127.0.0.1" "-c 1 -T tsprespec 127.0.0.1" "-c 1 -s 0 127.0.0.1"
	"-c 1 -s 8 127.0.0.1" "-c 1 -s 16 ::1" "-c 1 -s 1000 ::1" "-c 1 -S 4096 127.0.0.1"
	"-c 1 -t 1 127.0.0.1" "-c 1 -t 255 ::1" "-c 1 -U 127.0.0.1" "-c 1 -v 127.0.0.1"
	"-c 1 -v ::1" "-w 1 -c 2 -i 0.2 127.0.0.1" "-c 1 -W 0.5 127.0.0.1" "-c 1 -N name 127.0.0.1"
	"-c 2 -i 0.2 -D -O -n 127.0.0.1" "-c 1 -q -s 100 -p 0f ::1" "-c 3 -i 0.2 -a -D -R 127.0.0.1"
	"-c 1 -i abc 127.0.0.1" "-c 1 -W 1x 127.0.0.1"
)
ROOT_ONLY=( "-c 1 -e 0 127.0.0.1" "-c 3 -f 127.0.0.1" "-c 2 -i 0.001 127.0.0.1" "-c 1 -m 7 127.0.0.1"
	"-c 1 -F 0 ::1" "-c 3 -l 5 127.0.0.1" "-c 2 -i 0 127.0.0.1" )
USER_ONLY=( "-c 1 -f 127.0.0.1" "-c 1 -i 0.001 127.0.0.1" "-c 1 -l 4 127.0.0.1" "-c 1 -m 7 127.0.0.1" )

for args in "${BAD[@]}"; do diff_case "root, bad" $args; done
for args in "${GOOD[@]}" "${ROOT_ONLY[@]}"; do diff_case "root" $args; done

U=$(test_user)
chmod 755 "$TEST_TMP"
mkdir -m 755 "$TEST_TMP/ref" "$TEST_TMP/ours"
cp "$IPUTILS" "$TEST_TMP/ref/ping"; cp "$SOCKBOX" "$TEST_TMP/ours/sockbox"
ln -s sockbox "$TEST_TMP/ours/ping"
chmod 755 "$TEST_TMP/ref/ping" "$TEST_TMP/ours/sockbox"
setcap cap_net_raw+p "$TEST_TMP/ref/ping"; setcap cap_net_raw+p "$TEST_TMP/ours/sockbox"
REF=$TEST_TMP/ref/ping OURS=$TEST_TMP/ours/ping
AS_U=(setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all)
for args in "${BAD[@]:0:12}" "-N help ::1" ""; do diff_case "user, bad" "${AS_U[@]}" -- $args; done
for args in "${GOOD[@]}" "${USER_ONLY[@]}"; do diff_case "user" "${AS_U[@]}" -- $args; done

# the unprivileged datagram socket: copies without capabilities, in a
# namespace whose ping_group_range lets every group in
D=sbdd$$
ip netns add "$D" && at_exit "ip netns del $D"; ip -n "$D" link set lo up
ip netns exec "$D" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
mkdir -m 755 "$TEST_TMP/dref" "$TEST_TMP/dours"
cp "$IPUTILS" "$TEST_TMP/dref/ping"; cp "$SOCKBOX" "$TEST_TMP/dours/sockbox"
ln -s sockbox "$TEST_TMP/dours/ping"; chmod 755 "$TEST_TMP/dref/ping" "$TEST_TMP/dours/sockbox"
REF=$TEST_TMP/dref/ping OURS=$TEST_TMP/dours/ping
for args in "-c 1 127.0.0.1" "-c 1 ::1" "-c 1 -R 127.0.0.1" "-c 1 -T tsonly 127.0.0.1" \
	"-c 1 -v -e 777 127.0.0.1" "-c 1 -v 127.0.0.1" "-c 1 -Q 0x10 127.0.0.1" "-c 1 -t 5 ::1" \
	"-c 1 -M do 127.0.0.1" "-c 1 -m 5 127.0.0.1" "-c 2 -i 0.2 -a -D -O 127.0.0.1" "-c 1 -f 127.0.0.1"; do
	diff_case "dgram" ip netns exec "$D" "${AS_U[@]}" -- $args
done
REF=$IPUTILS OURS=$PING

# ---- namespaces: C -- R -- S, the far link at MTU 1400 ---------------------
C=sbdc$$ R=sbdr$$ S=sbds$$ L=sbdl$$ B0=sbdb0$$ B1=sbdb1$$ B2=sbdb2$$ W=sbdw$$
for n in "$C" "$R" "$S" "$L" "$B0" "$B1" "$B2" "$W"; do
	ip netns add "$n" || skip_all "cannot create network namespaces"
	at_exit "ip netns del $n"; ip -n "$n" link set lo up
done
ip link add dc$$ netns "$C" type veth peer name dcr$$ netns "$R"
ip link add ds$$ netns "$S" type veth peer name dsr$$ netns "$R"
ip -n "$C" addr add 198.18.11.2/24 dev dc$$; ip -n "$C" link set dc$$ up
ip -n "$R" addr add 198.18.11.1/24 dev dcr$$; ip -n "$R" link set dcr$$ up
ip -n "$R" addr add 198.18.12.1/24 dev dsr$$; ip -n "$R" link set dsr$$ mtu 1400 up
ip -n "$S" addr add 198.18.12.2/24 dev ds$$; ip -n "$S" link set ds$$ mtu 1400 up
ip -n "$C" addr add 2001:2:0:11::2/64 dev dc$$ nodad
ip -n "$R" addr add 2001:2:0:11::1/64 dev dcr$$ nodad
ip -n "$R" addr add 2001:2:0:12::1/64 dev dsr$$ nodad
ip -n "$S" addr add 2001:2:0:12::2/64 dev ds$$ nodad
ip -n "$S" route add default via 198.18.12.1
ip -n "$S" -6 route add default via 2001:2:0:12::1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 \
	net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0
NSC=(ip netns exec "$C")

# no route yet: iputils' early exit
diff_case "no route" "${NSC[@]}" -- -c 1 198.18.12.2
diff_case "no route, v6" "${NSC[@]}" -- -c 1 2001:2:0:12::2
out=$(T "${NSC[@]}" "$PING" --json -c 1 198.18.12.2 2>/dev/null); rc=$?
expect_eq "--json: an error line at set-up" \
	'{"type":"error","code":"connect","message":"connect: Network is unreachable","exit":2} 2' "$out $rc"

ip -n "$C" route add default via 198.18.11.1
ip -n "$C" -6 route add default via 2001:2:0:11::1
wait_until 100 "${NSC[@]}" "$IPUTILS" -c 1 -W 0.2 198.18.12.2 || fail "topology reachable"
wait_until 100 "${NSC[@]}" "$IPUTILS" -c 1 -W 0.2 2001:2:0:12::2 || fail "topology reachable (v6)"

# path MTU: each run starts with nothing learnt
BEFORE="ip -n $C route flush cache; ip -n $C -6 route flush cache"
diff_case "pmtu" "${NSC[@]}" -- -n -c 1 -W 1 -M do -s 1472 198.18.12.2
diff_case "pmtu" "${NSC[@]}" -- -n -c 2 -i 0.2 -W 1 -M do -s 1472 198.18.12.2
diff_case "pmtu" "${NSC[@]}" -- -n -c 2 -i 0.2 -W 1 -M do -s 1372 198.18.12.2
diff_case "pmtu" "${NSC[@]}" -- -n -c 2 -i 0.2 -W 1 -M want -s 1472 198.18.12.2
diff_case "pmtu" "${NSC[@]}" -- -n -c 2 -i 0.2 -W 1 -M dont -s 1472 198.18.12.2
diff_case "pmtu v6" "${NSC[@]}" -- -n -c 2 -i 0.2 -W 1 -M do -s 1452 2001:2:0:12::2
diff_case "pmtu v6" "${NSC[@]}" -- -n -c 1 -W 1 -M do -s 1352 2001:2:0:12::2
eval "$BEFORE"
out=$(T "${NSC[@]}" "$PING" -n -c 2 -i 0.2 -W 1 -M probe -s 1472 198.18.12.2 2>&1); rc=$?
if [ "$rc" = 1 ] && [ "$(grep -c '^From 198.18.11.1 icmp_seq=[12] Frag needed and DF set (mtu = 1400)$' <<<"$out")" = 2 ]; then
	ok "-M probe (sockbox only): every probe reports Frag needed, exit 1"
else fail "-M probe (sockbox only): every probe reports Frag needed, exit 1" "rc=$rc $out"; fi
eval "$BEFORE"
out=$(T "${NSC[@]}" "$PING" -n -c 2 -i 0.2 -W 1 -M want -s 1472 198.18.12.2 2>&1); rc=$?
grep -q '^1480 bytes from 198.18.12.2: icmp_seq=2' <<<"$out" && ok "-M want: fragments once the MTU is known" ||
	fail "-M want: fragments once the MTU is known" "rc=$rc $out"
BEFORE=

# an IPv6 link-local target: -I names its link (sockbox only, see ping(1))
LL=$(ip -n "$R" -6 addr show dev dcr$$ scope link | awk '/inet6/ { sub(/\/.*/, "", $2); print $2; exit }')
out=$(T "${NSC[@]}" "$PING" -n -c 1 -I dc$$ "$LL" 2>&1); rc=$?
[ "$rc" = 0 ] && grep -q "^64 bytes from $LL" <<<"$out" && ok "link-local target with -I: replies" ||
	fail "link-local target with -I: replies" "rc=$rc $out"
out=$(T "${NSC[@]}" "$PING" -n -c 1 "$LL" 2>&1); rc=$?
expect_eq "link-local target without a scope: refused" "2 ping: connect: Invalid argument" "$rc $out"

# -R and -T through the router
for args in "-R -c 2 -i 0.2" "-T tsonly -c 1" "-T tsandaddr -c 2 -i 0.2" "-R -c 1 -s 16" "-c 2 -i 0.2 -t 1" \
	"-r -c 1 -W 0.3" "-C -c 1" "-B -c 1" "-I dc$$ -c 1" "-I 198.18.11.2 -c 1" "-c 2 -i 0.2 -O -t 1"; do
	diff_case "routed" "${NSC[@]}" -- -n $args 198.18.12.2
done
diff_case "routed v6" "${NSC[@]}" -- -n -c 2 -i 0.2 -Q 0x28 2001:2:0:12::2

# -Q on the wire: the first echo request's TOS / traffic class, read with
# a packet socket in the server's namespace
tos_seen() {
	local fifo=$TEST_TMP/tos.$RANDOM pid line fd
	mkfifo "$fifo"
	T ip netns exec "$S" python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
s.settimeout(5)
print("ready", flush=True)
while True:
    d = s.recv(65535)
    if d[0] >> 4 == 4 and d[9] == 1 and d[(d[0] & 15) * 4] == 8:
        print(hex(d[1]), flush=True); break
    if d[0] >> 4 == 6 and d[6] == 58 and d[40] == 128:
        print(hex(((d[0] & 15) << 4) | (d[1] >> 4)), flush=True); break
' >"$fifo" &
	pid=$!
	exec {fd}<"$fifo"
	IFS= read -r -t 10 -u "$fd" line
	T "${NSC[@]}" "$PING" -n -c 1 "$@" >/dev/null 2>&1
	IFS= read -r -t 10 -u "$fd" line; exec {fd}<&-
	wait "$pid"
	echo "$line"
}
expect_eq "-Q 0x10: TOS 0x10 on the wire" 0x10 "$(tos_seen -Q 0x10 198.18.12.2)"
expect_eq "-Q 184: TOS 0xb8 on the wire" 0xb8 "$(tos_seen -Q 184 198.18.12.2)"
expect_eq "-Q 0x28 (v6): traffic class 0x28 on the wire" 0x28 "$(tos_seen -Q 0x28 2001:2:0:12::2)"

# -m: an nftables rule in the client counts the echo requests with that mark
printf '%s\n' 'table inet sbmark {' ' chain out {' '  type filter hook output priority 0;' \
	'  meta mark 0x2a icmp type echo-request counter' ' }' '}' | "${NSC[@]}" nft -f -
T "${NSC[@]}" "$PING" -n -c 3 -i 0.2 -m 42 198.18.12.2 >/dev/null 2>&1
n=$("${NSC[@]}" nft list table inet sbmark | sed -nE 's/.*counter packets ([0-9]+).*/\1/p')
expect_eq "-m 42: three marked echo requests counted by nftables" 3 "$n"

# ---- broadcast: a bridge, the pinger and two responders -----------------
ip -n "$L" link add br0 type bridge; ip -n "$L" link set br0 up
i=0
for n in "$B0" "$B1" "$B2"; do
	ip link add bp$i$$ netns "$L" type veth peer name be$i$$ netns "$n"
	ip -n "$L" link set bp$i$$ master br0 up
	ip -n "$n" addr add 198.18.20.$((i + 1))/24 brd 198.18.20.255 dev be$i$$
	ip -n "$n" link set be$i$$ up
	i=$((i + 1))
done
for n in "$B1" "$B2"; do ip netns exec "$n" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0; done
NSB=(ip netns exec "$B0")
wait_until 100 "${NSB[@]}" "$IPUTILS" -c 1 -W 0.2 198.18.20.2 || fail "bridge reachable"
wait_until 100 "${NSB[@]}" "$IPUTILS" -c 1 -W 0.2 198.18.20.3 || fail "bridge reachable"
diff_case "broadcast refused" "${NSB[@]}" -- -c 1 198.18.20.255
SORTED=1
diff_case "broadcast" "${NSB[@]}" -- -n -b -c 2 -i 0.3 198.18.20.255
diff_case "broadcast -v" "${NSB[@]}" -- -n -v -b -c 1 198.18.20.255
SORTED=
out=$(T "${NSB[@]}" "$PING" -n -b -c 2 -i 0.3 198.18.20.255 2>&1)
if grep -q '^64 bytes from 198.18.20.2: icmp_seq=1 ' <<<"$out" && grep -q '^64 bytes from 198.18.20.3: icmp_seq=1 ' <<<"$out" &&
   grep -qE '^2 packets transmitted, 2 received, \+[12] duplicates' <<<"$out"; then
	ok "broadcast: both responders, duplicates counted"
else fail "broadcast: both responders, duplicates counted" "$out"; fi
REF=$TEST_TMP/ref/ping OURS=$TEST_TMP/ours/ping
diff_case "broadcast as user" "${NSB[@]}" "${AS_U[@]}" -- -n -b -c 1 -i 0.5 198.18.20.255
diff_case "broadcast as user" "${NSB[@]}" "${AS_U[@]}" -- -n -b -c 1 -M dont 198.18.20.255
REF=$IPUTILS OURS=$PING

# a redirect on the same LAN: B0 routes 198.18.21.0/24 via B1, which
# forwards to B2 on the same link and tells B0 so (iputils prints it)
ip -n "$B2" addr add 198.18.21.1/32 dev lo
ip -n "$B1" route add 198.18.21.0/24 via 198.18.20.3
ip -n "$B0" route add 198.18.21.0/24 via 198.18.20.2
ip netns exec "$B1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=1
# (the router sends fewer redirects the more it sent: few runs, ours first)
out=$(T "${NSB[@]}" "$PING" -n -c 1 198.18.21.1 2>&1)
grep -q '^From 198.18.20.2: icmp_seq=1 Redirect Host(New nexthop: 198.18.20.3)$' <<<"$out" &&
	ok "redirect: iputils' advice line" || fail "redirect: iputils' advice line" "$out"
diff_case "redirect" "${NSB[@]}" -- -n -c 1 198.18.21.1

# ---- --until-reply: a name that resolves after 2 s, a route after 4 s ----
ip link add dw$$ netns "$W" type veth peer name dwr$$ netns "$R"
ip -n "$W" addr add 198.18.13.2/24 dev dw$$; ip -n "$W" link set dw$$ up
ip -n "$R" addr add 198.18.13.1/24 dev dwr$$; ip -n "$R" link set dwr$$ up
printf '127.0.0.1 localhost\n' >"$TEST_TMP/hosts"
# the only resolver is a closed port on the namespace's own loopback
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$TEST_TMP/resolv.conf"
chmod 644 "$TEST_TMP/hosts" "$TEST_TMP/resolv.conf"
ip netns exec "$W" unshare -m sh -c "mount --bind '$TEST_TMP/hosts' /etc/hosts &&
	mount --bind '$TEST_TMP/resolv.conf' /etc/resolv.conf &&
	exec '$PING' --until-reply -w 20 -i 0.2 sbdbhost" >"$TEST_TMP/until.out" 2>"$TEST_TMP/until.err" &
upid=$!
sleep 2   # the delay is what is being tested: nothing to synchronise on
printf '198.18.12.2 sbdbhost\n' >>"$TEST_TMP/hosts"
sleep 2
ip -n "$W" route add default via 198.18.13.1
routed=$(date +%s%N)
wait "$upid"; rc=$?
ms=$(( ($(date +%s%N) - routed) / 1000000 ))
if [ "$rc" = 0 ] && [ "$ms" -lt 1000 ] && grep -q ' 1 received' "$TEST_TMP/until.out"; then
	ok "--until-reply: exit 0 ${ms} ms after the route appeared"
else fail "--until-reply: exit 0 within 1 s of the route" "rc=$rc ${ms}ms $(cat "$TEST_TMP/until.out" "$TEST_TMP/until.err")"; fi
err=$(cat "$TEST_TMP/until.err")
if [ "$(wc -l <<<"$err")" = 2 ] && grep -q '^ping: sbdbhost: ' <<<"$err" &&
   grep -q '^ping: connect: Network is unreachable$' <<<"$err"; then
	ok "--until-reply: one stderr line per distinct error"
else fail "--until-reply: one stderr line per distinct error" "$err"; fi
out=$(T ip netns exec "$W" "$PING" --until-reply -w 1 -i 0.2 198.18.99.1 2>&1); rc=$?
expect_eq "--until-reply: -w ends the wait, exit 1" 1 "$rc"

# ---- --json: the shared schema (issue 16) ---------------------------------
json_check() { # json_check DESC PYTHON-ASSERTIONS CMD...: lines parsed as L
	local desc=$1 code=$2; shift 2
	local out
	out=$("$@" 2>/dev/null)
	if python3 -c '
import json, sys
L = [json.loads(l) for l in sys.stdin.read().splitlines()]
assert all("type" in o for o in L), "type missing"
S = [o for o in L if o["type"] == "summary"]
if S:
    s = S[-1]
    for k in ("transmitted", "received", "duplicates", "errors", "loss_pct", "rtt_min_ms",
              "rtt_avg_ms", "rtt_max_ms", "rtt_mdev_ms", "time_ms", "exit"):
        assert k in s, k
    assert L[0] == {**L[0], "type": "start", "schema": 1, "applet": "ping"}, L[0]
'"$code" <<<"$out" 2>"$TEST_TMP/json.err"; then ok "--json: $desc"
	else fail "--json: $desc" "$out
$(cat "$TEST_TMP/json.err")"; fi
}
json_check "replies, rtt numbers" '
assert s["received"] == 2 and s["exit"] == 0 and s["rtt_avg_ms"] is not None' T "$PING" --json -c 2 -i 0.2 127.0.0.1
json_check "zero replies: rtt null, exit 1" '
assert s["received"] == 0 and s["rtt_min_ms"] is None and s["exit"] == 1
assert [o["type"] for o in L] == ["start", "timeout", "summary"]' T "${NSC[@]}" "$PING" --json -n -c 1 -W 0.3 198.18.12.3
json_check "a local send error: cause, counted in errors" '
E = [o for o in L if o["type"] == "send_error"]
assert len(E) == 1 and E[0]["cause"] == "local error: message too long, mtu=65535", E
assert s["errors"] == 1 and s["exit"] == 1 and not [o for o in L if o["type"] == "timeout"]' T "$PING" --json -c 1 -W 0.3 -s 65508 127.0.0.1
json_check "ICMP errors: cause and type, counted" '
E = [o for o in L if o["type"] == "send_error"]
assert len(E) == 2 and E[0]["cause"] == "Time to live exceeded" and E[0]["icmp_type"] == 11, E
assert s["errors"] == 2' T "${NSC[@]}" "$PING" --json -n -c 2 -i 0.2 -t 1 198.18.12.2
json_check "unknown host: an error line" '
assert L == [{"type": "error", "code": "resolve", "message": L[0]["message"], "exit": 2}], L
assert L[0]["message"].startswith("no-such-host.invalid: ")' offline timeout 15 "$PING" --json -c 1 no-such-host.invalid
json_check "bad value: an error line, iputils status" '
assert L == [{"type": "error", "code": "usage", "exit": 1,
  "message": "invalid argument: \x270\x27: out of range: 1 <= value <= 9223372036854775807"}], L' T "$PING" --json -c 0 127.0.0.1
json_check "--until-reply deadline: an error line, exit 1" '
assert L[-1]["type"] == "error" and L[-1]["code"] == "timeout" and L[-1]["exit"] == 1, L' \
	offline timeout 15 "$PING" --json --until-reply -w 1 -i 0.2 no-such-host.invalid

out=$(T "$PING" -V); rc=$?
[ "$rc" = 0 ] && grep -q '^ping from sockbox .*iputils 20221126' <<<"$out" &&
	ok "-V names sockbox and the iputils release" || fail "-V names sockbox and the iputils release" "$out"

done_testing
