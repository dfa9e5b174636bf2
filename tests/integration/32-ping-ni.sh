#!/usr/bin/env bash
# ping -N (IPv6 node information queries, RFC 4620) and ping -v's dump of
# the IP header quoted in ICMP redirects and source quenches: differential
# against iputils ping 20221126 (/usr/bin/ping).
#
# Linux does not answer node information queries, so a python3 raw ICMPv6
# responder runs in a server namespace (S); the pingers run in a client
# namespace (C) linked to it by a veth pair (fd00:14::/64, 198.18.14.0/24).
# The responder logs every query it gets (the nonce and checksum masked):
# iputils' and sockbox's queries must be the same bytes.  Its reply is
# chosen by a mode file: well-formed names and addresses, refusals,
# unknown codes and qtypes, truncated and malformed bodies, nonces that
# are not ours, duplicates.
#
# For -v, a python3 raw ICMP responder in S (its kernel's echo replies
# switched off) answers each echo request with an ICMP message chosen by
# a mode file: source quench, redirect, parameter problem, destination
# unreachable, time exceeded, and a source quench with a bad checksum.
. "$(dirname "$0")/lib.sh"
need_root
need ip setpriv setcap timeout python3
IPUTILS=/usr/bin/ping
[ -x "$IPUTILS" ] || skip_all "iputils ping not installed"
"$IPUTILS" -V 2>/dev/null | grep -q 'iputils 20221126' || skip_all "iputils ping is not 20221126"
PING="$SOCKBOX_BIN/ping"
T() { timeout -k 2 15 "$@"; }

mask() {
	ping_mask -e 's/^( [0-9a-f]  [0-9a-f]  [0-9a-f]{2} [0-9a-f]{4}) [0-9a-f]{4}(   [0-9a-f] [0-9a-f]{4}  [0-9a-f]{2}  [0-9a-f]{2}) [0-9a-f]{4}/\1 IIII\2 CCCC/'
}

C=sbnc$$ S=sbns$$
for n in "$C" "$S"; do
	ip netns add "$n" || skip_all "cannot create network namespaces"
	at_exit "ip netns del $n"; ip -n "$n" link set lo up
done
ip link add nc$$ netns "$C" type veth peer name ns$$ netns "$S"
ip -n "$C" addr add 198.18.14.1/24 dev nc$$; ip -n "$C" addr add fd00:14::1/64 dev nc$$ nodad
ip -n "$S" addr add 198.18.14.2/24 dev ns$$; ip -n "$S" addr add fd00:14::2/64 dev ns$$ nodad
ip -n "$C" link set nc$$ up; ip -n "$S" link set ns$$ up
ip netns exec "$S" sysctl -qw net.ipv4.icmp_echo_ignore_all=1 net.ipv4.icmp_ratelimit=0
NSC=(ip netns exec "$C")
wait_until 100 "${NSC[@]}" "$IPUTILS" -c 1 -W 0.2 fd00:14::2 || fail "topology reachable (v6)"

# ---- the node information responder -----------------------------------------
MODE=$TEST_TMP/ni.mode LOG=$TEST_TMP/ni.log
echo ok >"$MODE"; : >"$LOG"
cat >"$TEST_TMP/ni.py" <<'EOF'
import socket, struct, sys
mode_file, log_file = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
def name(n, fqdn=True):
    out = b"".join(bytes([len(l)]) + l for l in n.split(b".") if l) + b"\0"
    return out if fqdn else out + b"\0"
def ttl():
    return b"\0\0\0\x1e"
A6 = [socket.inet_pton(socket.AF_INET6, a) for a in ("fd00:14::2", "fe80::14")]
A4 = [socket.inet_pton(socket.AF_INET, a) for a in ("198.18.14.2", "198.18.15.9")]
print("listening on ni", flush=True)
while True:
    d, a = s.recvfrom(65535)
    if len(d) < 16 or d[0] != 139:
        continue
    mode = open(mode_file).read().strip()
    with open(log_file, "a") as f:
        f.write((d[:2] + d[4:8]).hex() + " " + d[16:].hex() + "\n")
    code, qtype, flags, nonce = 0, struct.unpack("!H", d[4:6])[0], 0, d[8:16]
    if qtype == 2:
        body = ttl() + name(b"SbHost.Example") + name(b"short", False)
    elif qtype == 3:
        body = b"".join(ttl() + x for x in A6)
    else:
        body = b"".join(ttl() + x for x in A4)
    if mode == "none":
        continue
    if mode == "refused": code, body = 1, b""
    if mode == "unknown": code, body = 2, b""
    if mode == "badcode": code, body = 3, b""
    if mode == "badqtype": qtype, body = 9, b""
    if mode == "short": body = b"\0\0"
    if mode == "empty": body = b""
    if mode == "tflag": flags = 1
    if mode == "cut": body = body[:-3]
    if mode == "escape":
        # a dot and a space inside labels, a byte above 0x7f, a compression
        # pointer back to the first name, the root name
        body = ttl() + b"\x03a.b\x04c d\xff\x00" + b"\x01x\xc0\x04" + b"\x00"
    if mode == "badptr": body = ttl() + b"\x01x\xc0\x7f"
    if mode == "hdr":
        s.sendto(bytes([140, 0, 0, 0]) + d[4:12], (a[0], 0, 0, a[3]))
        continue
    if mode == "nonce": nonce = bytes(8)
    pkt = bytes([140, code, 0, 0]) + struct.pack("!HH", qtype, flags) + nonce + body
    s.sendto(pkt, (a[0], 0, 0, a[3]))
    if mode == "dup":
        s.sendto(pkt, (a[0], 0, 0, a[3]))
EOF
start_server NIR ip netns exec "$S" python3 "$TEST_TMP/ni.py" "$MODE" "$LOG" ||
	skip_all "the node information responder did not start"

# ni_case DESC MODE [PREFIX... --] ARGS...: both pingers with the same
# arguments against the responder in MODE; exit status, output (times and
# identifiers masked) and the queries on the wire must be the same.
REF=$IPUTILS OURS=$PING
ni_case() {
	local desc=$1 mode=$2; shift 2
	local pre=() a b ra rb qa qb try
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do pre+=("$1"); shift; done; shift
	fi
	echo "$mode" >"$MODE"
	for try in 1 2; do
		: >"$LOG"; a=$(T "${NSC[@]}" "${pre[@]}" "$REF" "$@" 2>&1); ra=$?; qa=$(cat "$LOG")
		: >"$LOG"; b=$(T "${NSC[@]}" "${pre[@]}" "$OURS" "$@" 2>&1); rb=$?; qb=$(cat "$LOG")
		a=$(mask <<<"$a"); b=$(mask <<<"$b")
		[ "$a" = "$b" ] && [ "$ra" = "$rb" ] && [ "$qa" = "$qb" ] && break
	done
	if [ "$a" = "$b" ] && [ "$ra" = "$rb" ] && [ "$qa" = "$qb" ]; then
		ok "$desc: ping $* (exit $rb, $(wc -l <<<"$qb" | tr -d ' ') queries alike)"
	else fail "$desc: ping $*" "$(diff <(printf 'rc %s\n%s\nqueries:\n%s\n' "$ra" "$a" "$qa") \
		<(printf 'rc %s\n%s\nqueries:\n%s\n' "$rb" "$b" "$qb"))"; fi
}

# every query type and flag, every subject kind
for q in name fqdn ipv6 ipv6-all ipv6-compatible ipv6-global ipv6-sitelocal ipv6-linklocal ipv4 ipv4-all; do
	ni_case "-N $q" ok -n -c 1 -W 1 -N "$q" fd00:14::2
done
ni_case "flags add up" ok -n -c 1 -W 1 -N ipv6-global -N ipv6-linklocal -N ipv6 fd00:14::2
ni_case "subject-ipv6" ok -n -c 1 -W 1 -N ipv6 -N subject-ipv6=fd00:14::9 fd00:14::2
ni_case "subject-ipv4" ok -n -c 1 -W 1 -N ipv4 -N subject-ipv4=198.18.14.2 fd00:14::2
ni_case "subject-name (fqdn)" ok -n -c 1 -W 1 -N name -N subject-name=Node.Example.ORG fd00:14::2
ni_case "subject-name (single label)" ok -n -c 1 -W 1 -N name -N subject-name=node fd00:14::2
ni_case "subject-name with a scope" ok -n -c 1 -W 1 -N name -N subject-name=node.example%lo fd00:14::2
ni_case "subject-fqdn" ok -n -c 1 -W 1 -N name -N subject-fqdn=node.example fd00:14::2
ni_case "subject replaced" ok -n -c 1 -W 1 -N ipv6 -N subject-ipv6=fd00::1 -N subject-ipv6=fd00::2 fd00:14::2
ni_case "subject only: echo" ok -n -c 1 -W 1 -N subject-ipv6=fd00::1 fd00:14::2
# several probes, options that change the line
ni_case "three probes" ok -n -c 3 -i 0.2 -W 1 -N name fd00:14::2
ni_case "-v: ident" ok -n -v -c 1 -W 1 -N ipv6 fd00:14::2
ni_case "-D" ok -n -D -c 1 -W 1 -N name fd00:14::2
ni_case "-q" ok -n -q -c 2 -i 0.2 -W 1 -N name fd00:14::2
ni_case "-a" ok -n -a -c 1 -W 1 -N name fd00:14::2
ni_case "-s 100 (ignored)" ok -n -s 100 -c 1 -W 1 -N name fd00:14::2
ni_case "-6, ping6" ok -6 -n -c 1 -W 1 -N ipv4 fd00:14::2
ni_case "-f" ok -f -c 3 -W 1 -N name fd00:14::2
# replies that are not plain successes
ni_case "refused" refused -n -c 1 -W 1 -N name fd00:14::2
ni_case "unknown qtype answer" unknown -n -c 1 -W 1 -N ipv6 fd00:14::2
ni_case "an unknown code" badcode -n -c 1 -W 1 -N ipv6 fd00:14::2
ni_case "an unknown qtype" badqtype -n -c 1 -W 1 -N name fd00:14::2
ni_case "the truncate flag" tflag -n -c 1 -W 1 -N ipv6-all fd00:14::2
ni_case "the truncate flag, v4" tflag -n -c 1 -W 1 -N ipv4-all fd00:14::2
ni_case "a name reply too short" short -n -c 1 -W 1 -N name fd00:14::2
ni_case "an empty name reply" empty -n -c 1 -W 1 -N name fd00:14::2
ni_case "an empty address reply" empty -n -c 1 -W 1 -N ipv6 fd00:14::2
ni_case "a cut address" cut -n -c 1 -W 1 -N ipv6 fd00:14::2
ni_case "a cut address, v4" cut -n -c 1 -W 1 -N ipv4 fd00:14::2
ni_case "a cut name" cut -n -c 1 -W 1 -N name fd00:14::2
ni_case "escapes, a pointer, the root" escape -n -c 1 -W 1 -N name fd00:14::2
ni_case "a pointer out of the message" badptr -n -c 1 -W 1 -N name fd00:14::2
ni_case "a reply shorter than its header: dropped" hdr -n -c 1 -W 0.5 -N name fd00:14::2
ni_case "a nonce not ours: dropped" nonce -n -c 1 -W 0.5 -N name fd00:14::2
ni_case "duplicates" dup -n -c 2 -i 0.2 -W 1 -N name fd00:14::2
ni_case "no answer" none -n -c 2 -i 0.2 -W 0.5 -N name fd00:14::2
# -N with an IPv4 target: iputils sends echo requests (from a raw socket)
ni_case "IPv4 target" ok -n -c 1 -W 1 -N name 198.18.14.1

# refusals: iputils' messages and exit codes
for args in "-N foo fd00:14::2" "-N help" "-N name -N ipv4 fd00:14::2" "-N ipv6-all -N ipv4-all fd00:14::2" \
	"-N subject-ipv6=::1 -N subject-ipv4=198.18.14.2 fd00:14::2" "-N subject-name=a -N subject-ipv6=::1 fd00:14::2" \
	"-N subject-ipv6=198.18.14.2 fd00:14::2" "-N subject-ipv4=fd00::1 fd00:14::2" "-N subject-name=a..b fd00:14::2" \
	"-N subject-name=$(printf 'x%.0s' {1..64}).example fd00:14::2" "-N subject-name=a%0123456789abcdef fd00:14::2" \
	"-N subject-name=$(printf 'abcdefghi.%.0s' {1..26})x fd00:14::2" "-N subject-name=-a.b fd00:14::2" \
	"-N subject-name=a-.b%lo fd00:14::2" "-N name=x fd00:14::2" "-N subject-ipv6 fd00:14::2" "-N '' fd00:14::2" "-N NAME fd00:14::2" "-N name"; do
	eval "set -- $args"
	ni_case "refused" none "$@"
done

# as a user: with cap_net_raw+p copies queries work; without, iputils'
# three lines (two tries with -v) and exit 2
U=$(test_user)
chmod 755 "$TEST_TMP"
mkdir -m 755 "$TEST_TMP/ref" "$TEST_TMP/ours" "$TEST_TMP/nref" "$TEST_TMP/nours"
for d in ref nref; do cp "$IPUTILS" "$TEST_TMP/$d/ping"; chmod 755 "$TEST_TMP/$d/ping"; done
for d in ours nours; do
	cp "$SOCKBOX" "$TEST_TMP/$d/sockbox"; ln -s sockbox "$TEST_TMP/$d/ping"; chmod 755 "$TEST_TMP/$d/sockbox"
done
setcap cap_net_raw+p "$TEST_TMP/ref/ping"; setcap cap_net_raw+p "$TEST_TMP/ours/sockbox"
AS_U=(setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all)
REF=$TEST_TMP/ref/ping OURS=$TEST_TMP/ours/ping
ni_case "user, cap_net_raw+p" ok "${AS_U[@]}" -- -n -c 1 -W 1 -N name fd00:14::2
ni_case "user, cap_net_raw+p" ok "${AS_U[@]}" -- -n -c 1 -W 1 -N ipv4-all fd00:14::2
REF=$TEST_TMP/nref/ping OURS=$TEST_TMP/nours/ping
for args in "-N name fd00:14::2" "-6 -N name fd00:14::2" "-v -N name fd00:14::2" "-4 -N name 198.18.14.1" \
	"-N name 198.18.14.1" "-N subject-ipv6=::1 fd00:14::2" "-c 1 -e 0 198.18.14.2" "-N help" "-N foo fd00:14::2"; do
	ni_case "user, no capability" none "${AS_U[@]}" -- $args
done
REF=$IPUTILS OURS=$PING

# malformed replies never crash or hang: each mode once more under -v
for m in short empty cut escape badptr hdr nonce badcode badqtype; do
	echo "$m" >"$MODE"
	out=$(T "${NSC[@]}" "$PING" -n -v -c 1 -W 0.3 -N name fd00:14::2 2>&1); rc=$?
	if [ "$rc" -le 1 ]; then ok "malformed reply ($m): exit $rc"
	else fail "malformed reply ($m): exit $rc" "$out"; fi
done
# --json: the reply object carries the text
echo ok >"$MODE"
out=$(T "${NSC[@]}" "$PING" --json -n -c 1 -W 1 -N name fd00:14::2 2>&1)
if python3 -c '
import json, sys
L = [json.loads(l) for l in sys.stdin.read().splitlines()]
R = [o for o in L if o["type"] == "reply"]
assert len(R) == 1 and R[0]["nodeinfo"] == "SbHost.Example., short; seq=1;" and R[0]["time_ms"] is None, R
assert L[-1]["type"] == "summary" and L[-1]["received"] == 1 and L[-1]["exit"] == 0, L[-1]
' <<<"$out"; then ok "--json: a node information reply with its text"
else fail "--json: a node information reply with its text" "$out"; fi
stop_server NIR KILL

# ---- -v: the IP header quoted in ICMP messages -------------------------------
EMODE=$TEST_TMP/err.mode
echo quench >"$EMODE"
cat >"$TEST_TMP/err.py" <<'EOF'
import socket, struct, sys
mode_file = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
print("listening on err", flush=True)
while True:
    d, a = s.recvfrom(65535)
    hl = (d[0] & 15) * 4
    if len(d) < hl + 8 or d[hl] != 8:
        continue
    mode = open(mode_file).read().strip()
    quote = d[:hl + 8]
    kinds = {"quench": (4, 0, 0), "redirect": (5, 1, 0xc612_0e09), "redirect-net": (5, 0, 0xc612_0e09),
             "param": (12, 0, 0x0c00_0000), "unreach": (3, 1, 0), "unreach-13": (3, 13, 0),
             "frag": (3, 4, 1280), "exceeded": (11, 0, 0), "exceeded-1": (11, 1, 0),
             "badsum": (4, 0, 0)}
    t, c, word = kinds[mode]
    msg = struct.pack("!BBHI", t, c, 0, word) + quote
    sum_ = csum(msg)
    if mode == "badsum": sum_ ^= 0x5a5a
    msg = msg[:2] + struct.pack("!H", sum_) + msg[4:]
    s.sendto(msg, (a[0], 0))
EOF
start_server ERR ip netns exec "$S" python3 "$TEST_TMP/err.py" "$EMODE" ||
	skip_all "the ICMP error responder did not start"
err_case() {
	local mode=$1; shift
	echo "$mode" >"$EMODE"
	local a b ra rb try
	for try in 1 2; do
		a=$(T "${NSC[@]}" "$IPUTILS" "$@" 2>&1); ra=$?
		b=$(T "${NSC[@]}" "$PING" "$@" 2>&1); rb=$?
		a=$(mask <<<"$a"); b=$(mask <<<"$b")
		[ "$a" = "$b" ] && [ "$ra" = "$rb" ] && break
	done
	if [ "$a" = "$b" ] && [ "$ra" = "$rb" ]; then ok "-v, $mode: ping $* (exit $rb)"
	else fail "-v, $mode: ping $*" "$(diff <(printf 'rc %s\n%s\n' "$ra" "$a") <(printf 'rc %s\n%s\n' "$rb" "$b"))"; fi
}
for m in quench redirect redirect-net badsum param unreach unreach-13 frag exceeded exceeded-1; do
	err_case "$m" -n -v -c 2 -i 0.2 -W 0.5 198.18.14.2
done
err_case quench -n -c 1 -W 0.5 198.18.14.2
err_case redirect -n -v -D -c 1 -W 0.5 198.18.14.2
err_case quench -n -v -R -c 1 -W 0.5 198.18.14.2
err_case quench -n -v -q -c 1 -W 0.5 198.18.14.2
# the dump is there (not only the same as iputils')
echo quench >"$EMODE"
out=$(T "${NSC[@]}" "$PING" -n -v -c 1 -W 0.5 198.18.14.2 2>&1)
if grep -q '^From 198.18.14.2: icmp_seq=1 Source Quench$' <<<"$out" &&
   grep -q '^Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst Data$' <<<"$out" &&
   grep -qE '^ 4  5  00 5400 [0-9a-f]{4}   0 0040  40  01 [0-9a-f]{4} 198\.18\.14\.1  198\.18\.14\.2 $' <<<"$out"; then
	ok "-v: source quench with the quoted header's table"
else fail "-v: source quench with the quoted header's table" "$out"; fi
stop_server ERR KILL

done_testing
