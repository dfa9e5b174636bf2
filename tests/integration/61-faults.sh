#!/usr/bin/env bash
# Fault injection across applets: peers that close at every byte of a
# response, trickle, or announce absurd sizes.  Each case must end with
# the documented exit code within its time bound: never a hang or a spin.
. "$(dirname "$0")/lib.sh"
need python3 timeout
applets=$("$SOCKBOX" --list)
has() { grep -qx "$1" <<<"$applets"; }

if has http-get; then
	# /cut/V/K: the first K bytes of response V, then close.
	start_server C python3 -c '
import socket, threading
R = {
 "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
            b"5;e=1\r\nhello\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n",
 "length":  b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world",
 "huge":    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\nabc",
 "interim": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
}
def serve(c):
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d: break
        req += d
    path = req.split(b" ")[1].decode()
    if path.startswith("/cut/"):
        _, _, v, k = path.split("/")
        c.sendall(R[v][:int(k)])
    elif path.startswith("/full/"):
        c.sendall(R[path.split("/")[2]])
    c.close()
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
'
	# each response's length and where its (final) header section ends: a
	# cut before that end is a malformed reply (8), after it a partial body (18)
	cuts=$(python3 -c '
R = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n5;e=1\r\nhello\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n",
     b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world",
     b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"]
print(" ".join("%d:%d" % (len(r), r.index(b"\r\n\r\n", r.index(b"HTTP/1.1 2")) + 4) for r in R))')
	read -r R1 R2 R3 <<<"$cuts"
	for v in chunked:$R1 length:$R2 interim:$R3; do
		name=${v%%:*} n=${v#*:} hdr=${v##*:}
		n=${n%%:*}
		bad=""
		for ((k = 0; k < n; k++)); do
			timeout -k 2 5 "$SOCKBOX" http-get -sS -m 3 "http://127.0.0.1:$C_PORT/cut/$name/$k" >/dev/null 2>"$TEST_TMP/err"
			rc=$?
			lines=$(wc -l <"$TEST_TMP/err")
			want=18; [ "$k" -lt "$hdr" ] && want=8
			# nothing at all: 8, or curl's 52 ("empty reply") once http-get
			# takes curl's exit codes (the http branch)
			[ "$k" = 0 ] && [ "$rc" = 52 ] && want=52
			[ "$rc" = "$want" ] || bad="$bad k=$k:rc=$rc(want $want)"
			[ "$lines" = 1 ] || bad="$bad k=$k:lines=$lines"
		done
		[ -z "$bad" ] && ok "http-get: $name response closed at each of its $n bytes: exit 8 in the $hdr header bytes, 18 after, one stderr line" \
			|| fail "http-get: $name closed early" "$bad"
		timeout 5 "$SOCKBOX" http-get -sS "http://127.0.0.1:$C_PORT/full/$name" >/dev/null 2>&1
		expect_eq "http-get: $name complete response: exit 0" 0 $?
	done
	out=$(timeout -k 2 5 "$SOCKBOX" http-get -sS -m 3 "http://127.0.0.1:$C_PORT/full/huge" 2>&1 >/dev/null); rc=$?
	[ "$rc" = 18 ] || [ "$rc" = 8 ] && ok "http-get: 2^63 chunk then close: exit $rc ($out)" || fail "http-get: 2^63 chunk" "rc=$rc $out"

	# endless headers: the header-section bound fires, memory stays small
	start_server EH python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
c, _ = s.accept(); c.recv(4096)
c.sendall(b"HTTP/1.1 200 OK\r\n")
try:
    while True: c.sendall(b"X-Endless: " + b"y" * 100 + b"\r\n")
except OSError: pass
'
	/usr/bin/time -f '%M' -o "$TEST_TMP/mem" timeout -k 2 10 "$SOCKBOX" http-get -sS "http://127.0.0.1:$EH_PORT/" >/dev/null 2>"$TEST_TMP/err"; rc=$?
	kb=$(tail -1 "$TEST_TMP/mem")
	# against the same binary fetching a tiny response (sanitizer builds
	# have a much larger baseline): the bound keeps it within 4 MiB of that
	/usr/bin/time -f '%M' -o "$TEST_TMP/mem0" timeout 5 "$SOCKBOX" http-get -sS "http://127.0.0.1:$C_PORT/full/length" >/dev/null 2>&1
	base=$(tail -1 "$TEST_TMP/mem0")
	[ "$rc" = 8 ] && [ "$kb" -lt $((base + 4096)) ] && ok "http-get: endless headers: exit 8, peak RSS ${kb} kB (baseline ${base} kB)" || fail "http-get: endless headers" "rc=$rc rss=$kb base=$base $(cat "$TEST_TMP/err")"

	# a trickling server: 1 byte a second; -T 1 idle timeout does not fire
	# (bytes keep coming), --max-time 2 does: exit 28 in about 2 s
	start_server TR python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
c, _ = s.accept(); c.recv(4096)
for b in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100:
    try: c.sendall(bytes([b]))
    except OSError: break
    time.sleep(0.4)
'
	s=$(date +%s%N)
	timeout -k 2 10 "$SOCKBOX" http-get -sS --max-time 2 "http://127.0.0.1:$TR_PORT/" >/dev/null 2>&1; rc=$?
	ms=$(( ($(date +%s%N) - s) / 1000000 ))
	[ "$rc" = 28 ] && [ "$ms" -ge 1900 ] && [ "$ms" -lt 4000 ] && ok "http-get: trickle: --max-time fires (exit 28 after ${ms} ms)" || fail "http-get: trickle" "rc=$rc ms=$ms"
else
	skip "http-get: responses cut at every byte, 2^63 chunk, endless headers, trickle" "no http-get applet in this build"
fi
done_testing
