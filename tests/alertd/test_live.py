"""alertd on a live journald: an entry written to the real journald by a
trusted process reaches the SMTP server; the same entry written by an untrusted
user sends nothing and gives a warning entry; a decision of the real PAM module
(pam_wrapper + pamtester) reaches the SMTP server.  The journald is a namespace
instance of its own (systemd-journald NS, alertd --namespace NS), so entries
other suites write to the system journal meanwhile cannot use up the cap; one
test also follows the system journal itself."""

import os
import signal
import subprocess
import time
import unittest
import uuid

import logonacl_test as lt
from alertd_harness import *

PAM_WRAPPER = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"


def module_entry(token, message_id=MID_LOGGED):
    return {"MESSAGE_ID": message_id, "MESSAGE": "logonacl live test " + token, "LOGONACL_USER": token,
            "LOGONACL_CLIENT_IP": "203.0.113.9", "LOGONACL_RHOST": "203.0.113.9", "LOGONACL_CHANNEL": "admin",
            "LOGONACL_SSO": "no", "LOGONACL_SERVICE": "sshd", "SYSLOG_IDENTIFIER": "pam_logonacl"}


class LiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        lt.ensure_journald()        # alertd's own entries go to the system journal
        cls.ns = NamespaceJournald().start()

    @classmethod
    def tearDownClass(cls):
        cls.ns.stop()

    def write(self, token, as_user=None, message_id=MID_LOGGED):
        cmd = self.ns.send_command(module_entry(token, message_id))
        if as_user:
            cmd = ["runuser", "-u", as_user, "--"] + cmd
        subprocess.run(cmd, check=True)

    def setUp(self):
        # Cleanups, not tearDown: they also run when setUp itself fails half-way.
        tmp_cm = lt.root_tmpdir("alertd-live-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)
        self.state = os.path.join(self.tmp, "alertd.state")
        self.smtp = SmtpServer(self.tmp)
        self.addCleanup(self.smtp.stop)
        self.smtp.start()
        self.cfg = write_config(os.path.join(self.tmp, "conf"), email="secops@example.com", threshold="100",
                                smtp_url="smtp://127.0.0.1:%d" % self.smtp.port, smtp_starttls="no",
                                timezone="Asia/Tokyo")
        self.cursor = lt.journal_cursor()
        self.alertd = start_alertd(self.cfg, self.state, "--namespace", self.ns.name)
        self.addCleanup(self.stop_alertd)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.state):      # saved once it stands at the tail
            self.assertIsNone(self.alertd.poll(), self.alertd.stderr.read() if self.alertd.poll() is not None else "")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)

    def stop_alertd(self):
        if self.alertd.poll() is None:
            self.alertd.send_signal(signal.SIGTERM)
            try:
                self.assertEqual(self.alertd.wait(10), 0)
            except subprocess.TimeoutExpired:
                self.alertd.kill()
                self.alertd.wait()
                raise
        self.alertd.stdout.close()
        self.alertd.stderr.close()

    def mails_for(self, token, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            found = [(raw, m, env) for raw, m, env in self.smtp.messages() if labelled(m).get("Account") == token]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def test_trusted_entry_reaches_smtp(self):
        token = "live-" + uuid.uuid4().hex[:12]
        start = time.monotonic()
        self.write(token)
        mails = self.mails_for(token)
        latency = time.monotonic() - start
        self.assertEqual(len(mails), 1)
        lines = labelled(mails[0][1])
        self.assertEqual(lines["Client IP"], "203.0.113.9")
        self.assertEqual(lines["Access Activity"], "Logon to Administrator Console")
        self.assertTrue(lines["Time"].endswith("(UTC +9)"))
        self.assertEqual(lines["Host"], os.uname().nodename)
        sent = own_entries(self.cursor, "MESSAGE_ID=" + MID_SENT, "LOGONACL_USER=" + token, count=1)
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["_PID"], str(self.alertd.pid))
        self.assertLess(latency, 5.0)

    def test_forged_entry_sends_nothing_and_warns(self):
        token = "forged-" + uuid.uuid4().hex[:12]
        self.write(token, as_user="nobody")
        self.write(token, as_user="nobody", message_id=MID_BLOCKED)
        warnings = own_entries(self.cursor, "LOGONACL_ALERTD_EVENT=untrusted-entry", "_PID=%d" % self.alertd.pid,
                               count=2, timeout=5)
        self.assertEqual(len(warnings), 2)
        self.assertEqual({w["LOGONACL_UNTRUSTED_UID"] for w in warnings}, {str(65534)})
        self.assertEqual(warnings[0]["PRIORITY"], "4")
        # A trusted entry after it still gets through, and the forged ones never did.
        control = "control-" + uuid.uuid4().hex[:12]
        self.write(control)
        self.assertEqual(len(self.mails_for(control)), 1)
        self.assertEqual(self.mails_for(token, timeout=0), [])

    def test_forgery_flood_is_rate_limited(self):
        token = "flood-" + uuid.uuid4().hex[:12]
        for _ in range(30):
            self.write(token, as_user="nobody")
        control = "control-" + uuid.uuid4().hex[:12]
        self.write(control)
        self.assertEqual(len(self.mails_for(control)), 1)     # all 30 were read by now
        warnings = own_entries(self.cursor, "LOGONACL_ALERTD_EVENT=untrusted-entry", "_PID=%d" % self.alertd.pid)
        self.assertEqual(len(warnings), 10)
        self.assertEqual(self.mails_for(token, timeout=0), [])

    def test_system_journal_entry_reaches_smtp(self):
        # The default: no --namespace.  Other suites write root's logonacl entries to the system
        # journal meanwhile; trusting only "daemon" here keeps them from using up the cap.
        state = os.path.join(self.tmp, "system.state")
        cfg = write_config(os.path.join(self.tmp, "conf-system"), email="secops@example.com", threshold="100",
                           smtp_url="smtp://127.0.0.1:%d" % self.smtp.port, smtp_starttls="no",
                           trusted_users="daemon")
        d = start_alertd(cfg, state)
        try:
            while not os.path.exists(state):
                self.assertIsNone(d.poll())
                time.sleep(0.02)
            token = "sys-" + uuid.uuid4().hex[:12]
            fields = "\n".join("%s=%s" % kv for kv in module_entry(token).items()) + "\n"
            subprocess.run(["runuser", "-u", "daemon", "--", "logger", "--journald"], input=fields.encode(), check=True)
            self.assertEqual(len(self.mails_for(token)), 1)
        finally:
            d.send_signal(signal.SIGTERM)
            self.assertEqual(d.wait(10), 0)
            d.stdout.close()
            d.stderr.close()

    def test_real_pam_module_decision_reaches_smtp(self):
        module = os.path.join(lt.build_dir(), "pam_logonacl", "pam_logonacl.so")
        if not os.path.exists(module):
            self.skipTest("pam_logonacl.so not built")
        site = os.path.join(self.tmp, "site")
        os.makedirs(site)
        os.chmod(site, 0o755)
        approved = lt.write_file(os.path.join(site, "approved"), "198.51.100.0/24\n", 0o644)
        conf = lt.write_file(os.path.join(site, "logonacl.conf"),
                             "[general]\napproved_file = %s\napproved_dir = %s/approved.d\n"
                             "[admin]\naction = block-and-log\nservices = sshd\n" % (approved, site), 0o644)
        pamdir = os.path.join(self.tmp, "pam.d")
        os.makedirs(pamdir)
        lt.write_file(os.path.join(pamdir, "sshd"), "account required %s conf=%s\n" % (module, conf))
        token = "pam" + uuid.uuid4().hex[:10]
        preload = PAM_WRAPPER
        # A module built with ASan needs the runtime loaded first in the (uninstrumented) pamtester.
        ldd = subprocess.run(["ldd", module], capture_output=True, text=True).stdout
        for line in ldd.splitlines():
            if "libasan" in line and "=>" in line:
                preload = line.split("=>")[1].split()[0] + ":" + preload
        env = dict(os.environ, LD_PRELOAD=preload, PAM_WRAPPER="1", PAM_WRAPPER_SERVICE_DIR=pamdir,
                   ASAN_OPTIONS="detect_leaks=0")
        start = time.monotonic()
        # The module writes to /run/systemd/journal/socket: in a mount namespace of its own, that is ours.
        script = 'mount --bind "$1" /run/systemd/journal/socket && exec pamtester -I rhost=203.0.113.77 sshd "$2" acct_mgmt'
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                            self.ns.socket, token], env=env, capture_output=True)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)     # blocked
        mails = self.mails_for(token, timeout=10)
        self.assertLess(time.monotonic() - start, 10.0)
        self.assertEqual(len(mails), 1)
        lines = labelled(mails[0][1])
        self.assertEqual(lines["Client IP"], "203.0.113.77")
        self.assertEqual(lines["Action Taken"], "Block and log")
        self.assertEqual(lines["Access Activity"], "Logon to Administrator Console")
        self.assertEqual(lines["Service"], "sshd")
        self.assertIn("logonaclctl add 203.0.113.77", body_lines(mails[0][1]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
