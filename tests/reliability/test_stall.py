#!/usr/bin/python3
"""A stalled journald (issue 11, SPEC §3): with journald stopped (SIGSTOP) and
its socket queue full, every logon decision still comes back right —
PERM_DENIED for an unapproved client under block-and-log, SUCCESS for an
approved one — and none hangs: the module's send gives up after its 1 s
timeout and the decision goes to syslog instead ("journal unavailable").  Once
journald runs again, the next decision is in the journal.

The journald is one of the test's own (a journal namespace, its socket bound
over /run/systemd/journal/socket in a private mount namespace): the system
journald is never stopped.  The queue is filled by this test's own datagrams
until the kernel refuses one (progress, not time)."""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rel_lib import NamespaceJournald, Site, with_journal_socket  # noqa: E402

MODULE = os.environ.get("LOGONACL_PAM_MODULE", "")
CLIENT = os.environ.get("LOGONACL_PAM_CLIENT", "")
ID_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
DECISION_TIMEOUT = 20   # one decision: 1 s send timeout when stalled; far above


def fill_queue(path):
    """Sends datagrams to path until the kernel says the queue is full; returns how many."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setblocking(False)
    n = 0
    try:
        while n < 1000000:
            try:
                s.sendto(b"MESSAGE=logonacl reliability: queue filler\n", path)
            except BlockingIOError:
                return n
            n += 1
    finally:
        s.close()
    raise AssertionError("the journal socket queue never filled")


class StalledJournald(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        self.journal = NamespaceJournald().start()
        self.site = Site(MODULE)
        self.syslog = os.path.join(self.site.root, "syslog")
        self.marker = "stall-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])

    def tearDown(self):
        if self.journal.proc and self.journal.proc.poll() is None:
            self.journal.proc.send_signal(signal.SIGCONT)
        self.journal.stop()
        self.site.remove()

    def decide(self, rhost, user):
        """One account decision in a client of its own; (result, seconds)."""
        line = "\t".join([self.site.pamdir, "sshd", "account", user.encode().hex(), rhost.encode().hex(), "-"])
        env = dict(os.environ, PAM_CLIENT_SYSLOG=self.syslog)
        t0 = time.monotonic()
        r = subprocess.run(with_journal_socket(self.journal.socket, [CLIENT]), input=line + "\n", text=True,
                           capture_output=True, timeout=DECISION_TIMEOUT, env=env)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "", "the module wrote to its host's stderr")
        return r.stdout.split(" ")[0], elapsed

    def test_decisions_stay_right(self):
        self.journal.proc.send_signal(signal.SIGSTOP)
        filled = fill_queue(self.journal.socket)
        cases = [("203.0.113.9", "PERM_DENIED"), ("198.51.100.7", "SUCCESS"), ("2001:db8::9", "PERM_DENIED")]
        times = []
        for i, (rhost, want) in enumerate(cases):
            result, elapsed = self.decide(rhost, "%s-%d" % (self.marker, i))
            self.assertEqual(result, want, "decision for %s with journald stopped" % rhost)
            times.append(elapsed)
        with open(self.syslog) as f:
            lines = f.read().splitlines()
        fallback = [line for line in lines if "journal unavailable" in line and self.marker in line]
        self.assertEqual(len(fallback), len(cases), "each decision went to syslog instead: %r" % lines)
        print("queue filled with %d datagrams; decision times with journald stopped: %s s" %
              (filled, " ".join("%.2f" % t for t in times)), file=sys.stderr)

        # journald runs again: the queue drains and the next decision is in the journal
        self.journal.proc.send_signal(signal.SIGCONT)
        result, _ = self.decide("203.0.113.9", self.marker + "-after")
        self.assertEqual(result, "PERM_DENIED")
        deadline = time.monotonic() + DECISION_TIMEOUT
        while True:
            out = subprocess.run(self.journal.journalctl("-o", "cat", "MESSAGE_ID=" + ID_BLOCKED,
                                                         "LOGONACL_USER=%s-after" % self.marker),
                                 capture_output=True, text=True).stdout
            if out.strip() or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIn("Administrator logon blocked", out)

    def test_real_syslog_fallback_is_bounded(self):
        """Skipped as a KNOWN BUG while it hangs (passes once fixed, fails on a
        wrong result): in a real host the fallback is glibc's syslog(3) to
        /dev/log, journald's too; with journald stopped and that queue full it
        blocks without bound (pam_logonacl.c write_entry -> pam_syslog), so a logon
        hangs although the journal send itself gave up after 1 s.  Here /dev/log is
        the test journald's dev-log (a tmpfs over /dev in the private mount
        namespace, with null/zero/urandom bound back)."""
        devlog = os.path.join(self.journal.run_dir, "dev-log")
        self.journal.proc.send_signal(signal.SIGSTOP)
        fill_queue(self.journal.socket)
        fill_queue(devlog)
        olddev = os.path.join(self.site.root, "olddev")
        os.mkdir(olddev)
        script = ('mount --rbind /dev "$3" && mount -t tmpfs none /dev && '
                  'for f in null zero urandom random; do touch /dev/$f && mount --bind "$3/$f" /dev/$f; done && '
                  'touch /dev/log && mount --bind "$2" /dev/log && mount --bind "$1" /run/systemd/journal/socket && '
                  'shift 3 && exec "$@"')
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", self.journal.socket,
               devlog, olddev, os.environ["LOGONACL_SYSLOG_CLIENT"], self.site.pamdir, "sshd", "203.0.113.9",
               "198.51.100.7"]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=DECISION_TIMEOUT)
            out = r.stdout
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            done = [line.split()[:2] for line in out.splitlines()]
            self.skipTest("KNOWN BUG on main: logon hung over %d s in the module's syslog fallback with journald "
                          "stopped (pam_logonacl.c write_entry -> pam_syslog -> /dev/log); decided before: %r" %
                          (DECISION_TIMEOUT, done))
        results = [line.split()[:2] for line in out.splitlines()]
        self.assertEqual(results, [["203.0.113.9", "PERM_DENIED"], ["198.51.100.7", "SUCCESS"]],
                         "decisions within %d s with journald and its /dev/log stalled" % DECISION_TIMEOUT)


if __name__ == "__main__":
    unittest.main()
