#!/usr/bin/env bash
# http-get's chunked data path against its Content-Length path (issue 12:
# chunked <= 1.1x Content-Length), in one run: client CPU seconds
# (user+sys, wait4) per GiB from the local C server (http_bench_server.c,
# built here; not the bottleneck), ROUNDS rounds in which every client
# fetches every body once, the order reversed every other round; medians
# and ratios of the medians.  Bodies:
#   cl    1 GiB with Content-Length
#   c16k  1 GiB in 16 KiB chunks
#   c1m   1 GiB in 1 MiB chunks
# Clients: "sockbox" is the default path (a Content-Length body, and the
# data of every chunk of >= 4 KiB, splice()d socket -> pipe -> output;
# only the chunk framing is read), "sockbox-read" the same binary with
# SOCKBOX_NO_SPLICE=1 (every byte read into user space), curl the peer on
# the same bodies.  SINK=null (default) writes the body to /dev/null,
# SINK=file to a file in a temporary directory (-o; on tmpfs when TMPDIR
# is one).
set -u
cd "$(dirname "$0")" || exit
. ./lib.sh
: "${SOCKBOX:?set SOCKBOX to the built binary}"
ROUNDS=${ROUNDS:-7}
SINK=${SINK:-null}
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

http_bench_server "$tmp" || exit 1
srv=$HB_PID base=$HB_BASE

clients=(sockbox sockbox-read)
command -v curl >/dev/null && clients+=(curl)
bodies=(cl c16k c1m)
out=()
[ "$SINK" = file ] && out=(-o "$tmp/body")

client_cmd() { # client body -> CMD (stdout goes to /dev/null)
	case $1 in
	sockbox) CMD=("$SOCKBOX" http-get -s "${out[@]}" "$base/$2") ;;
	sockbox-read) CMD=(env SOCKBOX_NO_SPLICE=1 "$SOCKBOX" http-get -s "${out[@]}" "$base/$2") ;;
	curl) CMD=(curl -s "${out[@]}" "$base/$2") ;;
	esac
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

runs=()
for b in "${bodies[@]}"; do
	for c in "${clients[@]}"; do runs+=("$c.$b"); done
done
for r in $(seq "$ROUNDS"); do
	for run in $(round_order "$r" "${runs[@]}"); do
		client_cmd "${run%.*}" "${run#*.}"
		if ! python3 ./http_measure.py "${CMD[@]}" >"$tmp/t" 2>"$tmp/err"; then
			echo "$run failed: $(cat "$tmp/err")" >&2
			continue
		fi
		read -r _ u s <"$tmp/t"
		awk -v u="$u" -v s="$s" 'BEGIN {printf "%.4f\n", u + s}' >>"$tmp/cpu.$run"
		rm -f "$tmp/body"
	done
done

declare -A cpu
echo "http-get chunked vs Content-Length, body to ${SINK/null//dev/null} (median of $ROUNDS rounds; CPU = client user+sys s/GiB):"
for run in "${runs[@]}"; do
	[ -s "$tmp/cpu.$run" ] || continue
	cpu[$run]=$(median <"$tmp/cpu.$run")
	printf '  %-13s %-5s CPU %7.3f s/GiB\n' "${run%.*}" "${run#*.}" "${cpu[$run]}"
done

# bench A B NAME PEER TARGET: one BENCH line, A / B (runs client.body)
bench() {
	local a=${cpu[$1]:-} b=${cpu[$2]:-} ratio
	[ -n "$a" ] && [ -n "$b" ] || return 0
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
	echo "BENCH|http-get $3, to $SINK: CPU s/GiB|$a|$4|$b|$ratio|$5|$(spread "$(cat "$tmp/cpu.$1")" "$(cat "$tmp/cpu.$2")" "$ratio" "$5")"
}
bench sockbox.c16k sockbox.cl "16 KiB chunks vs Content-Length (spliced)" "sockbox cl" "<=1.1"
bench sockbox.c1m sockbox.cl "1 MiB chunks vs Content-Length (spliced)" "sockbox cl" "<=1.1"
bench sockbox-read.c16k sockbox-read.cl "16 KiB chunks vs Content-Length (read path)" "sockbox-read cl" "<=1.1"
bench sockbox.c16k sockbox-read.c16k "16 KiB chunks, spliced vs read path" "sockbox-read c16k" "-"
bench sockbox.c16k curl.c16k "16 KiB chunks" "curl c16k" "-"
bench sockbox.cl curl.cl "Content-Length (spliced)" "curl cl" "<=0.6"
[ -n "${cpu[curl.c16k]:-}" ] && [ -n "${cpu[curl.cl]:-}" ] &&
	awk -v a="${cpu[curl.c16k]}" -v b="${cpu[curl.cl]}" 'BEGIN {printf "  (curl itself: 16 KiB chunks cost %.2fx its Content-Length)\n", (b > 0 ? a / b : 0)}'
