#!/usr/bin/env bash
# uds-echo: stream and seqpacket servers, socket path rules, client modes.
. "$(dirname "$0")/lib.sh"
need socat python3
U=$SOCKBOX_BIN/uds-echo
py() { timeout 20 python3 -c "$@"; }
D=$TEST_TMP
head -c 1048576 /dev/urandom >"$D/rand"

# --- stream server -----------------------------------------------------------
start_server S "$U" -l -v --mode 640 "$D/s.sock" || { fail "server starts"; done_testing; }
expect_eq "listening line names the path" "$D/s.sock" "$S_ADDR"
if [ -S "$D/s.sock" ]; then expect_eq "--mode 640 sets the socket file's permissions" 640 "$(stat -c %a "$D/s.sock")"
else fail "--mode 640 sets the socket file's permissions" "no socket at $D/s.sock"; fi

timeout 20 socat -b 65536 -t 30 - "UNIX-CONNECT:$D/s.sock" <"$D/rand" >"$D/echo"
check "socat: 1 MiB of random bytes echoed exactly, half-close ends it" cmp "$D/rand" "$D/echo"

out=$(timeout 10 "$U" -c 2 -i 0.05 -s 200000 "$D/s.sock"); rc=$?
[ $rc = 0 ] && [ "$(grep -c "^200000 bytes from $D/s.sock: seq=[12] time=" <<<"$out")" = 2 ] \
	&& ok "probe client over a Unix stream socket" || fail "probe" "rc=$rc $out"
timeout 20 "$U" --stdin "$D/s.sock" <"$D/rand" | cmp -s - "$D/rand" \
	&& ok "--stdin over a Unix socket" || fail "--stdin"
out=$(timeout 20 "$U" --bench -C 20 -d 0.3 "$D/s.sock")
grep -q '^20 connections established, 20 echoing, 0 errors' <<<"$out" \
	&& ok "bench over a Unix socket" || fail "bench" "$out"

grep -qE '^uds-echo: connect pid=[0-9]+ uid=0 gid=0 \([0-9]+ active\)$' "$S_ERR" \
	&& grep -qE '^uds-echo: close pid=[0-9]+ uid=0 gid=0: 1048576 bytes in, 1048576 bytes out, ' "$S_ERR" \
	&& ok "-v logs SO_PEERCRED pid/uid/gid and byte counts" || fail "-v" "$(head -3 "$S_ERR")"

# a second server on a live socket: refused, the first keeps working
timeout 5 "$U" -l "$D/s.sock" >/dev/null 2>"$D/live.err"; rc=$?
[ $rc = 2 ] && grep -q 'already listening' "$D/live.err" \
	&& ok "live socket path: refused with a clear error, exit 2" || fail "live path" "rc=$rc $(cat "$D/live.err")"
out=$(printf 'alive' | timeout 5 socat -t 30 - "UNIX-CONNECT:$D/s.sock")
expect_eq "the first server is untouched" alive "$out"

stop_server S TERM
expect_eq "SIGTERM: exit 0" 0 "$S_RC"
[ ! -e "$D/s.sock" ] && ok "socket file removed on clean exit" || fail "socket file left behind"
grep -qE '^uds-echo: [0-9]+ connections .*bytes in, [0-9]+ bytes out$' "$S_ERR" \
	&& ok "stats line on stderr" || fail "stats line" "$(tail -1 "$S_ERR")"

# stale socket (its server was killed): replaced
start_server K "$U" -l "$D/stale.sock"
stop_server K KILL
[ -S "$D/stale.sock" ] && ok "SIGKILL leaves a stale socket" || fail "no stale socket"
start_server K2 "$U" -l "$D/stale.sock" && ok "stale socket: removed and bound" || fail "stale socket"
out=$(printf 'fresh' | timeout 5 socat -t 30 - "UNIX-CONNECT:$D/stale.sock")
expect_eq "the new server answers on the old path" fresh "$out"
stop_server K2

# not a socket: never touched
printf 'precious\n' >"$D/file"
timeout 5 "$U" -l "$D/file" >/dev/null 2>"$D/f.err"; rc=$?
[ $rc = 2 ] && [ "$(cat "$D/file")" = precious ] && grep -q 'not a socket' "$D/f.err" \
	&& ok "regular file at the path: refused, exit 2, left untouched" || fail "regular file" "rc=$rc $(cat "$D/f.err")"
mkdir "$D/dir"
timeout 5 "$U" -l "$D/dir" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && [ -d "$D/dir" ] && ok "directory at the path: refused, left" || fail "directory" "rc=$rc"
ln -s "$D/file" "$D/link"
timeout 5 "$U" -l "$D/link" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && [ -L "$D/link" ] && ok "symlink at the path: refused, left" || fail "symlink" "rc=$rc"

# --- abstract names ----------------------------------------------------------
name="sockbox-test-$$-$RANDOM"
start_server A "$U" -l "@$name"
expect_eq "abstract: listening line" "@$name" "$A_ADDR"
out=$(printf 'abstract' | timeout 5 socat -t 30 - "ABSTRACT-CONNECT:$name")
expect_eq "abstract: socat echo" abstract "$out"
[ ! -e "@$name" ] && ok "abstract: no file created" || fail "abstract file"
timeout 5 "$U" -l "@$name" >/dev/null 2>"$D/a.err"; rc=$?
expect_eq "abstract name in use: exit 2" 2 "$rc"
out=$(timeout 10 "$U" -c 1 "@$name"); rc=$?
expect_eq "abstract: probe client" 0 "$rc"
stop_server A
expect_eq "abstract: SIGTERM exit 0" 0 "$A_RC"

# --- seqpacket ---------------------------------------------------------------
start_server Q "$U" -l --type seqpacket "$D/q.sock"
out=$(py "
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect('$D/q.sock')
recs = [b'one', b'x' * 70000, b'three!']
for r in recs: s.send(r)
got = [s.recv(100000) for _ in recs]
print('ok' if got == recs else [len(g) for g in got])
")
expect_eq "seqpacket: record boundaries kept (3, 70000, 6 bytes)" ok "$out"
out=$(printf 'rec' | timeout 5 socat -t 30 - "UNIX-CONNECT:$D/q.sock,type=5")
expect_eq "seqpacket: socat client" rec "$out"
out=$(timeout 10 "$U" --type seqpacket -c 2 -i 0.05 -s 100000 "$D/q.sock"); rc=$?
expect_eq "seqpacket: probe client, 100000-byte records" 0 "$rc"
out=$(timeout 20 "$U" --type seqpacket --bench -C 4 -d 0.3 "$D/q.sock"); rc=$?
grep -q '^4 connections established, 4 echoing, 0 errors' <<<"$out" \
	&& ok "seqpacket: bench" || fail "seqpacket bench" "$out"
timeout 5 "$U" -c 1 "$D/q.sock" >/dev/null 2>&1; rc=$?
expect_eq "stream client against a seqpacket server: probe fails, exit 1" 1 "$rc"
timeout 5 "$U" -l "$D/q.sock" >/dev/null 2>&1; rc=$?
expect_eq "stream server on a live seqpacket path: refused" 2 "$rc"
stop_server Q
[ ! -e "$D/q.sock" ] && ok "seqpacket socket removed on exit" || fail "q.sock left"

# --- limits ------------------------------------------------------------------
start_server M "$U" -l --max-conns 1 --idle-timeout 0.3 "$D/m.sock"
out=$(py "
import socket, time
a = socket.socket(socket.AF_UNIX); a.connect('$D/m.sock'); a.settimeout(5)
a.sendall(b'1'); assert a.recv(1) == b'1'
b = socket.socket(socket.AF_UNIX); b.connect('$D/m.sock'); b.settimeout(5)
rb = b.recv(1)                 # over max-conns: closed at once
t = time.time(); ra = a.recv(1)  # then the idle timeout closes a
print(repr(rb), repr(ra), time.time() - t < 3)
")
expect_eq "--max-conns 1 and --idle-timeout over Unix sockets" "b'' b'' True" "$out"
stop_server M

# --- usage errors ------------------------------------------------------------
for args in "-l --type raw $D/x" "-l --mode 999 $D/x" "-l --mode 600 @abs" "-l" \
            "-l $D/$(printf 'n%.0s' {1..120})" "-v $D/x" "-l $D/a $D/b"; do
	# shellcheck disable=SC2086
	timeout 5 "$U" $args >/dev/null 2>"$D/u.err"; rc=$?
	[ $rc = 2 ] && [ -s "$D/u.err" ] && ok "usage: '${args:0:40}' exits 2" \
		|| fail "usage: '$args'" "rc=$rc $(cat "$D/u.err")"
done
timeout 5 "$U" -c 1 "$D/nothing.sock" >"$D/n.out"; rc=$?
[ $rc = 1 ] && grep -q 'connect: No such file or directory' "$D/n.out" \
	&& ok "probe to a missing path: reported, exit 1" || fail "missing path" "rc=$rc $(cat "$D/n.out")"

done_testing
