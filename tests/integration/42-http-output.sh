#!/usr/bin/env bash
# http-get -o FILE / -O: what happens to the file system (issue 12).  A
# non-regular file is written in place, a symlink is followed, a regular
# file is replaced atomically keeping its mode/owner/group, and nothing is
# left behind on failure or signal — as root and as a non-root user.
. "$(dirname "$0")/lib.sh"
need python3 cmp stat mknod mkfifo setpriv
need_root
HG="$SOCKBOX_BIN/http-get"
HERE=$(cd "$(dirname "$0")" && pwd)
TU=$(test_user)
chmod 755 "$TEST_TMP"

start_server S python3 "$HERE/http_server.py" || { fail "test server starts"; done_testing; }
U="http://127.0.0.1:$S_PORT"
BODY=$'hello world\n'

# run WHO ARGS...: http-get as root or as the test user; sets RC and ERR
run() {
	local who=$1; shift
	ERR="$TEST_TMP/err"
	if [ "$who" = root ]; then
		timeout -k 1 10 "$HG" -s -S "$@" 2>"$ERR"; RC=$?
	else
		timeout -k 1 10 $(as_user "$TU") "$HG" -s -S "$@" 2>"$ERR"; RC=$?
	fi
}
listing() { ls -A "$1" | tr '\n' ' '; }

for who in root user; do
	D="$TEST_TMP/$who"; mkdir -m 777 "$D"
	OWNER=$([ "$who" = root ] && echo 0 || id -u "$TU")

	# a character device made here (the memory device "null", 1:3)
	mknod -m 666 "$D/null" c 1 3
	run $who -o "$D/null" "$U/cl"
	[ "$RC" = 0 ] && [ -c "$D/null" ] && [ "$(stat -c %t:%T "$D/null")" = 1:3 ] &&
		ok "$who: a character device is written in place" || fail "$who: char device" "rc $RC $(cat "$ERR"); $(ls -l "$D")"

	# a FIFO with a reader gets the body through it
	mkfifo -m 666 "$D/fifo"
	cat "$D/fifo" >"$TEST_TMP/fifo.got" & rd=$!
	run $who -o "$D/fifo" "$U/cl"
	wait $rd
	[ "$RC" = 0 ] && [ -p "$D/fifo" ] && [ "$(cat "$TEST_TMP/fifo.got")" = "hello world" ] &&
		ok "$who: a FIFO is written through" || fail "$who: FIFO" "rc $RC $(cat "$ERR")"

	# a symlink is followed; the link stays a link
	echo old >"$D/real"; chmod 666 "$D/real"; ln -s real "$D/link"
	run $who -o "$D/link" "$U/cl"
	[ "$RC" = 0 ] && [ -L "$D/link" ] && [ "$(cat "$D/real")" = "hello world" ] &&
		ok "$who: a symlink is followed, the link kept" || fail "$who: symlink" "rc $RC $(cat "$ERR"); $(ls -l "$D")"
	# a dangling symlink: the file it names is created
	ln -s made "$D/dangling"
	run $who -o "$D/dangling" "$U/cl"
	[ "$RC" = 0 ] && [ -L "$D/dangling" ] && [ "$(cat "$D/made")" = "hello world" ] &&
		ok "$who: a dangling symlink creates its target" || fail "$who: dangling" "rc $RC $(cat "$ERR")"

	# /dev/full through a symlink: exit 23, the device untouched
	ln -s /dev/full "$D/full"
	run $who -o "$D/full" "$U/big"
	[ "$RC" = 23 ] && grep -q "No space" "$ERR" && [ -c /dev/full ] && [ -L "$D/full" ] &&
		ok "$who: /dev/full through a symlink: exit 23" || fail "$who: /dev/full" "rc $RC $(cat "$ERR")"

	# an existing regular file of another user.  Root keeps CAP_DAC_OVERRIDE,
	# CAP_FOWNER and CAP_CHOWN for this (as curl, which writes in place,
	# can): the file is replaced with its mode, owner and group kept; a
	# user is refused another user's 0600 file.
	OTHER=$([ "$who" = root ] && echo "$TU" || echo root)
	echo old >"$D/other"; chown "$OTHER:$OTHER" "$D/other"; chmod 600 "$D/other"
	run $who -o "$D/other" "$U/cl"
	if [ "$who" = root ]; then
		expect_eq "root: another user's 0600 file is written, mode, owner and group kept" \
			"0 600 $(id -u "$OTHER"):$(id -g "$OTHER") hello world" \
			"$RC $(stat -c '%a %u:%g' "$D/other") $(cat "$D/other")"
	else
		expect_eq "user: another user's 0600 file is refused, untouched" "23 600 $(id -u "$OTHER") old" \
			"$RC $(stat -c '%a %u' "$D/other") $(cat "$D/other")"
		grep -q "Permission denied" "$ERR" && ok "user: says Permission denied" || fail "user: message" "$(cat "$ERR")"
	fi
	echo old >"$D/shared"; chown "$OTHER:$OTHER" "$D/shared"; chmod 646 "$D/shared"
	run $who -o "$D/shared" "$U/cl"
	# (its owner kept by root; a user cannot give a file away: the user's)
	expect_eq "$who: another user's writable file is replaced, its mode kept" \
		"0 646 $([ "$who" = root ] && id -u "$OTHER" || echo "$OWNER") hello world" \
		"$RC $(stat -c '%a %u' "$D/shared") $(cat "$D/shared")"
	echo old >"$D/mine"; chown "$OWNER:$OWNER" "$D/mine"; chmod 640 "$D/mine"
	run $who -o "$D/mine" "$U/cl"
	expect_eq "$who: own 0640 file keeps mode, owner and group" \
		"0 640 $OWNER:$OWNER hello world" "$RC $(stat -c '%a %u:%g' "$D/mine") $(cat "$D/mine")"

	# a new file gets 0666 & ~umask
	run $who -o "$D/new" "$U/cl"
	expect_eq "$who: a new file is created with the umask" "0 $(printf '%o' $((0666 & ~0$(umask)))) $OWNER" \
		"$RC $(stat -c '%a %u' "$D/new")"

	# a read-only directory
	R="$D/ro"; mkdir "$R"; echo old >"$R/f"; chmod 666 "$R/f"; chmod 555 "$R"
	run $who -o "$R/f" "$U/cl"
	if [ "$who" = root ]; then   # root may write there, as with curl
		expect_eq "root: read-only directory: written" "0 hello world" "$RC $(cat "$R/f")"
	else
		expect_eq "user: read-only directory: exit 23, file untouched" "23 old" "$RC $(cat "$R/f")"
	fi
	expect_eq "$who: read-only directory: nothing left behind" "f " "$(listing "$R")"

	# failure and signals leave nothing behind and the old file intact
	F="$D/keep"; mkdir -m 777 "$F"; echo old >"$F/f"; chmod 666 "$F/f"
	run $who -o "$F/f" "$U/big-truncated"
	expect_eq "$who: short body: exit 18, old file kept, no temporary" "18 old f " "$RC $(cat "$F/f") $(listing "$F")"
	run $who -o "$F/f" "$U/404" -f
	expect_eq "$who: -f and 404: exit 22, old file kept" "22 old f " "$RC $(cat "$F/f") $(listing "$F")"
	run $who -o "$F/g" "$U/404" --fail-with-body
	expect_eq "$who: --fail-with-body and 404: exit 22, the body in the file (as curl)" "22 not found f g " "$RC $(cat "$F/g") $(listing "$F")"
	rm -f "$F/g"
	for sig in INT TERM KILL; do
		if [ "$who" = root ]; then "$HG" -s -o "$F/f" "$U/silent?$who$sig" 2>/dev/null &
		else $(as_user "$TU") "$HG" -s -o "$F/f" "$U/silent?$who$sig" 2>/dev/null & fi
		pid=$!
		if wait_until 200 grep -q "REQ GET /silent?$who$sig" "$S_OUT"; then
			kill -$sig $pid; wait $pid 2>/dev/null
			expect_eq "$who: SIG$sig mid-transfer leaves the old file and nothing else" "old f " "$(cat "$F/f") $(listing "$F")"
		else
			kill $pid; fail "$who: SIG$sig: request never arrived"
		fi
	done
done

# the spliced data path into an appending stdout, a pipe and a file
python3 -c 'import sys; p=bytes(range(256)); sys.stdout.buffer.write((p*4097)[:1<<20])' >"$TEST_TMP/big.ref"
echo head >"$TEST_TMP/app"
timeout 10 "$HG" -s "$U/big" >>"$TEST_TMP/app"; rc=$?
{ echo head; cat "$TEST_TMP/big.ref"; } >"$TEST_TMP/app.ref"
[ "$rc" = 0 ] && cmp -s "$TEST_TMP/app" "$TEST_TMP/app.ref" && ok "stdout opened with >> (O_APPEND): appended byte-exact" ||
	fail "stdout O_APPEND" "rc $rc"
timeout 10 "$HG" -s "$U/big" | cmp -s - "$TEST_TMP/big.ref" && ok "a pipe on stdout gets the body byte-exact" || fail "pipe stdout"
timeout 10 "$HG" -s -o "$TEST_TMP/big.out" "$U/big" && cmp -s "$TEST_TMP/big.out" "$TEST_TMP/big.ref" &&
	ok "-o FILE gets the body byte-exact" || fail "-o FILE big"

# -O: curl's --remote-name, in the current directory
mkdir -m 777 "$TEST_TMP/rn"
(cd "$TEST_TMP/rn" && timeout 10 "$HG" -s -O "$U/cl?x=1"); rc=$?
expect_eq "-O names the file after the last path segment" "0 hello world" "$rc $(cat "$TEST_TMP/rn/cl" 2>&1)"
(cd "$TEST_TMP/rn" && timeout 10 "$HG" -s -S -O "$U/") 2>"$TEST_TMP/rn.err"; rc=$?
[ "$rc" = 23 ] && [ "$(wc -l <"$TEST_TMP/rn.err")" = 1 ] && ok "-O with no file name: exit 23, one line" ||
	fail "-O with an empty name" "rc $rc $(cat "$TEST_TMP/rn.err")"

done_testing
