"""alertd: one instance per state file (SPEC §5, issue 8.3).  A second alertd on
the same state file exits 1 naming the PID that holds it, and sends nothing."""

import os
import time
import unittest

import logonacl_test as lt
from alertd_harness import *

T0 = usec("2023-11-01 00:00:00")


class LockTest(AlertdTestCase):
    TMP_PREFIX = "alertd-lock-"

    def test_second_instance_exits_naming_the_holder(self):
        make_journal(os.path.join(self.jdir, "x.journal"), [access(T0 + i, user="u%d" % i) for i in range(3)])
        first = start_alertd(self.conf, self.state, "--from-start", directory=self.jdir)
        self.addCleanup(lambda: first.poll() is None and (first.kill(), first.communicate()))
        self.assertEqual(len(self.smtp.wait_count(3, timeout=60)), 3)
        second = run_alertd(self.conf, self.state, "--once", "--from-start", directory=self.jdir, check=False)
        self.assertEqual(second.returncode, 1)
        self.assertIn(("%s is in use by another logonacl-alertd (PID %d)" % (self.state, first.pid)).encode(),
                      second.stderr)
        self.assertEqual(len(self.smtp.messages()), 3)
        first.terminate()
        first.communicate(timeout=30)
        self.assertEqual(first.returncode, 0)
        # Once the first is gone, the lock is free.
        run_alertd(self.conf, self.state, "--once", directory=self.jdir)
        self.assertEqual(len(self.smtp.messages()), 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
