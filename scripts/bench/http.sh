#!/usr/bin/env bash
# http-get throughput: client CPU seconds (user+sys) per GiB and wall time,
# sockbox vs curl, wget and busybox wget, all downloading to /dev/null from
# a local C server (http_bench_server.c, built here; forks per connection,
# writes prebuilt blocks, so it is not the bottleneck) in the same run,
# alternating, ROUNDS times each; medians and ratios to curl.  "sockbox" is
# the default data path (a Content-Length body is splice()d to the output);
# "sockbox-read" is the same binary with SOCKBOX_NO_SPLICE=1 (every byte
# read into user space, as the chunked path must).  The order of the
# clients is reversed every other round; CPU from wait4's resource usage
# (http_measure.py).  Workloads:
#   cl    1 GiB with Content-Length
#   c16k  1 GiB in 16 KiB chunks
#   c100  100 MiB in 100-byte chunks
#   tls   1 GiB with Content-Length over TLS 1.3 (AES-GCM; the Python server
#         of http_bench_server.py with a throwaway certificate), sockbox and
#         curl only, both verifying it (--cacert)
# Targets (issue 12): cl <= 0.6x curl's CPU per GiB; c16k <= 1.1x sockbox's
# own cl (printed against both the splice and the read path); c100 <= 1.0x
# curl; (issue 13) tls <= 1.0x curl.  WORKLOADS="tls" runs only that row.
set -u
cd "$(dirname "$0")"
. ./lib.sh
: "${SOCKBOX:?set SOCKBOX to the built binary}"
ROUNDS=${ROUNDS:-3}      # every client, wget's 10-30 s runs on c100 too
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

http_bench_server "$tmp" || exit 1
srv=$HB_PID base=$HB_BASE

# the TLS server: the same bodies behind a throwaway certificate
tls_base=
if command -v openssl >/dev/null &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
	mkfifo "$tmp/ready2"
	python3 ./http_bench_server.py "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/ready2" &
	srv2=$!
	trap '[ -n "$srv" ] && kill "$srv" "$srv2" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
	exec {fd2}<"$tmp/ready2"
	IFS= read -r -t 10 -u "$fd2" line && tls_base="https://localhost:${line##*:}"
fi
tls_opt=()

clients=(sockbox sockbox-read curl)
command -v wget >/dev/null && clients+=(wget)
command -v busybox >/dev/null && clients+=(busybox-wget)

client_cmd() { # client url -> command line in CMD (stdout goes to /dev/null)
	case $1 in
	sockbox) CMD=("$SOCKBOX" http-get -s "${tls_opt[@]}" "$2") ;;
	sockbox-read) CMD=(env SOCKBOX_NO_SPLICE=1 "$SOCKBOX" http-get -s "$2") ;;
	curl) CMD=(curl -s "${tls_opt[@]}" "$2") ;;
	wget) CMD=(wget -q -O - "$2") ;;
	busybox-wget) CMD=(busybox wget -q -O - "$2") ;;
	esac
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A cpu wall
read -r -a workloads <<<"${WORKLOADS:-cl c16k c100 tls}"
[ -n "$tls_base" ] || read -r -a workloads <<<"${workloads[*]/tls/}"
declare -A gib=([cl]=1 [c16k]=1 [c100]=0.09765625 [tls]=1)
declare -A label=([cl]="1 GiB Content-Length" [c16k]="1 GiB in 16 KiB chunks" [c100]="100 MiB in 100-byte chunks" [tls]="https 1 GiB Content-Length, TLS 1.3")
declare -A target=([cl]="<=0.6" [c16k]="-" [c100]="<=1.0" [tls]="<=1.0")

for w in "${workloads[@]}"; do
	for r in $(seq "$ROUNDS"); do
		for c in $(round_order "$r" "${clients[@]}"); do
			case $c in
			sockbox|curl) ;;
			*) [ "$w" != tls ] || continue ;;  # wget: no TLS row
			esac
			tls_opt=() url="$base/$w"
			[ "$w" = tls ] && tls_opt=(--cacert "$tmp/cert.pem") url="$tls_base/cl"
			client_cmd "$c" "$url"
			if ! python3 ./http_measure.py "${CMD[@]}" >"$tmp/t" 2>"$tmp/err"; then
				echo "$c $w failed: $(cat "$tmp/err")" >&2
				continue
			fi
			read -r e u s <"$tmp/t"
			echo "$u $s ${gib[$w]}" | awk '{printf "%.4f\n", ($1+$2)/$3}' >>"$tmp/cpu.$w.$c"
			printf '%.3f\n' "$e" >>"$tmp/wall.$w.$c"
		done
	done
	echo "${label[$w]} (median of the rounds; CPU = client user+sys seconds per GiB):"
	for c in "${clients[@]}"; do
		[ -s "$tmp/cpu.$w.$c" ] || continue
		cpu[$w.$c]=$(median <"$tmp/cpu.$w.$c")
		wall[$w.$c]=$(median <"$tmp/wall.$w.$c")
		printf '  %-13s CPU %8.3f s/GiB   wall %7.3f s   (%d runs)\n' "$c" "${cpu[$w.$c]}" "${wall[$w.$c]}" "$(wc -l <"$tmp/cpu.$w.$c")"
	done
	sb=${cpu[$w.sockbox]:-}
	[ -n "$sb" ] || continue
	for c in "${clients[@]}"; do
		[ "$c" = sockbox ] || [ "$c" = sockbox-read ] && continue
		pv=${cpu[$w.$c]:-}
		[ -n "$pv" ] || continue
		ratio=$(awk -v a="$sb" -v b="$pv" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
		t="-"; [ "$c" = curl ] && t=${target[$w]}
		echo "BENCH|http-get ${label[$w]}: CPU s/GiB|$sb|$c|$pv|$ratio|$t|$(spread "$(cat "$tmp/cpu.$w.sockbox")" "$(cat "$tmp/cpu.$w.$c")" "$ratio" "$t")"
		wr=$(awk -v a="${wall[$w.sockbox]}" -v b="${wall[$w.$c]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
		echo "BENCH|http-get ${label[$w]}: wall s|${wall[$w.sockbox]}|$c|${wall[$w.$c]}|$wr|-|$(spread "$(cat "$tmp/wall.$w.sockbox")" "$(cat "$tmp/wall.$w.$c")" "$wr" -)"
	done
done

# the chunked path against the Content-Length path, same binary, same run
for base_c in sockbox sockbox-read; do
	a=${cpu[c16k.$base_c]:-} b=${cpu[cl.$base_c]:-}
	[ -n "$a" ] && [ -n "$b" ] || continue
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
	echo "BENCH|http-get 16 KiB chunks vs Content-Length ($base_c): CPU s/GiB|$a|$base_c cl|$b|$ratio|<=1.1|$(spread "$(cat "$tmp/cpu.c16k.$base_c")" "$(cat "$tmp/cpu.cl.$base_c")" "$ratio" "<=1.1")"
done
