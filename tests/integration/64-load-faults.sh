#!/usr/bin/env bash
# Load and fault scenarios for the echo servers and tcp-watch (issue 9),
# beyond what 10/11/20/50 already cover: 5,000 idle connections held by
# another process, a client pushing 100 MB without reading, clients that
# vanish while the server has output pending (SIGPIPE), a flood of oversized
# UDP datagrams, and a churn of short connections under tcp-watch.
. "$(dirname "$0")/lib.sh"
need python3 timeout
TE=$SOCKBOX_BIN/tcp-echo
UE=$SOCKBOX_BIN/uds-echo
DE=$SOCKBOX_BIN/udp-echo
IDLE=5000
# in an ASan build (make sanitize) freed buffers sit in the allocator's
# quarantine (256 MB by default), which the RSS bounds below would measure
# instead of the server: keep it small
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
nfds() { ls "/proc/$1/fd" | wc -l; }

# ---- helper peers -----------------------------------------------------------
cat >"$TEST_TMP/peer.py" <<'EOF'
import hashlib, os, socket, struct, sys, threading, time

def conn(target):
    if target.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(target)
    else:
        s = socket.create_connection(("127.0.0.1", int(target)))
    return s

def idle(target, n):
    # n connections that never send; held until stdin closes
    keep = [conn(target) for _ in range(n)]
    print("held", len(keep), flush=True)
    sys.stdin.read()

def bulk(target, total):
    # send `total` bytes without reading; report the stall; on "go", read
    # everything back and compare digests
    s = conn(target)
    blk = os.urandom(1048573)              # not a power of two: offsets shift
    sent = [0]
    h_out = hashlib.sha256()
    def sender():
        off = 0                            # counted per send(): progress
        while sent[0] < total:
            n = min(len(blk) - off, total - sent[0], 65536)
            try:
                w = s.send(blk[off:off + n])
            except OSError:                # shut down by the main thread
                return
            h_out.update(blk[off:off + w])
            sent[0] += w
            off = (off + w) % len(blk)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=sender, daemon=True)
    t.start()
    last, since = -1, time.time()
    while True:                            # stalled: no progress for 0.5 s
        time.sleep(0.05)
        if sent[0] != last:
            last, since = sent[0], time.time()
        elif time.time() - since > 0.5:
            break
    print("stalled", sent[0], flush=True)
    if sys.stdin.readline().strip() != "go":
        # gone with everything unread (shutdown first: the blocked
        # sender thread would keep the socket open past close())
        s.shutdown(socket.SHUT_RDWR)
        t.join(5)
        s.close()
        print("closed", flush=True)
        sys.stdin.read()
        return
    h_in, got = hashlib.sha256(), 0
    s.settimeout(20)
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        h_in.update(b)
        got += len(b)
    t.join(20)
    print("done", got, sent[0], h_in.digest() == h_out.digest(), flush=True)

def vanish(target, n):
    # clients that send, then close while the echo is pending (or just
    # queued on the way back): the server's writes meet EPIPE/ECONNRESET
    import random
    random.seed(7)
    for i in range(n):
        s = conn(target)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        data = b"v" * random.choice((1, 1000, 65536, 300000))
        try:
            s.sendall(data)
            if i % 3 == 1:
                s.shutdown(socket.SHUT_WR)
            elif i % 3 == 2:
                s.recv(1)                  # the echo has started
        except OSError:
            pass
        s.close()
    print("vanished", n, flush=True)

def flood(port, secs, maxsize):
    # oversized datagrams as fast as possible, one in 50 of the allowed size
    # carrying its index; what comes back must be exactly those
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect(("127.0.0.1", port))
    sizes = (maxsize + 1, 2 * maxsize, 65507)
    big = [b"B" * n for n in sizes]
    nbig = nok = i = 0
    okpay = {}
    print("flooding", flush=True)
    end = time.time() + secs
    while time.time() < end:
        i += 1
        if i % 50 == 0 and nok < 40:
            p = struct.pack("!I", i) * (maxsize // 4)
            okpay[p] = 1
            nok += 1
            s.send(p)
        else:
            try:
                s.send(big[i % 3])
                nbig += 1
            except OSError:
                pass
    time.sleep(0.3)
    s.setblocking(False)
    back = bad = 0
    while True:
        try:
            b = s.recv(70000)
        except BlockingIOError:
            break
        if b in okpay:
            back += 1
            del okpay[b]                   # a second copy would be bad
        else:
            bad += 1
    print(nbig, nok, back, bad, flush=True)

cmd = sys.argv[1]
if cmd == "idle":
    idle(sys.argv[2], int(sys.argv[3]))
elif cmd == "bulk":
    bulk(sys.argv[2], int(sys.argv[3]))
elif cmd == "vanish":
    vanish(sys.argv[2], int(sys.argv[3]))
elif cmd == "flood":
    flood(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
EOF
peer() { timeout -k 2 60 python3 "$TEST_TMP/peer.py" "$@"; }

# ---- 1: 5,000 idle connections do not delay a new client --------------------
# idle_test NAME PID TARGET PROBE...: hold IDLE connections from another
# process, wait until the server has accepted them all, then probe
idle_test() {
	local name=$1 pid=$2 target=$3; shift 3
	local line="" out rc base
	base=$(nfds "$pid")
	coproc IDLEP { peer idle "$target" "$IDLE"; }
	local hp=$IDLEP_PID
	IFS= read -r -t 30 -u "${IDLEP[0]}" line
	if [ "$line" != "held $IDLE" ]; then
		fail "$name: $IDLE idle connections held" "$line"
		return
	fi
	# the server has accepted them (one descriptor each)
	if wait_until 200 eval '[ "$(nfds '"$pid"')" -ge $((base + IDLE)) ]'; then
		ok "$name: server holds $IDLE idle connections ($(nfds "$pid") fds)"
	else
		fail "$name: server accepts $IDLE idle connections" "fds $(nfds "$pid"), base $base"
	fi
	out=$(timeout 10 "$@" 2>&1); rc=$?
	# the fastest of the probes: a server doing work per held connection
	# (a scan of 5,000) would show in every one; scheduling delays only some.
	# Measured here 0.04-0.11 ms, bound 0.5 ms (ASan build: 0.02-0.05, 1.5)
	local lim=0.5 min
	sanitized && lim=1.5
	min=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' <<<"$out")
	if [ $rc = 0 ] && [ -n "$min" ] && awk -v m="$min" -v l="$lim" 'BEGIN { exit !(m < l) }'; then
		ok "$name: probe with $IDLE idle connections held: exit 0, fastest of 3 in $min ms (< $lim ms)"
	else
		fail "$name: probe with $IDLE idle connections held" "rc=$rc $out"
	fi
	local wfd=${IDLEP[1]}
	exec {wfd}>&-                      # EOF: the holder exits
	wait "$hp"
	wait_until 200 eval '[ "$(nfds '"$pid"')" -le $((base + 5)) ]' \
		&& ok "$name: idle connections released when their holder exits" \
		|| fail "$name: idle connections released" "fds $(nfds "$pid")"
}
start_server S "$TE" -l -b 127.0.0.1 0 || { fail "tcp-echo starts"; done_testing; }
start_server U "$UE" -l "$TEST_TMP/u.sock" || { fail "uds-echo starts"; done_testing; }
if [ "$(ulimit -n)" -gt $((IDLE + 200)) ]; then
	idle_test tcp-echo "$S_PID" "$S_PORT" "$TE" -c 3 -i 0.05 -W 1 127.0.0.1 "$S_PORT"
	idle_test uds-echo "$U_PID" "$TEST_TMP/u.sock" "$UE" -c 3 -i 0.05 -W 1 "$TEST_TMP/u.sock"
else
	skip "idle connections: $IDLE held, a new client's probe" "descriptor limit $(ulimit -n) below $IDLE"
fi

# ---- 2: 100 MB sent without reading: memory bounded, others still served ----
TOTAL=$((100 * 1000 * 1000))
# RSS growth bound: the shared 256 KiB read buffer, one connection's most
# (64 KiB pending + 256 KiB), some slack: 1 MiB; measured here +64 to +256
# kB.  ASan's redzones and its (1 MB) quarantine: 4 MiB (measured +1.8 MiB)
GROW=1024
sanitized && GROW=4096
bulk_test() {
	local name=$1 pid=$2 target=$3; shift 3
	local line="" rss0 hwm0 rss1 hwm1 out rc
	rss0=$(kb "$pid" VmRSS); hwm0=$(kb "$pid" VmHWM)
	coproc BULKP { peer bulk "$target" "$TOTAL"; }
	local bp=$BULKP_PID                # unset by bash when it exits
	IFS= read -r -t 30 -u "${BULKP[0]}" line
	rss1=$(kb "$pid" VmRSS)
	if [[ $line == "stalled "* ]] && [ "${line#stalled }" -gt 0 ] && [ "${line#stalled }" -lt "$TOTAL" ]; then
		ok "$name: a client that does not read is stalled by backpressure after ${line#stalled } bytes"
	else
		fail "$name: backpressure stalls a non-reading client" "$line"
	fi
	[ "$rss1" -lt $((rss0 + GROW)) ] \
		&& ok "$name: RSS while stalled ${rss0} -> ${rss1} kB (< +$GROW kB)" \
		|| fail "$name: RSS while stalled" "$rss0 -> $rss1 kB"
	out=$(timeout 10 "$@" 2>&1); rc=$?
	expect_eq "$name: another client served meanwhile" 0 "$rc"
	echo go >&"${BULKP[1]}"
	IFS= read -r -t 40 -u "${BULKP[0]}" line
	hwm1=$(kb "$pid" VmHWM)
	expect_eq "$name: reading at last, the client gets exactly its 100 MB back" "done $TOTAL $TOTAL True" "$line"
	[ "$hwm1" -lt $((hwm0 + GROW)) ] \
		&& ok "$name: peak RSS over the 100 MB ${hwm0} -> ${hwm1} kB (< +$GROW kB)" \
		|| fail "$name: peak RSS over the 100 MB" "$hwm0 -> $hwm1 kB"
	wait "$bp" 2>/dev/null
}
bulk_test tcp-echo "$S_PID" "$S_PORT" "$TE" -c 2 -i 0.05 -W 1 127.0.0.1 "$S_PORT"
# the same client closes instead of reading: the server lets it go
bulk_close_test() {
	local name=$1 pid=$2 target=$3; shift 3
	local line="" base out rc
	base=$(nfds "$pid")
	coproc BULKC { peer bulk "$target" "$TOTAL"; }
	local bp=$BULKC_PID wfd=${BULKC[1]}
	IFS= read -r -t 30 -u "${BULKC[0]}" line
	[ "$(nfds "$pid")" = $((base + 1)) ] || fail "$name: stalled client held" "$line fds $(nfds "$pid")"
	echo close >&"$wfd"
	IFS= read -r -t 10 -u "${BULKC[0]}" line
	wait_until 100 eval '[ "$(nfds '"$pid"')" = '"$base"' ]' \
		&& ok "$name: stalled client that closes unread is let go ($line)" \
		|| fail "$name: stalled client closing unread" "$line fds $(nfds "$pid") base $base"
	out=$(timeout 10 "$@" 2>&1); rc=$?
	[ $rc = 0 ] && ok "$name: serving after it" || fail "$name: serving after the stalled client closed" "$out"
	exec {wfd}>&-
	wait "$bp" 2>/dev/null
}
bulk_close_test tcp-echo "$S_PID" "$S_PORT" "$TE" -c 2 -i 0.05 -W 1 127.0.0.1 "$S_PORT"
bulk_test uds-echo "$U_PID" "$TEST_TMP/u.sock" "$UE" -c 2 -i 0.05 -W 1 "$TEST_TMP/u.sock"
bulk_close_test uds-echo "$U_PID" "$TEST_TMP/u.sock" "$UE" -c 2 -i 0.05 -W 1 "$TEST_TMP/u.sock"
stop_server S; stop_server U

# ---- 3: SIGPIPE: clients gone while output is pending ------------------------
# SIGPIPE at its default action (killing), whatever this shell inherited
N=150
for kind in tcp uds; do
	if [ $kind = tcp ]; then
		start_server P env --default-signal=PIPE "$TE" -l -v -b 127.0.0.1 0
		target=$P_PORT probe=("$TE" -c 2 -i 0.05 -W 1 127.0.0.1 "$P_PORT")
	else
		start_server P env --default-signal=PIPE "$UE" -l -v "$TEST_TMP/p.sock"
		target=$TEST_TMP/p.sock probe=("$UE" -c 2 -i 0.05 -W 1 "$TEST_TMP/p.sock")
	fi
	app=${probe[0]##*/}
	out=$(peer vanish "$target" "$N")
	expect_eq "$app: $N clients closed with the echo pending" "vanished $N" "$out"
	# every connection is closed and logged
	wait_until 100 eval '[ "$(grep -c "^$app: close " "$P_ERR")" -ge $N ]'
	expect_eq "$app: a close line for each of the $N connections" $N "$(grep -c "^$app: close " "$P_ERR")"
	out=$(timeout 10 "${probe[@]}" 2>&1); rc=$?
	kill -0 "$P_PID" 2>/dev/null && [ $rc = 0 ] \
		&& ok "$app: still serving after $N vanished clients (SIGPIPE at its default)" \
		|| fail "$app: survives vanished clients" "rc=$rc $out $(tail -3 "$P_ERR")"
	resets=$(grep -c "^$app: close .*(reset)$" "$P_ERR")
	[ "$resets" -gt 0 ] && ok "$app: $resets of them met a reset/EPIPE on write" \
		|| fail "$app: writes met EPIPE/reset" "$(grep "^$app: close " "$P_ERR" | sed 's/.*(/(/' | sort | uniq -c)"
	stop_server P TERM
	expect_eq "$app: SIGTERM afterwards: exit 0" 0 "$P_RC"
done

# ---- 4: a flood of datagrams larger than --max-size ---------------------------
MAX=1000
start_server D "$DE" -l -b 127.0.0.1 --max-size "$MAX" 0 || { fail "udp-echo starts"; done_testing; }
c0=$(cpu_ticks "$D_PID")
coproc FLOODP { peer flood "$D_PORT" 2 "$MAX"; }
FP=$FLOODP_PID
IFS= read -r -t 10 -u "${FLOODP[0]}" line
out1=$(timeout 10 "$DE" -c 20 -i 0.05 -W 0.5 127.0.0.1 "$D_PORT" 2>&1)
r1=$(sed -n 's/^20 datagrams transmitted, \([0-9]*\) received.*/\1/p' <<<"$out1")
# measured here 20 of 20 (ASan build: 19); a server starved by the flood
# would lose most of them
[ -n "$r1" ] && [ "$r1" -ge 15 ] && ok "udp-echo: answers probes during the flood ($r1 of 20, >= 15)" \
	|| fail "udp-echo: answers probes during the flood" "$out1"
read -r -t 20 -u "${FLOODP[0]}" nbig nok back bad
wait "$FP" 2>/dev/null
c1=$(cpu_ticks "$D_PID")
sleep 1   # measuring idle CPU: nothing to wait for
c2=$(cpu_ticks "$D_PID")
[ "${bad:-1}" = 0 ] && [ "${back:-0}" -ge 1 ] && [ "$back" -le "$nok" ] \
	&& ok "udp-echo: $nbig oversized datagrams never echoed; $back of $nok allowed ones echoed intact" \
	|| fail "udp-echo: oversized datagrams not echoed" "big=$nbig ok=$nok back=$back bad=$bad"
[ $((c2 - c1)) -le 5 ] && ok "udp-echo: idle after the flood (CPU $((c2 - c1)) ticks/s; $((c1 - c0)) ticks during ~2.3 s of flood)" \
	|| fail "udp-echo: idle after the flood" "$((c2 - c1)) ticks in 1 s"
rc=0; out2=$(timeout 10 "$DE" -c 5 -i 0.05 -W 1 127.0.0.1 "$D_PORT" 2>&1) || rc=$?
[ $rc = 0 ] && ok "udp-echo: every probe answered after the flood" \
	|| fail "udp-echo: every probe answered after the flood" "rc=$rc $out2"
stop_server D TERM
expect_eq "udp-echo: SIGTERM after the flood: exit 0" 0 "$D_RC"
st=$(grep '^udp-echo: .* datagrams in' "$D_ERR")
read -r din dout bin bout trunc drop blk < <(sed -E 's/^udp-echo: ([0-9]+) datagrams in, ([0-9]+) out, ([0-9]+) bytes in, ([0-9]+) bytes out, ([0-9]+) truncated, ([0-9]+) dropped, ([0-9]+) blocked$/\1 \2 \3 \4 \5 \6 \7/' <<<"$st")
replies=$(( r1 + 5 ))
# The server may have echoed more than the clients counted (a reply after
# the probe's -W, or one the flood peer's full buffer dropped), never more
# than was sent: split its out count by size (probe replies are 64 bytes,
# flood echoes MAX) and bound each part by what came back and what was sent
# (25 probes, $nok allowed datagrams)
fl=-1 pr=-1
if [ -n "${bout:-}" ] && [ $(((bout - 64 * dout) % (MAX - 64))) = 0 ]; then
	fl=$(((bout - 64 * dout) / (MAX - 64))); pr=$((dout - fl))
fi
if [ -n "${trunc:-}" ] && [ "$trunc" -ge 1 ] && [ "$trunc" -le "$nbig" ] &&
	[ "$fl" -ge "$back" ] && [ "$fl" -le "$nok" ] && [ "$pr" -ge "$replies" ] && [ "$pr" -le 25 ] &&
	[ "$din" = $((dout + trunc + drop + blk)) ] && [ "$bin" -gt $((trunc * MAX)) ]; then
	ok "udp-echo: stats line counts $trunc truncated of $nbig sent, $dout echoed ($st)"
else
	fail "udp-echo: stats line" "$st / big=$nbig ok=$nok back=$back probes=$replies; split: $fl echoes, $pr probe replies"
fi

# ---- 5: tcp-watch loses no close in a churn of short connections -------------
CHURN=500
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "sblf$$" 2>/dev/null; then
	NS=sblf$$
	at_exit "ip netns del $NS"
	ip -n "$NS" link set lo up
	cat >"$TEST_TMP/churn.py" <<'EOF'
import signal, socket, sys
n, out = int(sys.argv[1]), sys.argv[2]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4096)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
print("listening on 127.0.0.1:%d" % l.getsockname()[1], flush=True)
signal.sigwait([signal.SIGUSR1])
ports = []
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", l.getsockname()[1]))
    a, _ = l.accept()
    ports.append(c.getsockname()[1])
    c.close()          # the client closes first: TIME-WAIT on its side
    a.close()          # the server side: LAST-ACK, then destroyed
with open(out, "w") as f:
    f.write("\n".join(map(str, ports)) + "\n")
print("churned", n, flush=True)
signal.pause()
EOF
	start_server CH ip netns exec "$NS" python3 "$TEST_TMP/churn.py" "$CHURN" "$TEST_TMP/ports"
	W=$TEST_TMP/watch.json
	ip netns exec "$NS" "$SOCKBOX" tcp-watch --json --duration 40 >"$W" 2>"$W.err" &
	WP=$!
	_t_pids+=("$WP")
	wait_until 100 grep -q '"type":"initial".*"LISTEN"' "$W" || fail "tcp-watch ready" "$(cat "$W.err")"
	kill -USR1 "$CH_PID"
	wait_until 200 grep -q "^churned $CHURN" "$CH_OUT" || fail "churn done" "$(cat "$CH_ERR")"
	# a close for connection P: its client side (local :P) reaches TIME-WAIT
	# or CLOSED, or its server side (peer :P) CLOSED
	closes() {
		python3 - "$W" "$TEST_TMP/ports" "$CH_PORT" <<-'EOF'
		import json, sys
		ports = set(int(p) for p in open(sys.argv[2]).read().split())
		srv = "127.0.0.1:%s" % sys.argv[3]
		cli, srvside = set(), set()
		for l in open(sys.argv[1]):
		    o = json.loads(l)
		    if o["type"] != "transition" or o["new"] not in ("TIME-WAIT", "CLOSED"):
		        continue
		    lp, pp = int(o["local"].rsplit(":", 1)[1]), int(o["peer"].rsplit(":", 1)[1])
		    if o["peer"] == srv and lp in ports:
		        cli.add(lp)
		    elif o["local"] == srv and pp in ports:
		        srvside.add(pp)
		print(len(ports), len(cli | srvside), len(cli), len(srvside))
		EOF
	}
	wait_until 100 eval '[ "$(closes | cut -d" " -f2)" = '"$CHURN"' ]'
	kill -INT "$WP"; rc=0; wait "$WP" || rc=$?
	read -r nports nclosed ncli nsrv < <(closes)
	expect_eq "tcp-watch: exit 0 on SIGINT after the churn" 0 "$rc"
	summ=$(tail -1 "$W" | python3 -c 'import json,sys; o=json.load(sys.stdin); print("%s polls, %s transitions, %s destroy notifications, %s resyncs" % (o["polls"], o["transitions"], o["destroy_notifications"], o["resyncs"]))')
	[ "$nports" = "$CHURN" ] && [ "$nclosed" = "$CHURN" ] \
		&& ok "tcp-watch: a close reported for each of $CHURN churned connections (client side $ncli, server side $nsrv; $summ)" \
		|| fail "tcp-watch: a close for every churned connection" "ports=$nports closed=$nclosed cli=$ncli srv=$nsrv; $summ"
	stop_server CH KILL
else
	skip "tcp-watch: a close reported for each churned connection" "needs root and ip netns"
fi

done_testing
