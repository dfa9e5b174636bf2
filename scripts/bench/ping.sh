#!/usr/bin/env bash
# ping: flood (-f -c N 127.0.0.1) and -i 0 (-c N, lines to /dev/null),
# sockbox vs iputils ping, alternating in the same run, ROUNDS times each.
# Prints per-run numbers, medians, and BENCH lines: packets/s (higher is
# better) and CPU seconds per 100k packets (lower is better; wait4's
# resource usage through cpu.py).  The order alternates round by round.
# Needs root (flood and -i 0 are root-only in both).  ~30 s.
set -u
. "$(dirname "$0")/lib.sh"
: "${SOCKBOX:?set SOCKBOX to the built binary}"
N=${PING_BENCH_COUNT:-100000}
ROUNDS=${PING_BENCH_ROUNDS:-3}
IPUTILS=/usr/bin/ping
[ "$(id -u)" = 0 ] || { echo "ping bench: needs root (flood)"; exit 0; }
[ -x "$IPUTILS" ] || { echo "ping bench: $IPUTILS missing"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ln -s "$SOCKBOX" "$tmp/ping"

# one run: prints "pkts_per_s cpu_s_per_100k"
run() {
	cpu_run "$tmp/usage" timeout 120 "$@" >/dev/null
	awk -v n="$N" '{ e = $1 < 0.001 ? 0.001 : $1; printf "%.0f %.4f\n", n / e, ($2 + $3) * 100000 / n }' "$tmp/usage"
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for w in flood i0; do
	case $w in
		flood) args=(-f -c "$N" 127.0.0.1); label="ping -f -c $N 127.0.0.1" ;;
		i0) args=(-i 0 -c "$N" 127.0.0.1); label="ping -i 0 -c $N 127.0.0.1" ;;
	esac
	: >"$tmp/s"; : >"$tmp/p"
	for r in $(seq "$ROUNDS"); do
		for who in $(round_order "$r" sockbox iputils); do
			case $who in
			sockbox) s=$(run "$tmp/ping" "${args[@]}") ;;
			iputils) p=$(run "$IPUTILS" "${args[@]}") ;;
			esac
		done
		echo "$label round $r: sockbox $s  iputils $p  (pkts/s cpu_s/100k)"
		echo "$s" >>"$tmp/s"; echo "$p" >>"$tmp/p"
	done
	s_rate=$(cut -d' ' -f1 "$tmp/s" | median); p_rate=$(cut -d' ' -f1 "$tmp/p" | median)
	s_cpu=$(cut -d' ' -f2 "$tmp/s" | median); p_cpu=$(cut -d' ' -f2 "$tmp/p" | median)
	r_rate=$(awk -v a="$s_rate" -v b="$p_rate" 'BEGIN { printf "%.2f", a / b }')
	r_cpu=$(awk -v a="$s_cpu" -v b="$p_cpu" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	echo "$label median: sockbox $s_rate pkts/s, $s_cpu CPU s/100k; iputils $p_rate pkts/s, $p_cpu CPU s/100k"
	echo "BENCH|ping $w: packets/s|$s_rate|iputils ping|$p_rate|$r_rate|>= 1.00|$(spread "$(cut -d' ' -f1 "$tmp/s")" "$(cut -d' ' -f1 "$tmp/p")" "$r_rate" ">= 1.00")"
	echo "BENCH|ping $w: CPU s per 100k packets|$s_cpu|iputils ping|$p_cpu|$r_cpu|<= 1.00|$(spread "$(cut -d' ' -f2 "$tmp/s")" "$(cut -d' ' -f2 "$tmp/p")" "$r_cpu" "<= 1.00")"
done
