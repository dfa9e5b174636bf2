#!/usr/bin/env bash
# Before/after: the echo family of this build against an older sockbox
# (SOCKBOX_OLD, e.g. one built from main before a change), alternating in
# the same run, so a change can be shown not to slow users down on a
# machine whose load moves from minute to minute.
#   - server CPU per echoed message (tcp-echo ping-pong, 64 B x 50
#     connections; udp-echo, 64 B, 8 in flight), the same load client
#     (this build's) against either server;
#   - the load clients' msgs/s (tcp-echo --bench, udp-echo --bench), either
#     client against the same server (this build's).
#   - with valgrind installed: the instructions (callgrind Ir) the tcp-echo
#     server spends per probe (3,000 probes of 64 B one after the other,
#     less a run with none), which the machine's load cannot move.
# Prints BENCH lines: this build's value, the old one's, old/new (CPU:
# new/old) with the spread over the rounds; a ratio near 1.00 is "no
# change", the target is ">= 0.9" for rates and "<= 1.1" for CPU.
# Without SOCKBOX_OLD it says so and prints no BENCH line.
#
# Usage: SOCKBOX_OLD=/path/to/old/sockbox scripts/bench/echo_ab.sh
#        (SOCKBOX=build/sockbox; ROUNDS=3 DUR=2)
set -u
. "$(dirname "$0")/lib.sh"
SOCKBOX=${SOCKBOX:-$(cd "$(dirname "$0")/../.." && pwd)/build/sockbox}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-2}
if [ -z "${SOCKBOX_OLD:-}" ] || [ ! -x "$SOCKBOX_OLD" ]; then
	echo "echo_ab: set SOCKBOX_OLD to an older sockbox binary to compare with; skipped"
	exit 0
fi
TMP=$(mktemp -d)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# start BIN APPLET: a server on 127.0.0.1 port 0; SRV_PID, SRV_PORT from
# its readiness line
start() {
	rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
	"$1" "$2" -l -b 127.0.0.1 0 >"$TMP/fifo" 2>/dev/null &
	SRV_PID=$!
	local line
	read -r line <"$TMP/fifo"
	SRV_PORT=${line##*:}
}
stop() { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; SRV_PID=; }
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$SRV_PID/stat"; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | tail -1; }
median() { sort -g | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : 0}'; }
bench() {   # APPLET ARGS...: this build's load client, JSON summary
	local a=$1; shift
	timeout $((DUR + 30)) "$SOCKBOX" "$a" --bench --json -d "$DUR" "$@" 127.0.0.1 "$SRV_PORT"
}

echo "echo before/after: $ROUNDS rounds x ${DUR}s; new $SOCKBOX, old $SOCKBOX_OLD"
for r in $(seq "$ROUNDS"); do
	for v in new old; do
		bin=$SOCKBOX; [ $v = old ] && bin=$SOCKBOX_OLD
		start "$bin" tcp-echo; t0=$(ticks)
		j=$(bench tcp-echo -C 50 -s 64); t1=$(ticks); stop
		awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$(field msgs <<<"$j")" \
			'BEGIN { printf "%.3f\n", (n > 0 ? d / hz * 1e6 / n : 0) }' >>"$TMP/tcpcpu.$v"
		start "$bin" udp-echo; t0=$(ticks)
		j=$(bench udp-echo -C 8 -s 64 -W 0.2); t1=$(ticks); stop
		awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$(field received <<<"$j")" \
			'BEGIN { printf "%.3f\n", (n > 0 ? d / hz * 1e6 / n : 0) }' >>"$TMP/udpcpu.$v"
	done
	echo "round $r: server CPU us/msg tcp new $(tail -1 "$TMP/tcpcpu.new") old $(tail -1 "$TMP/tcpcpu.old"), udp new $(tail -1 "$TMP/udpcpu.new") old $(tail -1 "$TMP/udpcpu.old")"
	start "$SOCKBOX" tcp-echo
	for v in new old; do
		bin=$SOCKBOX; [ $v = old ] && bin=$SOCKBOX_OLD
		timeout $((DUR + 30)) "$bin" tcp-echo --bench --json -d "$DUR" -C 50 -s 64 127.0.0.1 "$SRV_PORT" \
			| field msgs_per_s >>"$TMP/tcpcli.$v"
	done
	stop
	start "$SOCKBOX" udp-echo
	for v in new old; do
		bin=$SOCKBOX; [ $v = old ] && bin=$SOCKBOX_OLD
		timeout $((DUR + 30)) "$bin" udp-echo --bench --json -d "$DUR" -C 8 -s 64 -W 0.2 127.0.0.1 "$SRV_PORT" \
			| field msgs_per_s >>"$TMP/udpcli.$v"
	done
	stop
	echo "round $r: client msgs/s tcp new $(tail -1 "$TMP/tcpcli.new") old $(tail -1 "$TMP/tcpcli.old"), udp new $(tail -1 "$TMP/udpcli.new") old $(tail -1 "$TMP/udpcli.old")"
done


ir_run() {   # BIN N APPLET: total Ir of a server that answered N probes
	rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
	valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$1" "$3" -l -b 127.0.0.1 0 \
		>"$TMP/fifo" 2>/dev/null &
	SRV_PID=$!
	local line
	read -r line <"$TMP/fifo"; SRV_PORT=${line##*:}
	[ "$2" -gt 0 ] && "$SOCKBOX" "$3" -q -c "$2" -i 0 -W 2 127.0.0.1 "$SRV_PORT" >/dev/null
	kill -INT "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; SRV_PID=
	callgrind_annotate "$TMP/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(/,/, "", $1); print $1 }'
}
ir_per_probe() {   # BIN APPLET
	local a b
	a=$(ir_run "$1" 0 "$2"); b=$(ir_run "$1" 3000 "$2")
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f\n", (b - a) / 3000 }'
}
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
	# (not udp-echo: how many empty recvmmsg calls a datagram costs depends
	# on timing under valgrind, 100-160 Ir per datagram from run to run)
	for a in tcp-echo; do
		ir_per_probe "$SOCKBOX" $a >"$TMP/ir$a.new"; ir_per_probe "$SOCKBOX_OLD" $a >"$TMP/ir$a.old"
		echo "$a server instructions per probe: new $(cat "$TMP/ir$a.new") old $(cat "$TMP/ir$a.old")"
	done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# line WORKLOAD FILE TARGET: medians and new/old with its spread
line() {
	local nv ov r
	nv=$(median <"$TMP/$2.new"); ov=$(median <"$TMP/$2.old")
	r=$(ratio "$nv" "$ov")
	echo "BENCH|$1|$nv|sockbox before|$ov|$r|$3|$(spread "$(cat "$TMP/$2.new")" "$(cat "$TMP/$2.old")" "$r" "$3")"
}
line "tcp-echo server CPU per msg, 64 B x 50 (us, new/old)" tcpcpu "<= 1.1"
line "udp-echo server CPU per datagram, 8 in flight (us, new/old)" udpcpu "<= 1.1"
line "tcp-echo --bench client (msgs/s, new/old)" tcpcli ">= 0.9"
line "udp-echo --bench client (msgs/s, new/old)" udpcli ">= 0.9"
[ -s "$TMP/irtcp-echo.new" ] && line "tcp-echo server instructions per probe (callgrind Ir, new/old)" irtcp-echo "<= 1.05"
