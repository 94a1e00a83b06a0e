#!/usr/bin/python3
"""The full crash loop of issue 11 (never run by `meson test`; the suite runs 20 kills):
200 SIGKILLs of alertd at points chosen by progress (inside DATA, after an accepted
mail, as a state write begins, at the Kth state write) while it works through
10,000 unapproved accesses over ~14 days (threshold 20: 15 windows, 300 alerts).
Prints the figures and exits 1 when one misses its goal.
Usage: crash_loop.py BUILD_DIR [KILLS [ACCESSES [DAYS]]]"""

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "..", "alertd"), os.path.join(HERE, "..", "..", "lib")]
os.environ["LOGONACL_BUILD_DIR"] = os.path.abspath(sys.argv[1])
import logonacl_test as lt  # noqa: E402
from test_crash_loop import CrashLoop, check, make_accesses  # noqa: E402


def main():
    kills = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    days = float(sys.argv[4]) if len(sys.argv) > 4 else 14.5
    lt.ensure_journald()        # alertd's own entries
    t = time.monotonic()
    with lt.root_tmpdir("alertd-crashloop-%d-" % os.getpid()) as tmp:
        loop = CrashLoop(tmp, make_accesses(n, days, seed=11), threshold=20, kills=kills, deadline=1800,
                         log=lambda m: print(m, file=sys.stderr) if os.environ.get("VERBOSE") else None)
        f = loop.run()
    f["seconds"] = round(time.monotonic() - t, 1)
    print(json.dumps(f, indent=1))
    print("crash loop: %d kills %s, %d accesses, %d windows: lost %d (goal 0), over the cap %d (goal 0), "
          "duplicates %d (goal <= kills, each the pending alert resent), final state as uninterrupted: %s"
          % (f["kills"], f["kills_by_point"], f["accesses"], f["windows"], f["lost"], f["over_cap"],
             f["duplicates"], f["state_as_reference"]))
    tc = unittest.TestCase()
    try:
        tc.assertEqual(f["kills"], kills, "kill points not reached")
        check(tc, f)
    except AssertionError as e:
        print("FAILED: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
