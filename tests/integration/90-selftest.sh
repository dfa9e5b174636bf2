#!/usr/bin/env bash
# selftest: the whole loopback smoke check; its output, JSON, exit codes,
# and that it leaves no process, file or socket behind, even interrupted.
. "$(dirname "$0")/lib.sh"
need python3 setsid timeout
"$SOCKBOX" --list | grep -qx selftest || skip_all "no selftest applet"

# selftest makes its directory in /tmp, which every other run on the
# machine shares: as root, each selftest here gets a /tmp of its own (our
# directory bind-mounted in a mount namespace of its own: ST prefixes the
# command, exec all the way, so its pid stays the selftest's), and only
# its own leftovers count
ST=() TMPD=/tmp
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	TMPD=$TEST_TMP/tmp
	mkdir -m 1777 "$TMPD"
	# (the test's own directory, under /tmp, is bound back in at its path)
	ST=(unshare -m --propagation private -- sh -c 't=$1 own=$2; shift 2
case $own in /tmp/?*) mkdir -p "$t/${own#/tmp/}" && mount --bind "$own" "$t/${own#/tmp/}" || exit 126 ;; esac
mount --rbind "$t" /tmp && exec "$@"' sh "$TMPD" "$TEST_TMP")
fi
leftovers() { ls -d "$TMPD"/sockbox-selftest.* 2>/dev/null | wc -l; }
before=$(leftovers)
in_session() { ps -o pid= -s "$1" 2>/dev/null | wc -l; }

# plain run, in its own session so that stray children can be counted
setsid "${ST[@]}" "$SOCKBOX" selftest >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
pid=$!
wait $pid; rc=$?
expect_eq "selftest exits 0 on this machine" 0 "$rc"
n_lines=$(grep -cE '^(PASS|FAIL|SKIP)  [a-z0-9:. -]+ +[^ ]' "$TEST_TMP/out")
n_checks=$(($(wc -l <"$TEST_TMP/out") - 1))
expect_eq "one PASS/FAIL/SKIP line per check" "$n_checks" "$n_lines"
last=$(tail -1 "$TEST_TMP/out")
grep -qE '^[0-9]+ passed, 0 failed, [0-9]+ skipped$' <<<"$last" && ok "summary line: $last" || fail "summary line" "$last"
[ "$n_checks" -ge 10 ] && ok "at least 10 checks ran ($n_checks)" || fail "at least 10 checks" "$(cat "$TEST_TMP/out")"
[ ! -s "$TEST_TMP/err" ] && ok "nothing on stderr" || fail "nothing on stderr" "$(cat "$TEST_TMP/err")"
expect_eq "no processes left in its session" 0 "$(in_session $pid)"
expect_eq "no temporary directory left" "$before" "$(leftovers)"

# JSON: every line an object; checks then one summary that agrees
"${ST[@]}" "$SOCKBOX" selftest --json >"$TEST_TMP/json"; rc=$?
v=$(python3 - "$TEST_TMP/json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
checks = [o for o in lines if o["type"] == "check"]
summ = lines[-1]
assert summ["type"] == "summary", summ
assert all(o["result"] in ("pass", "fail", "skip") and o["name"] and "detail" in o for o in checks)
counts = {r: sum(o["result"] == r for o in checks) for r in ("pass", "fail", "skip")}
print(summ["passed"] == counts["pass"] and summ["failed"] == counts["fail"] and summ["skipped"] == counts["skip"], summ["failed"])
PY
)
expect_eq "--json: valid lines, summary matches the checks, none failed" "True 0" "$v"
expect_eq "--json exit 0" 0 "$rc"

# interrupted mid-run: exit 130, nothing left behind
setsid "${ST[@]}" "$SOCKBOX" selftest >"$TEST_TMP/int" 2>&1 &
pid=$!
wait_until 200 grep -q PASS "$TEST_TMP/int"
kill -INT $pid
wait $pid; rc=$?
expect_eq "SIGINT: exit 130" 130 "$rc"
wait_until 40 test "$(in_session $pid)" = 0
expect_eq "SIGINT: no processes left in its session" 0 "$(in_session $pid)"
expect_eq "SIGINT: no temporary directory left" "$before" "$(leftovers)"

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	# a fresh namespace: ping_group_range "1 0", an unprivileged user ->
	# the ping checks SKIP with the reason; everything else passes
	NS=sbst$$
	ip netns add "$NS" && at_exit "ip netns del $NS"
	ip -n "$NS" link set lo up
	u=$(test_user)
	cp "$SOCKBOX" "$TEST_TMP/sockbox"; chmod 755 "$TEST_TMP" "$TEST_TMP/sockbox"
	out=$(cd / && ip netns exec "$NS" "${ST[@]}" $(as_user "$u") "$TEST_TMP/sockbox" selftest 2>&1); rc=$?
	expect_eq "unprivileged: exit 0" 0 "$rc"
	n=$(grep -c '^SKIP  ping .*ping_group_range' <<<"$out")
	expect_eq "unprivileged: both pings SKIP naming ping_group_range" 2 "$n"
	# loopback down: the checks fail, exit 1
	ip -n "$NS" link set lo down
	out=$(cd / && ip netns exec "$NS" "${ST[@]}" "$SOCKBOX" selftest -W 1 2>&1); rc=$?
	expect_eq "loopback down: exit 1" 1 "$rc"
	grep -q '^FAIL  tcp-echo IPv4' <<<"$out" && ok "loopback down: FAIL lines" || fail "loopback down: FAIL lines" "$out"
	# its children timed out and were stopped: still nothing left behind
	expect_eq "loopback down: no temporary directory left" "$before" "$(leftovers)"
else
	skip "unprivileged selftest in a fresh namespace; loopback down" "needs root and ip"
fi
done_testing
