#!/usr/bin/env bash
# ping: a differential suite against iputils ping 20221126 (/usr/bin/ping).
# The same command line runs under both; exit status, stdout and stderr are
# compared line by line with times, timestamps and identifiers masked.
# As root, then as a non-root user with cap_net_raw+p copies of both; then
# in network namespaces: path MTU (client - router - server, far link MTU
# 1400), broadcast with two responders, -R/-T through a router, -Q on the
# wire, -m counted by nftables, --until-reply waiting for a name and a
# route that appear later.
. "$(dirname "$0")/lib.sh"
need_root
need ip nft setpriv setcap timeout unshare
IPUTILS=/usr/bin/ping
[ -x "$IPUTILS" ] || skip_all "iputils ping not installed"
"$IPUTILS" -V 2>/dev/null | grep -q 'iputils 20221126' || skip_all "iputils ping is not 20221126"
PING="$SOCKBOX_BIN/ping"
T() { timeout -k 2 15 "$@"; }

# Mask what varies run to run.  iputils prefixes errors with argv[0] as
# given ("/usr/bin/ping: "), sockbox with the applet name ("ping: ").
mask() {
	sed -E -e 's#^[^ :]*/ping6?: #ping: #' \
	    -e 's/time=[0-9.]+ ms/time=T ms/' -e 's/time [0-9]+ms/time Nms/' \
	    -e 's#= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms#= A/B/C/D ms#' \
	    -e 's#ipg/ewma [0-9.]+/[0-9.]+ ms#ipg/ewma I/E ms#' \
	    -e 's/^\[[0-9]+\.[0-9]{6}\] /[S] /' -e 's/ident=[0-9]+/ident=I/' \
	    -e 's/[0-9]+ absolute/N absolute/' -e 's/flow 0x[0-9a-f]{5}/flow 0xF/' -e 's/^(TS: )?\t([0-9.]+\t)?[0-9]+$/\1\t\2N/'
}

# diff_case DESC [PREFIX... --] ARGS...: REF and OURS are the two binaries.
REF=$IPUTILS OURS=$PING
diff_case() {
	local desc=$1; shift
	local pre=() a b ra rb try
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do pre+=("$1"); shift; done; shift
	fi
	for try in 1 2; do
		a=$(T "${pre[@]}" "$REF" "$@" 2>&1); ra=$?
		b=$(T "${pre[@]}" "$OURS" "$@" 2>&1); rb=$?
		a=$(mask <<<"$a"); b=$(mask <<<"$b")
		[ "$a" = "$b" ] && [ "$ra" = "$rb" ] && break
	done
	if [ "$a" = "$b" ] && [ "$ra" = "$rb" ]; then ok "$desc: ping $* (exit $rb)"
	else fail "$desc: ping $*" "$(diff <(printf 'rc %s\n%s\n' "$ra" "$a") <(printf 'rc %s\n%s\n' "$rb" "$b"))"; fi
}

# ---- command lines: as root, then as a user with cap_net_raw+p copies ----
BAD=( # usage errors and bad values
	"-c 0 127.0.0.1" "-c -1 127.0.0.1" "-c abc 127.0.0.1" "-c 99999999999999999999 127.0.0.1"
	"-s -1 127.0.0.1" "-s 2147483648 127.0.0.1" "-t 256 127.0.0.1" "-t x 127.0.0.1"
	"-l 0 127.0.0.1" "-l 65537 127.0.0.1" "-w abc 127.0.0.1" "-w 0.5 127.0.0.1"
	"-W -1 127.0.0.1" "-e 65536 127.0.0.1" "-m -1 127.0.0.1" "-S 0 127.0.0.1"
	"-M foo 127.0.0.1" "-Q 256 127.0.0.1" "-Q 0x100 127.0.0.1" "-Q zz 127.0.0.1"
	"-T foo 127.0.0.1" "-F 0x100000 ::1" "-F zz ::1" "-p xyz 127.0.0.1"
	"-4 -6 127.0.0.1" "-R -T tsonly 127.0.0.1" "-T tsonly -R 127.0.0.1" "-N foo ::1"
	"-N help ::1" "-4 ::1" "-6 127.0.0.1" "-t 0 127.0.0.1" ""
)
GOOD=( # every option alone and common combinations (replies on loopback)
	"-c 1 127.0.0.1" "-c 1 ::1" "-c 1 localhost" "-c 1 -4 localhost" "-c 1 -6 localhost"
	"-c 1 -a 127.0.0.1" "-c 2 -A 127.0.0.1" "-c 1 -b 127.0.0.1" "-c 1 -B 127.0.0.1"
	"-c 1 -C 127.0.0.1" "-c 1 -d 127.0.0.1" "-c 1 -D 127.0.0.1" "-c 1 -e 4321 127.0.0.1"
	"-c 1 -I lo 127.0.0.1" "-c 1 -I 127.0.0.1 127.0.0.1" "-c 1 -I lo ::1" "-c 1 -I ::1 ::1"
	"-c 2 -i 0.2 127.0.0.1" "-c 2 -i 0.2 ::1" "-c 2 -l 2 -i 0.2 127.0.0.1" "-c 1 -L 127.0.0.1"
	"-c 1 -M do 127.0.0.1" "-c 1 -M want 127.0.0.1" "-c 1 -M dont 127.0.0.1" "-c 1 -M do ::1"
	"-c 1 -W 0.3 -M do -s 65508 127.0.0.1" "-c 1 -W 0.3 -s 65508 127.0.0.1" "-c 1 -W 0.3 -M do -s 70000 127.0.0.1"
	"-c 1 -n localhost" "-c 2 -i 0.2 -O 127.0.0.1" "-c 1 -p ff 127.0.0.1" "-c 1 -p 0102abc 127.0.0.1"
	"-c 2 -i 0.2 -q 127.0.0.1" "-c 1 -Q 16 127.0.0.1" "-c 1 -Q 0x10 127.0.0.1" "-c 1 -Q 0x20 ::1"
	"-c 1 -r 127.0.0.1" "-c 1 -R 127.0.0.1" "-c 2 -i 0.2 -R 127.0.0.1" "-c 1 -T tsonly 127.0.0.1"
	"-c 1 -T tsandaddr 127.0.0.1" "-c 1 -T tsprespec 127.0.0.1" "-c 1 -s 0 127.0.0.1"
	"-c 1 -s 8 127.0.0.1" "-c 1 -s 16 ::1" "-c 1 -s 1000 ::1" "-c 1 -S 4096 127.0.0.1"
	"-c 1 -t 1 127.0.0.1" "-c 1 -t 255 ::1" "-c 1 -U 127.0.0.1" "-c 1 -v 127.0.0.1"
	"-c 1 -v ::1" "-w 1 -c 2 -i 0.2 127.0.0.1" "-c 1 -W 0.5 127.0.0.1" "-c 1 -N name 127.0.0.1"
	"-c 2 -i 0.2 -D -O -n 127.0.0.1" "-c 1 -q -s 100 -p 0f ::1" "-c 3 -i 0.2 -a -D -R 127.0.0.1"
	"-c 1 -i abc 127.0.0.1" "-c 1 -W 1x 127.0.0.1"
)
ROOT_ONLY=( "-c 1 -e 0 127.0.0.1" "-c 3 -f 127.0.0.1" "-c 2 -i 0.001 127.0.0.1" "-c 1 -m 7 127.0.0.1"
	"-c 1 -F 0 ::1" "-c 3 -l 5 127.0.0.1" "-c 2 -i 0 127.0.0.1" )
USER_ONLY=( "-c 1 -f 127.0.0.1" "-c 1 -i 0.001 127.0.0.1" "-c 1 -l 4 127.0.0.1" "-c 1 -m 7 127.0.0.1" )

for args in "${BAD[@]}"; do diff_case "root, bad" $args; done
for args in "${GOOD[@]}" "${ROOT_ONLY[@]}"; do diff_case "root" $args; done

U=$(test_user)
chmod 755 "$TEST_TMP"
mkdir -m 755 "$TEST_TMP/ref" "$TEST_TMP/ours"
cp "$IPUTILS" "$TEST_TMP/ref/ping"; cp "$SOCKBOX" "$TEST_TMP/ours/sockbox"
ln -s sockbox "$TEST_TMP/ours/ping"
chmod 755 "$TEST_TMP/ref/ping" "$TEST_TMP/ours/sockbox"
setcap cap_net_raw+p "$TEST_TMP/ref/ping"; setcap cap_net_raw+p "$TEST_TMP/ours/sockbox"
REF=$TEST_TMP/ref/ping OURS=$TEST_TMP/ours/ping
AS_U=(setpriv --reuid "$U" --regid "$U" --clear-groups --inh-caps=-all)
for args in "${BAD[@]:0:12}" "-N help ::1" ""; do diff_case "user, bad" "${AS_U[@]}" -- $args; done
for args in "${GOOD[@]}" "${USER_ONLY[@]}"; do diff_case "user" "${AS_U[@]}" -- $args; done
REF=$IPUTILS OURS=$PING

out=$(T "$PING" -V); rc=$?
[ "$rc" = 0 ] && grep -q '^ping from sockbox .*iputils 20221126' <<<"$out" &&
	ok "-V names sockbox and the iputils release" || fail "-V names sockbox and the iputils release" "$out"

done_testing
