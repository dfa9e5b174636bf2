#!/usr/bin/env bash
# http-get's connection set-up (issue 12): name resolution bounded by -m
# and --connect-timeout, every resolved address tried (RFC 8305 racing),
# and --retry --retry-connrefused.  Never asks the machine's resolver:
# lookups run in a network namespace whose resolv.conf names an address
# that nftables silences, or against a hosts file bind-mounted in a mount
# namespace.
. "$(dirname "$0")/lib.sh"
need python3 ip nft unshare mount curl
need_root
HG="$SOCKBOX_BIN/http-get"
now_ms() { date +%s%3N; }

NS=sbres$$ NSD=sbresd$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
at_exit "ip netns del $NS; rm -rf /etc/netns/$NS"
ip netns add "$NSD" || skip_all "cannot create a network namespace"
at_exit "ip netns del $NSD"
# the client's namespace reaches the name server's over a veth pair; the
# name server's input chain drops port 53 silently (a drop on the
# client's own output would fail its sendto() at once instead)
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1 netns "$NSD"
ip -n "$NS" addr add 198.18.0.1/24 dev v0
ip -n "$NS" addr add 2001:db8::1/64 dev v0 nodad
ip -n "$NS" link set v0 up
ip -n "$NSD" addr add 198.18.0.53/24 dev v1
ip -n "$NSD" link set v1 up
ip netns exec "$NSD" nft -f - <<'EOF'
table inet sb {
	chain in {
		type filter hook input priority 0;
		udp dport 53 drop
		tcp dport 53 drop
	}
}
EOF
mkdir -p "/etc/netns/$NS"
printf 'nameserver 198.18.0.53\noptions timeout:5 attempts:2\n' >"/etc/netns/$NS/resolv.conf"

# --- a resolver that never answers ---
for tool in http-get curl; do
	cmd=("$HG"); [ $tool = curl ] && cmd=(curl)
	t0=$(now_ms)
	ip netns exec "$NS" timeout -k 1 15 "${cmd[@]}" -s -m 1 "http://name.never-answers.test/" >/dev/null 2>&1; rc=$?
	t1=$(now_ms); dt=$((t1 - t0))
	if [ "$rc" = 28 ] && [ "$dt" -le 1300 ]; then ok "$tool -m 1 with a silent resolver: exit 28 after $dt ms"
	else fail "$tool -m 1 with a silent resolver" "exit $rc after $dt ms (want 28 within 1300 ms)"; fi
done
t0=$(now_ms)
ip netns exec "$NS" timeout -k 1 15 "$HG" -sS --connect-timeout 0.5 "http://name.never-answers.test/" >/dev/null 2>"$TEST_TMP/ct.err"; rc=$?
t1=$(now_ms); dt=$((t1 - t0))
[ "$rc" = 28 ] && [ "$dt" -le 900 ] && grep -q "resolve name.never-answers.test" "$TEST_TMP/ct.err" &&
	ok "--connect-timeout 0.5 bounds the lookup: exit 28 after $dt ms" ||
	fail "--connect-timeout bounds the lookup" "exit $rc after $dt ms: $(cat "$TEST_TMP/ct.err")"
ip netns exec "$NS" timeout -k 1 15 "$HG" --json -m 0.5 "http://name.never-answers.test/" >"$TEST_TMP/j" 2>/dev/null
python3 - "$TEST_TMP/j" <<'EOF' && ok "--json: timeout error line, nulls in the summary" || fail "--json resolve timeout" "$(cat "$TEST_TMP/j")"
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert [x["type"] for x in l] == ["start", "error", "summary"], l
assert l[1]["code"] == "timeout" and l[2]["exit"] == 28, l
assert l[2]["time_namelookup_ms"] is not None and l[2]["time_connect_ms"] is None and l[2]["remote_ip"] is None, l[2]
EOF

# --- every address tried: a hosts file in a mount namespace ---
start_server S python3 "$(dirname "$0")/http_server.py" || { fail "test server starts"; done_testing; }
printf '::1 dual.test\n127.0.0.1 dual.test\n' >"$TEST_TMP/hosts"
in_hosts() {   # in_hosts HOSTSFILE CMD...: CMD with /etc/hosts replaced
	local f=$1; shift
	unshare -m -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$f" "$@"
}
out=$(in_hosts "$TEST_TMP/hosts" timeout 10 "$HG" -sS -w '%{remote_ip}' "http://dual.test:$S_PORT/cl" 2>&1); rc=$?
expect_eq "::1 refused, 127.0.0.1 answers: success from 127.0.0.1" "0 hello world
127.0.0.1" "$rc $out"
out=$(in_hosts "$TEST_TMP/hosts" timeout 10 "$HG" -sS -6 "http://dual.test:$S_PORT/cl" 2>&1); rc=$?
[ "$rc" = 7 ] && ok "-6: only ::1 tried, refused: exit 7" || fail "-6" "rc $rc $out"
printf 'fd00::1 v6only.test\n' >"$TEST_TMP/hosts6"
out=$(in_hosts "$TEST_TMP/hosts6" timeout 10 "$HG" -sS -4 "http://v6only.test:$S_PORT/cl" 2>&1); rc=$?
[ "$rc" = 6 ] && ok "-4 with only an IPv6 address: exit 6" || fail "-4" "rc $rc $out"

# a first address that never answers (its ARP goes unanswered, inside the
# namespace) is overtaken by the next one after the 250 ms head start
# (IPv6 sorts first, RFC 6724; 2001:db8::2's neighbour solicitation
# goes unanswered)
printf '2001:db8::2 slow.test\n198.18.0.1 slow.test\n' >"$TEST_TMP/hosts-slow"
start_server NS_S2 ip netns exec "$NS" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 0)); s.listen(8)
print("listening on 198.18.0.1:%d" % s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    c.close()'
t0=$(now_ms)
out=$(ip netns exec "$NS" unshare -m -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$TEST_TMP/hosts-slow" \
	timeout 10 "$HG" -sS -w '%{remote_ip}' "http://slow.test:$NS_S2_PORT/" 2>&1); rc=$?
t1=$(now_ms); dt=$((t1 - t0))
if [ "$rc" = 0 ] && [ "$out" = "ok
198.18.0.1" ] && [ "$dt" -ge 250 ] && [ "$dt" -lt 2000 ]; then
	ok "a silent first address is overtaken by the second after ${dt} ms (>= 250)"
else
	fail "connection racing" "rc $rc after $dt ms: $out"
fi

# --- --retry --retry-connrefused: the server starts a second late ---
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
late_server() {
	python3 -c '
import socket, sys, time
time.sleep(1.0)   # the scenario: nothing listens for the first second
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
c, _ = s.accept(); c.recv(65536)
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nlate\n")
c.close()' "$1" &
	_t_pids+=("$!")
}
for tool in http-get curl; do
	cmd=("$HG"); [ $tool = curl ] && cmd=(curl)
	late_server "$PORT"
	out=$(timeout 20 "${cmd[@]}" -s --retry 3 --retry-connrefused "http://127.0.0.1:$PORT/" 2>&1); rc=$?
	expect_eq "$tool --retry 3 --retry-connrefused: the late server answers" "0 late" "$rc $out"
	wait "${_t_pids[-1]}" 2>/dev/null
done
timeout 10 "$HG" -sS --retry 2 --retry-delay 0.1 "http://127.0.0.1:$PORT/" >/dev/null 2>"$TEST_TMP/r.err"; rc=$?
[ "$rc" = 7 ] && [ "$(wc -l <"$TEST_TMP/r.err")" = 1 ] && ok "--retry without --retry-connrefused: refused is not retried (exit 7)" ||
	fail "--retry without connrefused" "rc $rc $(cat "$TEST_TMP/r.err")"
t0=$(now_ms)
timeout 10 "$HG" -s --retry 2 --retry-delay 0.2 --retry-connrefused "http://127.0.0.1:$PORT/" >/dev/null 2>&1; rc=$?
t1=$(now_ms); dt=$((t1 - t0))
[ "$rc" = 7 ] && [ "$dt" -ge 400 ] && [ "$dt" -lt 3000 ] && ok "--retry 2 --retry-delay 0.2: gives up with 7 after $dt ms" ||
	fail "--retry-delay" "rc $rc after $dt ms"
start_server S503 python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
n = 0
while True:
    c, _ = s.accept(); c.recv(65536); n += 1
    if n < 3:
        c.sendall(b"HTTP/1.1 503 Busy\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy\n")
    else:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    c.close()'
out=$(timeout 10 "$HG" -s --retry 3 --retry-delay 0.1 -o "$TEST_TMP/r503" -w '%{http_code}' "http://127.0.0.1:$S503_PORT/" 2>&1); rc=$?
expect_eq "503 is transient: retried until 200, the file holds only the last body" "0 200 ok" "$rc $out $(cat "$TEST_TMP/r503")"

done_testing
