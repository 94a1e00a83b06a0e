#!/usr/bin/python3
"""Prints "N passed, N failed, N skipped" for a meson testlog.json, counting the
cases inside each test program (cmocka and unittest summaries) rather than the
programs; a program whose output has no summary counts as one case."""

import json
import re
import sys


def cases(entry):
    out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
    ok = entry["result"] in ("OK", "EXPECTEDFAIL")
    skip = entry["result"] == "SKIP"
    m = re.findall(r"^\[  PASSED  \] (\d+) test", out, re.M)
    f = re.findall(r"^\[  FAILED  \] (\d+) test", out, re.M)
    if m or f:  # cmocka, one summary per group
        passed = sum(map(int, m))
        failed = sum(map(int, f))
        if not ok and failed == 0:
            failed = 1
        return passed, failed, 0
    m = re.search(r"^Ran (\d+) tests? in", out, re.M)
    if m:  # unittest
        ran = int(m.group(1))
        bad = sum(int(x) for x in re.findall(r"(?:failures|errors)=(\d+)", out))
        skipped = sum(int(x) for x in re.findall(r"skipped=(\d+)", out))
        if not ok and bad == 0:
            bad = 1
        return ran - bad - skipped, bad, skipped
    if skip:
        return 0, 0, 1
    return (1, 0, 0) if ok else (0, 1, 0)


def main():
    passed = failed = skipped = 0
    for line in open(sys.argv[1]):
        p, f, s = cases(json.loads(line))
        passed += p
        failed += f
        skipped += s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")


if __name__ == "__main__":
    main()
