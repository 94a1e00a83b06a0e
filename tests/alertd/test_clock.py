"""alertd: a host whose clock runs far ahead (SPEC §5, issue 8.2).  Its time is
replaced by the time of the access counted before it, so it cannot open a
window in the future and hold it over everyone's accesses; alertd says so in a
warning entry naming the host and the skew, and in the mail."""

import os
import unittest

import logonacl_test as lt
from alertd_harness import *

HOUR = 3600 * 1000000
T0 = usec("2023-11-01 00:00:00")
FUTURE = usec("2033-05-18 03:33:20")


class ClockAheadTest(AlertdTestCase):
    TMP_PREFIX = "alertd-clock-"

    def test_future_entry_counts_at_its_neighbours_time(self):
        a = os.path.join(self.jdir, "remote-203.0.113.10.journal")
        evil = os.path.join(self.jdir, "remote-203.0.113.66.journal")
        make_journal(a, [access(T0 + i * HOUR, user="a%d" % i, host="a.example.com", boot_id="aa" * 16)
                         for i in range(2)])
        make_journal(evil, [access(FUTURE, user="evil", host="evil.example.com", boot_id="ee" * 16)])
        cursor = lt.journal_cursor()
        r = run_alertd(self.conf, self.state, "--once", "--from-start", directory=self.jdir)
        self.assertEqual([labelled(m)["Account"] for _, m, _ in self.smtp.wait_count(3)], ["a0", "a1", "evil"])
        # The mail says the host's clock is ahead (its own time is shown).
        _, msg, _ = self.smtp.messages()[2]
        self.assertEqual(labelled(msg)["Host"], "evil.example.com")
        self.assertEqual(labelled(msg)["Time"], "2033-05-18 03:33:20 (UTC +0)")
        self.assertTrue(any(l.startswith("Warning: the clock of this host is ahead of logonacl-alertd's by ")
                            for l in body_lines(msg)), msg.get_content())
        # A warning entry names the host and the skew.
        w = own_entries(cursor, "LOGONACL_ALERTD_EVENT=clock-ahead", "_PID=%d" % r.pid, count=1)
        self.assertEqual(len(w), 1)
        self.assertEqual(w[0]["LOGONACL_HOSTNAME"], "evil.example.com")
        self.assertGreater(int(w[0]["LOGONACL_CLOCK_AHEAD_SEC"]), 3600 * 24 * 365)
        self.assertEqual(int(w[0]["LOGONACL_COUNTED_REALTIME"]), T0 + HOUR)
        self.assertIn("evil.example.com", w[0]["MESSAGE"])
        # 24 hours after the first access, a new window opens for everyone, also after a restart:
        # the 2033 entry did not open one that holds every later access.
        make_journal(a, [access(T0 + (24 + i) * HOUR, user="a%d" % (24 + i), host="a.example.com",
                                boot_id="aa" * 16) for i in range(5)])
        run_alertd(self.conf, self.state, "--once", directory=self.jdir)
        accounts = [labelled(m)["Account"] for _, m, _ in self.smtp.wait_count(8)]
        self.assertEqual(accounts, ["a0", "a1", "evil", "a24", "a25", "a26", "a27", "a28"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
