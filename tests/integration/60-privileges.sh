#!/usr/bin/env bash
# Privileges across applets: copies of the binary with file capabilities
# (cap_net_raw+p and +ep) or setuid root, run as a non-root user.  Every
# applet but ping runs with all capability sets empty; ping works and holds
# nothing once running; a setuid-root copy runs as the real user.  Once
# running, every applet is sandboxed (NoNewPrivs 1, Seccomp 2); root's own
# model is tested in 65-sandbox.sh.
. "$(dirname "$0")/lib.sh"
need_root
need setcap setpriv python3 timeout
u=$(test_user)
uid=$(id -u "$u")
applets=$("$SOCKBOX" --list)
d=$(mktemp -d /tmp/sockbox-priv.XXXXXX); at_exit "rm -rf $d"
chmod 755 "$d"

# A server that sends half a response and holds the connection, so
# http-get prints a first byte and then waits.
start_server SILENT python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
'

status_of() { # PID FIELD
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}

# Run APPLET ARGS... from binary $1 as the user; wait until it is running
# its applet code (first output line, or the silent server's connection),
# then print "CapPrm CapEff CapAmb | uids | NoNewPrivs Seccomp" of the
# process (the sandbox: 1 and 2, filter mode); kill it.
probe() {
	local bin=$1; shift
	local out="$TEST_TMP/probe.out"
	: >"$out"
	$(as_user "$u") "$bin" "$@" >"$out" 2>&1 &
	local pid=$!
	# readiness: the applet printed something (all of these do at once)
	if ! wait_until 200 test -s "$out"; then
		kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		echo "no output from $*"
		return
	fi
	echo "$(status_of "$pid" CapPrm) $(status_of "$pid" CapEff) $(status_of "$pid" CapAmb) | $(status_of "$pid" Uid) | $(status_of "$pid" NoNewPrivs) $(status_of "$pid" Seccomp)"
	kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}

args_for() {
	case $1 in
	tcp-echo) echo "-l -b 127.0.0.1 0" ;;
	udp-echo) echo "-l -b 127.0.0.1 0" ;;
	uds-echo) echo "-l @sockbox-priv-$$" ;;
	tcp-watch) echo "--json --interval 1" ;;
	http-get) echo "-m 20 http://127.0.0.1:$SILENT_PORT/" ;;
	ping|ping6) echo "-i 0.2 127.0.0.1" ;;
	probe) echo "--wait -t 20 --format json -e never tcp://127.0.0.1:$SILENT_PORT icmp://127.0.0.1" ;;
	*) echo "" ;;
	esac
}

zero=0000000000000000
none="$zero $zero $zero | $uid $uid $uid $uid | 1 2"
for mode in "cap_net_raw+p" "cap_net_raw+ep"; do
	cp "$SOCKBOX" "$d/sockbox"; chmod 755 "$d/sockbox"
	setcap "$mode" "$d/sockbox"
	# control: the copy really carries the capability
	getcap "$d/sockbox" | grep -q cap_net_raw && ok "$mode applied" || fail "$mode applied" "$(getcap "$d/sockbox")"
	for a in $applets; do
		args=$(args_for "$a")
		[ -n "$args" ] || continue
		[ "$a" = ping6 ] && continue
		# shellcheck disable=SC2086
		got=$(probe "$d/sockbox" "$a" $args)
		expect_eq "$mode: $a runs with no capabilities as uid $uid, sandboxed" "$none" "$got"
	done
	# ping really works from this copy as the user (raw socket, then none)
	out=$(timeout 10 $(as_user "$u") "$d/sockbox" ping -c 2 -i 0.2 127.0.0.1 2>&1); rc=$?
	[ $rc = 0 ] && grep -q '2 received' <<<"$out" && ok "$mode: ping works as the user" || fail "$mode: ping works as the user" "$out"
	# probe's icmp target too (raw socket opened at set-up, then nothing)
	out=$(timeout 10 $(as_user "$u") "$d/sockbox" probe -t 2 icmp://127.0.0.1 2>&1); rc=$?
	[ $rc = 0 ] && ok "$mode: probe icmp works as the user" || fail "$mode: probe icmp works as the user" "$out"
done

# setuid root: runs as the real user with nothing
cp "$SOCKBOX" "$d/sockbox"; chown root:root "$d/sockbox"; chmod 4755 "$d/sockbox"
for a in tcp-echo tcp-watch; do
	grep -qx "$a" <<<"$applets" || continue
	# shellcheck disable=SC2086
	got=$(probe "$d/sockbox" "$a" $(args_for "$a"))
	expect_eq "setuid-root copy: $a as uid $uid with no capabilities, sandboxed" "$none" "$got"
done
done_testing
