#!/usr/bin/env bash
# http-get against a scripted raw-socket server (http_server.py) and nginx.
# Every scripted response is held open afterwards unless it closes, so a
# client that waits for EOF instead of using the framing hits `timeout`.
. "$(dirname "$0")/lib.sh"
need python3 cmp
HG="$SOCKBOX_BIN/http-get"
HERE=$(cd "$(dirname "$0")" && pwd)

start_server S python3 "$HERE/http_server.py" || { fail "test server starts"; done_testing; }
U="http://127.0.0.1:$S_PORT"

# hg NAME ARGS...: run http-get bounded; sets RC, OUT (stdout), ERR (stderr)
hg() {
	local name=${1//[^A-Za-z0-9]/_}; shift
	OUT="$TEST_TMP/$name.out" ERR="$TEST_TMP/$name.err"
	${HG_PREFIX:-} timeout -k 1 10 "$HG" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}
# expect NAME RC BODY ARGS...: exit code and exact stdout
expect() {
	local name=$1 rc=$2 body=$3; shift 3
	hg "$name" "$@"
	local got
	got=$(cat "$OUT"; echo x)
	got=${got%x}
	if [ "$RC" = "$rc" ] && [ "$got" = "$body" ]; then
		ok "$name (exit $rc)"
	else
		fail "$name" "exit $RC (want $rc); stdout: $(printf '%q' "$got") (want $(printf '%q' "$body")); stderr: $(cat "$ERR")"
	fi
}
# expect_err NAME RC PATTERN ARGS...: exit code and ONE stderr line that
# matches (a usage error, exit 2, may add GNU's "Try '... --help'" line)
expect_err() {
	local name=$1 rc=$2 pat=$3; shift 3
	hg "$name" "$@"
	local lines
	lines=$(grep -vx "Try 'http-get --help' for more information." "$ERR" | wc -l)
	[ "$rc" = 2 ] || lines=$(wc -l <"$ERR")
	if [ "$RC" = "$rc" ] && head -1 "$ERR" | grep -q -- "$pat" && [ "$lines" = 1 ]; then
		ok "$name (exit $rc)"
	else
		fail "$name" "exit $RC (want $rc); stderr: $(cat "$ERR") (want /$pat/)"
	fi
}
now_ms() { date +%s%3N; }

# --- framing ---
expect "content-length, held open" 0 $'hello world\n' "$U/cl"
expect "identical duplicate content-length" 0 $'hello\n' "$U/cl-dup"
expect "chunked with extensions and trailers" 0 $'hello world\n' "$U/chunked"
expect "chunked, dribbled byte by byte" 0 "abcd" "$U/chunked-split"
expect "transfer-encoding wins over content-length" 0 "chunk" "$U/te-cl"
expect "close-delimited body" 0 $'until\r\nclose\n' "$U/close"
expect "HTTP/1.0 close-delimited" 0 "old style" "$U/http10"
expect "1xx responses skipped" 0 $'after interim\n' "$U/1xx"
expect "204 held open returns at once" 0 "" "$U/204"
expect "304 held open returns at once" 0 "" "$U/304"
expect "big chunked body to -O" 0 "" -s -o "$TEST_TMP/bc" "$U/big-chunked"
python3 -c 'import sys; p=bytes(range(256)); sys.stdout.buffer.write((p*4097)[:1<<20])' >"$TEST_TMP/big.ref"
check "big chunked body is byte-exact" cmp "$TEST_TMP/big.ref" "$TEST_TMP/bc"
expect "large chunks (spliced) to -o" 0 "" -s -o "$TEST_TMP/lc" "$U/big-chunks"
check "large chunks with extension, bare LF and trailers: byte-exact" cmp "$TEST_TMP/big.ref" "$TEST_TMP/lc"
timeout 10 "$HG" -s "$U/big-chunks" | cmp -s - "$TEST_TMP/big.ref" && ok "large chunks into a pipe: byte-exact" || fail "large chunks into a pipe"
SOCKBOX_NO_SPLICE=1 timeout 10 "$HG" -s "$U/big-chunks" | cmp -s - "$TEST_TMP/big.ref" && ok "large chunks, read path: byte-exact" || fail "large chunks, read path"
expect_err "closed inside a large chunk" 18 "before the last chunk" -o "$TEST_TMP/lct" "$U/big-chunks-truncated"
expect_err "large chunk not followed by CRLF" 56 "not followed by CRLF" -o "$TEST_TMP/lcb" "$U/big-chunks-bad-crlf"

# --- chunked bodies around the splice threshold (chunks of >= 4 KiB are
# spliced socket -> pipe -> output, only their framing is read) ---
mkdir -p "$TEST_TMP/ref"
ref() { # ROUTE FILE: the body a client must write for ROUTE
	python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import http_server as s
sys.stdout.buffer.write(s.REF[sys.argv[2]])' "$HERE" "$1" >"$2"
}
# same_body NAME FILE ROUTE ARGS...: http-get ARGS writes the body of
# ROUTE to FILE (-o FILE is among ARGS, or FILE is its stdout), exit 0
same_body() {
	local name=$1 f=$2 route=$3; shift 3
	[ -e "$TEST_TMP/ref$route" ] || ref "$route" "$TEST_TMP/ref$route"
	if cmp -s "$TEST_TMP/ref$route" "$f" && [ "$RC" = 0 ]; then ok "$name: byte-exact"
	else fail "$name" "exit $RC; $(cmp "$TEST_TMP/ref$route" "$f" 2>&1); $(cat "$ERR" 2>/dev/null)"; fi
}
for route in /splice-threshold /splice-split; do
	# the threshold sizes (4095, 4096, 4097, ...) and the dribbled framing
	hg "spl-file$route" -s -o "$TEST_TMP/spl.file" "$U$route"
	same_body "$route to -o FILE" "$TEST_TMP/spl.file" "$route"
	timeout 10 "$HG" -s "$U$route" 2>"$TEST_TMP/spl.err" | cat >"$TEST_TMP/spl.pipe"; RC=${PIPESTATUS[0]} ERR="$TEST_TMP/spl.err"
	same_body "$route into a pipe" "$TEST_TMP/spl.pipe" "$route"
	SOCKBOX_NO_SPLICE=1 hg "spl-read$route" -s -o "$TEST_TMP/spl.read" "$U$route"
	same_body "$route on the read path" "$TEST_TMP/spl.read" "$route"
	hg "spl-null$route" -s -o /dev/null -w '%{size_download} %{exitcode}\n' "$U$route"
	expect_eq "$route to /dev/null: -w size_download" "$(stat -c %s "$TEST_TMP/ref$route") 0" "$(cat "$OUT")"
done
# differential: curl writes the same bytes and the same -D (trailers
# after the header section) and -w size_download
if command -v curl >/dev/null; then
	curl -s -D "$TEST_TMP/spl.cd" -o "$TEST_TMP/spl.curl" -w '%{size_download}\n' "$U/splice-threshold" >"$TEST_TMP/spl.cw"
	hg spl-d -s -D "$TEST_TMP/spl.hd" -o "$TEST_TMP/spl.hgo" -w '%{size_download}\n' "$U/splice-threshold"
	cmp -s "$TEST_TMP/spl.curl" "$TEST_TMP/spl.hgo" && cmp -s "$TEST_TMP/spl.cd" "$TEST_TMP/spl.hd" &&
		cmp -s "$TEST_TMP/spl.cw" "$OUT" && grep -q '^X-Two: 2' "$TEST_TMP/spl.hd" &&
		ok "spliced chunks: body, -D with trailers and size_download as curl's" ||
		fail "spliced chunks against curl" "$(cat "$TEST_TMP/spl.cw" "$OUT" "$ERR")"
else
	skip "spliced chunks: body, -D and size_download as curl's" "curl not installed"
fi
hg spl-json --json -o "$TEST_TMP/spl.json" "$U/splice-threshold"
python3 -c '
import json, sys
j = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert j["exit"] == 0 and j["size_download_bytes"] == int(sys.argv[2]), j
assert j["trailers"] == [["X-Sum", "1"], ["X-Two", "2"]], j' "$OUT" "$(stat -c %s "$TEST_TMP/ref/splice-threshold")" 2>"$TEST_TMP/spl.py" &&
	ok "--json: trailers and size_download_bytes of a spliced chunked body" || fail "--json spliced chunks" "$(cat "$TEST_TMP/spl.py")"
# a peer closing after a spliced chunk's data, inside the next size line,
# inside the next chunk; bad framing after spliced data (curl's codes)
expect_err "closed after a spliced chunk's data" 18 "before the last chunk" -o "$TEST_TMP/spl.c1" "$U/splice-close-data"
expect_err "closed inside the size line after a spliced chunk" 18 "before the last chunk" -o "$TEST_TMP/spl.c2" "$U/splice-close-size"
expect_err "closed inside the chunk after a spliced one" 18 "before the last chunk" "$U/splice-close-next"
expect_eq "a closed transfer leaves no -o file" "" "$(ls "$TEST_TMP"/spl.c1 "$TEST_TMP"/spl.c2 2>/dev/null)"
expect_err "spliced chunk's data not followed by CRLF" 56 "not followed by CRLF" -o "$TEST_TMP/spl.b1" "$U/splice-bad-crlf"
expect_err "bad chunk size after a spliced chunk" 56 "invalid chunk size" "$U/splice-bad-size"
expect_eq "bad chunk size: the chunk before it, and only it, on stdout" "20000 same" \
	"$(stat -c %s "$OUT") $(cmp -s -n 20000 "$TEST_TMP/ref/splice-threshold" "$OUT" && echo same)"
# --max-filesize while spliced: refused before the bytes past it are
# written; exactly the size is allowed
expect_err "--max-filesize while splicing chunks" 63 "max-filesize" --max-filesize 30000 -o "$TEST_TMP/spl.mf" "$U/splice-threshold"
expect_eq "--max-filesize leaves no -o file" "" "$(ls "$TEST_TMP/spl.mf" 2>/dev/null)"
hg spl-mfp --max-filesize 30000 "$U/splice-threshold"
expect_eq "--max-filesize into a pipe: what was written is a prefix under the limit" "63 yes" \
	"$RC $([ "$(stat -c %s "$OUT")" -le 30000 ] && cmp -s -n "$(stat -c %s "$OUT")" "$OUT" "$TEST_TMP/ref/splice-threshold" && echo yes)"
hg spl-mfx -s -o "$TEST_TMP/spl.mfx" --max-filesize "$(stat -c %s "$TEST_TMP/ref/splice-threshold")" "$U/splice-threshold"
same_body "--max-filesize of exactly the size" "$TEST_TMP/spl.mfx" /splice-threshold
if command -v script >/dev/null; then
	script -qec "$HG -o $TEST_TMP/spl.prog $U/splice-split" /dev/null >"$TEST_TMP/spl.tty" 2>&1; RC=$?
	grep -q "100.8 KiB" "$TEST_TMP/spl.tty" && ok "progress on a terminal while splicing chunks" ||
		fail "progress while splicing chunks" "$(cat -v "$TEST_TMP/spl.tty")"
	same_body "-o FILE with progress" "$TEST_TMP/spl.prog" /splice-split
else
	skip "progress on a terminal while splicing chunks" "script(1) not installed"
	skip "-o FILE with progress" "script(1) not installed"
fi

# keep-alive: the server holds the connection open for 30 s after the body
t0=$(now_ms); hg keepalive "$U/cl"; t1=$(now_ms)
if [ "$RC" = 0 ] && [ $((t1 - t0)) -lt 5000 ]; then ok "returns as soon as the body is complete"
else fail "returns as soon as the body is complete" "rc $RC after $((t1 - t0)) ms"; fi

# --- truncation and malformed framing ---
expect_err "truncated content-length" 18 "closed before the end of the body" "$U/truncated-cl"
check "truncated body still written" grep -qx "only this" "$OUT"
expect_err "closed before the last chunk" 18 "before the last chunk" "$U/truncated-chunked"
expect_err "closed inside chunk data" 18 "before the last chunk" "$U/truncated-chunk-data"
expect_err "closed inside headers" 8 "inside the headers" "$U/truncated-headers"
expect_err "empty reply" 52 "empty reply" "$U/empty"
expect_err "bad chunk size" 56 "invalid chunk size" "$U/bad-chunk-size"
expect_err "chunk size overflow" 56 "chunk size too large" "$U/chunk-overflow"
expect_err "chunk data without CRLF" 56 "not followed by CRLF" "$U/chunk-no-crlf"
expect_err "invalid content-length" 8 "invalid Content-Length" "$U/bad-cl"
expect_err "negative content-length" 8 "invalid Content-Length" "$U/neg-cl"
expect_err "conflicting content-lengths" 8 "invalid Content-Length" "$U/conflict-cl"
expect_err "unsupported transfer coding" 61 "unsupported transfer coding" "$U/te-gzip"
expect "bare LF line endings accepted" 0 "hi" "$U/bare-lf"
expect "bare LF chunked framing accepted, byte-exact" 0 $'ab\n' "$U/bare-lf-chunked"
expect_err "bad status code" 8 "status line" "$U/bad-status"
expect_err "header line over the bound" 8 "too long" "$U/huge-header"
expect_err "unsolicited 101" 8 "101" "$U/101"
expect_err "connection reset while receiving" 56 "reset" "$U/reset"

# --- status codes ---
expect "404 body written, exit 22" 22 $'not found\n' --fail-with-body "$U/404"
check "404 reported on stderr" grep -q "returned error: 404" "$ERR"
expect "500 chunked body written, exit 22" 22 $'broken\n' --fail-with-body "$U/500"

# --- redirects ---
expect "redirect not followed without -L" 0 "" "$U/redirect-abs"
expect "absolute redirect" 0 $'hello world\n' -L "$U/redirect-abs"
expect "relative redirect with dot segments" 0 $'hello world\n' -s -L "$U/dir/sub/redirect-rel"
check "relative redirect went to /cl?from=rel" grep -q "REQ GET /cl?from=rel HTTP/1.1" "$S_OUT"
expect "303 redirect" 0 $'hello world\n' -s -L "$U/redirect-303"
expect "307 then 308 redirect" 0 $'hello world\n' -s -L "$U/redirect-307"
expect "--max-redirs 3 allows three" 0 $'hello world\n' -s -L --max-redirs 3 "$U/chain/3"
expect_err "--max-redirs 2 stops at three" 47 "redirects followed" -L --max-redirs 2 "$U/chain/3"
expect_err "redirect loop detected" 47 "redirect loop" -L "$U/loop-a"
expect_err "redirect to https is followed (nothing on :443)" 7 "127.0.0.1:443" -L "$U/redirect-https"
expect "3xx without Location is the answer" 0 $'moved\n' -L "$U/no-location"

# --- timeouts and connection errors ---
t0=$(now_ms); expect_err "server never answers: -m" 28 "max-time" -m 0.5 "$U/silent"; t1=$(now_ms)
[ $((t1 - t0)) -lt 3000 ] && ok "-m 0.5 fires in time" || fail "-m 0.5 fires in time" "$((t1 - t0)) ms"
expect_err "body stalls: -m" 28 "max-time" -m 0.5 "$U/stall-body"
t0=$(now_ms); expect_err "--max-time while data trickles" 28 "max-time" --connect-timeout 5 --max-time 0.5 "$U/drip"; t1=$(now_ms)
[ $((t1 - t0)) -lt 3000 ] && ok "--max-time 0.5 fires in time" || fail "--max-time 0.5 fires in time" "$((t1 - t0)) ms"
# a bound socket that never listens refuses connections
start_server NOL python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True); time.sleep(60)'
expect_err "connection refused" 7 "Connection refused" "http://127.0.0.1:$NOL_PORT/"
# a listener whose accept queue is full drops SYNs: connect never finishes
start_server FULLQ python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = [socket.socket() for _ in range(3)]
for c in fill:
    c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
time.sleep(0.3)
print("listening on 127.0.0.1:%d" % port, flush=True); time.sleep(60)'
expect_err "connect timeout (--connect-timeout)" 28 "connect to 127.0.0.1:$FULLQ_PORT: timed out" --connect-timeout 0.5 "http://127.0.0.1:$FULLQ_PORT/"
HG_PREFIX=offline expect_err "unknown host" 6 "could not resolve" "http://no-such-host.invalid/"

# --- URL and option checks ---
expect_err "malformed URL" 3 "malformed URL" "http://[::1/"
expect_err "ftp refused" 1 "unsupported scheme" "ftp://127.0.0.1/"
expect_err "LF in URL refused" 3 "control character" "$U/cl"$'\n'"X: y"
expect_err "CR in header refused" 2 "CR or LF" -H $'X-A: 1\r\nX-B: 2' "$U/cl"
expect_err "header without colon refused" 2 "Name: value" -H "NoColon" "$U/cl"
expect_err "missing URL" 2 "no URL specified" -s
expect_err "bad -m" 2 "invalid duration" -m abc "$U/cl"
hg help --help
[ "$RC" = 0 ] && grep -q "max-redirs" "$OUT" && ok "--help on stdout, exit 0" || fail "--help" "$RC"

# --- request headers ---
expect "-H and -A are sent" 0 "" -s -H "X-Test: one two" -H "Accept:" -A "agent/1.0" -o "$TEST_TMP/echo" "$U/echo"
check "-H header on the wire" grep -q "^X-Test: one two" "$TEST_TMP/echo"
check "-A on the wire" grep -q "^User-Agent: agent/1.0" "$TEST_TMP/echo"
check "'Accept:' removes the default" bash -c "! grep -qi '^Accept:' '$TEST_TMP/echo'"
check "Host header" grep -q "^Host: 127.0.0.1:$S_PORT" "$TEST_TMP/echo"

# --- -S, -I, --json ---
hg show -v "$U/escape"
[ "$RC" = 0 ] && grep -qF 'HTTP/1.1 200 Caf\xc3\xa9' "$ERR" && grep -qF 'X-Odd: a\tb\xff' "$ERR" &&
	ok "-S escapes control and non-ASCII bytes" || fail "-S escapes" "$(cat "$ERR")"
hg showchunk -v "$U/chunked"
grep -q "(trailer) X-Checksum: 1234" "$ERR" && ok "-S shows trailers apart" || fail "-S trailers" "$(cat "$ERR")"
hg head -I "$U/cl"
[ "$RC" = 0 ] && grep -q "^HTTP/1.1 200 OK" "$OUT" && grep -q "^Content-Length: 12" "$OUT" && ! grep -q hello "$OUT" &&
	ok "-I prints headers, no body, returns at once" || fail "-I" "rc $RC $(cat "$OUT" "$ERR")"
grep -q "REQ HEAD /cl HTTP/1.1" "$S_OUT" && ok "-I sends HEAD" || fail "-I sends HEAD"
hg json --json -L "$U/redirect-abs"
if [ "$RC" = 0 ] && python3 - "$OUT" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
assert [l["type"] for l in lines] == ["start", "redirect", "summary"], lines
assert lines[0]["schema"] == 1 and lines[0]["applet"] == "http-get", lines[0]
assert lines[1]["http_code"] == 302 and lines[1]["to"].endswith("/cl"), lines[1]
j = lines[2]
assert j["http_code"] == 200 and j["size_download_bytes"] == 12 and j["num_redirects"] == 1, j
assert j["url_effective"].endswith("/cl") and j["exit"] == 0 and j["error"] is None, j
assert ["Content-Length", "12"] in j["headers"], j
assert j["remote_ip"] == "127.0.0.1" and j["time_appconnect_ms"] is None, j
assert 0 <= j["time_namelookup_ms"] <= j["time_connect_ms"] <= j["time_starttransfer_ms"] <= j["time_total_ms"], j
EOF
then ok "--json: start, redirect, summary"; else fail "--json summary" "$(cat "$OUT" "$ERR")"; fi
hg jsonerr --json "$U/truncated-cl"
[ "$RC" = 18 ] && python3 -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
j=l[-1]
assert [x["type"] for x in l] == ["start", "summary"], l
assert j["exit"]==18 and "closed" in j["error"] and j["size_download_bytes"]==9' "$OUT" &&
	ok "--json on failure" || fail "--json on failure" "$(cat "$OUT")"
HG_PREFIX=offline hg jsonresolve --json "http://no-such-host.invalid/"
[ "$RC" = 6 ] && python3 -c '
import json,sys
l=[json.loads(x) for x in open(sys.argv[1])]
assert [x["type"] for x in l] == ["start", "error", "summary"], l
e, s = l[1], l[2]
assert e["code"] == "resolve" and "resolve" in e["message"], e
assert s["exit"] == 6 and s["http_code"] is None and s["remote_ip"] is None and s["time_connect_ms"] is None, s' "$OUT" &&
	ok "--json set-up failure: error line, nulls in the summary" || fail "--json resolve failure" "$(cat "$OUT")"

# --- --max-filesize ---
expect_err "max-filesize from Content-Length" 63 "max-filesize" --max-filesize 1000 "$U/big"
[ ! -s "$OUT" ] && ok "nothing written when Content-Length is too big" || fail "nothing written"
expect_err "max-filesize while chunked" 63 "max-filesize" --max-filesize 5000 -o "$TEST_TMP/mf" "$U/big-chunked"
expect "max-filesize not reached" 0 $'hello world\n' --max-filesize 12 "$U/cl"

# --- -O ---
expect "-O writes the file" 0 "" -s -o "$TEST_TMP/big.out" "$U/big"
check "-O file is byte-exact" cmp "$TEST_TMP/big.ref" "$TEST_TMP/big.out"
expect "-O - is stdout" 0 $'hello world\n' -o - "$U/cl"
mkdir "$TEST_TMP/odir"; echo old >"$TEST_TMP/odir/file"
expect_err "-O with truncated body" 18 "closed before" -o "$TEST_TMP/odir/file" "$U/big-truncated"
expect_eq "-O leaves the old file alone on failure" old "$(cat "$TEST_TMP/odir/file")"
expect_eq "-O leaves no temporary file" "file" "$(ls -A "$TEST_TMP/odir")"
expect_err "-O with 404" 22 "404" -f -o "$TEST_TMP/odir/nf" "$U/404"
expect_eq "-O writes no file for an error status" "file" "$(ls -A "$TEST_TMP/odir")"
expect_err "-O into a missing directory" 23 "temporary file" -o "$TEST_TMP/nodir/x" "$U/cl"
timeout 10 "$HG" "$U/big" >/dev/full 2>"$TEST_TMP/full.err"; rc=$?
[ $rc = 23 ] && grep -q "No space" "$TEST_TMP/full.err" && ok "write error exits 23" ||
	fail "write error exits 23" "rc $rc $(cat "$TEST_TMP/full.err")"
mkdir "$TEST_TMP/sig"
"$HG" -o "$TEST_TMP/sig/file" "$U/silent?sig=1" 2>"$TEST_TMP/sig.err" &
hgpid=$!
if wait_until 200 grep -q "REQ GET /silent?sig=1" "$S_OUT"; then
	kill -INT "$hgpid"; rc=0; wait "$hgpid" || rc=$?
	[ "$rc" = 130 ] && [ -z "$(ls -A "$TEST_TMP/sig")" ] && ok "SIGINT: exit 130, temporary file removed" ||
		fail "SIGINT" "rc $rc; left: $(ls -A "$TEST_TMP/sig"); $(cat "$TEST_TMP/sig.err")"
else
	kill "$hgpid"; fail "SIGINT: request never arrived"
fi
if command -v script >/dev/null; then
	script -qec "$HG -o $TEST_TMP/prog.out $U/big" /dev/null >"$TEST_TMP/prog.tty" 2>&1
	grep -q "100%" "$TEST_TMP/prog.tty" && ok "progress bar on a terminal" || fail "progress bar" "$(cat -v "$TEST_TMP/prog.tty")"
else
	skip "progress bar on a terminal" "script(1) not installed"
fi

# --- IPv6 literal ---
if start_server S6 python3 "$HERE/http_server.py" -6 2>/dev/null; then
	expect "IPv6 literal URL" 0 $'hello world\n' "http://[::1]:$S6_PORT/cl"
else
	skip "IPv6 literal URL" "no ::1"
fi

# --- a real server: nginx serving a static file ---
if command -v nginx >/dev/null 2>&1; then
	ND="$TEST_TMP/nginx"; mkdir -p "$ND/www" "$ND/tmp"
	head -c 3000007 /dev/urandom >"$ND/www/file.bin"
	NGX=
	for try in 1 2 3; do
		NP=$(free_ports 1)
		# /chunked/: the same files through sub_filter, which drops the
		# length: nginx sends them chunked (32 KiB chunks, spliced)
		nginx_run "$ND" "$NP" "	server { listen 127.0.0.1:$NP; root $ND/www;
		location /chunked/ { alias $ND/www/; sub_filter 'sockbox-never-in-the-file' 'x';
			sub_filter_types *; chunked_transfer_encoding on; } }" && break
	done
	if [ -n "${NGX:-}" ]; then
		expect "nginx static file to stdout" 0 "" -o "$ND/got.bin" -s "http://127.0.0.1:$NP/file.bin"
		check "nginx file is byte-exact" cmp "$ND/www/file.bin" "$ND/got.bin"
		timeout 10 "$HG" "http://127.0.0.1:$NP/file.bin" | cmp - "$ND/www/file.bin" && ok "nginx file via stdout is byte-exact" || fail "nginx stdout cmp"
		expect_err "nginx 404" 22 "404" -f "http://127.0.0.1:$NP/missing"
		hg nginxchunked -s -D "$ND/chunked.hdr" -o "$ND/gotc.bin" "http://127.0.0.1:$NP/chunked/file.bin"
		[ "$RC" = 0 ] && grep -qi "^Transfer-Encoding: chunked" "$ND/chunked.hdr" && cmp -s "$ND/www/file.bin" "$ND/gotc.bin" &&
			ok "nginx chunked (sub_filter) to -o FILE: byte-exact" || fail "nginx chunked -o" "rc $RC $(cat "$ND/chunked.hdr" "$ERR")"
		timeout 10 "$HG" -s "http://127.0.0.1:$NP/chunked/file.bin" | cmp -s - "$ND/www/file.bin" &&
			ok "nginx chunked into a pipe: byte-exact" || fail "nginx chunked pipe"
		hg nginxchunkednull -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$NP/chunked/file.bin"
		expect_eq "nginx chunked to /dev/null: size_download" "0 3000007" "$RC $(cat "$OUT")"
		hg nginxhead -I "http://127.0.0.1:$NP/file.bin"
		[ "$RC" = 0 ] && grep -q "^Content-Length: 3000007" "$OUT" && ok "nginx HEAD" || fail "nginx HEAD" "$(cat "$OUT" "$ERR")"
		kill "$NGX"; wait "$NGX" 2>/dev/null
	else
		fail "nginx starts" "$(cat "$ND/start.err" "$ND/error.log" 2>/dev/null)"
	fi
else
	skip "nginx static file, 404 and HEAD" "nginx not installed"
fi

done_testing
