#!/usr/bin/python3
"""Idle cost of alertd (issue 8.6): alertd follows a journald of its own (a
namespace instance: nothing else writes there) with nothing arriving; after it
stands at the tail (state saved), the voluntary context switches of all its
threads (/proc/PID/task/*/status) are counted over SECONDS.  Each voluntary
switch is one sleep ended by a wake-up, so their rate is the wake-ups per second.
Prints "wakeups_per_s switches seconds".  Usage: idle.py BUILD_DIR [SECONDS]"""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "..", "alertd"), os.path.join(HERE, "..", "..", "lib")]
os.environ.setdefault("LOGONACL_BUILD_DIR", sys.argv[1])
import logonacl_test as lt  # noqa: E402
from alertd_harness import NamespaceJournald, start_following  # noqa: E402


def voluntary_switches(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


def main():
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    lt.ensure_journald()
    with lt.root_tmpdir("alertd-idle-") as tmp, NamespaceJournald() as ns:
        smtp, _, d = start_following(tmp, ns)
        try:
            time.sleep(1.0)     # past the start-up work: the measurement is of idleness
            before, t0 = voluntary_switches(d.pid), time.monotonic()
            time.sleep(seconds)
            after, t1 = voluntary_switches(d.pid), time.monotonic()
        finally:
            d.send_signal(signal.SIGTERM)
            d.wait(10)
            d.stdout.close()
            d.stderr.close()
            smtp.stop()
        print("%.2f %d %.1f" % ((after - before) / (t1 - t0), after - before, t1 - t0))


if __name__ == "__main__":
    main()
