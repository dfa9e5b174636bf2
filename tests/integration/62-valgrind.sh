#!/usr/bin/env bash
# valgrind memcheck over the client runs: no invalid accesses, no
# uninitialised reads, no leaks (definitely/indirectly lost), no descriptor
# left open at exit beyond stdin/stdout/stderr and those inherited.
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
		--errors-for-leak-kinds=definite,indirect --track-fds=yes \
		--log-file="$log" "$SOCKBOX" "$@" >/dev/null 2>&1 </dev/null
	local rc=$?
	# descriptors open at exit that the program opened itself (valgrind
	# lists each as "Open file descriptor N: ..." then where it came from)
	local fds
	fds=$(awk '/Open (file|AF_[A-Z0-9]* socket) descriptor [0-9]+/ { d = $0; sub(/^==[0-9]+== /, "", d); next }
		d != "" { if ($0 !~ /inherited from parent/) print d; d = "" }' "$log")
	if [ "$rc" = "$want" ] && grep -q 'ERROR SUMMARY: 0 errors' "$log" && grep -q 'FILE DESCRIPTORS: ' "$log" && [ -z "$fds" ]; then
		ok "memcheck clean: $desc"
	else
		fail "memcheck clean: $desc" "rc=$rc (want $want)
$(grep -E 'Invalid|uninitialised|definitely|indirectly|ERROR SUMMARY' "$log" | head -8)
${fds:+left open at exit: $fds}"
	fi
}

if has tcp-echo; then
	start_server E "$SOCKBOX" tcp-echo -l -b 127.0.0.1 0
	vg "tcp-echo probe" 0 tcp-echo -c 3 -i 0.01 -s 2000 127.0.0.1 "$E_PORT"
	vg "tcp-echo --json probe" 0 tcp-echo --json -c 2 -i 0.01 127.0.0.1 "$E_PORT"
	vg "tcp-echo bench" 0 tcp-echo --bench -C 20 -d 0.5 127.0.0.1 "$E_PORT"
	vg "tcp-echo refused" 1 tcp-echo -c 1 -W 1 127.0.0.1 1
	head -c 300000 /dev/urandom >"$TEST_TMP/in"
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --log-file="$TEST_TMP/vgs.log" \
		"$SOCKBOX" tcp-echo --stdin 127.0.0.1 "$E_PORT" <"$TEST_TMP/in" >"$TEST_TMP/out" 2>/dev/null
	rc=$?
	[ $rc = 0 ] && cmp -s "$TEST_TMP/in" "$TEST_TMP/out" && ok "memcheck clean: tcp-echo --stdin (300 kB through)" \
		|| fail "memcheck clean: tcp-echo --stdin" "rc=$rc $(head -8 "$TEST_TMP/vgs.log")"
	stop_server E
else
	skip "memcheck clean: tcp-echo" "no tcp-echo applet in this build"
fi
if has uds-echo; then
	start_server X "$SOCKBOX" uds-echo -l "$TEST_TMP/x.sock"
	vg "uds-echo probe" 0 uds-echo -c 3 -i 0.01 -s 2000 "$TEST_TMP/x.sock"
	vg "uds-echo bench" 0 uds-echo --bench -C 8 -d 0.5 "$TEST_TMP/x.sock"
	head -c 300000 /dev/urandom >"$TEST_TMP/uin"
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --log-file="$TEST_TMP/vgu.log" \
		"$SOCKBOX" uds-echo --stdin "$TEST_TMP/x.sock" <"$TEST_TMP/uin" >"$TEST_TMP/uout" 2>/dev/null
	rc=$?
	[ $rc = 0 ] && cmp -s "$TEST_TMP/uin" "$TEST_TMP/uout" && ok "memcheck clean: uds-echo --stdin (300 kB through)" \
		|| fail "memcheck clean: uds-echo --stdin" "rc=$rc $(head -8 "$TEST_TMP/vgu.log")"
	stop_server X
	start_server XD "$SOCKBOX" uds-echo -l --type dgram "$TEST_TMP/xd.sock"
	vg "uds-echo --type dgram probe" 0 uds-echo --type dgram -c 3 -i 0.01 "$TEST_TMP/xd.sock"
	stop_server XD
else
	skip "memcheck clean: uds-echo" "no uds-echo applet in this build"
fi
if has udp-echo; then
	start_server U "$SOCKBOX" udp-echo -l -b 127.0.0.1 0
	vg "udp-echo probe" 0 udp-echo -c 3 -i 0.01 127.0.0.1 "$U_PORT"
	vg "udp-echo bench" 0 udp-echo --bench -C 8 -d 0.5 127.0.0.1 "$U_PORT"
	stop_server U
else
	skip "memcheck clean: udp-echo" "no udp-echo applet in this build"
fi
if has http-get; then
	start_server H python3 "$HERE/http_server.py"
	base="http://127.0.0.1:$H_PORT"
	vg "http-get Content-Length" 0 http-get -sS "$base/cl"
	vg "http-get chunked + trailers" 0 http-get -sS -v "$base/chunked"
	vg "http-get redirects" 0 http-get -sS -L "$base/redirect-307"
	vg "http-get --json" 0 http-get --json "$base/cl"
	vg "http-get truncated (18)" 18 http-get -sS "$base/truncated-chunked"
	vg "http-get malformed (56)" 56 http-get -sS "$base/bad-chunk-size"
	vg "http-get -O to a file" 0 http-get -sS -o "$TEST_TMP/o" "$base/big"
	vg "http-get refused (7)" 7 http-get -sS http://127.0.0.1:1/
else
	skip "memcheck clean: http-get" "no http-get applet in this build"
fi
if has tcp-watch; then
	vg "tcp-watch --once" 0 tcp-watch --once
	vg "tcp-watch --once -e --json" 0 tcp-watch --once -e --json
	vg "tcp-watch --once -a -p -o -i -m" 0 tcp-watch --once -a -p -o -i -m
	vg "tcp-watch --summary -p with a filter" 0 tcp-watch --summary -p state established "( sport > :1024 or dst 127.0.0.0/8 )"
	vg "tcp-watch watch --duration" 0 tcp-watch --duration 0.5
	vg "tcp-watch watch --count" 0 tcp-watch --count 1 --duration 5
else
	skip "memcheck clean: tcp-watch" "no tcp-watch applet in this build"
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
	vg "ping6 -c 2 ::1" 0 ping6 -c 2 -i 0.01 ::1
else
	skip "memcheck clean: ping, ping6" "needs root and the ping applet"
fi
done_testing
