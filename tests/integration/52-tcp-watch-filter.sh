#!/usr/bin/env bash
# ss's filter language in tcp-watch, differential against ss -tan on one
# socket set in a namespace of its own: every expression of the table gives
# the same rows through sock_diag (compiled to the kernel's inet_diag
# bytecode, checked by the kernel filtering everything: dumped == shown)
# and through /proc (evaluated here); --port, --addr with a prefix, bad
# filters refused with one line.
. "$(dirname "$0")/lib.sh"
need ss ip python3
need_root

NS=sbtf$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
at_exit "ip netns del $NS"
ip -n "$NS" link set lo up

tw() { timeout -k 2 20 ip netns exec "$NS" "$SOCKBOX" tcp-watch "$@"; }
nss() { ip netns exec "$NS" ss "$@" 2>/dev/null; }

cat >"$TEST_TMP/f.py" <<'EOF2'
import signal, socket, time

def listener(fam, addr, v6only=None):
    s = socket.socket(fam)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, 0))
    s.listen(64)
    return s, s.getsockname()[1]

def conn(l, fam, dst, port, src=None):
    c = socket.socket(fam)
    if src:
        c.bind((src, 0))
    c.connect((dst, port))
    return [c, l.accept()[0]]

keep = []
l1, p1 = listener(socket.AF_INET, "127.0.0.1")
l2, p2 = listener(socket.AF_INET, "127.0.0.2")
l3, p3 = listener(socket.AF_INET6, "::1")
l4, p4 = listener(socket.AF_INET6, "::", v6only=0)
l5, p5 = listener(socket.AF_INET, "127.1.2.3")
keep += [l1, l2, l3, l4, l5]
for _ in range(3):
    keep += conn(l1, socket.AF_INET, "127.0.0.1", p1)
for _ in range(2):
    keep += conn(l2, socket.AF_INET, "127.0.0.2", p2, src="127.0.0.5")
for _ in range(2):
    keep += conn(l3, socket.AF_INET6, "::1", p3)
for _ in range(2):
    keep += conn(l4, socket.AF_INET, "127.0.0.1", p4)   # v4-mapped
keep += conn(l4, socket.AF_INET6, "::1", p4)
keep += conn(l5, socket.AF_INET, "127.1.2.3", p5, src="127.0.0.9")
c, a = conn(l1, socket.AF_INET, "127.0.0.1", p1)
c.shutdown(socket.SHUT_WR)                               # FIN-WAIT-2 / CLOSE-WAIT
keep += [c, a]
c, a = conn(l2, socket.AF_INET, "127.0.0.2", p2)
c.close(); time.sleep(0.05); a.close()                   # TIME-WAIT
time.sleep(0.1)
print("listening on 127.0.0.1:%d %d %d %d %d" % (p1, p2, p3, p4, p5), flush=True)
signal.pause()
EOF2
start_server H ip netns exec "$NS" python3 "$TEST_TMP/f.py" || { fail "socket set made" "$(cat "$TEST_TMP"/H.*.err)"; done_testing; }
read -r P1 P2 P3 P4 P5 <<<"${H_ADDR#*:}"
ok "socket set in $NS: $(nss -tan | tail -n +2 | wc -l) sockets, ports $P1 $P2 $P3 $P4 $P5"

exprs=(
	"sport = :$P1" "sport == :$P1" "sport eq $P1" "dport = :$P1" "sport != :$P1"
	"dport ne :$P1" "sport > :$P1" "sport gt :$P1" "sport < :$P1" "sport >= :$P1"
	"sport <= :$P1" "dport >= :$P1" "dport le :$P1" "dport lt :$P2" "dport geq :$P2"
	"src 127.0.0.1" "dst 127.0.0.1" "src 127.0.0.0/8" "src 127.0.0.0/24" "dst 127.1.0.0/16"
	"src [::1]" "dst [::1]" "src ::1/128" "src [::ffff:127.0.0.1]" "dst 127.0.0.5"
	"src 127.0.0.1:$P1" "src [::1]:$P3" "dst *:$P4" "src :$P2" "( sport = :$P1 or dport = :$P1 )"
	"sport = :$P1 or dport = :$P1" "sport = :$P1 and dport = :$P1" "not sport = :$P1" "! dport = :$P2"
	"src 127.0.0.0/8 and not dst 127.0.0.1" "( src [::1] or dst [::1] ) and not sport = :$P3"
	"sport = :$P1 or sport = :$P2 or sport = :$P3" "sport > :1024 and sport < :65535"
	"src 127.0.0.1 dport = :$P1" "src 127.0.0.1 or src 127.0.0.2 and dport = :$P2"
	"not ( sport = :$P1 or dport = :$P1 )" "state established" "state listening"
	"state established dport = :$P1" "state connected src 127.0.0.0/8" "exclude established"
	"state time-wait state close-wait" "state synchronized" "state bucket" "state big sport >= :$P4"
	"exclude listening exclude time-wait" "dst 0.0.0.0/0" "src 127.0.0.2/31"
	"dport > :$P1 && sport < :$P1 || src [::1]" "dst ::ffff:127.0.0.1/128" "dst = 127.0.0.9"
	"src ::/0" "not not sport = :$P5" "( ( sport = :$P1 ) )" "sport = :$P4 and src 127.0.0.1"
)
# rows as (local, peer): ss drops its State column for a single state
pairs() { awk 'NR > 1 { print $(NF - 1), $NF }' | sort; }
nexp=0 same=0 bad=""
for e in "${exprs[@]}"; do
	nexp=$((nexp + 1))
	want=$(nss -tan $e | pairs)
	got=$(tw --once -n -a $e | pairs)
	proc=$(tw --proc --once -n -a $e 2>/dev/null | pairs)
	summ=$(tw --once -n -a --json $e | tail -1 | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("kernel" if s["dumped"] == s["total"] else "user %d/%d" % (s["total"], s["dumped"]))')
	if [ "$want" = "$got" ] && [ "$want" = "$proc" ] && [ "$summ" = kernel ]; then
		same=$((same + 1))
	else
		bad+="[$e] ss=$(wc -l <<<"$want") sock_diag=$(wc -l <<<"$got") proc=$(wc -l <<<"$proc") $summ"$'\n'
	fi
done
[ "$nexp" -ge 40 ] && [ "$same" = "$nexp" ] && ok "$same of $nexp filter expressions: same rows as ss -tan (sock_diag with kernel bytecode, and /proc)" \
	|| fail "$same of $nexp filter expressions give ss's rows" "$bad"
# the table covers every state the set has, and some expressions are empty
expect_eq "an expression can select nothing" "" "$(tw --once -n -a -H "sport = :$P1 and dport = :$P1")"

# the shortcut options against the equivalent expressions
expect_eq "--port P = ( sport = :P or dport = :P )" "$(nss -tan "( sport = :$P2 or dport = :$P2 )" | pairs)" "$(tw --once -n -a --port "$P2" | pairs)"
expect_eq "--addr with a prefix = ( src or dst in it ), v4-mapped included" \
	"$(nss -tan "( src 127.0.0.0/30 or dst 127.0.0.0/30 )" | pairs)" "$(tw --once -n -a --addr 127.0.0.0/30 | pairs)"
expect_eq "--addr [::1]/128" "$(nss -tan "( src [::1] or dst [::1] )" | pairs)" "$(tw --once -n -a --addr '[::1]/128' | pairs)"
expect_eq "--sport with an expression: both apply" "$(nss -tan "sport = :$P1 and dst 127.0.0.1" | pairs)" "$(tw --once -n -a --sport "$P1" dst 127.0.0.1 | pairs)"

# watch mode: the filter holds for transitions too
f="$TEST_TMP/w"
ip netns exec "$NS" "$SOCKBOX" tcp-watch --json --interval 0.05 --duration 2 "sport = :$P5 or dport = :$P5" >"$f" &
wp=$!
wait "$wp"
python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
ini = [o for o in objs if o["type"] == "initial"]
assert ini and all(o["sport"] == int(sys.argv[2]) or o["dport"] == int(sys.argv[2]) for o in ini), ini' "$f" "$P5" \
	&& ok "watch mode applies the filter" || fail "watch mode applies the filter" "$(head -3 "$f")"

# bad filters: one line, exit 2
for e in "sport = " "sport > :x" "src [::1]/128" "src 300.1.1.1" "( sport = :1" "bogus" "state nosuch" "src ::1"; do
	out=$(tw --once -n $e 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] && [ "$(head -1 <<<"$out" | grep -c '^tcp-watch: ')" = 1 ] && [ "$(wc -l <<<"$out")" = 2 ] || { fail "bad filter '$e' refused with one line (exit 2)" "rc=$rc $out"; continue; }
	ok "bad filter '$e': $(head -1 <<<"$out")"
done

stop_server H KILL
done_testing
