#!/usr/bin/env bash
# UDP echo server benchmark: sockbox udp-echo -l vs socat and ncat on
# loopback, all driven by the same load client (sockbox udp-echo --bench:
# 64-byte datagrams, 8 in flight, every reply matched by sequence number),
# alternating server by server within each round.  Target: sockbox >= 5x
# socat's datagrams/s.
#
# Peers, each restarted for every run (socat UDP4-LISTEN serves only the
# first peer that writes to it):
#   socat -b 64 UDP4-LISTEN:P PIPE   socat's fastest UDP echo.  -b 64 makes it
#       move at most one 64-byte datagram per step through its pipe; without
#       it, datagrams queued in the pipe come back glued together.
#   ncat -u -l -k --exec /bin/cat    datagrams go through cat's pipe, so they
#       can come back glued together; the client counts those as lost.
#
# Pinning: with 8 datagrams in flight the result depends mostly on where the
# scheduler puts the client and the server (same core: every round trip
# is two context switches; two cores: both run at once), which flips from
# run to run.  So the load client runs on CPU 0 and every server (with its
# children: ncat's cat) on CPU 1, the way a server and its clients run on
# different cores or machines.  PIN=0 turns this off.
# Usage: scripts/bench/udp.sh   (SOCKBOX=build/sockbox; ROUNDS=3 DUR=2)
set -u
. "$(dirname "$0")/lib.sh"
SOCKBOX=${SOCKBOX:-$(cd "$(dirname "$0")/../.." && pwd)/build/sockbox}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-2}
INFLIGHT=8
SIZE=64
SRV=() CLI=()
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	SRV=(taskset -c 1) CLI=(taskset -c 0)
fi
for t in socat ncat; do
	command -v $t >/dev/null || { echo "udp.sh: $t not installed" >&2; exit 1; }
done
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -- "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_sockbox: sets SRV_PID and SRV_PORT from its "listening on" line
start_sockbox() {
	rm -f "$TMP/sb.fifo"; mkfifo "$TMP/sb.fifo"
	"${SRV[@]}" "$SOCKBOX" udp-echo -l -b 127.0.0.1 0 >"$TMP/sb.fifo" 2>/dev/null &
	SRV_PID=$!; PIDS+=("$SRV_PID")
	local line
	read -r line <"$TMP/sb.fifo"
	SRV_PORT=${line##*:}
}
# start_socat: socat reports its port 0 choice on stderr with -d -d
start_socat() {
	rm -f "$TMP/so.fifo"; mkfifo "$TMP/so.fifo"
	"${SRV[@]}" socat -d -d -b "$SIZE" UDP4-LISTEN:0,bind=127.0.0.1 PIPE 2>"$TMP/so.fifo" &
	SRV_PID=$!; PIDS+=("$SRV_PID")
	local line="" fd
	exec {fd}<"$TMP/so.fifo"
	while IFS= read -r -t 10 -u "$fd" line; do
		case $line in *"listening on"*) break ;; esac
	done
	cat <&"$fd" >/dev/null &
	PIDS+=("$!")
	exec {fd}<&-
	SRV_PORT=${line##*:}
}
# start_ncat: ncat cannot report a port 0 choice; use one the kernel just
# handed to sockbox and released, and wait until ncat answers on it
start_ncat() {
	start_sockbox
	kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null
	# ncat -u -k forks a child per peer that outlives its parent: run it
	# in its own process group and stop the whole group
	setsid "${SRV[@]}" ncat -u -l -k --exec /bin/cat 127.0.0.1 "$SRV_PORT" >/dev/null 2>&1 &
	SRV_PID=$!; PIDS+=("-$SRV_PID")
	local i
	for i in $(seq 100); do
		"$SOCKBOX" udp-echo -q -c 1 -W 0.1 127.0.0.1 "$SRV_PORT" >/dev/null 2>&1 && return
	done
	echo "udp.sh: ncat does not answer on port $SRV_PORT" >&2
	exit 1
}
stop_srv() {
	kill -- "$SRV_PID" "-$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
}

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
# cpu_ticks PID: user+system clock ticks of PID and of every process in the
# process group PID leads (ncat's per-peer children and their cat)
cpu_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$SRV_PID" '
		{ pid = $1; sub(/^.*\) /, "")   # now: state ppid pgrp ... utime stime
		  if (pid == p || $3 == p) t += $12 + $13 }
		END { print t + 0 }'
}
median() { sort -g | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : 0}'; }

# run NAME: one bench against the running server, appends msgs/s and loss
run() {
	local name=$1 j c0 c1 us
	c0=$(cpu_ticks)
	j=$(timeout $((DUR + 30)) "${CLI[@]}" "$SOCKBOX" udp-echo --bench --json -C "$INFLIGHT" \
		-s "$SIZE" -d "$DUR" -W 0.2 127.0.0.1 "$SRV_PORT")
	c1=$(cpu_ticks)
	# server CPU per echoed datagram, in microseconds
	us=$(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$(echo "$j" | field received)" \
		'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print 0 }')
	echo "$j" | field msgs_per_s >>"$TMP/$name.mps"
	echo "$j" | field loss_pct >>"$TMP/$name.loss"
	echo "$us" >>"$TMP/$name.cpu"
	printf '  %-8s msgs/s %10s  loss %7s%%  p50 %s ms  p99 %s ms  server CPU %s us/datagram\n' \
		"$name" "$(echo "$j" | field msgs_per_s)" "$(echo "$j" | field loss_pct)" \
		"$(echo "$j" | field p50_ms)" "$(echo "$j" | field p99_ms)" "$us"
}

echo "udp echo benchmark: $ROUNDS rounds x ${DUR}s, $(nproc) cores, ${SIZE}-byte datagrams, $INFLIGHT in flight"
echo "load client: sockbox udp-echo --bench --json -C $INFLIGHT -s $SIZE -d $DUR -W 0.2"
[ ${#SRV[@]} -gt 0 ] && echo "pinned: load client on CPU 0, server on CPU 1 (PIN=0 to turn off)"
for r in $(seq "$ROUNDS"); do
	echo "round $r"
	start_sockbox; run sockbox; stop_srv
	start_socat; run socat; stop_srv
	start_ncat; run ncat; stop_srv
done

sb=$(median <"$TMP/sockbox.mps")
so=$(median <"$TMP/socat.mps")
nc=$(median <"$TMP/ncat.mps")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
echo
echo "medians: sockbox $sb msgs/s (loss $(median <"$TMP/sockbox.loss")%)," \
	"socat $so (loss $(median <"$TMP/socat.loss")%), ncat $nc (loss $(median <"$TMP/ncat.loss")%)"
# bench WORKLOAD SB PEER PV RATIO TARGET NUM_FILE DEN_FILE: one BENCH line,
# with the spread over the rounds of the ratio NUM/DEN
bench() {
	echo "BENCH|$1|$2|$3|$4|$5|$6|$(spread "$(cat "$7")" "$(cat "$8")" "$5" "$6")"
}
bench "udp echo, 64 B, 8 in flight (datagrams/s)" "$sb" "socat -b 64 UDP4-LISTEN PIPE" "$so" \
	"$(ratio "$sb" "$so")" ">= 5x" "$TMP/sockbox.mps" "$TMP/socat.mps"
bench "udp echo, 64 B, 8 in flight (datagrams/s)" "$sb" "ncat -u -k --exec cat" "$nc" \
	"$(ratio "$sb" "$nc")" - "$TMP/sockbox.mps" "$TMP/ncat.mps"
sbc=$(median <"$TMP/sockbox.cpu"); soc=$(median <"$TMP/socat.cpu"); ncc=$(median <"$TMP/ncat.cpu")
echo "server CPU per datagram (median us): sockbox $sbc, socat $soc, ncat $ncc"
bench "udp echo server CPU per datagram (us, lower is better)" "$sbc" "socat -b 64 UDP4-LISTEN PIPE" "$soc" \
	"$(ratio "$soc" "$sbc")" - "$TMP/socat.cpu" "$TMP/sockbox.cpu"
bench "udp echo server CPU per datagram (us, lower is better)" "$sbc" "ncat -u -k --exec cat" "$ncc" \
	"$(ratio "$ncc" "$sbc")" - "$TMP/ncat.cpu" "$TMP/sockbox.cpu"
