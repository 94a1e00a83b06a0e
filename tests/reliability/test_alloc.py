#!/usr/bin/python3
"""The failing-allocation sweep (issue 11): pam_acct_mgmt through the real libpam
with the Nth allocation failing, for every N (alloc_sweep.c), under
block-and-log.  An unapproved client may only get PERM_DENIED, BUF_ERR or
SYSTEM_ERR — never SUCCESS or IGNORE (fail closed); an approved one never
IGNORE; no run leaks a block the baseline run does not.  Once: only the Nth
allocation fails; sticky: the Nth and every later one.  The module's entries go
to a journald of the test's own."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rel_lib import NamespaceJournald, Site, with_journal_socket  # noqa: E402

MODULE = os.environ.get("LOGONACL_PAM_MODULE", "")
SWEEP = os.environ.get("LOGONACL_ALLOC_SWEEP", "")
CLOSED = {"PERM_DENIED", "BUF_ERR", "SYSTEM_ERR"}


class AllocSweep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root")
        cls.journal = NamespaceJournald().start()
        cls.site = Site(MODULE)

    @classmethod
    def tearDownClass(cls):
        cls.site.remove()
        cls.journal.stop()

    def sweep(self, rhost, mode):
        cmd = with_journal_socket(self.journal.socket, [SWEEP, self.site.pamdir, "sshd", rhost, mode])
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [line.split() for line in r.stdout.splitlines()]
        self.assertEqual(lines[0][0], "baseline")
        baseline, allocs, floor = lines[0][1], int(lines[0][2]), int(lines[0][3])
        runs = [(int(n), result, int(leaked)) for n, result, leaked in lines[1:]]
        self.assertGreater(allocs, 10, "the module makes allocations in pam_acct_mgmt")
        self.assertGreaterEqual(len(runs), allocs, "every allocation was made to fail once")
        leaks = [(n, leaked) for n, _, leaked in runs if leaked > floor]
        self.assertEqual(leaks, [], "runs (N, blocks) that leaked more than the baseline's %d" % floor)
        return baseline, runs

    def check_unapproved(self, mode):
        baseline, runs = self.sweep("203.0.113.9", mode)
        self.assertEqual(baseline, "PERM_DENIED")
        opened = [(n, result) for n, result, _ in runs if result not in CLOSED]
        self.assertEqual(opened, [], "allocation N failing gave a result other than PERM_DENIED/BUF_ERR/SYSTEM_ERR")

    def check_approved(self, mode):
        baseline, runs = self.sweep("198.51.100.7", mode)
        self.assertEqual(baseline, "SUCCESS")
        odd = [(n, result) for n, result, _ in runs if result not in CLOSED | {"SUCCESS"}]
        self.assertEqual(odd, [], "allocation N failing gave an unexpected result")

    def test_unapproved_once(self):
        self.check_unapproved("once")

    def test_unapproved_sticky(self):
        self.check_unapproved("sticky")

    def test_approved_once(self):
        self.check_approved("once")

    def test_approved_sticky(self):
        self.check_approved("sticky")


if __name__ == "__main__":
    unittest.main()
