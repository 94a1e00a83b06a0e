"""alertd under systemd and with SMTP trouble (SPEC §5, issues 8.5, 8.7, 8.8,
14.6): READY=1 before a pending resend and STATUS= saying what it waits for;
the watchdog fed during a transaction that is cut at its deadline; a reload
never lands in the middle of a delivery; a refused recipient is named while
the others get the mail; --once gives up after bounded retries; --print is an
mbox and no delivery."""

import os
import signal
import socket
import subprocess
import time
import unittest
import uuid

import logonacl_test as lt
from alertd_harness import *

MIN = 60 * 1000000
T0 = usec("2023-11-01 00:00:00")


class NotifySocket:
    """An sd_notify socket: the messages alertd sends, stamped as they arrive (a reader thread)."""

    def __init__(self, folder):
        import threading
        self.path = os.path.join(folder, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.got = []
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stopping:
            try:
                m = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.got.append((time.monotonic(), m))

    def messages(self):
        with self.lock:
            return list(self.got)

    def wait_for(self, predicate, timeout=60):
        """Index of the first message satisfying predicate; fails loudly after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.messages()
            for i, (_, m) in enumerate(got):
                if predicate(m):
                    return i
            if time.monotonic() > deadline:
                raise AssertionError("no such sd_notify message; last ones: %r" % [m for _, m in got][-20:])
            time.sleep(0.05)

    def close(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()


def pending_saved(path):
    try:
        with open(path) as f:
            return "pending=yes" in f.read()
    except FileNotFoundError:
        return False


class PipelineTest(unittest.TestCase):
    def setUp(self):
        tmp_cm = lt.root_tmpdir("alertd-pipeline-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)     # also when setUp fails
        self.jdir = os.path.join(self.tmp, "journal")
        self.jfile = os.path.join(self.jdir, "x.journal")
        self.state = os.path.join(self.tmp, "alertd.state")
        self.procs = []
        self.addCleanup(self.reap)

    def reap(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.communicate()

    def config(self, port, **kw):
        alert = {"email": "secops@example.com", "threshold": "5", "smtp_url": "smtp://127.0.0.1:%d" % port,
                 "smtp_starttls": "no"}
        alert.update(kw)
        return write_config(os.path.join(self.tmp, "conf"), **alert)

    def smtp(self, *args, port=None):
        s = SmtpServer(self.tmp, *args, port=port)
        self.addCleanup(s.stop)
        return s.start()

    def popen(self, cfg, *args, env=None):
        p = subprocess.Popen([alertd_exe(), "--config", cfg, "--state", self.state, "--directory", self.jdir]
                             + list(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        return p

    def test_ready_before_pending_resend_and_status(self):
        make_journal(self.jfile, [access(T0, user="u0")])
        port = lt.free_port()                  # nothing listens: the alert stays pending
        cfg = self.config(port)
        p = self.popen(cfg, "--from-start")
        deadline = time.monotonic() + 60
        while not pending_saved(self.state):
            self.assertLess(time.monotonic(), deadline, "no pending alert saved")
            time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(state_of(self.state)["pending"], "yes")
        # The restart is READY at once, while the SMTP server is still down, and says what it waits for.
        notify = NotifySocket(self.tmp)
        self.addCleanup(notify.close)
        p = self.popen(cfg, env=dict(os.environ, NOTIFY_SOCKET=notify.path))
        ready = notify.wait_for(lambda m: m == "READY=1")
        resend = notify.wait_for(lambda m: m.startswith("STATUS=resending the alert pending since the last run"))
        retry = notify.wait_for(lambda m: m.startswith("STATUS=waiting to retry alert <logonacl."))
        self.assertLess(ready, resend)
        self.assertLess(resend, retry)
        self.assertIn("(attempt 1: ", notify.messages()[retry][1])
        # Then the server comes up: the alert goes out.
        smtp = self.smtp(port=port)
        self.assertEqual([labelled(m)["Account"] for _, m, _ in smtp.wait_count(1, timeout=60)], ["u0"])
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)

    def test_watchdog_fed_during_a_stalled_transaction_cut_at_its_deadline(self):
        make_journal(self.jfile, [access(T0, user="u0")])
        smtp = self.smtp("--script", "stall,ok", "--stall-seconds", "60")
        notify = NotifySocket(self.tmp)
        self.addCleanup(notify.close)
        env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="2000000")
        p = self.popen(self.config(smtp.port), "--from-start", "--smtp-timeout", "4", env=env)
        # The server holds the DATA reply for a minute; alertd cuts the transaction at 4 s and retries.
        self.assertEqual(len(smtp.wait_count(1, timeout=90)), 1)
        notify.wait_for(lambda m: m.startswith("STATUS=waiting for journal entries"))
        attempts = smtp.attempts()
        self.assertEqual([a[1] for a in attempts], ["stall", "ok"])
        first, second = float(attempts[0][2]), float(attempts[1][2])
        self.assertGreaterEqual(second - first, 4.0)        # not cut before its deadline (--smtp-timeout 4)
        self.assertLess(second - first, 40.0)               # but cut there, not after the server's minute
        pings = [t for t, m in notify.messages() if m == "WATCHDOG=1" and first <= t <= second]
        self.assertGreaterEqual(len(pings), 2)
        gaps = [b - a for a, b in zip([first] + pings, pings + [second])]
        self.assertLess(max(gaps), 2.0, gaps)               # never silent for WatchdogSec
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)

    def test_reload_waits_for_the_delivery(self):
        make_journal(self.jfile, [access(T0, user="u0")])
        smtp = self.smtp("--script", "451,ok")
        cfg = self.config(smtp.port, **{"from": "old@example.com"})
        p = self.popen(cfg, "--from-start")
        deadline = time.monotonic() + 60
        while not smtp.attempts():
            self.assertLess(time.monotonic(), deadline, "no first attempt")
            time.sleep(0.05)
        # Reload while the alert waits to be retried: it goes out as composed, header and envelope alike.
        cursor = lt.journal_cursor()
        self.config(smtp.port, **{"from": "new@example.com"})
        p.send_signal(signal.SIGHUP)
        mails = smtp.wait_count(1, timeout=60)
        self.assertEqual(len(mails), 1)
        self.assertEqual((mails[0][1]["From"], mails[0][2]["mail_from"]), ("old@example.com", "old@example.com"))
        # Once reloaded, the next alert uses the new configuration.
        self.assertEqual(len(own_entries(cursor, "LOGONACL_ALERTD_EVENT=reloaded", "_PID=%d" % p.pid, count=1,
                                         timeout=60)), 1)
        make_journal(self.jfile, [access(T0 + MIN, user="u1")])
        mails = smtp.wait_count(2, timeout=60)
        self.assertEqual((mails[1][1]["From"], mails[1][2]["mail_from"]), ("new@example.com", "new@example.com"))
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=30)

    def test_refused_recipient_is_named_and_the_others_get_it(self):
        make_journal(self.jfile, [access(T0, user="u0")])
        smtp = self.smtp("--refuse-rcpt", "gone@example.com")
        cfg = self.config(smtp.port, email="secops@example.com, gone@example.com, oncall@example.com")
        cursor = lt.journal_cursor()
        r = run_alertd(cfg, self.state, "--once", "--from-start", directory=self.jdir)
        mails = smtp.wait_count(1)
        self.assertEqual(mails[0][2]["rcpt_tos"], ["secops@example.com", "oncall@example.com"])
        w = own_entries(cursor, "LOGONACL_ALERTD_EVENT=recipient-refused", "_PID=%d" % r.pid, count=1)
        self.assertEqual([e["LOGONACL_REFUSED_RECIPIENTS"] for e in w], ["gone@example.com"])
        self.assertIn("refused gone@example.com", w[0]["MESSAGE"])

    def test_once_gives_up_after_bounded_retries(self):
        make_journal(self.jfile, [access(T0, user="u0")])
        cfg = self.config(lt.free_port())
        r = run_alertd(cfg, self.state, "--once", "--from-start", directory=self.jdir, timeout=120, check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"not delivered after 4 attempts", r.stderr)
        self.assertEqual(state_of(self.state)["pending"], "yes")

    def test_print_is_an_mbox_and_not_a_delivery(self):
        make_journal(self.jfile, [access(T0 + i * MIN, user="u%d" % i) for i in range(2)])
        cfg = self.config(lt.free_port())
        cursor = lt.journal_cursor()
        r = run_alertd(cfg, self.state, "--once", "--from-start", "--print", directory=self.jdir)
        out = r.stdout
        self.assertTrue(out.startswith(b"From no-reply@"), out[:100])
        self.assertNotIn(b"\r", out)
        self.assertEqual(out.count(b"\nFrom "), 1)
        self.assertEqual([labelled(m)["Account"] for m in split_printed(out)], ["u0", "u1"])
        # No "alert sent" entry: a marker sent after alertd exited is in the journal, and no entry before it.
        marker = uuid.uuid4().hex
        subprocess.run(["logger", "--journald"], input=("MESSAGE=x\nLOGONACL_TEST_MARKER=%s\n" % marker).encode(),
                       check=True)
        lt.journal_entries("LOGONACL_TEST_MARKER=" + marker, after_cursor=cursor, count=1, timeout=30)
        self.assertEqual(own_entries(cursor, "MESSAGE_ID=" + MID_SENT, "_PID=%d" % r.pid), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
