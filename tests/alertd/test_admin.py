"""alertd for a new administrator (issues 14.13, 14.14): it says when [alert]
email is empty and when --namespace names no namespace, shows window starts as
readable times, and --test-mail sends one clearly marked mail now."""

import os
import socket
import unittest
import uuid

import logonacl_test as lt
from alertd_harness import *

MIN = 60 * 1000000
T0 = usec("2023-11-01 00:00:00")


class AdminTest(unittest.TestCase):
    def setUp(self):
        tmp_cm = lt.root_tmpdir("alertd-admin-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)     # also when setUp fails
        self.jdir = os.path.join(self.tmp, "journal")
        self.state = os.path.join(self.tmp, "alertd.state")
        make_journal(os.path.join(self.jdir, "x.journal"), [access(T0 + i * MIN, user="u%d" % i) for i in range(2)])

    def smtp(self, *args):
        s = SmtpServer(self.tmp, *args)
        self.addCleanup(s.stop)
        return s.start()

    def config(self, port=25, **kw):
        alert = {"email": "secops@example.com, oncall@example.com", "threshold": "5",
                 "smtp_url": "smtp://127.0.0.1:%d" % port, "smtp_starttls": "no"}
        alert.update(kw)
        return write_config(os.path.join(self.tmp, "conf"), **alert)

    def test_empty_email_is_said(self):
        cursor = lt.journal_cursor()
        r = run_alertd(self.config(email=""), self.state, "--once", "--from-start", "--verbose", directory=self.jdir)
        self.assertIn(b"[alert] email is empty: no alert mail will be sent", r.stderr)
        e = own_entries(cursor, "LOGONACL_ALERTD_EVENT=no-email", "_PID=%d" % r.pid, count=1)
        self.assertEqual(len(e), 1)

    def test_unknown_namespace_fails(self):
        ns = "nosuch%s" % uuid.uuid4().hex[:8]
        r = run_alertd(self.config(), self.state, "--once", "--namespace", ns, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(('the journal namespace "%s" does not exist' % ns).encode(), r.stderr)

    def test_window_start_is_a_readable_time(self):
        smtp = self.smtp()
        r = run_alertd(self.config(smtp.port, threshold="5"), self.state, "--once", "--from-start", "--verbose",
                       directory=self.jdir)
        self.assertIn(b"(1 of 5 in the window that opened 2023-11-01T00:00:00Z)", r.stderr)
        self.assertNotIn(str(T0).encode(), r.stderr)

    def test_test_mail(self):
        smtp = self.smtp()
        r = run_alertd(self.config(smtp.port), self.state, "--test-mail")
        self.assertEqual(r.stdout.decode(), "test mail sent to secops@example.com, oncall@example.com through "
                         "smtp://127.0.0.1:%d\n" % smtp.port)
        mails = smtp.wait_count(1)
        self.assertEqual(len(mails), 1)
        raw, msg, env = mails[0]
        self.assertTrue(msg["Subject"].startswith("[TEST] logonacl-alertd on "), msg["Subject"])
        self.assertIn("No access happened.", msg.get_content())
        self.assertEqual(env["rcpt_tos"], ["secops@example.com", "oncall@example.com"])
        self.assertFalse(os.path.exists(self.state))        # not an alert: no state, no window
        # A server that refuses: non-zero, with the reason.
        bad = SmtpServer(os.path.join(self.tmp, "bad"), "--script", "550")
        os.makedirs(bad.folder)
        self.addCleanup(bad.stop)
        bad.start()
        r = run_alertd(self.config(bad.port), self.state, "--test-mail", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"test mail not sent through smtp://127.0.0.1:%d: " % bad.port, r.stderr)
        self.assertIn(b"(SMTP 550)", r.stderr)
        # Nothing listening: non-zero at once (one attempt), with the reason.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = run_alertd(self.config(port), self.state, "--test-mail", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"test mail not sent through smtp://127.0.0.1:%d: " % port, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
