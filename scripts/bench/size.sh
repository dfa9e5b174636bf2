#!/usr/bin/env bash
# Binary size and start-up time: stripped build/sockbox next to busybox and
# iputils ping; `sockbox ping --help` against `ping --help`, alternating
# batches of runs in the same process tree (the order reversed every other
# round), medians of 7 batches.
set -u
. "$(dirname "$0")/lib.sh"
: "${SOCKBOX:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
strip -o "$tmp/sockbox" "$SOCKBOX"
size_of() { stat -c %s "$1"; }
sb=$(size_of "$tmp/sockbox")
bb=$(command -v busybox) && strip -o "$tmp/busybox" "$bb" 2>/dev/null || cp "$bb" "$tmp/busybox"
pg=/usr/bin/ping
echo "stripped size: sockbox $sb B, busybox $(size_of "$tmp/busybox") B, iputils ping $(size_of $pg) B"
kib() { awk -v b="$1" 'BEGIN{printf "%.0f KiB", b/1024}'; }
echo "BENCH|stripped binary size (all applets)|$(kib "$sb")|busybox|$(kib "$(size_of "$tmp/busybox")")|$(awk -v a="$sb" -v b="$(size_of "$tmp/busybox")" 'BEGIN{printf "%.2fx", a/b}')|< 200 KiB|-"
echo "BENCH|stripped binary size|$(kib "$sb")|iputils ping|$(kib "$(size_of $pg)")|$(awk -v a="$sb" -v b="$(size_of $pg)" 'BEGIN{printf "%.2fx", a/b}')|-|-"

# start-up: N runs of each command per batch, batches alternate
N=200
batch() { # prints seconds for N runs of "$@"
	local s e
	s=$(date +%s%N)
	for ((i = 0; i < N; i++)); do "$@" >/dev/null 2>&1; done
	e=$(date +%s%N)
	echo $(( (e - s) / N / 1000 ))
}
applet=ping
"$SOCKBOX" --list | grep -qx ping || applet=selftest
sbt=() pgt=()
for r in 1 2 3 4 5 6 7; do
	for who in $(round_order "$r" sockbox iputils); do
		case $who in
		sockbox) sbt+=("$(batch "$SOCKBOX" $applet --help)") ;;
		iputils) pgt+=("$(batch $pg --help)") ;;
		esac
	done
done
med() { printf '%s\n' "$@" | sort -n | sed -n 4p; }
ms=$(med "${sbt[@]}"); mp=$(med "${pgt[@]}")
echo "start-up (median of 7 batches of $N): sockbox $applet --help ${ms} us, ping --help ${mp} us"
r=$(awk -v a="$ms" -v b="$mp" 'BEGIN{printf "%.2fx", a/b}')
echo "BENCH|start-up: $applet --help|${ms} us|iputils ping --help|${mp} us|$r|<= 1.0x|$(spread "${sbt[*]}" "${pgt[*]}" "$r" "<= 1.0x")"
