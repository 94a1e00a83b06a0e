#!/usr/bin/python3
"""The short version of concurrency.py in the suite: 8 pam_client processes decide
in a loop while logonaclctl makes 40 rewrites (add, reindex, remove, reindex) of
a 5,000-entry list; bounded by the number of rewrites, not by time.  Every
decision matches the old or the new list, no config-error entry.
(`concurrency.py BUILD --naive-writer` shows the same check catching a file
rewritten in place.)"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import concurrency  # noqa: E402


class Concurrency(unittest.TestCase):
    def test_rewrites_during_decisions(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        r = concurrency.run(os.environ["LOGONACL_BUILD_DIR"], procs=8, rewrites=40)
        print("decisions %d rewrites %d" % (r["decisions"], r["rewrites"]), file=sys.stderr)
        self.assertEqual(r["rewrites"], 40)
        self.assertGreater(r["decisions"], 8)
        self.assertEqual(r["stored"] + r["syslog_fallbacks"], r["decisions"],
                         "every decision's entry reached the journal or, after the 1 s send timeout, syslog")
        self.assertEqual((r["mismatches"], r["examples"]), (0, []), "decisions that matched neither list")
        self.assertEqual(r["config_errors"], 0, "config-error entries while the list was rewritten")


if __name__ == "__main__":
    unittest.main()
