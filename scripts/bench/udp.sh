#!/usr/bin/env bash
# UDP echo server benchmark: sockbox udp-echo -l vs socat on loopback, both
# driven by the same load client (sockbox udp-echo --bench: 64-byte
# datagrams, 8 in flight, every reply matched by sequence number), the
# order alternating round by round.  Target: sockbox >= 5x socat's
# datagrams/s.  Server CPU per echoed datagram from wait4's resource usage
# of the server process (cpu.py), which is restarted for every run.
#
# The peer (restarted for every run: socat UDP4-LISTEN serves only the
# first peer that writes to it):
#   socat -b 64 UDP4-LISTEN:P PIPE   socat's fastest UDP echo.  -b 64 makes it
#       move at most one 64-byte datagram per step through its pipe; without
#       it, datagrams queued in the pipe come back glued together.
# ncat is not measured: `ncat -u -k --exec /bin/cat` passes datagrams
# through cat's byte pipe, which glues them together; each glued datagram
# is a loss to the client that holds an in-flight slot for -W, so the row
# measured the client's timeout, not ncat.
#
# Pinning: with 8 datagrams in flight the result depends mostly on where the
# scheduler puts the client and the server (same core: every round trip
# is two context switches; two cores: both run at once), which flips from
# run to run.  So the load client runs on CPU 0 and every server on
# CPU 1, the way a server and its clients run on
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
command -v socat >/dev/null || { echo "udp.sh: socat not installed" >&2; exit 1; }
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
	"${SRV[@]}" python3 "$BENCH_DIR/cpu.py" "$TMP/usage" \
		"$SOCKBOX" udp-echo -l -b 127.0.0.1 0 >"$TMP/sb.fifo" 2>/dev/null &
	SRV_PID=$!; PIDS+=("$SRV_PID")
	local line
	read -r line <"$TMP/sb.fifo"
	SRV_PORT=${line##*:}
}
# start_socat: socat reports its port 0 choice on stderr with -d -d
start_socat() {
	rm -f "$TMP/so.fifo"; mkfifo "$TMP/so.fifo"
	"${SRV[@]}" python3 "$BENCH_DIR/cpu.py" "$TMP/usage" \
		socat -d -d -b "$SIZE" UDP4-LISTEN:0,bind=127.0.0.1 PIPE 2>"$TMP/so.fifo" &
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
# stop_srv NAME: stop the server; append its CPU per echoed datagram (us)
# to $TMP/NAME.cpu, from cpu.py's usage file and the last run's replies
stop_srv() {
	kill -- "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	local us
	us=$(awk -v n="$RECEIVED" '{ if (n > 0) printf "%.3f", ($2 + $3) * 1e6 / n; else print 0 }' "$TMP/usage")
	echo "$us" >>"$TMP/$1.cpu"
	echo "           server CPU $us us/datagram (wait4)"
	rm -f "$TMP/usage"
}

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : 0}'; }

# run NAME: one bench against the running server, appends msgs/s and loss;
# sets RECEIVED (replies) for stop_srv
run() {
	local name=$1 j
	j=$(timeout $((DUR + 30)) "${CLI[@]}" "$SOCKBOX" udp-echo --bench --json -C "$INFLIGHT" \
		-s "$SIZE" -d "$DUR" -W 0.2 127.0.0.1 "$SRV_PORT")
	RECEIVED=$(echo "$j" | field received)
	echo "$j" | field msgs_per_s >>"$TMP/$name.mps"
	echo "$j" | field loss_pct >>"$TMP/$name.loss"
	printf '  %-8s msgs/s %10s  loss %7s%%  p50 %s ms  p99 %s ms\n' \
		"$name" "$(echo "$j" | field msgs_per_s)" "$(echo "$j" | field loss_pct)" \
		"$(echo "$j" | field p50_ms)" "$(echo "$j" | field p99_ms)"
}

echo "udp echo benchmark: $ROUNDS rounds x ${DUR}s, $(nproc) cores, ${SIZE}-byte datagrams, $INFLIGHT in flight"
echo "load client: sockbox udp-echo --bench --json -C $INFLIGHT -s $SIZE -d $DUR -W 0.2"
[ ${#SRV[@]} -gt 0 ] && echo "pinned: load client on CPU 0, server on CPU 1 (PIN=0 to turn off)"
for r in $(seq "$ROUNDS"); do
	echo "round $r"
	for who in $(round_order "$r" sockbox socat); do
		"start_$who"; run "$who"; stop_srv "$who"
	done
done

sb=$(median <"$TMP/sockbox.mps")
so=$(median <"$TMP/socat.mps")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
echo
echo "medians: sockbox $sb msgs/s (loss $(median <"$TMP/sockbox.loss")%)," \
	"socat $so (loss $(median <"$TMP/socat.loss")%)"
# bench WORKLOAD SB PEER PV RATIO TARGET NUM_FILE DEN_FILE: one BENCH line,
# with the spread over the rounds of the ratio NUM/DEN
bench() {
	echo "BENCH|$1|$2|$3|$4|$5|$6|$(spread "$(cat "$7")" "$(cat "$8")" "$5" "$6")"
}
bench "udp echo, 64 B, 8 in flight (datagrams/s)" "$sb" "socat -b 64 UDP4-LISTEN PIPE" "$so" \
	"$(ratio "$sb" "$so")" ">= 5x" "$TMP/sockbox.mps" "$TMP/socat.mps"
sbc=$(median <"$TMP/sockbox.cpu"); soc=$(median <"$TMP/socat.cpu")
echo "server CPU per datagram (median us, wait4): sockbox $sbc, socat $soc"
bench "udp echo server CPU per datagram (us, lower is better)" "$sbc" "socat -b 64 UDP4-LISTEN PIPE" "$soc" \
	"$(ratio "$soc" "$sbc")" - "$TMP/socat.cpu" "$TMP/sockbox.cpu"
