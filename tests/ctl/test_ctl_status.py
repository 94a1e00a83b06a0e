#!/usr/bin/python3
"""logonaclctl status and status --json (SPEC §6, issue 12.4), through the real
binaries: a real logonacl-alertd holding its state lock, the state file it
wrote, a real SMTP server refusing one alert (so alertd writes its "alert
failed" entry), journal files with chosen times from systemd-journal-remote.

alertd's own entries go to the system journal, where other suites' alertd
failures land too: the whole file runs in a mount namespace of its own, with
tmpfs over the journal folders and a journald of its own, so the "last delivery
error" status reads can only be this test's."""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "lib"), os.path.join(HERE, "..", "alertd")]

if os.environ.get("LOGONACL_STATUS_NS") != "1":
    # Re-run inside a private mount namespace (mounts there vanish with it).
    env = dict(os.environ, LOGONACL_STATUS_NS="1")
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable] + sys.argv, env)

import logonacl_test as lt                                      # noqa: E402
from alertd_harness import (SmtpServer, access, make_journal,   # noqa: E402
                            start_alertd, state_of)

CTL = os.environ.get("LOGONACL_CTL") or os.path.join(lt.build_dir(), "logonaclctl", "logonaclctl")
JOURNAL_DIRS = ("/run/systemd/journal", "/run/log/journal", "/var/log/journal")


class PrivateJournald:
    """A journald of this test's own on fresh tmpfs journal folders (in this
    process's mount namespace only): each test starts from an empty journal."""

    def start(self):
        self.mounted = []
        for d in JOURNAL_DIRS:
            if os.path.isdir(d):
                subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", d], check=True)
                self.mounted.append(d)
        self.proc = subprocess.Popen([lt.JOURNALD], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not lt.journald_listening():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test's own journald did not start")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        for d in reversed(self.mounted):
            subprocess.run(["umount", d], check=True)


def wait_for(what, predicate, timeout=60.0):
    """Progress, not the clock: polls until predicate() is true; fails loudly at a generous bound."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def ctl(conf, *args):
    return subprocess.run([CTL, "--config", conf] + list(args), capture_output=True, text=True, timeout=120)


class StatusTest(unittest.TestCase):
    def setUp(self):
        tmp_cm = lt.root_tmpdir("ctl-status-%d-" % os.getpid())
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)
        self.state = os.path.join(self.tmp, "alertd.state")
        self.jdir = os.path.join(self.tmp, "journal")
        journald = PrivateJournald()
        journald.start()
        self.addCleanup(journald.stop)
        lt.write_file(os.path.join(self.tmp, "approved"), "203.0.113.0/24  # office\n198.51.100.7\n")

    def write_conf(self, smtp_port, extra=""):
        return lt.write_file(os.path.join(self.tmp, "logonacl.conf"), (
            "[general]\napproved_file = {0}/approved\napproved_dir = {0}/approved.d\n"
            "[admin]\naction = allow-and-log\nservices = sshd cockpit\n"
            "[enduser]\naction = block-and-log\nservices = dovecot\n"
            "[alert]\nemail = secops@example.com\nthreshold = 5\n"
            "smtp_url = smtp://127.0.0.1:{1}\nsmtp_starttls = no\n{2}").format(self.tmp, smtp_port, extra), 0o644)

    def test_running_alertd_window_and_delivery_error(self):
        os.makedirs(os.path.join(self.tmp, "smtp"))
        smtp = SmtpServer(os.path.join(self.tmp, "smtp"), "--script", "ok,550")
        self.addCleanup(smtp.stop)
        smtp.start()
        conf = self.write_conf(smtp.port)
        now = int(time.time() * 1e6)
        t1, t2, t3 = now - 3600 * 10**6, now - 1800 * 10**6, now - 600 * 10**6
        make_journal(os.path.join(self.jdir, "a.journal"), [
            access(t1, user="alice", client_ip="192.0.2.10", channel="admin", kind="logged", service="sshd"),
            access(t2, user="bob", client_ip="192.0.2.11", channel="enduser", kind="blocked"),
        ])
        make_journal(os.path.join(self.jdir, "b.journal"), [
            access(t3, user="carol", client_ip="192.0.2.12", channel="enduser", kind="blocked", host="b.example.com",
                   boot_id="1" * 32),
        ])

        # Before alertd ever ran: no state, nobody holds the lock, and asking creates nothing.
        r = ctl(conf, "status", "--json", "--state", self.state, "--directory", self.jdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        self.assertEqual((s["alertd"]["running"], s["alertd"]["state"]), (False, "missing"))
        self.assertIsNone(s["alertd"]["last_delivery_error"])
        self.assertFalse(os.path.exists(self.state + ".lock"))

        alertd = start_alertd(conf, self.state, "--from-start", directory=self.jdir)
        self.addCleanup(lambda: alertd.poll() is None and (alertd.kill(), alertd.communicate()))
        # The second alert is refused (550): its slot is used, nothing is pending.
        wait_for("alertd to save both alerts",
                 lambda: os.path.exists(self.state) and state_of(self.state).get("window_sent") == "3"
                 and state_of(self.state).get("pending") == "no")
        self.assertEqual(len(smtp.messages()), 2)

        r = ctl(conf, "status", "--json", "--state", self.state, "--directory", self.jdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        a = s["alertd"]
        self.assertEqual((a["running"], a["pid"], a["state"], a["pending"]), (True, alertd.pid, "ok", False))
        self.assertEqual(a["position_usec"], t3)
        w = a["window"]
        self.assertEqual((w["open"], w["start_usec"], w["end_usec"], w["sent"], w["threshold"], w["suppressed"]),
                         (True, t1, t1 + 86400 * 10**6, 3, 5, 0))
        e = a["last_delivery_error"]
        self.assertEqual((e["source"], e["event"], e["smtp_code"], e["delivered_since"]),
                         ("journal", "alert-failed", "550", True))
        self.assertTrue(e["smtp_error"])      # libcurl's words for the reply
        self.assertIn("(550: ", e["message"])
        self.assertEqual(s["decisions_24h"]["admin"], {"allowed": 0, "logged": 1, "blocked": 0})
        self.assertEqual(s["decisions_24h"]["enduser"], {"allowed": 0, "logged": 0, "blocked": 2})
        self.assertEqual(s["channels"]["enduser"]["action"], "block-and-log")
        self.assertEqual(s["channels"]["admin"]["services"], ["sshd", "cockpit"])
        self.assertEqual((s["config"]["valid"], s["approved"]["entries"], s["approved"]["index"]),
                         (True, 2, "missing"))

        # The screen says the same for a person.
        r = ctl(conf, "status", "--state", self.state, "--directory", self.jdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("logonacl-alertd: running (PID %d holds %s.lock)" % (alertd.pid, self.state), r.stdout)
        self.assertIn(", 3 of 5 alerts sent, 0 not sent\n", r.stdout)
        self.assertIn("  pending alert: none\n", r.stdout)
        self.assertIn(" alert failed (given up), SMTP 550\n", r.stdout)
        self.assertRegex(r.stdout, r"\n  enduser +0 +0 +2\n")
        self.assertIn("Approved list: 2 entries; index: missing\n", r.stdout)

        # status disturbed nothing: alertd still holds its lock and exits cleanly.
        alertd.terminate()
        alertd.communicate(timeout=60)
        self.assertEqual(alertd.returncode, 0)
        s = json.loads(ctl(conf, "status", "--json", "--state", self.state, "--directory", self.jdir).stdout)
        self.assertEqual((s["alertd"]["running"], s["alertd"]["pid"], s["alertd"]["state"]), (False, None, "ok"))

    def test_failure_not_yet_followed_by_a_delivery(self):
        os.makedirs(os.path.join(self.tmp, "smtp"))
        smtp = SmtpServer(os.path.join(self.tmp, "smtp"), "--script", "554")
        self.addCleanup(smtp.stop)
        smtp.start()
        conf = self.write_conf(smtp.port)
        t1 = int(time.time() * 1e6) - 60 * 10**6
        make_journal(os.path.join(self.jdir, "a.journal"), [access(t1, user="dave", client_ip="192.0.2.20")])
        alertd = start_alertd(conf, self.state, "--from-start", directory=self.jdir)
        self.addCleanup(lambda: alertd.poll() is None and (alertd.kill(), alertd.communicate()))
        wait_for("the alert to fail", lambda: os.path.exists(self.state) and state_of(self.state).get("window_sent") == "1")
        e = wait_for("alertd's alert-failed entry", lambda: json.loads(
            ctl(conf, "status", "--json", "--state", self.state, "--directory", self.jdir).stdout)["alertd"]
            ["last_delivery_error"])
        self.assertEqual((e["smtp_code"], e["delivered_since"]), ("554", False))
        self.assertIn("failed: the SMTP server refused it (554: ", e["message"])

    def test_an_alert_failed_entry_from_another_user_is_not_alertds(self):
        # Anyone can write SYSLOG_IDENTIFIER=logonacl-alertd; only root's and alertd's user's entries
        # count (the records' rule: exactly one _UID, a trusted one).  root's first, the forged one newest.
        conf = self.write_conf(25)
        fields = ("SYSLOG_IDENTIFIER=logonacl-alertd\nLOGONACL_ALERTD_EVENT=alert-failed\n"
                  "LOGONACL_SMTP_CODE=%s\nMESSAGE=%s\n")
        send = [sys.executable, "-c", "import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
                "s.sendto(sys.argv[1].encode(), '/run/systemd/journal/socket')"]
        subprocess.run(send + [fields % ("550", "written by root")], check=True)
        subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + send +
                       [fields % ("554", "forged by nobody")], check=True)
        wait_for("both entries in the journal", lambda: "forged by nobody" in subprocess.run(
            ["journalctl", "--no-pager", "-o", "cat", "SYSLOG_IDENTIFIER=logonacl-alertd"],
            capture_output=True, text=True).stdout)
        e = json.loads(ctl(conf, "status", "--json", "--state", self.state).stdout)["alertd"]["last_delivery_error"]
        self.assertEqual((e["event"], e["smtp_code"], e["message"]), ("alert-failed", "550", "written by root"))

    def test_invalid_configuration_and_state(self):
        conf = self.write_conf(25, "threshold_typo = 7\n")
        lt.write_file(self.state, "version=2\ncursor=\n")
        r = ctl(conf, "status", "--state", self.state)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Configuration: INVALID (%s)\n" % conf, r.stdout)
        self.assertIn("%s:15: " % conf, r.stdout)
        self.assertIn("logonacl-alertd: not running", r.stdout)
        self.assertIn("  state: unreadable: %s: realtime is missing" % self.state, r.stdout)
        s = json.loads(ctl(conf, "status", "--json", "--state", self.state).stdout)
        self.assertFalse(s["config"]["valid"])
        self.assertTrue(any(m.startswith("%s:15: " % conf) for m in s["config"]["messages"]), s["config"])
        self.assertIsNone(s["decisions_24h"])
        self.assertEqual(s["alertd"]["state"], "unreadable")

    def test_usage(self):
        r = subprocess.run([CTL, "status", "--bogus"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("Usage: logonaclctl [--config PATH] status [--json]", r.stderr)


class JsonOutputTest(unittest.TestCase):
    """list --json and set --json, the forms the Cockpit page reads."""

    def setUp(self):
        tmp_cm = lt.root_tmpdir("ctl-json-%d-" % os.getpid())
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)
        os.makedirs(os.path.join(self.tmp, "approved.d"))
        lt.write_file(os.path.join(self.tmp, "approved"),
                      "# main\n203.0.113.0/24  expires=2020-01-01  # old \"gw\" \\ x\n2001:db8::/32\n")
        lt.write_file(os.path.join(self.tmp, "approved.d", "site.list"), "198.51.100.0/24  # CM\n")
        self.conf = lt.write_file(os.path.join(self.tmp, "logonacl.conf"), (
            "[general]\napproved_file = {0}/approved\napproved_dir = {0}/approved.d\n"
            "[admin]\naction = allow-and-log\nservices = sshd\n"
            "[enduser]\naction = allow-and-log\nservices = dovecot\n").format(self.tmp))

    def test_list(self):
        r = ctl(self.conf, "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [json.loads(l) for l in r.stdout.splitlines()]
        main, dropin = os.path.join(self.tmp, "approved"), os.path.join(self.tmp, "approved.d", "site.list")
        self.assertEqual(rows, [
            {"entry": "203.0.113.0/24", "file": main, "line": 2, "main": True, "expires": "2020-01-01",
             "expired": True, "comment": 'old "gw" \\ x'},
            {"entry": "2001:db8::/32", "file": main, "line": 3, "main": True, "expires": None, "expired": False,
             "comment": None},
            {"entry": "198.51.100.0/24", "file": dropin, "line": 1, "main": False, "expires": None,
             "expired": False, "comment": "CM"},
        ])

    def test_set_guard(self):
        jdir = os.path.join(self.tmp, "journal")
        now = int(time.time() * 1e6)
        make_journal(os.path.join(jdir, "a.journal"), [
            access(now - 3600 * 10**6, user="erin", client_ip="192.0.2.44", channel="enduser", kind="logged"),
            access(now - 1800 * 10**6, user="erin", client_ip="192.0.2.44", channel="enduser", kind="logged"),
        ])
        with open(self.conf, "rb") as f:
            before = f.read()
        r = ctl(self.conf, "set", "enduser", "block-and-log", "--json", "--directory", jdir)
        self.assertEqual(r.returncode, 3, r.stderr)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual([(l["client"], l["logons"], l["users"]) for l in lines[:-1]],
                         [("192.0.2.44", 2, [{"user": "erin", "logons": 2, "after_auth": 2}])])
        self.assertEqual(lines[-1], {"result": "refused", "channel": "enduser", "action": "block-and-log",
                                     "was": "allow-and-log", "forced": False})
        self.assertIn("not switching", r.stderr)
        with open(self.conf, "rb") as f:
            self.assertEqual(f.read(), before)

        # The caller's own address (a web console passes it): named apart.
        r = ctl(self.conf, "set", "admin", "block-and-log", "--json", "--directory", jdir,
                "--caller-address", "192.0.2.99")
        self.assertEqual(r.returncode, 3, r.stderr)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(lines[0], {"self": "192.0.2.99", "from": "--caller-address"})
        self.assertEqual(lines[-1]["result"], "refused")
        r = ctl(self.conf, "set", "admin", "block-and-log", "--json", "--directory", jdir,
                "--caller-address", "198.51.100.9")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["result"], "changed")

        r = ctl(self.conf, "set", "enduser", "block-and-log", "--json", "--force", "--directory", jdir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout.splitlines()[-1]),
                         {"result": "changed", "channel": "enduser", "action": "block-and-log",
                          "was": "allow-and-log", "forced": True})
        self.assertIn("[enduser] action = block-and-log (was allow-and-log)", r.stderr)
        with open(self.conf) as f:
            self.assertIn("[enduser]\naction = block-and-log\n", f.read())

    def test_alert(self):
        with open(self.conf, "a") as f:
            f.write("[alert]\n#email = secops@example.com\nthreshold = 5   # the seed's default\n")
        r = ctl(self.conf, "alert", "--json")
        self.assertEqual((r.returncode, json.loads(r.stdout)), (0, {"email": [], "threshold": 5}), r.stderr)
        with open(self.conf, "rb") as f:
            before = f.read()
        # The parser decides: a bad address undoes the threshold too; the file stays as it was.
        r = ctl(self.conf, "alert", "--threshold", "20", "--email", "secops@example.com, oncall")
        self.assertEqual(r.returncode, 1)
        self.assertIn('%s:' % self.conf, r.stderr)
        self.assertIn('email: "oncall" is not a valid e-mail address', r.stderr)
        r2 = ctl(self.conf, "alert", "--threshold", "7")
        self.assertEqual(r2.returncode, 1)
        self.assertIn('threshold: "7" is not one of 5, 20, 50, 100', r2.stderr)
        r3 = ctl(self.conf, "alert", "--email", "a@example.com\nthreshold = 100")
        self.assertEqual(r3.returncode, 1)
        with open(self.conf, "rb") as f:
            self.assertEqual(f.read(), before)

        r = ctl(self.conf, "alert", "--threshold", "50", "--email", "secops@example.com, oncall@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "email = secops@example.com, oncall@example.com\nthreshold = 50\n")
        with open(self.conf) as f:
            text = f.read()
        # Comments and layout kept: the value goes below the commented line, in place of the old one.
        self.assertTrue(text.endswith("[alert]\n#email = secops@example.com\nemail = secops@example.com, "
                                      "oncall@example.com\nthreshold = 50   # the seed's default\n"), text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
