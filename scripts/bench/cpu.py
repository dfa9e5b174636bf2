#!/usr/bin/env python3
"""cpu.py OUT CMD [ARGS...]: run CMD with this process's stdin, stdout and
stderr; pass SIGINT, SIGTERM and SIGHUP on to it; when it has exited, write
"WALL USER SYS" (seconds) to the file OUT and exit with its status.

USER and SYS come from wait4()'s resource usage of CMD, which on Linux is
CMD's own CPU plus that of every descendant it reaped (socat's
per-connection children), at microsecond resolution, unlike
/usr/bin/time's and /proc's 10 ms clock ticks.  WALL is from fork to reap.
"""
import os
import signal
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)


def forward(sig, _frame):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, forward)
while True:
    try:
        _, status, ru = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
wall = time.monotonic() - t0
with open(out, "w") as f:
    f.write("%.6f %.6f %.6f\n" % (wall, ru.ru_utime, ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status)
         else 128 + os.WTERMSIG(status))
