#!/usr/bin/env bash
# probe over many targets, against the shell loops it replaces.
#
#   1. 1,000 TCP targets on loopback (500 listening, 500 closed), checked
#      once: probe's wall time and peak RSS vs a shell loop of
#      `nc.openbsd -z -w 1` over the same targets, alternating in every
#      round (medians).  Targets (issue 19): <= 1 s wall, peak RSS < 16 MiB,
#      >= 20x faster than the nc loop.
#   2. 200 HTTP targets against nginx (a static page), checked once: probe's
#      wall time vs a shell loop of `curl -sf -o /dev/null`.  Target: <= 0.5 s.
# Bounded: listeners and nginx are killed on exit; the run takes ~30 s.
set -eu
: "${SOCKBOX:=$(cd "$(dirname "$0")/../.." && pwd)/build/sockbox}"
ROUNDS=${PROBE_BENCH_ROUNDS:-5}
. "$(dirname "$0")/lib.sh"
NC=$(command -v nc.openbsd || true)
for c in python3 nginx curl; do
	command -v "$c" >/dev/null || { echo "probe.sh: $c not installed, skipped"; exit 0; }
done
[ -n "$NC" ] || { echo "probe.sh: nc.openbsd not installed (scripts/install-deps --bench), skipped"; exit 0; }

tmp=$(mktemp -d /tmp/probe-bench.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now_ns() { date +%s%N; }

# 500 listening sockets (held by one python process) and 500 closed ports
cat >"$tmp/hold.py" <<'EOF'
import signal, socket, sys
ls = []
for _ in range(500):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1024); ls.append(s)
closed = []
for _ in range(500):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); closed.append(s.getsockname()[1]); s.close()
with open(sys.argv[1], "w") as f:
    for i in range(500):
        f.write("127.0.0.1 %d\n127.0.0.1 %d\n" % (ls[i].getsockname()[1], closed[i]))
print("ready", flush=True)
# accept and close, so backlogs never fill over the rounds
import select
while True:
    r, _, _ = select.select(ls, [], [])
    for s in r:
        c, _ = s.accept(); c.close()
EOF
python3 "$tmp/hold.py" "$tmp/targets" >"$tmp/hold.out" &
pids+=($!)
for _ in $(seq 1 100); do grep -q ready "$tmp/hold.out" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$tmp/hold.out" || { echo "probe.sh: listeners not ready"; exit 1; }
awk '{ print "tcp://" $1 ":" $2 }' "$tmp/targets" >"$tmp/tcp.txt"

echo "1,000 TCP targets (500 listening, 500 closed), $ROUNDS rounds, alternating:"
for r in $(seq 1 "$ROUNDS"); do
	# probe: wall (ns) and peak RSS (KiB) from GNU time
	t0=$(now_ns)
	/usr/bin/time -f '%M' -o "$tmp/rss" "$SOCKBOX" probe -q -f "$tmp/tcp.txt" >"$tmp/p.out" || true
	t1=$(now_ns)
	pw=$(( (t1 - t0) / 1000 ))
	passed=$(grep -c '^ok ' "$tmp/p.out" || true)
	echo "$pw" >>"$tmp/probe.us"; tail -1 "$tmp/rss" >>"$tmp/probe.rss"
	# the shell loop it replaces
	t0=$(now_ns)
	n=0
	while read -r h p; do "$NC" -z -w 1 "$h" "$p" 2>/dev/null && n=$((n + 1)); done <"$tmp/targets"
	t1=$(now_ns)
	nw=$(( (t1 - t0) / 1000 ))
	echo "$nw" >>"$tmp/nc.us"
	echo "  round $r: probe $((pw / 1000)) ms ($passed up, $(tail -1 "$tmp/rss") KiB), nc loop $((nw / 1000)) ms ($n up)"
done
pm=$(median <"$tmp/probe.us"); nm=$(median <"$tmp/nc.us"); rss=$(median <"$tmp/probe.rss")
ratio=$(awk -v a="$nm" -v b="$pm" 'BEGIN { printf "%.0fx", a / b }')
echo "median: probe $pm us, nc loop $nm us, probe peak RSS $rss KiB"
ps=$(awk -v v="$pm" 'BEGIN { printf "%.3f", v / 1e6 }')
nsv=$(awk -v v="$nm" 'BEGIN { printf "%.2f", v / 1e6 }')
echo "BENCH|probe 1,000 TCP targets once (wall s)|$ps|shell loop of \`nc -z -w 1\`|$nsv|$ratio|>= 20x|$(spread "$(cat "$tmp/nc.us")" "$(cat "$tmp/probe.us")" "$ratio" ">= 20x")"
echo "BENCH|probe 1,000 TCP targets: wall s / peak RSS|$ps s / $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB|-|-|-|<= 1 s, < 16 MiB|-"

# --- 200 HTTP targets against nginx ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/www" "$tmp/ng"
echo ok >"$tmp/www/index.html"
cat >"$tmp/ng/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/ng/nginx.pid;
error_log $tmp/ng/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/ng; proxy_temp_path $tmp/ng;
	fastcgi_temp_path $tmp/ng; uwsgi_temp_path $tmp/ng; scgi_temp_path $tmp/ng;
	root $tmp/www;
	server { listen 127.0.0.1:$port backlog=1024; }
}
EOF
nginx -p "$tmp/ng" -c "$tmp/ng/nginx.conf" -e "$tmp/ng/error.log" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
for i in $(seq 1 200); do echo "http://127.0.0.1:$port/?n=$i"; done >"$tmp/http.txt"
echo "200 HTTP targets against nginx, $ROUNDS rounds, alternating:"
for r in $(seq 1 "$ROUNDS"); do
	t0=$(now_ns)
	"$SOCKBOX" probe -q -f "$tmp/http.txt" >"$tmp/h.out" || true
	t1=$(now_ns)
	hw=$(( (t1 - t0) / 1000 ))
	echo "$hw" >>"$tmp/http.us"
	t0=$(now_ns)
	while read -r u; do curl -sf -o /dev/null "$u" || true; done <"$tmp/http.txt"
	t1=$(now_ns)
	cw=$(( (t1 - t0) / 1000 ))
	echo "$cw" >>"$tmp/curl.us"
	echo "  round $r: probe $((hw / 1000)) ms ($(grep -c '^ok ' "$tmp/h.out" || true) ok), curl loop $((cw / 1000)) ms"
done
hm=$(median <"$tmp/http.us"); cm=$(median <"$tmp/curl.us")
hratio=$(awk -v a="$cm" -v b="$hm" 'BEGIN { printf "%.0fx", a / b }')
hs=$(awk -v v="$hm" 'BEGIN { printf "%.3f", v / 1e6 }'); cs=$(awk -v v="$cm" 'BEGIN { printf "%.2f", v / 1e6 }')
echo "median: probe $hm us, curl loop $cm us"
echo "BENCH|probe 200 HTTP targets against nginx (wall s)|$hs|shell loop of \`curl -sf\`|$cs|$hratio|probe <= 0.5 s|$(spread "$(cat "$tmp/curl.us")" "$(cat "$tmp/http.us")" "$hratio" -)"
