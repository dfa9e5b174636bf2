#!/usr/bin/env bash
# The sandbox (issue 18): as root, every applet keeps what its set-up needs
# (port 7, the raw socket, a socket in a root-only directory) and, once
# serving, holds no capability, has NoNewPrivs and a seccomp filter.  An
# LD_PRELOAD shim (sandbox_shim.c) then tries, at the applet's first
# network read, what a taken-over applet would: each attempt must be
# refused -- by SIGSYS (one "APPLET: sandbox: system call NAME (N)
# refused" line, exit 159) or by the errno Landlock gives (EACCES) -- and
# with the shim loaded but idle every applet still does its job.
. "$(dirname "$0")/lib.sh"
need_root
need python3 socat ip cc timeout
HERE=$(cd "$(dirname "$0")" && pwd)
B=$SOCKBOX_BIN
zero=0000000000000000
confined="$zero $zero $zero 1 2"

status_of() { # PID FIELD
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
# "CapPrm CapEff CapAmb NoNewPrivs Seccomp" of PID
confinement() {
	echo "$(status_of "$1" CapPrm) $(status_of "$1" CapEff) $(status_of "$1" CapAmb) $(status_of "$1" NoNewPrivs) $(status_of "$1" Seccomp)"
}

# a network namespace of our own: port 7 is free there
NS=sockbox-sbx-$$
ip netns add "$NS" && at_exit "ip netns delete $NS"
ip -n "$NS" link set lo up
inns() { ip netns exec "$NS" "$@"; }

# An HTTP server: /slow sends half a body and holds the connection; any
# other path gets a whole 5-byte body.
cat >"$TEST_TMP/http.py" <<'EOF'
import socket, ssl, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
if len(sys.argv) > 1:  # https: CERT KEY
    tc = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); tc.load_cert_chain(sys.argv[1], sys.argv[2])
    s = tc.wrap_socket(s, server_side=True)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
held = []
def serve(c):
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d:
            return
        req += d
    if req.startswith(b"GET /slow"):
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"); held.append(c)
    else:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"); c.close()
while True:
    try:
        c, _ = s.accept()
    except (ssl.SSLError, OSError):
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
start_server H python3 "$TEST_TMP/http.py" || { fail "http test server starts"; done_testing; }

# --- as root: set-up privileges, then nothing --------------------------------
start_server TE ip netns exec "$NS" "$B/tcp-echo" -l 7
if [ -n "${TE_ADDR:-}" ]; then
	expect_eq "root: tcp-echo -l 7 serving: no capabilities, NoNewPrivs, seccomp" "$confined" "$(confinement "$TE_PID")"
	got=$(inns "$B/tcp-echo" -c 1 127.0.0.1 7 2>&1 | grep -c '^64 bytes from')
	expect_eq "root: tcp-echo -l 7 echoes under the sandbox" 1 "$got"
	stop_server TE
else fail "root: tcp-echo -l 7 starts" "$(cat "$TEST_TMP"/TE.*.err)"; fi

start_server UE ip netns exec "$NS" "$B/udp-echo" -l 7
if [ -n "${UE_ADDR:-}" ]; then
	expect_eq "root: udp-echo -l 7 serving: no capabilities, NoNewPrivs, seccomp" "$confined" "$(confinement "$UE_PID")"
	inns "$B/udp-echo" -c 2 -i 0.05 127.0.0.1 7 >/dev/null 2>&1
	expect_eq "root: udp-echo -l 7 echoes under the sandbox" 0 $?
	stop_server UE
else fail "root: udp-echo -l 7 starts" "$(cat "$TEST_TMP"/UE.*.err)"; fi

rd=$(mktemp -d /tmp/sockbox-sbx-root.XXXXXX); at_exit "rm -rf $rd"
chmod 700 "$rd"
start_server US "$B/uds-echo" -l "$rd/s"
if [ -n "${US_ADDR:-}" ]; then
	expect_eq "root: uds-echo -l in a root-only directory: confined" "$confined" "$(confinement "$US_PID")"
	"$B/uds-echo" -c 2 -i 0.05 "$rd/s" >/dev/null 2>&1
	expect_eq "root: uds-echo echoes under the sandbox" 0 $?
	stop_server US
	[ ! -e "$rd/s" ] && ok "root: uds-echo removed its socket on exit (Landlock allows that)" || fail "root: uds-echo removed its socket on exit" "$(ls -l "$rd")"
else fail "root: uds-echo -l starts" "$(cat "$TEST_TMP"/US.*.err)"; fi

# another user's directory: root's set-up creates the socket by DAC
# override; CAP_DAC_OVERRIDE and CAP_FOWNER stay permitted (never effective)
# for the removal on exit, which needs them again
u=$(test_user)
ud=$(mktemp -d /tmp/sockbox-sbx-user.XXXXXX); at_exit "rm -rf $ud"
chown "$u" "$ud"; chmod 700 "$ud"
dirkeep="000000000000000a $zero $zero 1 2"
start_server UU "$B/uds-echo" -l "$ud/s"
if [ -n "${UU_ADDR:-}" ]; then
	expect_eq "root: uds-echo -l in another user's 0700 directory: DAC override permitted only" "$dirkeep" "$(confinement "$UU_PID")"
	# (by socat: sockbox's own client connects from its loop, confined)
	got=$(printf 'hi\n' | timeout 5 socat -t 1 - "UNIX-CONNECT:$ud/s" 2>&1)
	expect_eq "root: uds-echo in another user's directory echoes" hi "$got"
	stop_server UU
	[ ! -e "$ud/s" ] && ok "root: uds-echo removed its socket from another user's directory" || fail "root: uds-echo removed its socket from another user's directory" "$(ls -l "$ud")"
else fail "root: uds-echo -l in another user's directory starts" "$(cat "$TEST_TMP"/UU.*.err)"; fi
chmod 755 "$ud"
# http-get as root into another user's directory (as curl can): DAC
# override, CAP_FOWNER and CAP_CHOWN kept permitted, never effective, for
# the rename at the end; during the download nothing is effective
"$B/http-get" -s -m 20 -o "$ud/slow" "http://127.0.0.1:$H_PORT/slow" >/dev/null 2>&1 &
hp=$!
if wait_until 200 sh -c "grep -q '^Seccomp:.*2' /proc/$hp/status"; then
	expect_eq "root: http-get -o into another user's directory, downloading: DAC_OVERRIDE, FOWNER, CHOWN permitted only" \
		"000000000000000b 0000000000000000 0000000000000000 1 2" "$(confinement "$hp")"
else fail "root: http-get -o into another user's directory starts"; fi
kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
"$B/http-get" -s -o "$ud/out" "http://127.0.0.1:$H_PORT/full" >/dev/null 2>&1
expect_eq "root: http-get -o into another user's directory: written (exit 0), nothing else left" \
	"0 hello $ud/out" "$? $(cat "$ud/out" 2>/dev/null) $(find "$ud" -name '*out*' -o -name '*slow*' | tr '\n' ' ' | sed 's/ $//')"

# ping: the raw socket, then nothing
out="$TEST_TMP/ping.out"
"$B/ping" --json -i 0.2 -c 50 127.0.0.1 >"$out" 2>&1 &
pp=$!
if wait_until 100 grep -q '"type":"reply"' "$out"; then
	grep -q '"socket":"raw"' "$out" && ok "root: ping uses the raw socket" || fail "root: ping uses the raw socket" "$(head -1 "$out")"
	expect_eq "root: ping replying: confined" "$confined" "$(confinement "$pp")"
else fail "root: ping replies" "$(cat "$out")"; fi
kill "$pp" 2>/dev/null; wait "$pp" 2>/dev/null

# tcp-watch (sock_diag, and --proc reading /proc/net/tcp under Landlock)
for mode in "" "--proc"; do
	# (a file per run: the wait below must not find the last run's line
	# before this run's shell has truncated it)
	out="$TEST_TMP/tw${mode:-.diag}.out"
	# shellcheck disable=SC2086
	"$B/tcp-watch" --json --interval 0.2 $mode >"$out" 2>&1 &
	tp=$!
	if wait_until 100 grep -q '"type":"initial"' "$out"; then
		expect_eq "root: tcp-watch ${mode:-(sock_diag)} watching: confined" "$confined" "$(confinement "$tp")"
		sleep 0.5   # two more polls under the sandbox (nothing to wait on)
		kill -0 "$tp" 2>/dev/null && ok "root: tcp-watch ${mode:-(sock_diag)} keeps polling" || fail "root: tcp-watch ${mode:-(sock_diag)} keeps polling" "$(tail -2 "$out")"
	else fail "root: tcp-watch $mode starts" "$(cat "$out")"; fi
	kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
done

# http-get during a slow download, and -O renamed into place afterwards
out="$TEST_TMP/hg.out"
"$B/http-get" -m 20 "http://127.0.0.1:$H_PORT/slow" >"$out" 2>&1 &
hp=$!
if wait_until 200 test -s "$out"; then
	expect_eq "root: http-get during a slow download: confined" "$confined" "$(confinement "$hp")"
else fail "root: http-get prints the first bytes" "$(cat "$out")"; fi
kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
"$B/http-get" -s -o "$rd/out" "http://127.0.0.1:$H_PORT/full" >/dev/null 2>&1
expect_eq "root: http-get -O renames the download into place (exit 0)" "0 hello" "$? $(cat "$rd/out" 2>/dev/null)"
left=$(find "$rd" -name '.out.*' | wc -l)
expect_eq "root: http-get -O leaves no temporary file" 0 "$left"

# http-get over https to a name (the resolver's threads, libssl after
# set-up), during a slow download
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TEST_TMP/tls.key" \
	-out "$TEST_TMP/tls.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" >/dev/null 2>&1 &&
	start_server HS python3 "$TEST_TMP/http.py" "$TEST_TMP/tls.pem" "$TEST_TMP/tls.key"; then
	out="$TEST_TMP/hgs.out"
	"$B/http-get" -m 20 --cacert "$TEST_TMP/tls.pem" "https://localhost:$HS_PORT/slow" >"$out" 2>&1 &
	hp=$!
	if wait_until 200 test -s "$out"; then
		expect_eq "root: http-get over https during a slow download: confined" "$confined" "$(confinement "$hp")"
	else fail "root: http-get over https prints the first bytes" "$(cat "$out")"; fi
	kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
	got=$("$B/http-get" -s --cacert "$TEST_TMP/tls.pem" "https://localhost:$HS_PORT/full" 2>&1)
	expect_eq "root: http-get over https under the sandbox" hello "$got"
else fail "https test server starts" "$(cat "$TEST_TMP"/HS.*.err 2>/dev/null)"; fi

# glibc's resolver threads end after a second idle through pthread_exit,
# which needs libgcc_s.so.1 (loaded before the sandbox): runs that outlast
# them end with their own exit code, not an abort (134)
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$B/probe" --wait --timeout 2.5 -i 100ms "tcp://localhost:$closed" >"$TEST_TMP/pe.out" 2>&1
expect_eq "probe --wait on a name for 2.5 s under the sandbox: exit 1 (resolver threads ended)" 1 "$?"
"$B/http-get" -s -m 2.5 "http://localhost:$H_PORT/slow" >/dev/null 2>"$TEST_TMP/he.err"
rc=$?
[ $rc = 28 ] && ok "http-get from a name, stalled for 2.5 s under the sandbox: exit 28" ||
	fail "http-get from a name, stalled for 2.5 s under the sandbox: exit 28" "exit $rc: $(cat "$TEST_TMP/he.err")"

# a name service module (nsswitch.conf "hosts: myhostname", /etc/hosts
# empty, in a mount namespace): loaded before the sandbox, so the lookups
# after set-up still go through it
if ldconfig -p | grep -q 'libnss_myhostname.so.2 '; then
	printf 'hosts: myhostname\n' >"$TEST_TMP/nss.conf"; : >"$TEST_TMP/hosts.empty"
	nssrun() { unshare -m -- sh -c 'mount --bind "$0" /etc/nsswitch.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"' "$TEST_TMP/nss.conf" "$TEST_TMP/hosts.empty" "$@"; }
	nssrun "$B/probe" -t 5 --no-sandbox "tcp://localhost:$H_PORT" >"$TEST_TMP/nss.out" 2>&1
	nrc=$?
	nssrun "$B/probe" -t 5 "tcp://localhost:$H_PORT" "http://localhost:$H_PORT/full" >>"$TEST_TMP/nss.out" 2>&1
	expect_eq "name service module (myhostname) under the sandbox: probe resolves localhost as unconfined" "0 0" "$nrc $?"
	nssrun "$B/http-get" -s "http://localhost:$H_PORT/full" >"$TEST_TMP/nss.body" 2>>"$TEST_TMP/nss.out"
	expect_eq "name service module (myhostname) under the sandbox: http-get" "0 hello" "$? $(cat "$TEST_TMP/nss.body")"
else skip "name service module under the sandbox" "libnss-myhostname not installed"; fi

# probe: a wait that keeps retrying (a name, so lookups run in threads
# after set-up; an icmp target, so root kept CAP_NET_RAW for set-up)
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out="$TEST_TMP/probe.out"
"$B/probe" --wait -t 20 -i 100ms --max-interval 200ms "tcp://localhost:$closed" icmp://127.0.0.1 \
	"http://localhost:$H_PORT/full" >"$out" 2>&1 &
pp=$!
if wait_until 200 sh -c "grep -q '^Seccomp:.*2' /proc/$pp/status"; then
	expect_eq "root: probe --wait retrying: confined" "$confined" "$(confinement "$pp")"
	sleep 0.5   # more attempts and lookups under the sandbox
	kill -0 "$pp" 2>/dev/null && ok "root: probe keeps retrying under the sandbox" || fail "root: probe keeps retrying" "$(cat "$out")"
else fail "root: probe --wait starts" "$(cat "$out")"; fi
kill "$pp" 2>/dev/null; wait "$pp" 2>/dev/null
"$B/probe" -t 5 "tcp://localhost:$H_PORT" icmp://127.0.0.1 "http://localhost:$H_PORT/full" \
	"https://localhost:${HS_PORT:-1}/full" --cacert "$TEST_TMP/tls.pem" "udp://127.0.0.1:$closed" --invert >"$out" 2>&1
rc=$?
"$B/probe" -t 5 "tcp://localhost:$H_PORT" icmp://127.0.0.1 "http://localhost:$H_PORT/full" \
	"https://localhost:${HS_PORT:-1}/full" --cacert "$TEST_TMP/tls.pem" >"$out" 2>&1
rc2=$?
if [ "$rc2 $(grep -c 'sandbox' "$out")" = "0 0" ]; then ok "root: probe tcp, icmp, http, https under the sandbox: exit 0"
else fail "root: probe tcp, icmp, http, https under the sandbox: exit 0" "exit $rc2: $(cat "$out")"; fi
[ "$rc" != 159 ] && ok "root: probe with a udp target is not refused" || fail "root: probe udp" "$(cat "$out")"
# -- COMMAND: the command would inherit seccomp and Landlock, so probe
# drops its capabilities only (sockbox(1), PRIVILEGES); a command run by
# root is root's, with root's capabilities after execve
"$B/probe" -q -t 5 "tcp://127.0.0.1:$H_PORT" -- sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " " | tr "\n" " " >"$0"' "$TEST_TMP/cmd.out" >/dev/null 2>&1
got=$(cat "$TEST_TMP/cmd.out" 2>/dev/null)
expect_eq "root: probe -- COMMAND runs it without probe's filters" "NoNewPrivs: 0 Seccomp: 0 " "$got"

# tcp-watch -p: root keeps CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH
# (effective) to read other users' /proc/PID/fd; seccomp, no Landlock
out="$TEST_TMP/twp.out"
"$B/tcp-watch" --json --interval 0.2 -a -p >"$out" 2>&1 &
tp=$!
pw="0000000000080004 0000000000080004 $zero 1 2"
if wait_until 100 grep -q '"type":"initial"' "$out"; then
	expect_eq "root: tcp-watch -p watching: SYS_PTRACE and DAC_READ_SEARCH only, NoNewPrivs, seccomp" "$pw" "$(confinement "$tp")"
	sleep 0.5
	kill -0 "$tp" 2>/dev/null && ok "root: tcp-watch -p keeps polling" || fail "root: tcp-watch -p keeps polling" "$(tail -2 "$out")"
	grep -q "\"pid\":$H_PID" "$out" && ok "root: tcp-watch -p names the http server's process" || fail "root: tcp-watch -p names owners" "$(grep -c owners "$out")"
else fail "root: tcp-watch -p starts" "$(cat "$out")"; fi
kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null

# --no-sandbox and SOCKBOX_NO_SANDBOX=1: capabilities still dropped, no filter
start_server NS1 "$B/tcp-echo" --no-sandbox -l -b 127.0.0.1 0
expect_eq "--no-sandbox: no capabilities, no NoNewPrivs, no filter" "$zero $zero $zero 0 0" "$(confinement "$NS1_PID")"
stop_server NS1
start_server NS2 env SOCKBOX_NO_SANDBOX=1 "$B/tcp-echo" -l -b 127.0.0.1 0
expect_eq "SOCKBOX_NO_SANDBOX=1: no filter" "0 0" "$(status_of "$NS2_PID" NoNewPrivs) $(status_of "$NS2_PID" Seccomp)"
stop_server NS2

# --- the shim: refused, and harmless when idle ----------------------------
if ldd "$SOCKBOX" 2>/dev/null | grep -q 'libasan'; then
	skip "the LD_PRELOAD shim's refusals" "a sanitizer build must load its runtime first (and has no Landlock)"
	done_testing
fi
SHIM="$TEST_TMP/sandbox_shim.so"
if ! cc -Wall -Werror -shared -fPIC -O1 -o "$SHIM" "$HERE/sandbox_shim.c" -ldl 2>"$TEST_TMP/cc.err"; then
	fail "the shim builds" "$(cat "$TEST_TMP/cc.err")"
	done_testing
fi

start_server PEER "$B/tcp-echo" -l -b 127.0.0.1 0   # for the tcp-echo client

# run_try APPLET TRY: start the applet with the shim set to TRY, make it
# read from the network once, print "RC STDERR-LINE".
run_try() {
	local a=$1 try=$2 err="$TEST_TMP/try.err" rc=0 pid
	: >"$err"
	case $a in
	tcp-echo-l|udp-echo-l|uds-echo-l)
		local sock="$TEST_TMP/try.sock" line="" fifo="$TEST_TMP/try.fifo" fd
		rm -f "$sock" "$fifo"; mkfifo "$fifo"
		case $a in
		tcp-echo-l) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM "$B/tcp-echo" -l -b 127.0.0.1 0 >"$fifo" 2>"$err" & ;;
		udp-echo-l) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM "$B/udp-echo" -l -b 127.0.0.1 0 >"$fifo" 2>"$err" & ;;
		uds-echo-l) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM "$B/uds-echo" -l "$sock" >"$fifo" 2>"$err" & ;;
		esac
		pid=$!
		exec {fd}<"$fifo"
		IFS= read -r -t 10 -u "$fd" line
		exec {fd}<&-
		local port=${line##*:}
		case $a in
		tcp-echo-l) printf x | timeout 5 socat -t 2 - "TCP:127.0.0.1:$port" >/dev/null 2>&1 ;;
		udp-echo-l) printf x | timeout 5 socat -t 0.5 - "UDP:127.0.0.1:$port" >/dev/null 2>&1 ;;
		uds-echo-l) printf x | timeout 5 socat -t 2 - "UNIX-CONNECT:$sock" >/dev/null 2>&1 ;;
		esac
		timeout 5 tail --pid="$pid" -f /dev/null
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null; rc=$?
		;;
	ping) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM timeout 10 "$B/ping" -c 1 127.0.0.1 >/dev/null 2>"$err"; rc=$? ;;
	tcp-watch) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM timeout 10 "$B/tcp-watch" --once >/dev/null 2>"$err"; rc=$? ;;
	tcp-watch-proc) SBX_SHIM_ANY=1 SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM timeout 10 "$B/tcp-watch" --interval 0.1 --proc --duration 1 >/dev/null 2>"$err"; rc=$? ;;
	http-get) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM timeout 10 "$B/http-get" "http://127.0.0.1:$H_PORT/full" >/dev/null 2>"$err"; rc=$? ;;
	tcp-echo) SBX_SHIM_TRY=$try LD_PRELOAD=$SHIM timeout 10 "$B/tcp-echo" -c 1 127.0.0.1 "$PEER_PORT" >/dev/null 2>"$err"; rc=$? ;;
	esac
	echo "$rc $(head -1 "$err")"
}

# The documented result of each attempt per applet: SIGSYS from the filter,
# or EACCES from Landlock where the filter lets the call through (openat
# read-only for servers that reopen /dev/null, resolvers and tcp-watch;
# connect for clients, whose TCP connects Landlock limits to their peer's
# port).  http-get may connect anywhere (redirects): not tried.
expected() { # APPLET TRY
	local name=${1%-l}; name=${name%-proc}
	case $2 in
	execve) echo "159 $name: sandbox: system call execve (59) refused" ;;
	ptrace) echo "159 $name: sandbox: system call ptrace (101) refused" ;;
	packet) echo "159 $name: sandbox: system call socket (41) refused" ;;
	open)
		case $1 in
		tcp-echo-l|uds-echo-l|tcp-watch|tcp-watch-proc|http-get) echo "96 shim: open -> errno EACCES" ;;
		*) echo "159 $name: sandbox: system call openat (257) refused" ;;
		esac ;;
	connect)
		case $1 in
		tcp-echo) echo "96 shim: connect -> errno EACCES" ;;
		*) echo "159 $name: sandbox: system call socket (41) refused" ;;
		esac ;;
	esac
}

if [ "$(uname -m)" != x86_64 ]; then
	skip "the LD_PRELOAD shim's refusals" "the expected system call numbers are x86_64's"
else
	for a in tcp-echo-l udp-echo-l uds-echo-l ping tcp-watch tcp-watch-proc http-get tcp-echo; do
		for try in execve open ptrace packet connect; do
			[ "$a" = http-get ] && [ "$try" = connect ] && continue
			expect_eq "shim: $a: $try refused" "$(expected "$a" "$try")" "$(run_try "$a" "$try")"
		done
	done
fi

# the shim loaded but idle: every applet does its job
export LD_PRELOAD=$SHIM
start_server I1 "$B/tcp-echo" -l -b 127.0.0.1 0
got=$(printf 'hi\n' | timeout 5 socat -t 1 - "TCP:127.0.0.1:$I1_PORT" 2>&1)
expect_eq "idle shim: tcp-echo -l echoes" hi "$got"
"$B/tcp-echo" -c 2 -i 0.05 127.0.0.1 "$I1_PORT" >/dev/null 2>&1
expect_eq "idle shim: tcp-echo client exits 0" 0 $?
stop_server I1
start_server I2 "$B/udp-echo" -l -b 127.0.0.1 0
"$B/udp-echo" -c 2 -i 0.05 127.0.0.1 "$I2_PORT" >/dev/null 2>&1
expect_eq "idle shim: udp-echo server and client" 0 $?
stop_server I2
start_server I3 "$B/uds-echo" -l "$TEST_TMP/idle.sock"
"$B/uds-echo" -c 2 -i 0.05 "$TEST_TMP/idle.sock" >/dev/null 2>&1
expect_eq "idle shim: uds-echo server and client" 0 $?
stop_server I3
timeout 10 "$B/ping" -c 1 127.0.0.1 >/dev/null 2>&1
expect_eq "idle shim: ping -c 1 exits 0" 0 $?
timeout 10 "$B/tcp-watch" --once >/dev/null 2>&1
expect_eq "idle shim: tcp-watch --once exits 0" 0 $?
got=$(timeout 10 "$B/http-get" "http://127.0.0.1:$H_PORT/full" 2>&1)
expect_eq "idle shim: http-get" hello "$got"
unset LD_PRELOAD
done_testing
