#!/usr/bin/env bash
# The conventions every applet shares (issue 16): -V/--version, usage
# errors as GNU tools print them (one error line plus a Try line, exit 2),
# conflicts declared in the option tables, empty and over-long operands
# refused with a reason, long values elided in the middle of an error line
# (never cut), and sockbox --install failing in one line.
. "$(dirname "$0")/lib.sh"
B=$SOCKBOX_BIN
APPLETS=$("$SOCKBOX" --list)

for a in $APPLETS; do
	out=$("$B/$a" -V 2>&1); rc=$?
	if [ "$a" = ping ] || [ "$a" = ping6 ]; then
		# iputils' -V wins for ping; --version is ours
		out=$("$B/$a" --version 2>&1); rc=$?
	fi
	[ $rc = 0 ] && [[ $out =~ ^$a\ \(sockbox\)\ [0-9]+\.[0-9]+ || $a == ping* && $out =~ [0-9] ]] \
		&& ok "$a: version printed, exit 0 ($out)" || fail "$a -V/--version" "rc=$rc $out"
done

# usage_err ARGS... / MSG: exit 2, stderr is exactly "APPLET: MSG" and the Try line
usage_err() {
	local applet=$1 msg=$2 out rc; shift 2
	out=$("$B/$applet" "$@" 2>&1 >/dev/null); rc=$?
	local want="$applet: $msg
Try '$applet --help' for more information."
	if [ $rc = 2 ] && [ "$out" = "$want" ]; then ok "$applet $*: $msg"
	else fail "$applet $*: $msg" "rc=$rc
$out"; fi
}
for a in $APPLETS; do
	usage_err "$a" "unrecognized option '--no-such-option'" --no-such-option
done
usage_err tcp-echo "'-s' and '-m' cannot be combined" -s 10 -m hi 127.0.0.1 7
usage_err tcp-echo "'--bench' and '-c' cannot be combined" -c 1 --bench 127.0.0.1 7
usage_err tcp-echo "empty HOST operand" '' 7007
usage_err tcp-echo "'-v' needs '-l'" -v -c 3 127.0.0.1 7
usage_err tcp-echo "'-l' and '-c' cannot be combined" -l -c 3 7
usage_err tcp-echo "'-4' and '-6' cannot be combined" -4 -6 127.0.0.1 7
usage_err tcp-echo "missing operand: PORT" 127.0.0.1
usage_err tcp-echo "extra operand 'x'" 127.0.0.1 7 x
usage_err tcp-echo "'--stdin' and '--json' cannot be combined" --stdin --json 127.0.0.1 7
usage_err udp-echo "'-l' and '-c' cannot be combined" -l -c 1 0
usage_err udp-echo "'-b' needs '-l'" -b 127.0.0.1 127.0.0.1 7
usage_err udp-echo "'--bench' and '-w' cannot be combined" --bench -w 1 127.0.0.1 7
usage_err udp-echo "empty HOST operand" '' 7
usage_err uds-echo "missing operand: PATH" -c 1
usage_err uds-echo "'--mode' needs '-l'" --mode 600 /tmp/x.sock
long=$(head -c 300 /dev/zero | tr '\0' a)
usage_err tcp-echo "HOST operand too long (more than 253 bytes): '$(head -c 40 <<<"$long")...'" "$long" 7

# a long value in an error line: elided in the middle, the reason kept
huge=$(head -c 3000 /dev/zero | tr '\0' b).invalid
out=$("$B/udp-echo" -c 1 "x$huge" 7 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 2 ] && [[ $out == *"operand too long"* ]] \
	&& ok "udp-echo: a 3000-byte HOST is refused in one line plus Try" || fail "long HOST" "rc=$rc"
out=$(offline "$B/tcp-echo" -l -b "$(head -c 180 /dev/zero | tr '\0' c).$(head -c 52 /dev/zero | tr '\0' d).invalid" 0 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && [[ $out == *": Name or service not known" || $out == *": "*"not known" || $out == *"failure"* ]] \
	&& ok "tcp-echo: resolve failure of a long name: one line ending with the reason" \
	|| fail "long name resolve" "rc=$rc $out"

# sockbox --install into a missing directory: one line, exit 1
out=$("$SOCKBOX" --install "$TEST_TMP/none/x" 2>&1); rc=$?
expect_eq "--install into a missing directory: one line, exit 1" \
	"1 1 sockbox: cannot install into $TEST_TMP/none/x: No such file or directory" \
	"$rc $(wc -l <<<"$out") $out"

done_testing
