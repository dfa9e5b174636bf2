#!/usr/bin/env bash
# The multicall binary: dispatch, --list, --install, install/uninstall,
# usage errors, and the privilege drop in main().
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=$(dirname "$SOCKBOX")

expect_eq "--version" "sockbox 0.1.0" "$("$SOCKBOX" --version)"

applets=$("$SOCKBOX" --list)
links=$(cd "$SOCKBOX_BIN" && ls | sort)
expect_eq "--list matches the build/bin links" "$(sort <<<"$applets")" "$links"

out=$("$SOCKBOX" no-such-applet 2>&1 >/dev/null); rc=$?
expect_eq "unknown applet exits 127" 127 "$rc"
if grep -q "applet not found: no-such-applet" <<<"$out" && [ "$(tail -n +2 <<<"$out")" = "$applets" ]; then
	ok "unknown applet prints the list to stderr"
else fail "unknown applet prints the list to stderr" "$out"; fi

ln -s "$SOCKBOX" "$TEST_TMP/bogus-name"
"$TEST_TMP/bogus-name" >/dev/null 2>&1; expect_eq "link with an unknown name exits 127" 127 $?
"$SOCKBOX" >/dev/null 2>&1; expect_eq "no arguments exits 2" 2 $?
out=$("$SOCKBOX" --bogus 2>&1); rc=$?
expect_eq "unknown option exits 2" 2 "$rc"
grep -q "Try 'sockbox --help'" <<<"$out" && ok "unknown option hints at --help" || fail "unknown option hints at --help" "$out"
"$SOCKBOX" --help | grep -q '^Usage: sockbox' && ok "--help on stdout" || fail "--help on stdout"

# every applet: --help exits 0 on stdout; a bad option exits 2 with one
# error line plus the hint, through the link and through "sockbox APPLET"
for a in $applets; do
	out=$("$SOCKBOX_BIN/$a" --help 2>/dev/null); rc=$?
	if [ $rc = 0 ] && grep -q '^Usage: ' <<<"$out"; then ok "$a --help via link"; else fail "$a --help via link" "rc=$rc"; fi
	out=$("$SOCKBOX" "$a" --no-such-option 2>&1 >/dev/null); rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 2 ] && grep -q "^$a: unrecognized option '--no-such-option'" <<<"$out"; then
		ok "$a bad option: exit 2, one line + hint"
	else fail "$a bad option: exit 2, one line + hint" "rc=$rc $out"; fi
done

# --install -s and hard links, idempotent
mkdir "$TEST_TMP/s" "$TEST_TMP/h"
check "--install -s DIR" "$SOCKBOX" --install -s "$TEST_TMP/s"
check "--install -s again is idempotent" "$SOCKBOX" --install -s "$TEST_TMP/s"
n_ok=0
for a in $applets; do
	[ -L "$TEST_TMP/s/$a" ] && [ "$(readlink -f "$TEST_TMP/s/$a")" = "$(readlink -f "$SOCKBOX")" ] && n_ok=$((n_ok + 1))
done
expect_eq "--install -s made one symlink per applet" "$(wc -w <<<"$applets")" "$n_ok"
cp "$SOCKBOX" "$TEST_TMP/h/sockbox"
check "--install DIR (hard links)" "$TEST_TMP/h/sockbox" --install "$TEST_TMP/h"
n_ok=0
for a in $applets; do
	[ ! -L "$TEST_TMP/h/$a" ] && [ "$TEST_TMP/h/$a" -ef "$TEST_TMP/h/sockbox" ] && n_ok=$((n_ok + 1))
done
expect_eq "--install made one hard link per applet" "$(wc -w <<<"$applets")" "$n_ok"
echo x > "$TEST_TMP/s2"; mkdir "$TEST_TMP/s3"; first=$(head -1 <<<"$applets")
if [ -n "$first" ]; then
	echo "not ours" > "$TEST_TMP/s3/$first"
	"$SOCKBOX" --install -s "$TEST_TMP/s3" 2>/dev/null; rc=$?
	[ $rc = 1 ] && [ "$(cat "$TEST_TMP/s3/$first")" = "not ours" ] && ok "--install leaves a foreign file alone, exit 1" || fail "--install leaves a foreign file alone" "rc=$rc"
fi

# make install / uninstall into a DESTDIR
dest="$TEST_TMP/dest"
if make -s -C "$ROOT" BUILD="$BUILD_DIR" install DESTDIR="$dest" PREFIX=/usr >"$TEST_TMP/inst.log" 2>&1; then
	ok "make install DESTDIR"
else fail "make install DESTDIR" "$(cat "$TEST_TMP/inst.log")"; fi
[ -x "$dest/usr/bin/sockbox" ] && ok "installed binary" || fail "installed binary"
n_ok=0
for a in $applets; do [ "$(readlink "$dest/usr/bin/$a")" = sockbox ] && n_ok=$((n_ok + 1)); done
expect_eq "installed one relative symlink per applet" "$(wc -w <<<"$applets")" "$n_ok"
[ -f "$dest/usr/share/man/man1/sockbox.1" ] && ok "installed man page" || fail "installed man page"
touch "$dest/usr/bin/other-tool"
make -s -C "$ROOT" BUILD="$BUILD_DIR" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
left=$(cd "$dest" && find . -type f -o -type l | sort)
expect_eq "make uninstall removes exactly what install added" "./usr/bin/other-tool" "$left"

# man pages render without warnings
for m in "$ROOT"/man/*.1 "$ROOT"/man/*.7; do
	w=$(groff -man -ww -z "$m" 2>&1)
	[ -z "$w" ] && ok "man page $(basename "$m") renders clean" || fail "man page $(basename "$m") renders clean" "$w"
done

# every applet in the table has a man page (aliases share their applet's)
for a in $applets; do
	[ "$a" = ping6 ] && continue   # an alias line of ping in applets.h
	[ -f "$ROOT/man/$a.1" ] && ok "man page for $a" || fail "man page for $a" "no man/$a.1"
done

# Privileges are tested in 60-privileges.sh.
done_testing
