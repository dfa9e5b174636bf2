#!/usr/bin/env bash
# A network smoke check a CI job can copy: build sockbox, run its selftest,
# check the exit code and the JSON summary.  Run from the repository root:
#   bash tests/integration/smoke.sh
# Exit 0 when every check passed or was skipped, 1 otherwise.
set -euo pipefail
make -s -j2 >/dev/null
out=$(mktemp); trap 'rm -f "$out"' EXIT
rc=0
build/sockbox selftest --json >"$out" || rc=$?
python3 - "$out" "$rc" <<'PY'
import json, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
summary = objs[-1]
assert summary["type"] == "summary", "no summary line"
for o in (o for o in objs if o["type"] == "check"):
    print("%-4s %-20s %s" % (o["result"].upper(), o["name"], o["detail"]))
print("%d passed, %d failed, %d skipped" % (summary["passed"], summary["failed"], summary["skipped"]))
rc = int(sys.argv[2])
assert (rc == 0) == (summary["failed"] == 0), "exit code %d disagrees with the summary" % rc
assert summary["exit"] == rc, "summary exit %d, exit code %d" % (summary["exit"], rc)
sys.exit(1 if summary["failed"] else 0)
PY
