"""alertd's SMTP delivery (SPEC §5): retries with backoff for connection
failures, timeouts and 4xx, in journal order; 5xx gives up with an "alert
failed" entry and uses the slot; TLS is verified; STARTTLS and AUTH work."""

import os
import signal
import time
import unittest

import logonacl_test as lt
from alertd_harness import *

MIN = 60 * 1000000
T0 = usec("2023-11-01 00:00:00")


class DeliveryTest(CertsTestCase):
    def setUp(self):
        self.tmp_cm = lt.root_tmpdir("alertd-delivery-")
        self.tmp = self.tmp_cm.__enter__()
        self.addCleanup(self.tmp_cm.__exit__, None, None, None)
        self.jdir = os.path.join(self.tmp, "journal")
        self.state = os.path.join(self.tmp, "alertd.state")
        self.procs = []
        self.smtp = None

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        if self.smtp:
            self.smtp.stop()

    def cert(self, name):
        return os.path.join(self.certs, name)

    def config(self, port, **kw):
        alert = {"email": "secops@example.com", "threshold": "5", "smtp_url": "smtp://127.0.0.1:%d" % port,
                 "smtp_starttls": "no"}
        alert.update(kw)
        return write_config(os.path.join(self.tmp, "conf"), **alert)

    def entries(self, n):
        make_journal(os.path.join(self.jdir, "x.journal"), [access(T0 + i * MIN, user="u%d" % i) for i in range(n)])

    def daemon(self, cfg, *args):
        p = start_alertd(cfg, self.state, "--from-start", *args, directory=self.jdir)
        self.procs.append(p)
        return p

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(15), 0)

    def test_smtp_down_then_up_keeps_order(self):
        port = lt.free_port()
        self.entries(2)
        cursor = lt.journal_cursor()
        p = self.daemon(self.config(port))
        retries = own_entries(cursor, "LOGONACL_ALERTD_EVENT=alert-retry", "_PID=%d" % p.pid, count=2, timeout=8)
        self.assertGreaterEqual(len(retries), 2)
        self.assertEqual(retries[0]["LOGONACL_USER"], "u0")
        self.assertEqual(retries[0]["LOGONACL_SMTP_CODE"], "0")
        self.smtp = SmtpServer(self.tmp, port=port).start()
        mails = self.smtp.wait_count(2, timeout=15)
        self.assertEqual([labelled(m)["Account"] for _, m, _ in mails], ["u0", "u1"])
        self.stop(p)
        self.assertEqual(state_of(self.state)["pending"], "no")

    def test_4xx_then_success(self):
        self.smtp = SmtpServer(self.tmp, "--script", "421,450").start()
        self.entries(1)
        start = time.monotonic()
        run_alertd(self.config(self.smtp.port), self.state, "--once", "--from-start", directory=self.jdir)
        elapsed = time.monotonic() - start
        self.assertEqual(len(self.smtp.wait_count(1)), 1)
        self.assertEqual([a[1] for a in self.smtp.attempts()], ["421", "450", "ok"])
        self.assertGreaterEqual(elapsed, 3.0)     # backoff 1 s, then 2 s
        self.assertLess(elapsed, 8.0)

    def test_5xx_gives_up_and_uses_the_slot(self):
        self.smtp = SmtpServer(self.tmp, "--script", "550").start()
        self.entries(6)
        cursor = lt.journal_cursor()
        r = run_alertd(self.config(self.smtp.port), self.state, "--once", "--from-start", directory=self.jdir)
        self.assertEqual([labelled(m)["Account"] for _, m, _ in self.smtp.messages()], ["u1", "u2", "u3", "u4"])
        failed = own_entries(cursor, "MESSAGE_ID=" + MID_FAILED, "_PID=%d" % r.pid, count=1)
        self.assertEqual([(e["LOGONACL_USER"], e["LOGONACL_SMTP_CODE"]) for e in failed], [("u0", "550")])
        self.assertEqual(failed[0]["PRIORITY"], "3")
        not_sent = own_entries(cursor, "MESSAGE_ID=" + MID_NOT_SENT, "_PID=%d" % r.pid, count=1)
        self.assertEqual([e["LOGONACL_USER"] for e in not_sent], ["u5"])
        self.assertEqual(state_of(self.state)["window_sent"], "5")

    def test_stalled_server_times_out_and_is_retried(self):
        # The stall outlasts any machine's retry by far: finishing before it ends proves the cut.
        self.smtp = SmtpServer(self.tmp, "--script", "stall", "--stall-seconds", "30").start()
        self.entries(1)
        start = time.monotonic()
        run_alertd(self.config(self.smtp.port), self.state, "--once", "--from-start", "--smtp-timeout", "1",
                   directory=self.jdir)
        self.assertLess(time.monotonic() - start, 30.0)
        mails = self.smtp.wait_count(1)
        self.assertEqual(len(mails), 1)
        self.assertEqual(self.smtp.attempts()[0][1], "stall")

    def test_bad_certificate_is_refused(self):
        self.smtp = SmtpServer(self.tmp, "--implicit-tls", "--tls-cert", self.cert("bad.pem"), "--tls-key",
                               self.cert("bad.key")).start()
        self.entries(1)
        cursor = lt.journal_cursor()
        cfg = self.config(self.smtp.port, smtp_url="smtps://127.0.0.1:%d" % self.smtp.port,
                          smtp_ca_file=self.cert("ca.pem"))
        p = self.daemon(cfg)
        retries = own_entries(cursor, "LOGONACL_ALERTD_EVENT=alert-retry", "_PID=%d" % p.pid, count=1, timeout=8)
        self.assertTrue(retries)
        self.assertIn("certificate", retries[0]["LOGONACL_SMTP_ERROR"].lower())
        self.stop(p)
        self.assertEqual(self.smtp.messages(), [])
        self.assertEqual(state_of(self.state)["pending"], "yes")    # resent at the next start

    def test_implicit_tls(self):
        self.smtp = SmtpServer(self.tmp, "--implicit-tls", "--tls-cert", self.cert("server.pem"), "--tls-key",
                               self.cert("server.key")).start()
        self.entries(1)
        run_alertd(self.config(self.smtp.port, smtp_url="smtps://127.0.0.1:%d" % self.smtp.port,
                               smtp_ca_file=self.cert("ca.pem")), self.state, "--once", "--from-start",
                   directory=self.jdir)
        mails = self.smtp.wait_count(1)
        self.assertEqual(len(mails), 1)
        self.assertTrue(mails[0][2]["tls"])

    def test_starttls_required_and_auth(self):
        self.smtp = SmtpServer(self.tmp, "--starttls", "required", "--tls-cert", self.cert("server.pem"),
                               "--tls-key", self.cert("server.key"), "--auth-user", "alertd",
                               "--auth-password", "s3cret").start()
        self.entries(2)
        pw = lt.write_file(os.path.join(self.tmp, "password"), "s3cret\n", 0o640)
        cfg = self.config(self.smtp.port, smtp_starttls="required", smtp_user="alertd", smtp_password_file=pw,
                          smtp_ca_file=self.cert("ca.pem"))
        run_alertd(cfg, self.state, "--once", "--from-start", directory=self.jdir)
        mails = self.smtp.wait_count(2)
        self.assertEqual(len(mails), 2)
        self.assertEqual([(m[2]["tls"], m[2]["auth_user"]) for m in mails], [(True, "alertd")] * 2)
        # A wrong password is a 535: permanent, reported, slot used.
        lt.write_file(pw, "wrong\n", 0o640)
        make_journal(os.path.join(self.jdir, "x.journal"), [access(T0 + 10 * MIN, user="u9")])
        cursor = lt.journal_cursor()
        r = run_alertd(cfg, self.state, "--once", directory=self.jdir)
        failed = own_entries(cursor, "MESSAGE_ID=" + MID_FAILED, "_PID=%d" % r.pid, count=1)
        self.assertEqual([e["LOGONACL_SMTP_CODE"] for e in failed], ["535"])
        self.assertEqual(len(self.smtp.messages()), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
