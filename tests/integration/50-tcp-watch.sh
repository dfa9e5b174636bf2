#!/usr/bin/env bash
# tcp-watch against ss in a network namespace of its own (so no other
# process's sockets change under the comparison), run as a non-root user:
# snapshot counts and rows match `ss -tan`, the /proc fallback matches
# sock_diag, filters, watch-mode transitions of a connection the test opens
# and closes (polls and destroy notifications), JSON, exit codes.
. "$(dirname "$0")/lib.sh"
need ss ip python3 setpriv useradd
need_root

U=$(test_user)
NS=sbtw$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
at_exit "ip netns del $NS"
ip -n "$NS" link set lo up

# tcp-watch as the unprivileged user inside the namespace
tw() { timeout -k 2 20 ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$SOCKBOX" tcp-watch "$@"; }
nss() { ip netns exec "$NS" ss "$@"; }
# the same for a background watcher: exec, so $! is tcp-watch itself (bounded
# by its own --duration); background jobs start with SIGINT ignored, which
# tcp-watch must override to exit on it
tw_bg() { exec ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$SOCKBOX" tcp-watch "$@"; }

cat >"$TEST_TMP/h.py" <<'EOF'
import errno, signal, socket, sys, time

def listener(fam, addr, backlog=16, v6only=None):
    s = socket.socket(fam)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, 0))
    s.listen(backlog)
    return s, s.getsockname()[1]

def pair(l, fam, addr, port):
    c = socket.socket(fam)
    c.connect((addr, port))
    a, _ = l.accept()
    return c, a

def hold():
    keep = []
    l4, p4 = listener(socket.AF_INET, "127.0.0.1")
    l6, p6 = listener(socket.AF_INET6, "::1")
    ld, pd = listener(socket.AF_INET6, "::", v6only=0)      # dual stack: "*"
    keep += [l4, l6, ld]
    lw = socket.socket()                                    # a named port (http)
    lw.bind(("127.0.0.1", 80))
    lw.listen(4)
    keep.append(lw)
    for _ in range(3):
        keep += pair(l4, socket.AF_INET, "127.0.0.1", p4)   # ESTAB x2 each
    keep += pair(l6, socket.AF_INET6, "::1", p6)
    keep += pair(ld, socket.AF_INET, "127.0.0.1", pd)       # v4-mapped peer
    c, a = pair(l4, socket.AF_INET, "127.0.0.1", p4)
    c.shutdown(socket.SHUT_WR)                              # FIN-WAIT-2 / CLOSE-WAIT
    keep += [c, a]
    c, a = pair(l4, socket.AF_INET, "127.0.0.1", p4)
    c.close(); time.sleep(0.05); a.close()                  # TIME-WAIT
    # FIN-WAIT-1: data the peer never reads, then close
    c, a = pair(l4, socket.AF_INET, "127.0.0.1", p4)
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
    c.close()
    keep.append(a)
    # SYN-SENT: a full accept queue drops the SYN
    lz, pz = listener(socket.AF_INET, "127.0.0.1", backlog=0)
    keep.append(lz)
    keep.append(pair_noaccept(pz))
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", pz))
    except BlockingIOError:
        pass
    keep.append(s)
    time.sleep(0.1)
    print("listening on 127.0.0.1:%d" % p4, flush=True)
    signal.pause()

def pair_noaccept(port):
    c = socket.socket()
    c.connect(("127.0.0.1", port))
    return c

def conn(dwell):
    # one connection, opened and closed: client closes first
    l, p = listener(socket.AF_INET, "127.0.0.1")
    c, a = pair(l, socket.AF_INET, "127.0.0.1", p)
    print(p, c.getsockname()[1], flush=True)
    time.sleep(dwell)
    c.close()
    time.sleep(dwell)
    a.close()
    time.sleep(dwell)
    l.close()

def synrecv():
    # the final ACK of the handshake is being dropped (nft): the client is
    # ESTABLISHED, the server side a SYN-RECV request until the rule goes
    # and a retransmitted SYN-ACK gets its ACK through
    l, p = listener(socket.AF_INET, "127.0.0.1")
    c = socket.socket()
    c.connect(("127.0.0.1", p))
    print(p, c.getsockname()[1], flush=True)
    l.settimeout(10)
    a, _ = l.accept()
    print("accepted", flush=True)
    time.sleep(0.3)
    a.close(); c.close(); l.close()

def churn(n):
    # n short connections: 2n destroy notifications in a burst
    l, p = listener(socket.AF_INET, "127.0.0.1", backlog=4096)
    for _ in range(n):
        c, a = pair(l, socket.AF_INET, "127.0.0.1", p)
        c.close(); a.close()
    l.close()
    print(p, flush=True)

if sys.argv[1] == "hold":
    hold()
elif sys.argv[1] == "churn":
    churn(int(sys.argv[2]))
elif sys.argv[1] == "synrecv":
    synrecv()
else:
    conn(float(sys.argv[2]))
EOF

start_server H ip netns exec "$NS" python3 "$TEST_TMP/h.py" hold || { fail "state maker started" "$(cat "$TEST_TMP/H.err")"; done_testing; }
ok "state maker started in namespace $NS"

# --- snapshot: counts per state and rows match ss -tan -----------------------
ss_rows=$(nss -tan | awk 'NR > 1 { print $1, $4, $5 }' | sort)
ss_counts=$(awk '{ print $1 }' <<<"$ss_rows" | sort | uniq -c | awk '{ print $2, $1 }')
tw_counts=$(tw --summary -a | awk 'NR > 1 && $2 > 0 { print $1, $2 }' | sort)
expect_eq "--summary counts per state match ss -tan" "$ss_counts" "$tw_counts"
for st in ESTAB LISTEN TIME-WAIT FIN-WAIT-1 FIN-WAIT-2 CLOSE-WAIT SYN-SENT; do
	grep -q "^$st " <<<"$ss_counts" && ok "scenario has $st" || fail "scenario has $st" "$ss_counts"
done
out=$(tw --once -n -a); rc=$?
expect_eq "--once exits 0" 0 "$rc"
expect_eq "--once header like ss" "State      Recv-Q Send-Q   Local Address:Port      Peer Address:Port" "$(head -1 <<<"$out")"
expect_eq "--once rows (state, local, peer) match ss -tan" "$ss_rows" "$(awk 'NR > 1 { print $1, $4, $5 }' <<<"$out" | sort)"
grep -q '^LISTEN .* \*:[0-9]* ' <<<"$out" && ok "dual-stack listener shown as *:port like ss" || fail "dual-stack listener shown as *:port like ss" "$out"
grep -q '\[::ffff:127.0.0.1\]' <<<"$out" && ok "v4-mapped peer shown bracketed" || fail "v4-mapped peer shown bracketed" "$out"
# queues: all but the FIN-WAIT-1 connection, whose queues still move
fw1=$(nss -tan state fin-wait-1 | awk 'NR > 1 { print $3 }')
qrows() { awk -v fw1="$fw1" 'NR > 1 && $1 != "LISTEN" && $4 != fw1 && $5 != fw1 { print $1, $2, $3, $4, $5 }' | sort; }
expect_eq "--once Recv-Q/Send-Q match ss -tan" "$(nss -tan | qrows)" "$(qrows <<<"$out")"
expect_eq "--once LISTEN queues match ss -tan" "$(nss -tan state listening | awk 'NR > 1 { print $1, $2, $3 }' | sort)" "$(tw --once -n -s listen | awk 'NR > 1 { print $2, $3, $4 }' | sort)"

# without -n, ports below the ephemeral range are named as ss names them
if [ -r /etc/services ] && grep -q '^http[[:space:]]*80/tcp' /etc/services; then
	expect_eq "without -n: port names as ss -ta (http)" "$(nss -ta | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -a | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
	grep -q ' 127.0.0.1:http ' <<<"$(tw --once -l)" && ok "-l shows 127.0.0.1:http" || fail "-l shows 127.0.0.1:http" "$(tw --once -l)"
else
	ok "# SKIP no /etc/services naming port 80"
fi

# --- /proc fallback gives the same snapshot ---------------------------------
proc=$(TCP_WATCH_PROC=1 tw --once -n -a)
expect_eq "TCP_WATCH_PROC=1: same rows as sock_diag" "$(awk 'NR > 1 { print $1, $4, $5 }' <<<"$out" | sort)" "$(awk 'NR > 1 { print $1, $4, $5 }' <<<"$proc" | sort)"
expect_eq "--proc: same counts as sock_diag" "$tw_counts" "$(tw --proc --summary -a | awk 'NR > 1 && $2 > 0 { print $1, $2 }' | sort)"
# the /proc fallback fills uid/ino (-e) and timer names (-o) as sock_diag
tok() { awk 'NR > 1 { t = "-"; i = "-"; u = "uid:0"; for (f = 6; f <= NF; f++) { if ($f ~ /^timer:/) { t = $f; sub(/,.*/, "", t) } if ($f ~ /^ino:/) i = $f; if ($f ~ /^uid:/) u = $f }; print $1, $4, $5, t, i, u }' | sort; }
expect_eq "--proc -e -o: ino, uid and timer names as sock_diag's" "$(tw --once -n -a -e -o | tok)" "$(tw --proc --once -n -a -e -o | tok)"
expect_eq "--proc --json summary names its source" proc "$(tw --proc --summary --json | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"])')"

# sock_diag unavailable (socket(AF_NETLINK) refused by an LD_PRELOAD shim):
# automatic fallback to /proc, said once on stderr, same rows
if ldd "$SOCKBOX" 2>/dev/null | grep -q libasan; then
	skip "no sock_diag: LD_PRELOAD fallback" "ASan build: an LD_PRELOAD shim cannot come before its runtime"
elif command -v cc >/dev/null 2>&1; then
	cat >"$TEST_TMP/nonl.c" <<'EOF2'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);
	if (domain == AF_NETLINK) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	return real(domain, type, protocol);
}
EOF2
	cc -shared -fPIC -o "$TEST_TMP/nonl.so" "$TEST_TMP/nonl.c" -ldl
	chmod 755 "$TEST_TMP" "$TEST_TMP/nonl.so"
	tw_nonl() { timeout -k 2 20 ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all env LD_PRELOAD="$TEST_TMP/nonl.so" "$SOCKBOX" tcp-watch "$@"; }
	fb=$(tw_nonl --once -n -a 2>"$TEST_TMP/fb.err"); rc=$?
	expect_eq "no sock_diag: exit 0" 0 "$rc"
	expect_eq "no sock_diag: one stderr line" "tcp-watch: sock_diag unavailable, reading /proc/net/tcp instead: Address family not supported by protocol" "$(cat "$TEST_TMP/fb.err")"
	expect_eq "no sock_diag: /proc rows" "$(awk 'NR > 1 { print $1, $4, $5 }' <<<"$proc" | sort)" "$(awk 'NR > 1 { print $1, $4, $5 }' <<<"$fb" | sort)"
	expect_eq "no sock_diag: watch runs on /proc" proc "$(tw_nonl --json --duration 0.2 2>/dev/null | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"])')"
else
	skip "no sock_diag: LD_PRELOAD fallback" "no C compiler for the LD_PRELOAD shim"
fi

# --- filters ----------------------------------------------------------------
# (ss drops its State column when one state is asked for)
expect_eq "-s listening matches ss state listening" "$(nss -tan state listening | awk 'NR > 1 { print $3, $4 }' | sort)" "$(tw --once -n -s listening | awk 'NR > 1 { print $4, $5 }' | sort)"
expect_eq "-s connected matches ss state connected" "$(nss -tan state connected | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -s connected | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
expect_eq "-s established -s time-wait" "$(nss -tan state established state time-wait | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -s established -s time-wait | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
expect_eq "--sport (kernel bytecode) matches ss sport" "$(nss -tan "sport = :$H_PORT" | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -a --sport "$H_PORT" | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
expect_eq "--dport matches ss dport" "$(nss -tan "dport = :$H_PORT" | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -a --dport "$H_PORT" | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
expect_eq "--proc --sport filters the same" "$(tw --once -n -a --sport "$H_PORT" | tail -n +2 | awk '{ print $1, $4, $5 }' | sort)" "$(tw --proc --once -n -a --sport "$H_PORT" | tail -n +2 | awk '{ print $1, $4, $5 }' | sort)"
expect_eq "-6 matches ss -6" "$(nss -tan -6 | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -a -6 | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
expect_eq "-4 matches ss -4" "$(nss -tan -4 | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -a -4 | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
expect_eq "--addr ::1 matches ss src/dst ::1" "$(nss -tan "( src [::1] or dst [::1] )" | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -a --addr ::1 | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
# (ss has no v4-mapped matching: ask it for both forms)
expect_eq "--addr 127.0.0.1 also matches v4-mapped" "$(nss -tan "( src 127.0.0.1 or dst 127.0.0.1 or src [::ffff:127.0.0.1] or dst [::ffff:127.0.0.1] )" | awk 'NR > 1 { print $1, $4, $5 }' | sort)" "$(tw --once -n -a --addr 127.0.0.1 | awk 'NR > 1 { print $1, $4, $5 }' | sort)"
# -e: uid (when not 0), ino and sk as ss -e prints them
ekeys() { awk '{ u = "uid:0"; i = ""; k = ""; for (f = 6; f <= NF; f++) { if ($f ~ /^uid:/) u = $f; if ($f ~ /^ino:/) i = $f; if ($f ~ /^sk:/) k = $f }; print $4, $5, u, i, k }' | sort; }
ext=$(tw --once -n -e -s established -4 | tail -n +2 | ekeys)
expect_eq "-e: uid, ino, sk match ss -e" "$(nss -tane state established -4 2>/dev/null | awk 'NR > 1 { $1 = "ESTAB " $1; print }' | ekeys)" "$ext"
# --- JSON ---------------------------------------------------------------------
j=$(tw --once -n -a --json -i)
if python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
objs = [json.loads(l) for l in lines]
assert objs[0]["type"] == "start" and objs[0]["schema"] == 1 and objs[0]["applet"] == "tcp-watch"
assert objs[-1]["type"] == "summary" and objs[-1]["exit"] == 0
socks = [o for o in objs if o["type"] == "socket"]
assert len(socks) == objs[-1]["total"] == len(lines) - 2
assert any(o["state"] == "ESTAB" and "rtt_ms" in o["info"] for o in socks)
' <<<"$j"; then ok "--once --json: one valid object per socket, then a summary"; else fail "--once --json: one valid object per socket, then a summary" "$j"; fi

# --- watch mode: a connection opened and closed ------------------------------
watch_conn() {  # $1: interval, $2: dwell; sets W_OUT, W_RC, CONN
	local f="$TEST_TMP/watch.$1" ; : >"$f"
	tw_bg --json --interval "$1" --duration 30 >"$f" 2>"$f.err" &
	local wp=$!
	# the first line (a socket present at start) means the baseline is taken
	wait_until 100 grep -q '"type":"initial"' "$f" || fail "watcher ready ($1)" "$(cat "$f.err")"
	CONN=$(ip netns exec "$NS" python3 "$TEST_TMP/h.py" conn "$2")
	local sp cp
	read -r sp cp <<<"$CONN"
	# until both ends are reported gone (bounded; the assertions follow)
	wait_until 100 grep -q "\"new\":\"TIME-WAIT\".*\"local\":\"127.0.0.1:$cp\"" "$f"
	wait_until 100 grep -q "\"new\":\"CLOSED\".*\"local\":\"127.0.0.1:$sp\",\"peer\":\"127.0.0.1:$cp\"" "$f"
	kill -INT "$wp"; wait "$wp"; W_RC=$?
	W_OUT=$f
}
# sequence of new states per endpoint, from the JSON events
seq_of() { python3 -c '
import json, sys
local, peer = sys.argv[2], sys.argv[3]
out = []
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "transition" and o["local"] == local and o["peer"] == peer:
        out.append(o["new"] + ("/destroy" if o.get("seen_by") == "destroy" else ""))
print(" ".join(out))' "$@"; }

watch_conn 0.05 0.4
read -r sp cp <<<"$CONN"
expect_eq "watch: SIGINT exits 0" 0 "$W_RC"
el=$(tail -1 "$W_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["elapsed_ms"] < 20000)')
expect_eq "watch: it was SIGINT, not --duration, that stopped it" True "$el"
cli=$(seq_of "$W_OUT" "127.0.0.1:$cp" "127.0.0.1:$sp")
srv=$(seq_of "$W_OUT" "127.0.0.1:$sp" "127.0.0.1:$cp")
case $cli in
	"ESTAB FIN-WAIT-2 TIME-WAIT"|"ESTAB FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT") ok "closing side: ESTAB, FIN-WAIT, TIME-WAIT ($cli)" ;;
	*) fail "closing side: ESTAB, FIN-WAIT, TIME-WAIT" "got: $cli"; cat "$W_OUT" | sed 's/^/# /' | head -30 ;;
esac
case $srv in
	"ESTAB CLOSE-WAIT CLOSED/destroy"|"ESTAB CLOSE-WAIT LAST-ACK CLOSED"*|"ESTAB CLOSE-WAIT CLOSED") ok "other side: ESTAB, CLOSE-WAIT, CLOSED ($srv)" ;;
	*) fail "other side: ESTAB, CLOSE-WAIT, CLOSED" "got: $srv" ;;
esac
durs=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "transition" and o["local"] == sys.argv[2] and o["old"] == "ESTAB":
        print("ok" if 250 < o["dur_ms"] < 1500 and not o["dur_atleast"] else "bad %s" % o)' "$W_OUT" "127.0.0.1:$cp")
expect_eq "time in ESTAB reported (~0.4 s)" ok "$durs"
if python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert objs[-1]["type"] == "summary" and objs[-1]["polls"] > 5
assert any(o["type"] == "initial" and o["state"] == "LISTEN" for o in objs)' "$W_OUT"; then
	ok "watch --json: initial sockets, events, final summary"
else fail "watch --json: initial sockets, events, final summary" "$(tail -3 "$W_OUT")"; fi

# closed between two polls: only the destroy notification can tell
watch_conn 2 0.01
read -r sp cp <<<"$CONN"
srv=$(seq_of "$W_OUT" "127.0.0.1:$sp" "127.0.0.1:$cp")
case $srv in
	*CLOSED/destroy*) ok "close between polls reported from the destroy notification ($srv)" ;;
	*) fail "close between polls reported from the destroy notification" "got: $srv" ;;
esac

# SYN-RECV request followed into its accepted socket (same cookie on Linux
# 6.x, which copies the request's cookie; joined by 4-tuple otherwise)
if command -v nft >/dev/null 2>&1 && ip netns exec "$NS" nft add table inet sbtw 2>/dev/null; then
	ip netns exec "$NS" nft add chain inet sbtw in '{ type filter hook input priority 0; }'
	ip netns exec "$NS" nft add rule inet sbtw in tcp flags == ack drop
	f="$TEST_TMP/watch.synrecv"
	tw_bg --json --interval 0.05 --duration 30 >"$f" &
	wp=$!
	wait_until 100 grep -q '"type":"initial"' "$f"
	ip netns exec "$NS" python3 "$TEST_TMP/h.py" synrecv >"$TEST_TMP/synrecv.out" &
	hp=$!
	wait_until 100 grep -q '"new":"SYN-RECV"' "$f"
	ip netns exec "$NS" nft delete table inet sbtw
	wait_until 100 grep -q accepted "$TEST_TMP/synrecv.out"
	read -r sp cp <"$TEST_TMP/synrecv.out"
	wait_until 100 grep -Eq "\"new\":\"(TIME-WAIT|CLOSED)\".*\"local\":\"127.0.0.1:$sp\",\"peer\":\"127.0.0.1:$cp\"" "$f"
	kill -INT "$wp"; wait "$wp"; wait "$hp"
	srv=$(seq_of "$f" "127.0.0.1:$sp" "127.0.0.1:$cp")
	case $srv in
		"SYN-RECV ESTAB "*) ok "SYN-RECV request followed into its accepted socket ($srv)" ;;
		*) fail "SYN-RECV request followed into its accepted socket" "got: $srv" ;;
	esac
	if python3 -c '
import json, sys
cookies = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "transition" and o["local"] == sys.argv[2] and o["peer"] == sys.argv[3]:
        cookies.add(o["cookie"])
        if o["old"] == "SYN-RECV":
            assert o["new"] == "ESTAB" and 500 < o["dur_ms"] < 5000, o
assert len(cookies) in (1, 2), cookies' "$f" "127.0.0.1:$sp" "127.0.0.1:$cp"; then
		ok "SYN-RECV timed (~1 s until the SYN-ACK retransmit)"
	else fail "SYN-RECV timed (~1 s until the SYN-ACK retransmit)" "$(grep -F "127.0.0.1:$sp" "$f" | head)"; fi
else
	skip "SYN-RECV request followed into its accepted socket" "nft unavailable"
fi

# lost notifications: a stopped watcher's socket overflows (ENOBUFS); on
# waking it must re-sync with a full dump at once and carry on
# (the buffer is at most 2 x rmem_max; a notification takes well over 1 KiB
# of it, so this many connections overflow it)
CHURN=$(( $(cat /proc/sys/net/core/rmem_max) * 2 / 1024 + 500 ))
[ "$CHURN" -gt 15000 ] && CHURN=15000
f="$TEST_TMP/watch.enobufs"
tw_bg --json --interval 60 --duration 60 >"$f" &
wp=$!
wait_until 100 grep -q '"type":"initial"' "$f"
kill -STOP "$wp"
cp=$(ip netns exec "$NS" python3 "$TEST_TMP/h.py" churn "$CHURN")
# the kernel sends the notifications from a work queue: wait until the
# stopped watcher's socket has dropped some (Drops in /proc/net/netlink)
mc_dropped() { ip netns exec "$NS" awk 'NR > 1 && $2 == 4 && $4 == "00000005" && $9 > 0 { f = 1 } END { exit !f }' /proc/net/netlink; }
dropped=0
wait_until 200 mc_dropped && dropped=1
kill -CONT "$wp"
if [ $dropped = 1 ]; then
	# the re-sync dump shows the churn's TIME-WAIT sockets long before
	# the next poll (in 60 s) would
	wait_until 60 grep -q "\"new\":\"TIME-WAIT\".*\"peer\":\"127.0.0.1:$cp\"" "$f"
fi
kill -INT "$wp"; wait "$wp"; rc=$?
if [ $dropped = 0 ]; then
	skip "ENOBUFS on the destroy notifications: immediate re-sync dump" "the notification socket did not overflow (rmem_max too large?)"
elif [ $rc = 0 ] && python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
s = objs[-1]
assert s["type"] == "summary" and s["resyncs"] >= 1 and s["polls"] >= 2, s
assert 2 <= s["polls"] <= s["resyncs"] + 1, s   # no timed poll: only re-syncs
tw = [o for o in objs if o.get("new") == "TIME-WAIT"]
assert len(tw) > 100, len(tw)' "$f"; then
	ok "ENOBUFS on the destroy notifications: immediate re-sync dump"
else fail "ENOBUFS on the destroy notifications: immediate re-sync dump" "rc=$rc $(tail -1 "$f")"; fi

# text watch output; --count stops the watcher by itself
f="$TEST_TMP/text"
tw_bg --interval 0.05 --count 2 --duration 30 >"$f" &
p=$!
wait_until 100 grep -q INITIAL "$f"
ip netns exec "$NS" python3 "$TEST_TMP/h.py" conn 0.2 >/dev/null
wait "$p"; rc=$?
txt=$(grep -v INITIAL "$f")
if [ $rc = 0 ] && [ "$(wc -l <<<"$txt")" = 2 ] && grep -Eq '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9] 127\.0\.0\.1:[0-9]+ +(127\.0\.0\.1:[0-9]+|0\.0\.0\.0:\*) +NEW +-> (ESTAB|LISTEN)' <<<"$txt"; then
	ok "--count 2 exits 0 after two transition lines (text)"
else fail "--count 2 exits 0 after two transition lines (text)" "rc=$rc $txt"; fi
grep -Eq '^[0-9:.]+ 127\.0\.0\.1:[0-9]+ +0\.0\.0\.0:\* +INITIAL +-> LISTEN' "$f" && ok "text watch starts with INITIAL lines" || fail "text watch starts with INITIAL lines" "$(head -3 "$f")"

# --- the reader of stdout goes away --------------------------------------
# nothing changes in the namespace: only noticing the closed pipe (POLLERR
# on stdout beside the netlink socket) can end the watcher
t0=$(date +%s%N)
first=$(tw --interval 10 | head -1); rcs=("${PIPESTATUS[@]}")
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$el" -lt 1000 ] && ok "tcp-watch | head -1 ends in $el ms with no socket activity" || fail "tcp-watch | head -1 ends within 1 s" "$el ms"
expect_eq "tcp-watch | head -1: status 0 (not SIGPIPE), one INITIAL line" "0 INITIAL" "${rcs[0]} $(awk '{ print $4 }' <<<"$first")"
t0=$(date +%s%N)
tw --no-initial --interval 10 | true; rc=${PIPESTATUS[0]}
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 0 ] && [ "$el" -lt 1000 ] && ok "a reader that never reads: tcp-watch ends, status 0 ($el ms)" || fail "a reader that never reads: tcp-watch ends, status 0" "rc=$rc $el ms"
t0=$(date +%s%N)
tw -p --json --interval 10 | head -1 >/dev/null; rc=${PIPESTATUS[0]}
el=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 0 ] && [ "$el" -lt 1000 ] && ok "... also with -p --json ($el ms)" || fail "... also with -p --json" "rc=$rc $el ms"

# --- exit codes -------------------------------------------------------------
tw --once -n -s bogus >/dev/null 2>&1; expect_eq "bad state exits 2" 2 $?
tw --once -n --sport 0 >/dev/null 2>&1; expect_eq "bad port exits 2" 2 $?
tw --once -n -4 -6 >/dev/null 2>&1; expect_eq "-4 with -6 exits 2" 2 $?
tw --interval 0 >/dev/null 2>&1; expect_eq "bad interval exits 2" 2 $?
tw --once -n extra >/dev/null 2>&1; expect_eq "operand exits 2" 2 $?
err=$(tw --once -n -s bogus 2>&1 >/dev/null | head -1)
expect_eq "bad state: one clear line" "tcp-watch: invalid state 'bogus' for -s" "$err"
tw --duration 0.3 --no-initial >/dev/null; expect_eq "--duration exits 0" 0 $?
tw --summary -e >/dev/null 2>&1; expect_eq "--summary -e is refused (exit 2)" 2 $?
expect_eq "--summary -e: one clear line" "tcp-watch: -e, -o, -i and -m show per-socket fields: not with --summary" "$(tw --summary -e 2>&1 | head -1)"
j=$(tw --json --once -s bogus 2>/dev/null); rc=$?
expect_eq "--json usage error: exit 2 and an error line" '2 {"type":"error","code":"usage","message":"invalid state '"'"'bogus'"'"' for -s","exit":2}' "$rc $j"

stop_server H KILL
done_testing
