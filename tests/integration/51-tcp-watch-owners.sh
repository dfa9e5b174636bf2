#!/usr/bin/env bash
# tcp-watch -p against ss -tanp in a network namespace of its own: 2,000
# connections held by five processes of a non-root user (two of them
# sharing sockets after fork, one holding CLOSE-WAIT sockets on purpose)
# plus one root process.  The (state, local, peer, users) rows match ss's,
# as that user and with the root process's owners hidden; --summary -p
# names the CLOSE-WAIT holder first; watch mode names the owner recorded at
# the first sighting; -o, -i and -m agree with ss on idle sockets.
. "$(dirname "$0")/lib.sh"
need ss ip python3 setpriv useradd
need_root
# the system python (a per-user shim may not be readable by the test user)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

U=$(test_user)
NS=sbto$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
at_exit "ip netns del $NS"
ip -n "$NS" link set lo up

tw() { timeout -k 2 30 ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$SOCKBOX" tcp-watch "$@"; }
nss() { ip netns exec "$NS" ss "$@" 2>/dev/null; }
uss() { ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all ss "$@" 2>/dev/null; }
userns() { exec ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$@"; }

cat >"$TEST_TMP/o.py" <<'EOF2'
import ctypes, os, resource, signal, socket, sys, time

def name(n):   # the comm ss and tcp-watch show (prctl PR_SET_NAME)
    ctypes.CDLL(None).prctl(15, n.encode(), 0, 0, 0)

def ready(msg):
    print(msg, flush=True)
    signal.pause()

def connect(port, n, keepalive=False, cc=None):
    out = []
    for _ in range(n):
        c = socket.socket()
        if cc:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc)
        if keepalive:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        c.connect(("127.0.0.1", port))
        out.append(c)
    return out

mode = sys.argv[1]
if mode == "server":            # accepts everything sent to its port
    name("srv")
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(4096)
    print("listening on 127.0.0.1:%d" % l.getsockname()[1], flush=True)
    keep = []
    while True:
        keep.append(l.accept()[0])
elif mode == "client":          # N connections with keepalive timers
    name("cli")
    keep = connect(int(sys.argv[2]), int(sys.argv[3]), keepalive=True)
    ready("listening on 127.0.0.1:0")
elif mode == "forker":          # N connections, then shared with a child
    name("forker")
    keep = connect(int(sys.argv[2]), int(sys.argv[3]))
    if os.fork() == 0:
        name("forkchild")
        # die with the parent (the test stops only the pid it started)
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
        signal.pause()
    ready("listening on 127.0.0.1:0")
elif mode == "leaker":          # N self-connections; the client end of K
    name("leaker")              # is closed, the accepted end kept: CLOSE-WAIT
    n, k = int(sys.argv[2]), int(sys.argv[3])
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(4096)
    keep, port = [l], l.getsockname()[1]
    for i in range(n):
        c = socket.socket()
        c.connect(("127.0.0.1", port))
        a = l.accept()[0]
        keep.append(a)
        if i < k:
            c.close()
        else:
            keep.append(c)
    time.sleep(0.05)
    ready("listening on 127.0.0.1:%d" % port)
elif mode == "bbr":             # root: one connection under BBR
    name("bbr")
    keep = connect(int(sys.argv[2]), 1, cc=b"bbr")
    ready("listening on 127.0.0.1:0")
elif mode == "rootproc":
    name("rootproc")
    keep = connect(int(sys.argv[2]), int(sys.argv[3]))
    ready("listening on 127.0.0.1:0")
EOF2
chmod 755 "$TEST_TMP" && chmod 644 "$TEST_TMP/o.py"

start_server S ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$PY" "$TEST_TMP/o.py" server || { fail "server started" "$(cat "$TEST_TMP"/S.*.err)"; done_testing; }
start_server C userns "$PY" "$TEST_TMP/o.py" client "$S_PORT" 800 || fail "client started"
start_server F userns "$PY" "$TEST_TMP/o.py" forker "$S_PORT" 200 || fail "forker started"
start_server L userns "$PY" "$TEST_TMP/o.py" leaker 1000 5 || fail "leaker started"
start_server R ip netns exec "$NS" "$PY" "$TEST_TMP/o.py" rootproc "$S_PORT" 3 || fail "root process started"
LEAK_PID=$L_PID
# the server has accepted all 1,003 of its connections
wait_until 200 sh -c "[ \$(ip netns exec $NS ss -tn state established sport = :$S_PORT | tail -n +2 | wc -l) -ge 1003 ]" || fail "server accepted everything"
ok "five user processes and one root process hold $(nss -tan | tail -n +2 | wc -l) sockets"

# rows as (state, local, peer, users) from ss -tanp / tcp-watch --once -a -p
rows() { awk 'NR > 1 { u = ""; for (i = 6; i <= NF; i++) if ($i ~ /^users:/) u = $i; print $1, $4, $5, u }' | sort; }
ss_root=$(nss -tanp | rows)
ss_user=$(uss -tanp | rows)
t0=$(date +%s%N)
tw_user=$(tw --once -n -a -p | rows)
t1=$(date +%s%N)
n=$(wc -l <<<"$tw_user")
[ "$n" -ge 4000 ] && ok "--once -a -p: $n sockets in $(( (t1 - t0) / 1000000 )) ms" || fail "--once -a -p lists every socket" "$n rows"
expect_eq "--once -a -p as a user: same (state, local, peer, users) rows as ss -tanp as that user" "$ss_user" "$tw_user"
grep -q 'users:(("forker",pid=[0-9]*,fd=[0-9]*),("forkchild"\|users:(("forkchild",pid=[0-9]*,fd=[0-9]*),("forker"' <<<"$tw_user" \
	&& ok "a socket shared after fork names both processes" || fail "a socket shared after fork names both processes" "$(grep -m3 fork <<<"$tw_user")"
# root sees the root process's owners; the user sees everything else alike
expect_eq "as a user: rows differ from root's ss only where root's process is named" \
	"$(grep -v rootproc <<<"$ss_root" | sort)" "$(grep -v -F "$(grep rootproc <<<"$ss_root" | awk '{ print $1, $2, $3 }')" <<<"$tw_user" | sort)"
grep -q rootproc <<<"$tw_user" && fail "the root process is not named to a user" || ok "the root process is not named to a user"
[ "$(grep -c rootproc <<<"$ss_root")" = 3 ] && ok "(ss as root names the root process's 3 sockets)" || fail "ss as root names the root process" "$(grep -c rootproc <<<"$ss_root")"

# JSON owners: an array of {comm, pid, fd}
if tw --once -n -a -p --json | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
assert objs[0]["type"] == "start" and objs[0]["schema"] == 1
socks = [o for o in objs if o["type"] == "socket"]
shared = [o for o in socks if len({w["pid"] for w in o["owners"]}) == 2]
assert len(shared) == 200, len(shared)
assert all(set(w) == {"comm", "pid", "fd"} for o in socks for w in o["owners"])
assert objs[-1]["type"] == "summary" and objs[-1]["exit"] == 0'; then
	ok "--json -p: owners as [{comm, pid, fd}], 200 shared sockets with two"
else fail "--json -p: owners as [{comm, pid, fd}]"; fi

# --summary -p: the CLOSE-WAIT holder comes first
sum=$(tw --summary -a -p)
first=$(sed -n 2p <<<"$sum")
read -r c p _ <<<"$first"
expect_eq "--summary -p names the CLOSE-WAIT holder first" "leaker $LEAK_PID" "$c $p"
cw_col=$(head -1 <<<"$sum" | tr ' ' '\n' | grep -v '^$' | grep -n '^CLOSE-WAIT$' | cut -d: -f1)
expect_eq "--summary -p: its CLOSE-WAIT count" 5 "$(awk -v c="$cw_col" 'NR == 2 { print $c }' <<<"$sum")"
expect_eq "--by process is --summary -p" "$sum" "$(tw --summary -a --by process)"
expect_eq "--summary -p: a row per process, ss's count for each" \
	"$(grep -o 'users:.*' <<<"$ss_user" | grep -o '"[a-z]*",pid=[0-9]*' | sort -u | sed 's/"//g; s/,pid=/ /' | sort)" \
	"$(tail -n +2 <<<"$sum" | awk '$1 != "-" { print $1, $2 }' | sort)"

# -o, -i, -m agree with ss on idle sockets (the client's, with keepalive)
# (the forker's and the root process's connections to the same port have no
# keepalive timer: pick one of the client's, by its timer)
pick=$(nss -tno state established dport = :"$S_PORT" | awk '/timer:\(keepalive/ { print $3; exit }')
sport=${pick##*:}
ssl=$(nss -tnoim state established sport = :"$sport" | tail -n +2 | tr '\n\t' '  ')
twl=$(tw --once -n -oim -s established --sport "$sport" | tail -n +2 | tr '\n\t' '  ')
if python3 - "$ssl" "$twl" <<'EOF2'
import re, sys
ss, tw = sys.argv[1], sys.argv[2]
def f(s, pat):
    m = re.search(pat, s)
    assert m, (pat, s)
    return m.groups()
for s in (ss, tw):
    assert f(s, r"timer:\((\w+),")[0] == "keepalive", s
assert f(ss, r"skmem:\((\S+)\)") == f(tw, r"skmem:\((\S+)\)"), (ss, tw)
rs, rt = (float(f(x, r" rtt:([0-9.]+)/")[0]) for x in (ss, tw))
assert abs(rs - rt) <= 1.0, (rs, rt)
for k in ("cwnd", "mss", "rcvmss", "advmss", "bytes_acked", "segs_out", "segs_in"):
    a = re.search(r" %s:(\d+)" % k, ss); b = re.search(r" %s:(\d+)" % k, tw)
    assert (a and a.group(1)) == (b and b.group(1)), (k, ss, tw)
assert re.search(r" retrans:", ss) is None and re.search(r" retrans:", tw) is None
for w in ("ts", "sack", "wscale:[0-9,]+", "rto:[0-9.]+"):
    assert re.search(" " + w, ss) and re.search(" " + w, tw), (w, ss, tw)
EOF2
then ok "-o -i -m: timer, skmem, rtt (within 1 ms), cwnd, mss, segs agree with ss -oim"
else fail "-o -i -m agree with ss -oim" "ss: $ssl
tw: $twl"; fi
# (the kernel reported this idle socket's keepalive timer as not pending
# for one dump in one CI run under ASan: a dump is a sample, so up to 3)
for try in 1 2 3; do
	tw --once -n -oim -s established --sport "$sport" --json >"$TEST_TMP/oim.json"
	python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])][1]
assert o["timer"] and o["timer"]["name"] == "keepalive" and o["info"]["cwnd"] > 0 and o["skmem"]["rcvbuf_bytes"] > 0, o' "$TEST_TMP/oim.json" 2>"$TEST_TMP/oim.err" && break
done
if [ ! -s "$TEST_TMP/oim.err" ]; then ok "--json -oim: timer, info and skmem objects (try $try)"
else fail "--json -oim: timer, info and skmem objects" "$(tail -3 "$TEST_TMP/oim.err")"; fi

# the congestion control's own state: ss -i's bbr:(...) block, on a
# connection set to BBR whatever the system's default is
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control || modprobe tcp_bbr 2>/dev/null
if ! grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control; then
	skip "-i: bbr:(...) as ss prints it" "no tcp_bbr in this kernel"
elif start_server BB ip netns exec "$NS" "$PY" "$TEST_TMP/o.py" bbr "$S_PORT"; then
	bport=$(nss -tnp state established dport = :"$S_PORT" | awk '/"bbr"/ { sub(/.*:/, "", $3); print $3; exit }')
	ssb=$(nss -tni state established sport = :"$bport" | grep -o ' bbr:([^)]*)')
	twb=$(ip netns exec "$NS" "$SOCKBOX" tcp-watch --once -n -i -s established --sport "$bport" | grep -o ' bbr:([^)]*)')
	# (an idle connection: bw, mrtt and the gains stay put between the two)
	if [ -n "$ssb" ] && [ "$ssb" = "$twb" ]; then ok "-i: bbr:(...) as ss prints it ($ssb)"
	else fail "-i: bbr:(...) as ss prints it" "ss: $ssb
tw: $twb"; fi
	ip netns exec "$NS" "$SOCKBOX" tcp-watch --once -n -i -s established --sport "$bport" --json | python3 -c '
import json, sys
o = [json.loads(l) for l in sys.stdin][1]
b = o["info"]["bbr"]
assert o["info"]["cong"] == "bbr" and b["min_rtt_ms"] >= 0 and b["pacing_gain"] > 0 and b["bw_bps"] >= 0, o' &&
		ok "--json -i: the bbr object" || fail "--json -i: the bbr object"
	stop_server BB
else fail "a BBR connection" "$(cat "$TEST_TMP"/BB.*.err)"; fi

# watch mode: a connection that goes to CLOSE-WAIT names its holder, the
# one seen when it was new
f="$TEST_TMP/watch"
ip netns exec "$NS" setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all "$SOCKBOX" tcp-watch -p --json --interval 0.05 --no-initial --duration 3 --port "$S_PORT" >"$f" 2>"$f.err" &
wp=$!
wait_until 100 grep -q '"type":"start"' "$f"
start_server X userns "$PY" "$TEST_TMP/o.py" client "$S_PORT" 1 || fail "one more client"
wait_until 100 grep -q '"new":"ESTAB".*"comm":"cli"' "$f"
kill "$X_PID"
wait_until 100 grep -q '"new":"CLOSE-WAIT".*"comm":"srv"' "$f"
# it ends by itself (--duration): the polls after the events find nothing new
wait "$wp"; rc=$?
if [ $rc = 0 ] && python3 - "$f" "$X_PID" <<'EOF2'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
cw = [o for o in objs if o["type"] == "transition" and o["new"] == "CLOSE-WAIT"]
assert len(cw) == 1 and [w["comm"] for w in cw[0]["owners"]] == ["srv"], cw
new = [o for o in objs if o["type"] == "transition" and o["old"] == "NEW" and o["new"] == "ESTAB"]
assert any(w["pid"] == int(sys.argv[2]) for o in new for w in o["owners"]), new
s = objs[-1]
assert s["type"] == "summary" and s["owner_scans"] >= 1 and s["exit"] == 0, s
EOF2
then ok "watch -p: NEW -> ESTAB names the client, CLOSE-WAIT names the server holding it"
else fail "watch -p: owners in transitions" "$(grep -v '"old":"NEW".*LISTEN' "$f" | head -5)"; fi
# a poll with nothing new reads no fd links
polls_links=$(python3 -c '
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
print("%s of %s" % (s["owner_scans"], s["polls"]) if s["owner_scans"] <= 5 and s["polls"] >= 20 else s)' "$f")
case $polls_links in *" of "*) ok "watch -p: /proc scanned only in polls with new sockets ($polls_links)" ;; *) fail "watch -p: /proc scanned only in polls with new sockets" "$polls_links" ;; esac

for v in S C F L R; do stop_server "$v" KILL; done
done_testing
