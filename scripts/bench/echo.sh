#!/usr/bin/env bash
# Echo server benchmark: sockbox tcp-echo vs socat (fork per connection,
# PIPE, -b 65536: its default 8 KiB buffer would cut every 64 KiB write
# into eight) vs ncat (-k --exec /bin/cat), all on loopback, driven by the
# same load client (sockbox tcp-echo --bench, one epoll loop, every byte
# verified), server by server, the order reversed every other round.
#   ping-pong: 64-byte messages, 50 connections   (target >= 2.5x socat msgs/s)
#   bulk:      64 KiB writes, 1 connection        (target >= 2.5x socat MB/s)
#   10,000 concurrent connections echoing with zero errors, server RSS
# Usage: scripts/bench/echo.sh   (SOCKBOX=build/sockbox; ROUNDS=3 DUR=2)
set -u
. "$(dirname "$0")/lib.sh"
SOCKBOX=${SOCKBOX:-$(cd "$(dirname "$0")/../.." && pwd)/build/sockbox}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-2}
for t in socat ncat; do
	command -v $t >/dev/null || { echo "echo.sh: $t not installed" >&2; exit 1; }
done
TMP=$(mktemp -d)
PIDS=()     # each peer runs in its own session: kill the whole group,
            # its per-connection children (socat fork, ncat + cat) too
cleanup() {
	for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sockbox prints its port; the peers need one chosen for them (a port the
# kernel just handed out and released).  ncat's --exec relay has been seen
# to stall for good after ~56 KiB in flight in some runs: reported as such.
free_port() {
	"$SOCKBOX" tcp-echo -l -b 127.0.0.1 0 >"$TMP/fp" 2>/dev/null &
	local p=$!
	local line=""
	for _ in $(seq 100); do line=$(head -1 "$TMP/fp"); [ -n "$line" ] && break; sleep 0.02; done
	kill "$p"; wait "$p" 2>/dev/null
	echo "${line##*:}"
}
wait_port() {   # bounded wait until something accepts on 127.0.0.1:$1
	for _ in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.02
	done
	echo "echo.sh: nothing listening on port $1" >&2
	exit 1
}

mkfifo "$TMP/sb.fifo"
setsid "$SOCKBOX" tcp-echo -l -b 127.0.0.1 0 </dev/null >"$TMP/sb.fifo" 2>"$TMP/sb.err" &
SB_PID=$!; PIDS+=("$SB_PID")
read -r line <"$TMP/sb.fifo"
SB_PORT=${line##*:}
SO_PORT=$(free_port)
setsid socat -b 65536 "TCP-LISTEN:$SO_PORT,bind=127.0.0.1,fork,reuseaddr" PIPE </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
NC_PORT=$(free_port)
setsid ncat -l -k --exec /bin/cat 127.0.0.1 "$NC_PORT" </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
wait_port "$SO_PORT"; wait_port "$NC_PORT"

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : 0}'; }

# run NAME PORT ARGS... : one bench, appends msgs/s, MB/s, errors to files
run() {
	local name=$1 port=$2; shift 2
	local j
	j=$(timeout $((DUR + 30)) "$SOCKBOX" tcp-echo --bench --json -d "$DUR" "$@" 127.0.0.1 "$port")
	echo "$j" | field msgs_per_s >>"$TMP/$name.mps"
	echo "$j" | field mb_per_s >>"$TMP/$name.mbs"
	echo "$j" | field errors >>"$TMP/$name.err"
	printf '  %-16s msgs/s %10s  MB/s %9s  p50 %s ms  p99 %s ms  errors %s\n' "$name" \
		"$(echo "$j" | field msgs_per_s)" "$(echo "$j" | field mb_per_s)" \
		"$(echo "$j" | field p50_ms)" "$(echo "$j" | field p99_ms)" "$(echo "$j" | field errors)"
}

echo "echo benchmark: $ROUNDS rounds x ${DUR}s, $(nproc) cores, load client: sockbox tcp-echo --bench"
for r in $(seq "$ROUNDS"); do
	order=$(round_order "$r" sockbox:"$SB_PORT" socat:"$SO_PORT" ncat:"$NC_PORT")
	echo "round $r: ping-pong, 64-byte messages, 50 connections"
	for s in $order; do run "pp-${s%%:*}" "${s##*:}" -C 50 -s 64; done
	echo "round $r: bulk, 64 KiB writes, 1 connection"
	for s in $order; do run "bulk-${s%%:*}" "${s##*:}" --bulk -C 1 -s 64k; done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0.5) printf "%.2fx", a / b; else print "inf" }'; }
pp_sb=$(median <"$TMP/pp-sockbox.mps"); pp_so=$(median <"$TMP/pp-socat.mps"); pp_nc=$(median <"$TMP/pp-ncat.mps")
bk_sb=$(median <"$TMP/bulk-sockbox.mbs"); bk_so=$(median <"$TMP/bulk-socat.mbs"); bk_nc=$(median <"$TMP/bulk-ncat.mbs")

echo "10,000 concurrent connections against sockbox tcp-echo (ping-pong, 64 B, ${DUR}s)"
j=$(timeout $((DUR + 60)) "$SOCKBOX" tcp-echo --bench --json -d "$DUR" -C 10000 -s 64 127.0.0.1 "$SB_PORT")
k_est=$(echo "$j" | field established); k_echo=$(echo "$j" | field echoing)
k_err=$(echo "$j" | field errors); k_mps=$(echo "$j" | field msgs_per_s)
rss=$(awk '/^VmHWM/ {print $2}' "/proc/$SB_PID/status")
echo "  established $k_est, echoing $k_echo, errors $k_err, msgs/s $k_mps, server peak RSS ${rss} kB"

echo
echo "medians of $ROUNDS rounds:"
echo "  ping-pong msgs/s: sockbox $pp_sb  socat $pp_so ($(ratio "$pp_sb" "$pp_so"))  ncat $pp_nc ($(ratio "$pp_sb" "$pp_nc"))"
echo "  bulk MB/s:        sockbox $bk_sb  socat $bk_so ($(ratio "$bk_sb" "$bk_so"))  ncat $bk_nc ($(ratio "$bk_sb" "$bk_nc"))"
# bench WORKLOAD SB_FILE PEER PEER_FILE TARGET: one BENCH line, with the
# medians, their ratio and its spread over the rounds
bench() {
	local sv pv r
	sv=$(median <"$2"); pv=$(median <"$4"); r=$(ratio "$sv" "$pv")
	echo "BENCH|$1|$sv|$3|$pv|$r|$5|$(spread "$(cat "$2")" "$(cat "$4")" "$r" "$5")"
}
bench "echo ping-pong 64B x50 conns (msgs/s)" "$TMP/pp-sockbox.mps" "socat -b 65536 TCP-LISTEN,fork PIPE" "$TMP/pp-socat.mps" ">=2.5x"
bench "echo ping-pong 64B x50 conns (msgs/s)" "$TMP/pp-sockbox.mps" "ncat -k --exec cat" "$TMP/pp-ncat.mps" -
bench "echo bulk 64KiB writes x1 conn (MB/s)" "$TMP/bulk-sockbox.mbs" "socat -b 65536 TCP-LISTEN,fork PIPE" "$TMP/bulk-socat.mbs" ">=2.5x"
if [ "$(awk -v v="$bk_nc" 'BEGIN{print (v < 1)}')" = 1 ]; then
	echo "BENCH|echo bulk 64KiB writes x1 conn (MB/s)|$bk_sb|ncat -k --exec cat|stalled ($bk_nc)|-|-|-"
else
	bench "echo bulk 64KiB writes x1 conn (MB/s)" "$TMP/bulk-sockbox.mbs" "ncat -k --exec cat" "$TMP/bulk-ncat.mbs" -
fi
echo "BENCH|echo 10000 conns held+echoing (errors; RSS)|$k_err errors; $((rss / 1024)) MiB|-|-|-|0; <8 MiB|-"
