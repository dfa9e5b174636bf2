#!/usr/bin/env bash
# http-get over TLS: nginx with TLS server blocks and a test CA, both
# generated here with openssl; a staller, a resetter and a truncating TLS
# peer (python).  Every case runs curl on the same URL and options too:
# the exit codes must agree (differential).
. "$(dirname "$0")/lib.sh"
need python3 openssl nginx curl cmp timeout
HG="$SOCKBOX_BIN/http-get"
"$SOCKBOX" --list | grep -qx http-get || skip_all "no http-get applet"
P="$TEST_TMP/pki"; W="$TEST_TMP/www"; ND="$TEST_TMP/nginx"
mkdir -p "$P" "$W" "$ND/tmp"

# --- a CA, and server/client certificates it signs ---
ossl() { openssl "$@" >>"$P/log" 2>&1 || { echo "# openssl $*: $(tail -3 "$P/log")" >&2; return 1; }; }
newkey() { ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -subj "/CN=$2"; }
sign() { # NAME DAYS EXT
	printf '%s\n' "$3" >"$P/$1.ext"
	ossl x509 -req -in "$P/$1.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -set_serial "$RANDOM$RANDOM" \
		-days "$2" -extfile "$P/$1.ext" -out "$P/$1.pem"
}
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/ca.key" \
	-out "$P/ca.pem" -days 2 -subj "/CN=sockbox test CA" &&
	newkey good localhost && sign good 2 "subjectAltName=DNS:localhost,IP:127.0.0.1" &&
	newkey wrong wrong.example && sign wrong 2 "subjectAltName=DNS:wrong.example" &&
	newkey expired localhost && sign expired -1 "subjectAltName=DNS:localhost,IP:127.0.0.1" &&
	newkey client "sockbox client" && sign client 2 "extendedKeyUsage=clientAuth" ||
	{ fail "openssl makes the test PKI" "$(tail -5 "$P/log")"; done_testing; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/self.key" \
	-out "$P/self.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost"

head -c 3000007 /dev/urandom >"$W/file.bin"
printf 'small\n' >"$W/small.txt"

# --- nginx: one TLS server block per case, on free ports (nginx cannot
# listen on port 0: pick ports, and retry on a collision) ---
start_nginx() {
	local _
	for _ in 1 2 3 4 5; do
		read -r PH PGOOD PWRONG PEXP PSELF PMTLS P13 P12 <<<"$(free_ports 8)"
		local tls="ssl_certificate $P/good.pem; ssl_certificate_key $P/good.key;"
		nginx_run "$ND" "$P12" "	root $W;
	server { listen 127.0.0.1:$PH;
		location = /to-https { return 302 https://localhost:$PGOOD/small.txt; } }
	server { listen 127.0.0.1:$PGOOD ssl; $tls
		location = /to-http { return 301 http://127.0.0.1:$PH/small.txt; } }
	server { listen 127.0.0.1:$PWRONG ssl;
		ssl_certificate $P/wrong.pem; ssl_certificate_key $P/wrong.key; }
	server { listen 127.0.0.1:$PEXP ssl;
		ssl_certificate $P/expired.pem; ssl_certificate_key $P/expired.key; }
	server { listen 127.0.0.1:$PSELF ssl;
		ssl_certificate $P/self.pem; ssl_certificate_key $P/self.key; }
	server { listen 127.0.0.1:$PMTLS ssl; $tls
		ssl_verify_client on; ssl_client_certificate $P/ca.pem; }
	server { listen 127.0.0.1:$P13 ssl; $tls ssl_protocols TLSv1.3; }
	server { listen 127.0.0.1:$P12 ssl; $tls ssl_protocols TLSv1.2; }
" && return 0
	done
	return 1
}
start_nginx || { fail "nginx starts" "$(cat "$ND/start.err" "$ND/error.log" 2>/dev/null)"; done_testing; }

# --- misbehaving peers: stall (accept, never answer), reset (read the
# ClientHello, then RST), truncate (TLS, Content-Length 100, 10 bytes, TCP
# close without close_notify) ---
cat >"$TEST_TMP/peer.py" <<'EOF'
import socket, ssl, struct, sys
mode = sys.argv[1]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(16)
print("listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
held = []
while True:
    c, _ = ls.accept()
    print("accepted", flush=True)
    if mode == "stall":
        held.append(c)
    elif mode == "reset":
        c.recv(4096)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    elif mode in ("truncate", "closedelim"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        try:
            t = ctx.wrap_socket(c, server_side=True)
            t.recv(4096)
            if mode == "truncate":
                t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            else:
                t.sendall(b"HTTP/1.0 200 OK\r\n\r\nread until close\n")
            # a TCP shutdown: SSLSocket.shutdown sends no close_notify
            t.shutdown(socket.SHUT_RDWR)
            t.close()
        except (ssl.SSLError, OSError):
            pass
EOF
start_server STALL python3 "$TEST_TMP/peer.py" stall || fail "staller starts"
start_server RESET python3 "$TEST_TMP/peer.py" reset || fail "resetter starts"
start_server TRUNC python3 "$TEST_TMP/peer.py" truncate "$P/good.pem" "$P/good.key" || fail "truncator starts"
start_server CLOSED python3 "$TEST_TMP/peer.py" closedelim "$P/good.pem" "$P/good.key" || fail "close-delimited peer starts"

# hg NAME ARGS...: run http-get bounded; RC, OUT, ERR
hg() {
	local name=${1//[^A-Za-z0-9]/_}; shift
	OUT="$TEST_TMP/$name.out" ERR="$TEST_TMP/$name.err"
	timeout -k 1 20 "$HG" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
# same NAME WANT ARGS...: http-get exits WANT with one stderr line (or
# none when 0) and curl, given the same arguments, exits WANT too.
same() {
	local name=$1 want=$2; shift 2
	hg "$name" -s -S "$@"
	timeout -k 1 20 curl -s -o /dev/null "$@" </dev/null
	local crc=$?
	local lines; lines=$(wc -l <"$ERR")
	if [ "$RC" = "$want" ] && [ "$crc" = "$want" ] &&
		{ [ "$want" = 0 ] || [ "$lines" = 1 ]; }; then
		ok "$name: exit $want, as curl"
	else
		fail "$name" "sockbox exit $RC, curl exit $crc (want $want); stderr: $(cat "$ERR")"
	fi
}
G="https://localhost:$PGOOD"
CA=(--cacert "$P/ca.pem")

# --- bodies ---
hg body "${CA[@]}" -s "$G/file.bin"
[ "$RC" = 0 ] && cmp -s "$OUT" "$W/file.bin" && ok "3 MB over TLS is byte-exact" ||
	fail "byte-exact body" "exit $RC: $(cat "$ERR")"
hg body_O "${CA[@]}" -s -o "$TEST_TMP/got.bin" "$G/file.bin"
[ "$RC" = 0 ] && cmp -s "$TEST_TMP/got.bin" "$W/file.bin" && ok "-o over TLS is byte-exact" ||
	fail "-o over TLS" "exit $RC: $(cat "$ERR")"
same "--cacert" 0 "${CA[@]}" "$G/small.txt"
same "IP literal against an IP-address SAN" 0 "${CA[@]}" "https://127.0.0.1:$PGOOD/small.txt"
same "404 over TLS, -f" 22 -f "${CA[@]}" "$G/missing"

# -v: the session and certificate lines are curl's
vlines() { grep -E '^\* (SSL connection using|ALPN: server)|^\*  (subject|start date|expire date|issuer|SSL certificate verify)' | sed 's/\r$//'; }
timeout 20 "$HG" -v -o /dev/null "${CA[@]}" "$G/small.txt" 2>&1 | vlines >"$TEST_TMP/v.sb"
timeout 20 curl -v --http1.1 -o /dev/null "${CA[@]}" "$G/small.txt" 2>&1 | vlines >"$TEST_TMP/v.curl"
if [ -s "$TEST_TMP/v.sb" ] && cmp -s "$TEST_TMP/v.sb" "$TEST_TMP/v.curl"; then
	ok "-v: $(wc -l <"$TEST_TMP/v.sb") TLS lines as curl prints them"
else
	fail "-v TLS lines as curl" "$(diff "$TEST_TMP/v.sb" "$TEST_TMP/v.curl")"
fi
timeout 20 "$HG" -v -o /dev/null "${CA[@]}" "https://127.0.0.1:$PGOOD/small.txt" 2>&1 | vlines >"$TEST_TMP/vip.sb"
timeout 20 curl -v --http1.1 -o /dev/null "${CA[@]}" "https://127.0.0.1:$PGOOD/small.txt" 2>&1 | vlines >"$TEST_TMP/vip.curl"
if grep -q "IP address" "$TEST_TMP/vip.sb" && cmp -s "$TEST_TMP/vip.sb" "$TEST_TMP/vip.curl"; then
	ok "-v to an IP literal: as curl"
else
	fail "-v IP literal lines as curl" "$(diff "$TEST_TMP/vip.sb" "$TEST_TMP/vip.curl")"
fi
timeout 20 "$HG" -v -k -o /dev/null "https://localhost:$PSELF/small.txt" 2>&1 | vlines >"$TEST_TMP/vk.sb"
timeout 20 curl -v -k --http1.1 -o /dev/null "https://localhost:$PSELF/small.txt" 2>&1 | vlines >"$TEST_TMP/vk.curl"
grep -v "^\*  SSL certificate verify" "$TEST_TMP/vk.sb" >"$TEST_TMP/vk1.sb"
grep -v "^\*  SSL certificate verify" "$TEST_TMP/vk.curl" >"$TEST_TMP/vk1.curl"
if grep -q "verify result: self-signed certificate (18), continuing anyway" "$TEST_TMP/vk.sb" &&
	cmp -s "$TEST_TMP/vk1.sb" "$TEST_TMP/vk1.curl"; then
	ok "-v -k: the verification result is named, the rest as curl"
else
	fail "-v -k lines" "$(cat "$TEST_TMP/vk.sb"; echo ---; cat "$TEST_TMP/vk.curl")"
fi
# --json: the summary line (the last) carries the TLS time and result
summary() { python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))' "$OUT" "$1" 2>&1; }
hg json --json "${CA[@]}" "$G/small.txt"
expect_eq "--json: ssl_verify_result 0, connect <= appconnect <= starttransfer" "0 True" \
	"$(summary 'o["ssl_verify_result"], o["time_connect_ms"] <= o["time_appconnect_ms"] <= o["time_starttransfer_ms"]' | tr -d '(),')"
hg jsonk --json -k "https://localhost:$PSELF/small.txt"
expect_eq "--json -k: ssl_verify_result 18 (self-signed), exit 0" "18 0" "$(summary 'o["ssl_verify_result"], o["exit"]' | tr -d '(),')"
hg jsonh --json "http://127.0.0.1:$PH/small.txt"
expect_eq "--json over http: time_appconnect_ms and ssl_verify_result null" "None None" \
	"$(summary 'o["time_appconnect_ms"], o["ssl_verify_result"]' | tr -d '(),')"
hg json60 --json "${CA[@]}" "https://localhost:$PEXP/small.txt"
expect_eq "--json, expired: an error line with code tls, summary exit 60" "tls 60 10" \
	"$(python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; e=[o for o in l if o["type"]=="error"]; print(e[0]["code"] if e else None, l[-1]["exit"], l[-1]["ssl_verify_result"])' "$OUT" 2>&1)"
# -w: curl's variables, against curl
fmt='%{ssl_verify_result} %{http_code}'
a=$(timeout 20 "$HG" -s -k -o /dev/null -w "$fmt" "https://localhost:$PSELF/small.txt")
b=$(timeout 20 curl -s -k -o /dev/null -w "$fmt" "https://localhost:$PSELF/small.txt")
expect_eq "-w '$fmt' with -k on a self-signed server: as curl ($b)" "$b" "$a"
a=$(timeout 20 "$HG" -s "${CA[@]}" -o /dev/null -w '%{time_connect} %{time_appconnect} %{time_pretransfer}' "$G/small.txt")
v=$(awk '{print ($1 > 0 && $2 >= $1 && $3 >= $2) ? "ordered" : $0}' <<<"$a")
expect_eq "-w: 0 < time_connect <= time_appconnect <= time_pretransfer" ordered "$v"

# --- verification ---
same "untrusted chain (system store)" 60 "$G/small.txt"
same "self-signed certificate" 60 "${CA[@]}" "https://localhost:$PSELF/small.txt"
same "wrong host name" 60 "${CA[@]}" "https://localhost:$PWRONG/small.txt"
same "IP literal not in the SANs" 60 "${CA[@]}" "https://127.0.0.1:$PWRONG/small.txt"
same "expired certificate" 60 "${CA[@]}" "https://localhost:$PEXP/small.txt"
same "-k accepts an untrusted chain" 0 -k "$G/small.txt"
same "-k accepts a wrong name" 0 -k "https://localhost:$PWRONG/small.txt"
same "-k accepts an expired certificate" 0 -k "https://localhost:$PEXP/small.txt"
mkdir "$P/hashed" && cp "$P/ca.pem" "$P/hashed/" && openssl rehash "$P/hashed" 2>/dev/null
same "--capath (a hashed directory)" 0 --capath "$P/hashed" "$G/small.txt"
same "--capath that does not exist trusts nothing" 60 --capath /nonexistent-dir "$G/small.txt"
same "--capath missing, --cacert good" 0 --capath /nonexistent-dir --cacert "$P/ca.pem" "$G/small.txt"
same "unreadable --cacert" 77 --cacert "$TEST_TMP/nonexistent.pem" "$G/small.txt"
hg msg60 "${CA[@]}" "https://localhost:$PEXP/small.txt"
grep -q "certificate has expired" "$ERR" && ok "expired: the message says so" || fail "expired message" "$(cat "$ERR")"
hg msg60b "${CA[@]}" "https://localhost:$PWRONG/small.txt"
grep -q "mismatch" "$ERR" && ok "wrong name: the message says so" || fail "wrong-name message" "$(cat "$ERR")"

# --- client certificates ---
same "client certificate required and given" 0 "${CA[@]}" --cert "$P/client.pem" --key "$P/client.key" "https://localhost:$PMTLS/small.txt"
same "unreadable --cert" 58 "${CA[@]}" --cert "$TEST_TMP/none.pem" "https://localhost:$PMTLS/small.txt"
same "--key not matching --cert" 58 "${CA[@]}" --cert "$P/client.pem" --key "$P/good.key" "https://localhost:$PMTLS/small.txt"
# nginx answers a missing certificate with HTTP 400 over TLS
same "client certificate required, not given (nginx's 400, -f)" 22 -f "${CA[@]}" "https://localhost:$PMTLS/small.txt"

# a TLS-level refusal: TLS 1.3 sends the "certificate required" alert
# after the handshake, so it arrives as a receive failure (56)
read -r PV <<<"$(free_ports 1)"
openssl s_server -accept "127.0.0.1:$PV" -cert "$P/good.pem" -key "$P/good.key" \
	-Verify 1 -www -quiet </dev/null >/dev/null 2>"$TEST_TMP/sserver.err" &
_t_pids+=("$!")
if wait_until 100 python3 -c "import socket; socket.create_connection(('127.0.0.1',$PV),1)"; then
	same "TLS alert after the handshake (certificate required)" 56 "${CA[@]}" "https://localhost:$PV/"
	hg alert "${CA[@]}" "https://localhost:$PV/"
	grep -q "alert certificate required" "$ERR" && ok "alert: the message names it" || fail "alert message" "$(cat "$ERR")"
else
	fail "openssl s_server starts" "$(cat "$TEST_TMP/sserver.err")"
fi

# --- versions ---
same "TLS 1.3-only server with --tlsv1.2" 0 "${CA[@]}" --tlsv1.2 "https://localhost:$P13/small.txt"
same "TLS 1.2-only server with --tlsv1.3" 35 "${CA[@]}" --tlsv1.3 "https://localhost:$P12/small.txt"
same "TLS 1.2-only server by default" 0 "${CA[@]}" "https://localhost:$P12/small.txt"

# --- redirects between http and https ---
same "http -> https redirect" 0 "${CA[@]}" -L "http://127.0.0.1:$PH/to-https"
hg redir1 "${CA[@]}" -s -L "http://127.0.0.1:$PH/to-https"
expect_eq "http -> https redirect body" "small" "$(cat "$OUT")"
hg redir2 "${CA[@]}" -s -L "$G/to-http"
expect_eq "https -> http redirect body (exit $RC)" "small" "$(cat "$OUT")"
same "http -> https redirect to an untrusted chain" 60 -L "http://127.0.0.1:$PH/to-https"

# --- misbehaving peers ---
if [ -n "${STALL_PORT:-}" ]; then
	same "handshake stall, --max-time" 28 --max-time 1 -k "https://127.0.0.1:$STALL_PORT/"
	same "handshake stall, --connect-timeout" 28 --connect-timeout 1 -k "https://127.0.0.1:$STALL_PORT/"
	# SIGINT while the handshake waits: 130, promptly
	n0=$(grep -c accepted "$STALL_OUT")
	timeout -k 1 20 "$HG" -k "https://127.0.0.1:$STALL_PORT/" >/dev/null 2>"$TEST_TMP/int.err" &
	hp=$!
	wait_until 100 test "$(grep -c accepted "$STALL_OUT")" -gt "$n0"
	kill -INT "$hp"
	wait "$hp"; rc=$?
	expect_eq "SIGINT during the handshake: exit 130" 130 "$rc"
fi
[ -n "${RESET_PORT:-}" ] && same "reset mid-handshake" 35 -k "https://127.0.0.1:$RESET_PORT/"
same "plain http server on an https URL" 35 -k "https://127.0.0.1:$PH/"
if [ -n "${TRUNC_PORT:-}" ]; then
	same "close without close_notify, body short" 18 -k "https://127.0.0.1:$TRUNC_PORT/"
fi
if [ -n "${CLOSED_PORT:-}" ]; then
	# no length: the close is the end, close_notify or not (as curl 7.88)
	same "close-delimited body ended without close_notify" 0 -k "https://127.0.0.1:$CLOSED_PORT/"
	hg closed -s -k "https://127.0.0.1:$CLOSED_PORT/"
	expect_eq "close-delimited body over TLS" "read until close" "$(cat "$OUT")"
fi

# --- libssl absent: exit 2, one line naming the package ---
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	lib=$(ldconfig -p | awk '/libssl\.so\.3 .*x86-64/ {print $NF; exit}')
	[ -n "$lib" ] || lib=$(ldconfig -p | awk '/libssl\.so\.3 / {print $NF; exit}')
	unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec timeout 10 "$@"' sh "$lib" \
		"$HG" "${CA[@]}" "$G/small.txt" >/dev/null 2>"$TEST_TMP/nolib.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "libssl3" "$TEST_TMP/nolib.err" && [ "$(wc -l <"$TEST_TMP/nolib.err")" = 1 ]; then
		ok "libssl absent: exit 2 naming libssl3"
	else
		fail "libssl absent" "exit $rc: $(cat "$TEST_TMP/nolib.err")"
	fi
	unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec timeout 10 "$@"' sh "$lib" \
		"$HG" -s -L "http://127.0.0.1:$PH/small.txt" >"$TEST_TMP/nolib.out" 2>&1
	expect_eq "libssl absent: http:// with -L still works (exit $?)" "small" "$(cat "$TEST_TMP/nolib.out")"
	unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec timeout 10 "$@"' sh "$lib" \
		"$HG" -sS -L "http://127.0.0.1:$PH/to-https" >/dev/null 2>"$TEST_TMP/nolib2.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "libssl3" "$TEST_TMP/nolib2.err"; then
		ok "libssl absent: a redirect to https exits 2 naming libssl3"
	else
		fail "libssl absent, redirect to https" "exit $rc: $(cat "$TEST_TMP/nolib2.err")"
	fi
else
	ok "libssl absent # SKIP needs root for a private mount namespace"
fi

# --- no libssl for applets that do not use it ---
if [ -r /proc/self/maps ]; then
	timeout 5 "$SOCKBOX" tcp-echo -l -b 127.0.0.1 0 >"$TEST_TMP/te.out" 2>&1 &
	tp=$!
	wait_until 100 grep -q listening "$TEST_TMP/te.out"
	if grep -q libssl "/proc/$tp/maps"; then fail "tcp-echo maps no libssl" "$(grep libssl "/proc/$tp/maps")"; else ok "tcp-echo maps no libssl"; fi
	kill "$tp"; wait "$tp" 2>/dev/null
fi

# --- the selftest's https check (its own in-memory certificate) ---
if "$SOCKBOX" --list | grep -qx selftest; then
	timeout 60 "$SOCKBOX" selftest >"$TEST_TMP/st.out" 2>&1
	grep -q "^PASS  http-get https " "$TEST_TMP/st.out" && ok "selftest: https check passes" ||
		fail "selftest https" "$(grep https "$TEST_TMP/st.out")"
fi

# --- valgrind over an https fetch (62-valgrind.sh's pattern) ---
if command -v valgrind >/dev/null && ! grep -qa __asan_init "$SOCKBOX"; then
	# IP literals: a name goes through glibc's getaddrinfo_a, whose
	# __libc_freeres at exit valgrind reports (not ours, not TLS)
	for c in "0 ${CA[*]} -s -v -o $TEST_TMP/vg.txt https://127.0.0.1:$PGOOD/small.txt" \
		"60 ${CA[*]} https://127.0.0.1:$PEXP/small.txt"; do
		read -r -a args <<<"$c"
		want=${args[0]}; args=("${args[@]:1}")
		timeout -k 5 120 valgrind --tool=memcheck --error-exitcode=99 \
			--leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect \
			--log-file="$TEST_TMP/vg.log" "$HG" "${args[@]}" >/dev/null 2>&1 </dev/null
		rc=$?
		if [ "$rc" = "$want" ] && grep -q 'ERROR SUMMARY: 0 errors' "$TEST_TMP/vg.log"; then
			ok "memcheck clean: https exit $want"
		else
			fail "memcheck clean: https exit $want" "rc=$rc
$(grep -E 'Invalid|uninitialised|definitely|indirectly|ERROR SUMMARY' "$TEST_TMP/vg.log" | head -8)"
		fi
	done
else
	skip "valgrind over https" "no valgrind, or a sanitizer build"
fi

kill "$NGX"; wait "$NGX" 2>/dev/null
done_testing
