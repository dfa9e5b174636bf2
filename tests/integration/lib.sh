# Shared helpers for integration tests: source this, then use
#   ok DESC / fail DESC [DETAIL]      record a result (TAP line on stdout)
#   check DESC CMD...                 ok when CMD succeeds
#   expect_eq DESC EXPECTED ACTUAL
#   start_server VAR CMD...           start CMD in the background; wait for its
#                                     first stdout line "listening on ADDR"; sets
#                                     VAR_PID, VAR_ADDR, VAR_PORT (inet), VAR_OUT
#                                     (file with the rest of its stdout),
#                                     VAR_ERR (its stderr file)
#   stop_server VAR [SIG]             signal it (TERM) and wait; sets VAR_RC
#   skip LABEL REASON                 a check that cannot run here: TAP
#                                     "ok N - LABEL # SKIP REASON", counted as a
#                                     skip (CI allows only tests/integration/
#                                     skips.allow's)
#   sanitized                         true in an ASan/UBSan build
#   need CMD...                       skip the whole file when a tool is missing
#   need_root                         skip the whole file when not root
#   done_testing                      print the plan; exit status = failures
# Every started server and temporary file is cleaned up on exit.
# Sanitizer builds write their reports into $TEST_TMP/sanitizer (ASAN_OPTIONS
# and UBSAN_OPTIONS log_path): any report there fails the file.
set -u
: "${SOCKBOX:?SOCKBOX must point to the built binary}"
SOCKBOX_BIN=${SOCKBOX_BIN:-$(dirname "$SOCKBOX")/bin}
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockbox-test.XXXXXX")
_t_n=0
_t_fail=0
_t_pids=()
_t_cleanups=()
_t_san="$TEST_TMP/sanitizer"
mkdir -m 1777 "$_t_san"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$_t_san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$_t_san/ubsan:print_stacktrace=1"

# _t_san_reports: print the sanitizer reports written so far; false if none
_t_san_reports() {
	local f found=1
	for f in "$_t_san"/*; do
		[ -e "$f" ] || continue
		found=0
		echo "${f##*/}:"; head -30 "$f"
	done
	return $found
}

_t_cleanup() {
	local p c
	for c in "${_t_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
	for p in "${_t_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	local rep rc=0
	if rep=$(_t_san_reports); then
		# written after the plan (a server's exit): fail the file all the same
		printf '%s\n' "# sanitizer reports:" "$rep" | sed '2,$s/^/#   /'
		rc=1
	fi
	rm -rf "$TEST_TMP"
	[ $rc = 0 ] || exit $rc
}
trap _t_cleanup EXIT
trap 'exit 130' INT TERM

# at_exit CMD: run CMD (a string) during cleanup, before files are removed.
at_exit() { _t_cleanups+=("$1"); }

ok() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $1"; }
fail() {
	_t_n=$((_t_n + 1)); _t_fail=$((_t_fail + 1))
	echo "not ok $_t_n - $1"
	if [ $# -gt 1 ]; then printf '%s\n' "$2" | sed 's/^/#   /' | head -20; fi
}
check() {
	local desc=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$desc"; else fail "$desc" "$out"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected: $2
actual:   $3"; fi
}
# todo DESC [DETAIL]: a known gap (TAP "# TODO"): shown, not counted failed
todo() {
	_t_n=$((_t_n + 1))
	echo "not ok $_t_n - $1 # TODO"
	if [ $# -gt 1 ]; then printf '%s\n' "$2" | sed 's/^/#   /' | head -5; fi
}
skip() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $1 # SKIP ${2:-cannot run here}"; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
need() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"; done
}
# sanitized: true for an ASan/UBSan build (make sanitize), whose memory and
# time figures are several times a plain build's: bounds are chosen by it
sanitized() {
	[ -n "${_t_sanitized:-}" ] || { grep -qa __asan_init "$SOCKBOX" && _t_sanitized=1 || _t_sanitized=0; }
	[ "$_t_sanitized" = 1 ]
}
need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }

start_server() {
	local var=$1; shift
	_t_srv=$((${_t_srv:-0} + 1))
	local out="$TEST_TMP/$var.$_t_srv.out" err="$TEST_TMP/$var.$_t_srv.err"
	local fifo="$TEST_TMP/$var.$_t_srv.fifo"
	mkfifo "$fifo"
	"$@" >"$fifo" 2>"$err" &
	local pid=$!
	_t_pids+=("$pid")
	local line="" fd
	exec {fd}<"$fifo"
	# the first line is the readiness signal; the rest goes to a file
	if ! IFS= read -r -t 10 -u "$fd" line; then
		exec {fd}<&-
		echo "# server $var did not start: $(cat "$err")" >&2
		printf -v "${var}_PID" '%s' "$pid"
		return 1
	fi
	cat <&$fd >"$out" &
	_t_pids+=("$!")
	exec {fd}<&-
	local addr=${line#listening on }
	printf -v "${var}_PID" '%s' "$pid"
	printf -v "${var}_ADDR" '%s' "$addr"
	printf -v "${var}_PORT" '%s' "${addr##*:}"
	printf -v "${var}_OUT" '%s' "$out"
	printf -v "${var}_ERR" '%s' "$err"
}

stop_server() {
	local var=$1 sig=${2:-TERM}
	local pidvar="${var}_PID"
	local pid=${!pidvar}
	kill "-$sig" "$pid" 2>/dev/null
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	printf -v "${var}_RC" '%s' "$rc"
}

# Wait (bounded) until CMD succeeds: for conditions with no readiness signal.
wait_until() {
	local tries=$1; shift
	while [ "$tries" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		tries=$((tries - 1)); sleep 0.05
	done
	return 1
}

# offline CMD...: run CMD in a fresh network namespace with no routes, so
# that a name lookup fails at once and no DNS query leaves this machine
# (tests of "could not resolve" must never reach the real resolver).
offline() {
	if [ "$(id -u)" = 0 ]; then unshare --net -- "$@"; else unshare -rn -- "$@"; fi
}

# A non-root user for privilege tests (created once, reused).
test_user() {
	local u=sockbox-test
	id "$u" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$u" >/dev/null 2>&1
	echo "$u"
}
# as_user U CMD...: a command line prefix, so start_server's PID is the
# command itself (setpriv execs it): start_server S $(as_user U) CMD...
as_user() {
	echo "setpriv --reuid $1 --regid $1 --clear-groups --inh-caps=-all"
}

done_testing() {
	local rep
	if rep=$(_t_san_reports); then
		fail "no sanitizer reports" "$rep"
		rm -f "$_t_san"/*
	fi
	echo "1..$_t_n"
	exit $((_t_fail > 0))
}

# free_ports N: N loopback TCP ports free at this moment, for peers that
# cannot listen on port 0 (nginx); callers retry on a collision.
free_ports() { python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"; }

# nginx_run DIR PORT HTTP_BODY: nginx in the foreground of a background job
# with everything under DIR (no daemon, one worker), HTTP_BODY inside its
# http {} block; NGX is its pid (killed at exit).  nginx prints nothing when
# ready, so PORT is polled (bounded).  0 once PORT accepts; else nginx is
# stopped, NGX empty, 1 (DIR/start.err and DIR/error.log say why).
nginx_run() {
	local dir=$1 port=$2 body=$3
	mkdir -p "$dir/tmp"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp;
	fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
$body
}
EOF
	nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/start.err" &
	NGX=$!; _t_pids+=("$NGX")
	if wait_until 100 python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" &&
		kill -0 "$NGX" 2>/dev/null; then
		return 0
	fi
	kill "$NGX" 2>/dev/null; wait "$NGX" 2>/dev/null; NGX=
	return 1
}

# ping_mask [SED_ARGS...]: a filter for comparing ping runs (31-, 32-):
# iputils' argv[0] error prefix, times, stamps and identifiers masked,
# then the caller's own sed rules.
ping_mask() {
	sed -E -e 's#^[^ :]*/ping6?: #ping: #' \
	    -e 's/time=[0-9.]+ ms/time=T ms/' -e 's/time [0-9]+ms/time Nms/' \
	    -e 's#= [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms#= A/B/C/D ms#' \
	    -e 's#ipg/ewma [0-9.]+/[0-9.]+ ms#ipg/ewma I/E ms#' \
	    -e 's/^\[[0-9]+\.[0-9]{6}\] /[S] /' -e 's/ident=[0-9]+/ident=I/' "$@"
}
