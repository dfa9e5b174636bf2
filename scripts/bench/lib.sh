# shellcheck shell=bash
# Sourced by scripts/bench/*.sh (not a benchmark itself: run skips it).
#
# spread NUM DEN RATIO TARGET
#   The noise verdict for one BENCH line, printed as its 8th field.
#   NUM, DEN: the per-round values of the ratio's numerator and denominator
#   (whitespace-separated, in round order; usually sockbox and the peer, the
#   other way round where the script divides peer by sockbox).  RATIO, TARGET:
#   the line's ratio and target fields, as printed.
#   Prints the range of the ratio over the rounds, in RATIO's format
#   ("2.41-2.90x", "0.33-0.66"), followed by " NOISY" when that range is too
#   wide to trust the ratio:
#     - TARGET is ">= T", "> T", "<= T" or "< T" (an "x" after T is allowed):
#       NOISY when the range's two ends fall on different sides of T, i.e.
#       the conclusion against the target flips within the rounds' noise;
#     - otherwise: NOISY when (max - min) / RATIO > NOISY_PCT percent
#       (default 25).
#   The range: with as many NUM as DEN values the rounds are paired (they
#   alternate within a round, so a machine-wide slowdown hits both) and it is
#   min..max of NUM[i] / DEN[i]; otherwise the worst case
#   min(NUM)/max(DEN) .. max(NUM)/min(DEN).  It always includes RATIO (up to
#   RATIO's own rounding), and is printed with at least two significant
#   digits; the 25% width is taken of the paired rounds' median ratio
#   (RATIO itself may be rounded to one digit: 0.01).
#   Prints "-" when there is nothing to judge: fewer than two rounds on both
#   sides, a non-numeric RATIO ("-", "inf"), or a zero denominator.
spread() {
	awk -v num="$1" -v den="$2" -v ratio="$3" -v target="$4" -v pct="${NOISY_PCT:-25}" '
	function lim(v, i, want_max,   k, m) {   # min or max of v[1..i]
		m = v[1]
		for (k = 2; k <= i; k++)
			if (want_max ? v[k] > m : v[k] < m) m = v[k]
		return m
	}
	function med(v, n,   i, j, t, c) {    # median of v[1..n] (a sorted copy)
		for (i = 1; i <= n; i++) c[i] = v[i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && c[j - 1] > c[j]; j--) { t = c[j]; c[j] = c[j - 1]; c[j - 1] = t }
		return c[int((n + 1) / 2)]
	}
	function side(v) { return (op == ">=") ? v >= t : (op == ">") ? v > t : (op == "<=") ? v <= t : v < t }
	BEGIN {
		nn = split(num, a); nd = split(den, b)
		if (ratio !~ /^[0-9]*\.?[0-9]+x?$/ || nn < 1 || nd < 1 || (nn < 2 && nd < 2)) { print "-"; exit }
		r = ratio; sub(/x$/, "", r); r += 0
		dec = (ratio ~ /\./) ? length(ratio) - index(ratio, ".") - (ratio ~ /x$/) : 0
		suffix = (ratio ~ /x$/) ? "x" : ""
		if (nn == nd) {
			for (i = 1; i <= nn; i++) {
				if (b[i] + 0 <= 0) { print "-"; exit }
				q[i] = a[i] / b[i]
			}
			lo = lim(q, nn, 0); hi = lim(q, nn, 1)
		} else {
			if (lim(b, nd, 0) + 0 <= 0) { print "-"; exit }
			lo = lim(a, nn, 0) / lim(b, nd, 1); hi = lim(a, nn, 1) / lim(b, nd, 0)
		}
		# the width is judged against the unrounded ratio where the rounds
		# give one (their median), not RATIO rounded to few digits
		w = r
		if (nn == nd) w = med(q, nn)
		# RATIO is in the range but for its own rounding (half a unit in
		# its last printed place)
		half = 0.5 / 10 ^ dec
		if (r < lo - half) lo = r
		if (r > hi + half) hi = r
		# at least two significant digits at each end (0.0118-0.0140,
		# not 0.01-0.01)
		while (dec < 6 && lo > 0 && lo < 10 ^ (1 - dec)) dec++
		out = sprintf("%." dec "f-%." dec "f%s", lo, hi, suffix)
		tg = target; gsub(/[ x]/, "", tg)
		if (match(tg, /^(>=|<=|>|<)[0-9]*\.?[0-9]+$/)) {
			op = tg; sub(/[0-9.]+$/, "", op)
			t = substr(tg, length(op) + 1) + 0
			noisy = side(lo) != side(hi)
		} else
			noisy = w > 0 && (hi - lo) / w * 100 > pct
		print out (noisy ? " NOISY" : "")
	}'
}

# round_order ROUND ITEM...: the ITEMs in the order to run them in round
# ROUND (1-based): as given in odd rounds, reversed in even ones, so that
# neither sockbox nor a peer always runs first (a cold cache, or a machine
# that slows down during the round, would favour one side every time).
round_order() {
	local r=$1 i
	shift
	if [ $((r % 2)) = 1 ]; then
		printf '%s\n' "$@"
	else
		for ((i = $#; i >= 1; i--)); do printf '%s\n' "${!i}"; done
	fi
}

# cpu_run OUT CMD...: run CMD (stdio inherited) under cpu.py, which writes
# "WALL USER SYS" seconds to OUT when CMD exits: CPU from wait4's resource
# usage (CMD and the children it reaped), microsecond resolution.  For a
# server, start it in the background this way and stop it with a signal
# (passed on to CMD); OUT is written once it has exited.
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cpu_run() {
	python3 "$BENCH_DIR/cpu.py" "$@"
}

# http_bench_server DIR: builds scripts/bench/http_bench_server.c into DIR
# and starts it; sets HB_PID and HB_BASE (http://127.0.0.1:PORT, from its
# "listening on" line).  The caller stops HB_PID.
http_bench_server() {
	local line fd
	mkfifo "$1/ready"
	${CC:-cc} -O2 -o "$1/server" "$BENCH_DIR/http_bench_server.c" ||
		{ echo "cannot build the bench server" >&2; return 1; }
	"$1/server" >"$1/ready" &
	HB_PID=$!
	exec {fd}<"$1/ready"
	IFS= read -r -t 10 -u "$fd" line || { echo "bench server did not start" >&2; return 1; }
	HB_BASE="http://127.0.0.1:${line##*:}"
}
