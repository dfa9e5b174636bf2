#!/usr/bin/env bash
# valgrind memcheck over the client runs: no invalid accesses, no
# uninitialised reads, no leaks (definitely/indirectly lost), clean fds.
. "$(dirname "$0")/lib.sh"
need valgrind python3 timeout
grep -qa __asan_init "$SOCKBOX" && skip_all "sanitizer build (ASan and valgrind do not mix)"
HERE=$(cd "$(dirname "$0")" && pwd)
applets=$("$SOCKBOX" --list)
has() { grep -qx "$1" <<<"$applets"; }

vg() { # DESC EXPECTED_RC APPLET ARGS...
	local desc=$1 want=$2; shift 2
	local log="$TEST_TMP/vg.log"
	timeout -k 5 120 valgrind --tool=memcheck --error-exitcode=99 \
		--leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --track-fds=no \
		--log-file="$log" "$SOCKBOX" "$@" >/dev/null 2>&1 </dev/null
	local rc=$?
	if [ "$rc" = "$want" ] && grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
		ok "memcheck clean: $desc"
	else
		fail "memcheck clean: $desc" "rc=$rc (want $want)
$(grep -E 'Invalid|uninitialised|definitely|indirectly|ERROR SUMMARY' "$log" | head -8)"
	fi
}

if has tcp-echo; then
	start_server E "$SOCKBOX" tcp-echo -l -b 127.0.0.1 0
	vg "tcp-echo probe" 0 tcp-echo -c 3 -i 0.01 -s 2000 127.0.0.1 "$E_PORT"
	vg "tcp-echo --json probe" 0 tcp-echo --json -c 2 -i 0.01 127.0.0.1 "$E_PORT"
	vg "tcp-echo bench" 0 tcp-echo --bench -C 20 -d 0.5 127.0.0.1 "$E_PORT"
	vg "tcp-echo refused" 1 tcp-echo -c 1 -W 1 127.0.0.1 1
	stop_server E
fi
if has udp-echo; then
	start_server U "$SOCKBOX" udp-echo -l -b 127.0.0.1 0
	vg "udp-echo probe" 0 udp-echo -c 3 -i 0.01 127.0.0.1 "$U_PORT"
	vg "udp-echo bench" 0 udp-echo --bench -C 8 -d 0.5 127.0.0.1 "$U_PORT"
	stop_server U
fi
if has http-get; then
	start_server H python3 "$HERE/http_server.py"
	base="http://127.0.0.1:$H_PORT"
	vg "http-get Content-Length" 0 http-get -q "$base/cl"
	vg "http-get chunked + trailers" 0 http-get -q -S "$base/chunked"
	vg "http-get redirects" 0 http-get -q -L "$base/redirect-307"
	vg "http-get --json" 0 http-get --json "$base/cl"
	vg "http-get truncated (18)" 18 http-get -q "$base/truncated-chunked"
	vg "http-get malformed (8)" 8 http-get -q "$base/bad-chunk-size"
	vg "http-get -O to a file" 0 http-get -q -O "$TEST_TMP/o" "$base/big"
	vg "http-get refused (7)" 7 http-get -q http://127.0.0.1:1/
fi
if has tcp-watch; then
	vg "tcp-watch --once" 0 tcp-watch --once
	vg "tcp-watch --once -e --json" 0 tcp-watch --once -e --json
	vg "tcp-watch watch --count" 0 tcp-watch --duration 0.5
fi
if has probe; then
	# numeric targets only: glibc's lookup threads keep per-thread resolver
	# state that memcheck reports as lost (not ours)
	start_server PE "$SOCKBOX" tcp-echo -l -b 127.0.0.1 0
	start_server PH python3 "$HERE/http_server.py"
	vg "probe tcp/http/unix, json" 1 probe -t 2 --format json "tcp://127.0.0.1:$PE_PORT" \
		tcp://127.0.0.1:1 "http://127.0.0.1:$PH_PORT/cl" "http://127.0.0.1:$PH_PORT/bad-chunk-size" \
		"unix://$TEST_TMP/none.sock"
	vg "probe send/expect, junit" 0 probe -t 2 -s 'ping\n' -e ping --format junit "tcp://127.0.0.1:$PE_PORT"
	vg "probe --wait at --timeout, tap" 1 probe --wait -t 0.5 --format tap tcp://127.0.0.1:1
	stop_server PE
fi
if has ping && [ "$(id -u)" = 0 ]; then
	vg "ping -c 3 127.0.0.1" 0 ping -c 3 -i 0.01 127.0.0.1
	vg "ping -c 2 ::1" 0 ping -c 2 -i 0.01 ::1
fi
done_testing
