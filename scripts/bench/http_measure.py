#!/usr/bin/env python3
"""Run a command with stdout to /dev/null; print "WALL USER SYS" seconds of
that child alone (wait4 rusage, microsecond resolution).  Exit status is the
child's."""
import os
import sys
import time

t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
print("%.6f %.6f %.6f" % (wall, ru.ru_utime, ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status))
