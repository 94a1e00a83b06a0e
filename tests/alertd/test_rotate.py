"""alertd survives journal rotation and vacuuming while following (issue 4).

A journald of its own (namespace logonacl-rot-PID, never the system journal:
other suites read that one meanwhile) is rotated with `journalctl --namespace
NS --rotate` and vacuumed with `--vacuum-files=1` several times while alertd
follows it.  Every entry written must give exactly one mail, alertd must keep
running, and after each vacuum alertd must hold no descriptor or mapping of a
deleted journal file.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest
import uuid

import logonacl_test as lt
from alertd_harness import *

ROUNDS = 5
PER_ROUND = 8       # entries before and again after each rotation: 5 * 2 * 8 = 80 < threshold 100
MAIL_TIMEOUT = 15.0


def module_entry(token):
    return {"MESSAGE_ID": MID_LOGGED, "MESSAGE": "logonacl rotate test " + token, "LOGONACL_USER": token,
            "LOGONACL_CLIENT_IP": "203.0.113.9", "LOGONACL_RHOST": "203.0.113.9", "LOGONACL_CHANNEL": "admin",
            "LOGONACL_SSO": "no", "LOGONACL_SERVICE": "sshd", "SYSLOG_IDENTIFIER": "pam_logonacl"}


def deleted_links(pid):
    """The targets of pid's descriptors and mappings that name a deleted file."""
    found = []
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except FileNotFoundError:
            continue
        if target.endswith(" (deleted)"):
            found.append("fd %s -> %s" % (fd, target))
    with open("/proc/%d/maps" % pid) as maps:
        for line in maps:
            if line.rstrip("\n").endswith(" (deleted)") and ".journal" in line:
                found.append("map " + line.split(None, 5)[-1].strip())
    return found


def open_journal_files(pid):
    out = []
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except FileNotFoundError:
            continue
        if ".journal" in target:
            out.append(target)
    return out


@unittest.skipUnless(os.geteuid() == 0, "needs root: runs a journald namespace instance")
class RotateTest(unittest.TestCase):
    def setUp(self):
        lt.ensure_journald()        # alertd's own entries go to the system journal
        # Cleanups, not tearDown: they also run when setUp fails half-way.
        tmp_cm = lt.root_tmpdir("alertd-rotate-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)

        # A namespace journald creates /var/log/journal when missing; a default journald with
        # Storage=auto would then turn persistent.  Remove it again if we made it (and it is empty).
        if not os.path.isdir("/var/log/journal"):
            self.addCleanup(self.remove_empty_var_log_journal)
        self.ns = NamespaceJournald()
        self.ns.name = "logonacl-rot-%d" % os.getpid()
        self.ns.run_dir = "/run/systemd/journal." + self.ns.name
        self.ns.socket = os.path.join(self.ns.run_dir, "socket")
        with open("/etc/machine-id") as f:
            self.ns_dir = "/var/log/journal/%s.%s" % (f.read().strip(), self.ns.name)
        self.addCleanup(self.stop_journald)
        self.ns.start()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(self.sock.close)

        self.state = os.path.join(self.tmp, "alertd.state")
        self.smtp = SmtpServer(self.tmp)
        self.addCleanup(self.smtp.stop)
        self.smtp.start()
        self.cfg = write_config(os.path.join(self.tmp, "conf"), email="secops@example.com", threshold="100",
                                smtp_url="smtp://127.0.0.1:%d" % self.smtp.port, smtp_starttls="no",
                                trusted_users="root")
        self.alertd = start_alertd(self.cfg, self.state, "--namespace", self.ns.name)
        self.addCleanup(self.stop_alertd)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.state):      # saved once it stands at the tail
            self.assertIsNone(self.alertd.poll(), "alertd exited at start")
            self.assertLess(time.monotonic(), deadline, "alertd wrote no state within 10 s")
            time.sleep(0.02)

    def stop_journald(self):
        if self.ns.proc and self.ns.proc.poll() is None:
            self.ns.proc.terminate()
            try:
                self.ns.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.ns.proc.kill()
                self.ns.proc.wait()
        self.ns.stop()      # removes /run/systemd/journal.NS and the NS storage folders
        self.assertFalse(os.path.exists(self.ns_dir))

    @staticmethod
    def remove_empty_var_log_journal():
        try:
            os.rmdir("/var/log/journal")
        except OSError:
            pass            # another namespace journald (a parallel suite) still stores there

    def stop_alertd(self):
        if self.alertd.poll() is None:
            self.alertd.send_signal(signal.SIGTERM)
            try:
                self.alertd.wait(10)
            except subprocess.TimeoutExpired:
                self.alertd.kill()
                self.alertd.wait()
        err = self.alertd.stderr.read()
        self.alertd.stdout.close()
        self.alertd.stderr.close()
        if b"runtime error" in err or b"Sanitizer" in err:
            raise AssertionError("sanitizer report: " + err.decode(errors="replace"))

    def write(self, tokens):
        for token in tokens:
            payload = "".join("%s=%s\n" % kv for kv in module_entry(token).items()).encode()
            self.sock.sendto(payload, self.ns.socket)

    def journalctl(self, *args):
        r = subprocess.run(["journalctl", "--namespace", self.ns.name] + list(args), capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, "journalctl %s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
        return r

    def journal_files(self):
        return sorted(f for f in os.listdir(self.ns_dir) if f.endswith(".journal") or f.endswith(".journal~"))

    def wait_mails(self, n):
        mails = self.smtp.wait_count(n, timeout=MAIL_TIMEOUT)
        self.assertIsNone(self.alertd.poll(), "alertd exited")
        return mails

    def test_rotate_and_vacuum_while_following(self):
        written = []
        vacuumed = 0
        held_archived = 0
        for rnd in range(ROUNDS):
            before = ["rot%d-a%d-%s" % (rnd, i, uuid.uuid4().hex[:8]) for i in range(PER_ROUND)]
            after = ["rot%d-b%d-%s" % (rnd, i, uuid.uuid4().hex[:8]) for i in range(PER_ROUND)]
            # Entries alertd may not have read yet end up in the archived file: it must still read them.
            self.write(before)
            self.journalctl("--rotate")
            self.write(after)
            written += before + after
            self.wait_mails(len(written))
            files = self.journal_files()
            self.assertGreaterEqual(len(files), 2, "rotation made no archived file: %s" % files)
            if any("/system@" in t for t in open_journal_files(self.alertd.pid)):
                held_archived += 1
            # Vacuum what alertd has read (and holds open): only the active file stays.
            self.journalctl("--vacuum-files=1")
            left = self.journal_files()
            self.assertEqual(left, ["system.journal"], "vacuum left %s" % left)
            vacuumed += len(files) - len(left)
            deadline = time.monotonic() + 5
            while deleted_links(self.alertd.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(deleted_links(self.alertd.pid), [], "round %d: alertd holds deleted files" % rnd)
            self.assertIsNone(self.alertd.poll(), "alertd exited after vacuum")

        # The position saved after a vacuum is still good: a last batch is read from the new active file.
        last = ["rotlast%d-%s" % (i, uuid.uuid4().hex[:8]) for i in range(PER_ROUND)]
        self.write(last)
        written += last
        self.wait_mails(len(written))
        # A duplicate would go out before a later entry's mail (journal order): wait for a control
        # entry's mail instead of a guessed time, then count.
        control = "rotcontrol-" + uuid.uuid4().hex[:8]
        self.write([control])
        mails = self.wait_mails(len(written) + 1)
        self.assertEqual(labelled(mails[-1][1]).get("Account"), control, "a mail after the control entry's")
        mails = mails[:-1]

        self.assertGreaterEqual(vacuumed, ROUNDS, "vacuum deleted no file")
        self.assertGreater(held_archived, 0, "alertd never held an archived file when it was vacuumed")
        accounts = [labelled(m).get("Account") for _, m, _ in mails]
        missing = sorted(set(written) - set(accounts))
        self.assertEqual(missing, [], "no mail for %d entries" % len(missing))
        self.assertEqual(sorted(accounts), sorted(written), "a mail that was not written, or one twice")
        message_ids = [m["Message-ID"] for _, m, _ in mails]
        self.assertEqual(len(set(message_ids)), len(message_ids), "duplicate Message-ID")
        self.assertIsNone(self.alertd.poll(), "alertd exited")
        self.assertEqual(deleted_links(self.alertd.pid), [])


if __name__ == "__main__":
    prog = unittest.main(verbosity=2, exit=False)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if result.testsRun and len(result.skipped) == result.testsRun else 0)
