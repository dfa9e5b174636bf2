#!/usr/bin/env bash
# probe against real peers: sockbox's own tcp/udp/uds echo servers, socat
# (a Unix socket), nginx (a page, a 500 route, TLS), python peers that
# misbehave (silent after accept, trickling HTTP), ICMP on loopback and in
# a namespace, late and never-appearing targets, --any/--invert/-- COMMAND,
# a 2,000-line target file, a descriptor limit below -j, and a resolver
# that never answers.  Reports: JUnit checked with python's xml module,
# TAP with prove, JSON Lines with python's json module.
. "$(dirname "$0")/lib.sh"
need python3 socat nginx openssl prove
PR="$SOCKBOX_BIN/probe"
"$SOCKBOX" --list | grep -qx probe || skip_all "no probe applet"
now_ms() { date +%s%3N; }

# run NAME ARGS...: probe bounded; RC, OUT (stdout file), ERR, MS (wall)
run() {
	local name=${1//[^A-Za-z0-9]/_}; shift
	OUT="$TEST_TMP/$name.out" ERR="$TEST_TMP/$name.err"
	local t0; t0=$(now_ms)
	${PR_PREFIX:-} timeout -k 1 30 "$PR" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	MS=$(($(now_ms) - t0))
}
# expect_rc NAME RC ARGS...
expect_rc() {
	local name=$1 rc=$2; shift 2
	run "$name" "$@"
	if [ "$RC" = "$rc" ]; then ok "$name (exit $rc)"
	else fail "$name" "exit $RC (want $rc); stdout: $(head -c 1500 "$OUT"); stderr: $(cat "$ERR")"; fi
}
# jq-like checks on JSON Lines: jcheck DESC FILE PYTHON-EXPR (r: results
# by target, s: summary, st: start line)
jcheck() {
	local desc=$1 file=$2 expr=$3 out
	if out=$(python3 - "$file" "$expr" 2>&1 <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
st = lines[0]; s = lines[-1]
r = {l["target"]: l for l in lines if l["type"] == "result"}
assert st["type"] == "start" and st["schema"] == 1 and st["applet"] == "probe", st
assert s["type"] == "summary" and "exit" in s, s
assert eval(sys.argv[2]), (sys.argv[2], r, s)
EOF
	); then ok "$desc"; else fail "$desc" "$out"; fi
}

# --- peers ---
start_server TE "$SOCKBOX_BIN/tcp-echo" -l 0 || { fail "tcp-echo starts"; done_testing; }
start_server UE "$SOCKBOX_BIN/udp-echo" -l 0 || fail "udp-echo starts"
start_server US "$SOCKBOX_BIN/uds-echo" -l "$TEST_TMP/stream.sock" || fail "uds-echo starts"
start_server UD "$SOCKBOX_BIN/uds-echo" --type dgram -l "$TEST_TMP/dgram.sock" || fail "uds-echo dgram starts"
start_server UQ "$SOCKBOX_BIN/uds-echo" --type seqpacket -l "@sbprobe-$$" || fail "uds-echo seqpacket starts"
socat UNIX-LISTEN:"$TEST_TMP/socat.sock",fork EXEC:cat 2>/dev/null &
_t_pids+=("$!")
cat >"$TEST_TMP/peer.py" <<'EOF'
import socket, sys, time
mode = sys.argv[1]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(64)
print("listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
held = []
while True:
    c, _ = ls.accept()
    if mode == "silent":
        held.append(c)
    elif mode == "trickle":
        try:
            for b in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                c.send(bytes([b])); time.sleep(0.2)
        except OSError:
            pass
        c.close()
    elif mode == "pong":
        if c.recv(64).startswith(b"PING"):
            c.send(b"+PONG\r\n")
        held.append(c)
EOF
start_server SIL python3 "$TEST_TMP/peer.py" silent || fail "silent peer starts"
start_server TRK python3 "$TEST_TMP/peer.py" trickle || fail "trickling peer starts"
start_server PONG python3 "$TEST_TMP/peer.py" pong || fail "pong peer starts"
# a udp echo that drops every first copy of a datagram (loss, as on a real
# network): probe's retransmission within the attempt gets the echo back
start_server LOSSY python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
seen = set()
while True:
    d, a = s.recvfrom(2048)
    if d in seen: s.sendto(d, a)
    else: seen.add(d)
' || fail "lossy udp peer starts"
# a closed port: a server's port after it stopped
start_server GONE "$SOCKBOX_BIN/tcp-echo" -l 0 && stop_server GONE
CLOSED=$GONE_PORT
T="tcp://127.0.0.1:$TE_PORT"

# nginx: a page, a 500 route, a header, TLS with a self-signed certificate
W="$TEST_TMP/www"; ND="$TEST_TMP/nginx"; mkdir -p "$W" "$ND/tmp"
echo "probe test page" >"$W/index.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ND/key.pem" \
	-out "$ND/cert.pem" -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
free_ports() { python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"; }
start_nginx() {
	local _
	for _ in 1 2 3; do
		read -r PH PS <<<"$(free_ports 2)"
		cat >"$ND/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $ND/nginx.pid;
error_log $ND/error.log;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $ND/tmp; proxy_temp_path $ND/tmp;
	fastcgi_temp_path $ND/tmp; uwsgi_temp_path $ND/tmp; scgi_temp_path $ND/tmp;
	root $W;
	server { listen 127.0.0.1:$PH; listen 127.0.0.1:$PS ssl;
		ssl_certificate $ND/cert.pem; ssl_certificate_key $ND/key.pem;
		location = /fail { return 500 "broken\n"; }
		location = /health { add_header X-Health green always; return 200 "status: ok\n"; } }
}
EOF
		nginx -p "$ND" -c "$ND/nginx.conf" -e "$ND/error.log" 2>"$ND/start.err" &
		NGX=$!; _t_pids+=("$NGX")
		# nginx prints nothing: poll its port (bounded)
		if wait_until 100 python3 -c "import socket; socket.create_connection(('127.0.0.1',$PS),1)" &&
			kill -0 "$NGX" 2>/dev/null; then return 0; fi
		kill "$NGX" 2>/dev/null; wait "$NGX" 2>/dev/null
	done
	return 1
}
start_nginx || fail "nginx starts" "$(cat "$ND/start.err" "$ND/error.log" 2>/dev/null)"
H="http://127.0.0.1:$PH"
wait_until 100 test -S "$TEST_TMP/socat.sock" || fail "socat listens"

# --- every scheme, passing and failing, in one run ---
expect_rc "all schemes pass" 0 --format json \
	"$T" "tcp://[::1]:$TE_PORT" "udp://127.0.0.1:$UE_PORT" \
	"unix://$TEST_TMP/stream.sock" "unix://$TEST_TMP/dgram.sock" "unix://@sbprobe-$$" \
	"unix://$TEST_TMP/socat.sock" icmp://127.0.0.1 "icmp://[::1]" "$H/" "$H/health" \
	"https://localhost:$PS/" --cacert "$ND/cert.pem"
jcheck "json: one result per target, all ok" "$OUT" \
	'len(r) == 12 and all(x["ok"] and x["attempts"] == 1 and x["reason"] is None for x in r.values()) and s["passed"] == 12 and s["exit"] == 0 and s["rtt_min_ms"] is not None'
expect_rc "failures in every scheme" 1 --format json -t 1s \
	"tcp://127.0.0.1:$CLOSED" "udp://127.0.0.1:$CLOSED" "unix://$TEST_TMP/none.sock" \
	"unix://@sbprobe-none-$$" "$H/fail" "$H/missing" "https://127.0.0.1:$PS/" "$T"
jcheck "json: reasons and error codes" "$OUT" \
	"r['tcp://127.0.0.1:$CLOSED']['error'] == 'refused' and r['udp://127.0.0.1:$CLOSED']['error'] == 'refused' and r['unix://$TEST_TMP/none.sock']['error'] == 'no_such_file' and r['$H/fail']['http_code'] == 500 and r['$H/fail']['error'] == 'http_status' and 'expected 200-299' in r['$H/fail']['reason'] and r['https://127.0.0.1:$PS/']['error'] == 'tls' and 'certificate' in r['https://127.0.0.1:$PS/']['reason'] and r['$T']['ok'] and s['failed'] == 7 and s['passed'] == 1 and s['exit'] == 1"

# the shared schema (tests/schema, sockbox-json(7)) when this tree has it
V="$(cd "$(dirname "$0")/.." && pwd)/schema/validate.py"
if [ -f "$V" ]; then
	run "schema stream" --format json "$T" "tcp://127.0.0.1:$CLOSED" "$H/fail"
	check "json: a mixed run validates against the shared schema" python3 "$V" "$OUT"
	run "schema wait any" --format json --wait --any -t 2 "$T" "tcp://127.0.0.1:$CLOSED"
	check "json: --wait --any validates against the shared schema" python3 "$V" "$OUT"
else
	ok "# SKIP tests/schema/validate.py not in this tree (keys checked above)"
fi

# names go through the asynchronous resolver (/etc/hosts here)
expect_rc "names: localhost in every scheme" 0 "tcp://localhost:$TE_PORT" "http://localhost:$PH/" icmp://localhost "udp://localhost:$UE_PORT"
offline "$PR" -t 2 "tcp://nosuch.invalid:80" >"$TEST_TMP/nx.out" 2>&1; nrc=$?
[ "$nrc" = 1 ] && grep -q "could not resolve 'nosuch.invalid'" "$TEST_TMP/nx.out" && ok "unresolvable name: exit 1, reason" ||
	fail "unresolvable name" "rc $nrc; $(cat "$TEST_TMP/nx.out")"

# --- http checks ---
expect_rc "status set 500" 0 --status 200-299,500 "$H/fail" "$H/"
expect_rc "per-line status" 0 -f <(echo "$H/fail status=500")
expect_rc "body substring" 0 --body-match "status: ok" "$H/health"
expect_rc "body substring absent" 1 --body-match "nope" "$H/health"
expect_rc "body ERE" 0 -E --body-match '^probe t[a-z]+ page$' "$H/"
expect_rc "header match" 0 --header-match 'x-health: gre' "$H/health"
expect_rc "header match absent" 1 --header-match 'X-Health: gre' "$H/"
expect_rc "https -k" 0 -k "https://127.0.0.1:$PS/health"

# --- send/expect ---
expect_rc "redis-style PING/+PONG" 0 -s 'PING\r\n' -e +PONG "tcp://127.0.0.1:$PONG_PORT"
expect_rc "echo request/response" 0 -s 'hello\n' -e hello "$T" "unix://$TEST_TMP/stream.sock" \
	"unix://$TEST_TMP/dgram.sock" "unix://@sbprobe-$$" "unix://$TEST_TMP/socat.sock"
expect_rc "udp send/expect" 0 -s 'abc' -e abc "udp://127.0.0.1:$UE_PORT"
expect_rc "udp: a lost datagram is sent again within the attempt" 0 -t 900ms --format json "udp://127.0.0.1:$LOSSY_PORT"
jcheck "udp: one attempt, answered after the second copy (~300 ms)" "$OUT" \
	"list(r.values())[0]['attempts'] == 1 and 250 <= list(r.values())[0]['time_ms'] < 700"
expect_rc "silent peer with --expect fails at the deadline" 1 -t 700ms -e '+OK' "tcp://127.0.0.1:$SIL_PORT"
if [ "$MS" -ge 650 ] && [ "$MS" -lt 1500 ] && grep -q 'timed out' "$OUT"; then ok "silent peer: timed out after ${MS} ms"
else fail "silent peer: timed out near 700 ms" "$MS ms: $(cat "$OUT")"; fi
expect_rc "trickling http bounded by the deadline" 1 -t 800ms "http://127.0.0.1:$TRK_PORT/"
if [ "$MS" -lt 1600 ] && grep -q 'timed out' "$OUT"; then ok "trickle: ended after ${MS} ms"
else fail "trickle: ended near 800 ms" "$MS ms: $(cat "$OUT")"; fi
PROBE_TIMEOUT=300ms run "PROBE_TIMEOUT" -e x "tcp://127.0.0.1:$SIL_PORT"
if [ "$RC" = 1 ] && [ "$MS" -lt 1000 ]; then ok "PROBE_TIMEOUT sets the deadline (${MS} ms)"
else fail "PROBE_TIMEOUT sets the deadline" "rc $RC, $MS ms"; fi
expect_rc "--max-rtt breached" 1 --max-rtt 1ns --json "$T"
jcheck "max-rtt error code" "$OUT" "r['$T']['error'] == 'max_rtt'"

# --- wait mode ---
expect_rc "never up: exit 1 at --timeout" 1 --wait -t 1500ms -i 100ms --format json "tcp://127.0.0.1:$CLOSED"
if [ "$MS" -ge 1450 ] && [ "$MS" -lt 1900 ]; then ok "never up: ended at ${MS} ms (--timeout 1500ms)"
else fail "never up: ended at --timeout, never later" "$MS ms"; fi
jcheck "never up: several attempts, error kept" "$OUT" \
	"list(r.values())[0]['attempts'] >= 4 and 'still failing at --timeout' in list(r.values())[0]['reason'] and s['exit'] == 1"
# late: the port of a stopped server comes back after ~0.6 s
start_server LATE0 "$SOCKBOX_BIN/tcp-echo" -l 0 && stop_server LATE0
"$PR" --wait -t 10 -i 100ms --max-interval 400ms "tcp://127.0.0.1:$LATE0_PORT" >"$TEST_TMP/late.out" 2>&1 &
LPID=$!; _t_pids+=("$LPID")
sleep 0.6   # the target is meant to be late: this delay is the test's input
start_server LATE "$SOCKBOX_BIN/tcp-echo" -l "$LATE0_PORT" || fail "late server starts"
t_up=$(now_ms)
wait "$LPID"; lrc=$?
t_done=$(now_ms)
if [ "$lrc" = 0 ] && [ $((t_done - t_up)) -le 550 ]; then
	ok "late target: --wait ended $((t_done - t_up)) ms after it appeared (max step 400 ms)"
else fail "late target: within one backoff step" "rc $lrc, $((t_done - t_up)) ms; $(cat "$TEST_TMP/late.out")"; fi
expect_rc "--any: one up is enough" 0 --wait --any -t 5 --format json "tcp://127.0.0.1:$CLOSED" "$T"
jcheck "--any: the other is skipped" "$OUT" "r['tcp://127.0.0.1:$CLOSED']['skipped'] and r['$T']['ok'] and s['skipped'] == 1"
[ "$MS" -lt 2000 ] && ok "--any returned at once (${MS} ms)" || fail "--any returned at once" "$MS ms"
expect_rc "--invert: down passes" 0 --invert "tcp://127.0.0.1:$CLOSED"
expect_rc "--invert --wait: still up at --timeout" 1 --wait --invert -t 600ms "$T"
"$PR" --wait -t 10 -i 100ms --max-interval 300ms --invert "$T" >"$TEST_TMP/down.out" 2>&1 &
DPID=$!; _t_pids+=("$DPID")
stop_server TE
t_down=$(now_ms)
wait "$DPID"; drc=$?
if [ "$drc" = 0 ] && [ $(($(now_ms) - t_down)) -le 600 ]; then ok "--invert --wait ends once the target went down"
else fail "--invert --wait ends once down" "rc $drc; $(cat "$TEST_TMP/down.out")"; fi
start_server TE "$SOCKBOX_BIN/tcp-echo" -l "$TE_PORT" || fail "tcp-echo restarts"

# --- -- COMMAND ---
run "exec passes the status through" --wait -t 5 "$T" -- sh -c 'echo ran; exit 7'
if [ "$RC" = 7 ] && grep -qx ran "$OUT"; then ok "-- COMMAND exec'd, its exit status 7 passed through"
else fail "-- COMMAND exec'd" "rc $RC; $(cat "$OUT" "$ERR")"; fi
run "no exec when the wait fails" --wait -t 300ms "tcp://127.0.0.1:$CLOSED" -- touch "$TEST_TMP/ran"
if [ "$RC" = 1 ] && [ ! -e "$TEST_TMP/ran" ]; then ok "-- COMMAND not run when the condition fails"
else fail "-- COMMAND not run when the condition fails" "rc $RC"; fi

run "exec'd command gets SIGPIPE at its default" --wait -t 5 "$T" -- sh -c 'grep SigIgn /proc/self/status'
# SIGPIPE is signal 13: bit 12 of SigIgn
[ "$RC" = 0 ] && [ $((0x$(awk '/SigIgn/ { print $2 }' "$OUT") >> 12 & 1)) = 0 ] && ok "-- COMMAND does not inherit an ignored SIGPIPE" ||
	fail "-- COMMAND signal dispositions" "$(cat "$OUT")"
# SIGINT mid-wait: the report is still written, exit 130
"$PR" --wait -t 20 --format junit -o "$TEST_TMP/int.xml" "tcp://127.0.0.1:$CLOSED" "$T" &
IPID=$!; _t_pids+=("$IPID")
sleep 0.3   # let a few attempts fail first: the interruption is the test's input
kill -INT "$IPID"; wait "$IPID"; irc=$?
if [ "$irc" = 130 ] && grep -q 'type="interrupted"' "$TEST_TMP/int.xml" && grep -q 'tests="2" failures="1"' "$TEST_TMP/int.xml"; then
	ok "SIGINT: exit 130, the JUnit report still written"
else fail "SIGINT: exit 130 with a report" "rc $irc; $(cat "$TEST_TMP/int.xml")"; fi

# --- many targets ---
python3 - "$TE_PORT" "$CLOSED" >"$TEST_TMP/2000.txt" <<'EOF'
import sys
print("# 2,000 targets: half up, half closed; per-line options on some")
for i in range(1000):
    print("tcp://127.0.0.1:%s%s" % (sys.argv[1], "  timeout=2s" if i % 7 == 0 else ""))
    print("tcp://127.0.0.1:%s   # closed" % sys.argv[2])
EOF
expect_rc "2,000-line file, -j 64" 1 -j 64 -f "$TEST_TMP/2000.txt" --format json
jcheck "2,000 results: 1,000 passed, 1,000 refused" "$OUT" \
	"s['targets'] == 2000 and s['passed'] == 1000 and s['failed'] == 1000 and sum(1 for l in open(sys.argv[1]) if '\"refused\"' in l) == 1000 and st['concurrency'] == 64"
(ulimit -n 24; exec timeout 30 "$PR" -j 256 -f "$TEST_TMP/2000.txt" --format json) >"$TEST_TMP/nofile.out" 2>"$TEST_TMP/nofile.err"
nrc=$?
jcheck "RLIMIT_NOFILE 24 < -j 256: all 2,000 checked, none failed with EMFILE" "$TEST_TMP/nofile.out" \
	"s['passed'] == 1000 and s['failed'] == 1000 and not any('open files' in (x['reason'] or '') for x in [json.loads(l) for l in open(sys.argv[1])][1:-1]) and st['concurrency'] < 24"
[ "$nrc" = 1 ] && grep -q 'descriptor limit' "$TEST_TMP/nofile.err" && ok "lowered concurrency noted on stderr" ||
	fail "lowered concurrency noted" "rc $nrc; $(cat "$TEST_TMP/nofile.err")"

# the limit lowered under a running probe (prlimit): socket() then fails
# with EMFILE, and probe runs fewer checks at once instead of failing them
if command -v prlimit >/dev/null; then
	python3 -c 'import sys; print("\n".join(["tcp://127.0.0.1:%s" % sys.argv[1]] * 300))' "$TE_PORT" >"$TEST_TMP/300.txt"
	"$PR" --wait -t 3 -T 300ms -i 50ms --max-interval 100ms -e never --json -f "$TEST_TMP/300.txt" \
		>"$TEST_TMP/emfile.out" 2>"$TEST_TMP/emfile.err" &
	EPID=$!; _t_pids+=("$EPID")
	wait_until 100 grep -q '"type":"start"' "$TEST_TMP/emfile.out"
	prlimit --pid "$EPID" --nofile=40:40
	wait "$EPID"
	jcheck "EMFILE mid-run: every target decided by its own check, none by EMFILE" "$TEST_TMP/emfile.out" \
		"s['failed'] == 300 and sum(1 for l in open(sys.argv[1]) if 'waiting for the expected bytes' in l) == 300 and not any('open files' in l for l in open(sys.argv[1]))"
	grep -q 'out of descriptors: at most' "$TEST_TMP/emfile.err" && ok "EMFILE mid-run: concurrency lowered, noted once" ||
		fail "EMFILE mid-run: note" "$(cat "$TEST_TMP/emfile.err")"
fi

# --- reports ---
expect_rc "junit report" 1 --format junit -o "$TEST_TMP/r.xml" "$T" "tcp://127.0.0.1:$CLOSED" "$H/fail"
check "junit: nothing on stdout when not a terminal" test ! -s "$OUT"
if out=$(python3 - "$TEST_TMP/r.xml" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == 1
ts = suites[0]
for k in ("name", "tests", "failures", "errors", "skipped", "time"):
    assert k in ts.attrib, k
assert ts.get("tests") == "3" and ts.get("failures") == "2", ts.attrib
cases = ts.findall("testcase")
assert len(cases) == 3
for c in cases:
    assert c.get("name") and c.get("classname", "").startswith("probe.")
    float(c.get("time"))
fails = [c.find("failure") for c in cases if c.find("failure") is not None]
assert len(fails) == 2
assert all(f.get("message") and f.get("type") for f in fails)
assert any("500" in f.get("message") for f in fails)
float(ts.get("time"))
EOF
); then ok "junit: testsuites/testsuite/testcase/failure structure"; else fail "junit structure" "$out"; fi
expect_rc "tap report, all pass" 0 --format tap -o "$TEST_TMP/pass.tap" "$T" "$H/"
check "tap: prove accepts it" prove -e cat "$TEST_TMP/pass.tap"
expect_rc "tap report, one fails" 1 --format tap -o "$TEST_TMP/fail.tap" "$T" "tcp://127.0.0.1:$CLOSED"
if ! pout=$(prove -v -e cat "$TEST_TMP/fail.tap" 2>&1) && grep -q "Failed 1/2" <<<"$pout"; then ok "tap: prove counts 1 of 2 failed"
else fail "tap: prove counts the failure" "$pout"; fi
# live status on a terminal, report to a file
if command -v script >/dev/null; then
	script -qec "$PR -o $TEST_TMP/live.json --format json $T tcp://127.0.0.1:$CLOSED" /dev/null >"$TEST_TMP/live.tty" 2>&1
	if grep -q $'\e\[' "$TEST_TMP/live.tty" && grep -q '1 passed, 1 failed' "$TEST_TMP/live.tty" &&
		[ "$(grep -c '"type":"result"' "$TEST_TMP/live.json")" = 2 ]; then
		ok "-o FILE on a terminal: live status there, report in the file"
	else fail "-o FILE with live status" "$(cat -v "$TEST_TMP/live.tty")"; fi
else
	ok "# SKIP script(1) not installed"
fi

# --- icmp without privileges ---
U=$(test_user)
if [ "$(id -u)" = 0 ]; then
	run "icmp as a user without ping_group_range" -t 500ms icmp://127.0.0.1
	PR_PREFIX="$(as_user "$U")" run "icmp unprivileged, no socket" -t 500ms icmp://127.0.0.1
	if [ "$RC" = 1 ] && grep -q 'ping_group_range' "$OUT"; then ok "icmp: no socket -> a clear reason, exit 1"
	else fail "icmp: no socket -> clear reason" "rc $RC; $(cat "$OUT" "$ERR")"; fi
	if unshare --net sh -c "ip link set lo up && sysctl -qw net.ipv4.ping_group_range='0 2147483647' &&
		$(as_user "$U") $PR -t 1 icmp://127.0.0.1 'icmp://[::1]'" >"$TEST_TMP/dg.out" 2>&1; then
		ok "icmp: datagram ICMP socket when ping_group_range allows (unprivileged)"
	else fail "icmp: datagram socket" "$(cat "$TEST_TMP/dg.out")"; fi
fi

# --- a resolver that never answers (netns, nftables drops port 53 on
# input: the query leaves, nothing comes back, no error either) ---
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then
	NS="sbprobe$$"
	mkdir -p "/etc/netns/$NS"
	echo "nameserver 198.18.0.53" >"/etc/netns/$NS/resolv.conf"
	printf '::1 dual.test\n127.0.0.1 dual.test\n' >"/etc/netns/$NS/hosts"
	at_exit "ip netns del $NS; rm -rf /etc/netns/$NS"
	ip netns add "$NS" && ip -n "$NS" link set lo up && ip -n "$NS" addr add 198.18.0.1/15 dev lo &&
		ip -n "$NS" addr add 2001:db8::1/64 dev lo nodad &&
		ip netns exec "$NS" nft -f - <<'EOF'
table inet t {
	chain in {
		type filter hook input priority 0;
		udp dport 53 drop
		tcp dport 53 drop
	}
}
EOF
	t0=$(now_ms)
	ip netns exec "$NS" timeout 20 "$PR" -t 1s --format json tcp://db.invalid.example:5432 icmp://127.0.0.1 >"$TEST_TMP/res.out" 2>&1
	rrc=$? ms=$(($(now_ms) - t0))
	if [ "$rrc" = 1 ] && [ "$ms" -ge 950 ] && [ "$ms" -lt 2000 ]; then ok "silent resolver: bounded by the 1 s deadline (${ms} ms)"
	else fail "silent resolver: bounded by the deadline" "rc $rrc, $ms ms: $(cat "$TEST_TMP/res.out")"; fi
	jcheck "silent resolver: timed out resolving; the other target unaffected" "$TEST_TMP/res.out" \
		"r['tcp://db.invalid.example:5432']['error'] == 'timeout' and 'resolving' in r['tcp://db.invalid.example:5432']['reason'] and r['icmp://127.0.0.1']['ok']"
	# a name with two addresses (::1 first, RFC 6724) and a server on
	# 127.0.0.1 only: the refused first address falls through to the second
	start_server DUAL ip netns exec "$NS" "$SOCKBOX_BIN/tcp-echo" -l -b 127.0.0.1 0
	ip netns exec "$NS" "$PR" --format json "tcp://dual.test:$DUAL_PORT" >"$TEST_TMP/dual.out" 2>&1
	jcheck "a name's next address is tried when the first is refused" "$TEST_TMP/dual.out" \
		"r['tcp://dual.test:$DUAL_PORT']['ok'] and r['tcp://dual.test:$DUAL_PORT']['address'] == '127.0.0.1:$DUAL_PORT'"
	t0=$(now_ms)
	ip netns exec "$NS" timeout 20 "$PR" --wait -t 1500ms tcp://db.invalid.example:5432 >"$TEST_TMP/resw.out" 2>&1
	rrc=$? ms=$(($(now_ms) - t0))
	if [ "$rrc" = 1 ] && [ "$ms" -lt 2000 ]; then ok "silent resolver with --wait: exit 1 at --timeout (${ms} ms)"
	else fail "silent resolver with --wait: exit 1 at --timeout" "rc $rrc, $ms ms: $(cat "$TEST_TMP/resw.out")"; fi
fi

# --- usage errors: one line plus the Try line, exit 2 ---
for a in "tcp://h" "ftp://h" "--format xml $T" "-j 0 $T" "--status 2xx $H/" "" "-- true"; do
	# shellcheck disable=SC2086
	run "usage $a" $a
	if [ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 2 ] && grep -q "^probe: " "$ERR" && grep -q "^Try 'probe --help'" "$ERR"; then
		ok "usage error '$a': exit 2, one line"
	else fail "usage error '$a'" "rc $RC; $(cat "$ERR")"; fi
done
run "usage error under --format json" --format json "tcp://h" "$T"
if [ "$RC" = 2 ] && python3 -c '
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert len(l) == 1 and l[0]["type"] == "error" and l[0]["code"] == "usage" and l[0]["exit"] == 2, l
assert "invalid target" in l[0]["message"]' "$OUT"; then ok "--format json: a usage error is also one error line"
else fail "--format json: error line" "rc $RC; $(cat "$OUT" "$ERR")"; fi
run "missing file under --format json" --format json -f "$TEST_TMP/no-such-file"
[ "$RC" = 2 ] && grep -q '"code":"io"' "$OUT" && ok "--format json: unreadable -f file is an io error line" ||
	fail "--format json: io error line" "rc $RC; $(cat "$OUT" "$ERR")"
PROBE_TIMEOUT=soon run "bad PROBE_TIMEOUT" "$T"
[ "$RC" = 2 ] && grep -q PROBE_TIMEOUT "$ERR" && ok "bad PROBE_TIMEOUT: exit 2" || fail "bad PROBE_TIMEOUT" "rc $RC; $(cat "$ERR")"
run "bad target file line" -f <(printf '%s\n' "$T" "tcp://h:1 color=red")
[ "$RC" = 2 ] && grep -q ':2: color=red: unknown option' "$ERR" && ok "bad file line named with its number" || fail "bad file line" "$(cat "$ERR")"

done_testing
