"""alertd: late uploads (SPEC §5, issue 8.1).  With systemd-journal-remote's one
file per host, an entry that becomes readable after newer entries of another
host were read is still considered, exactly once: when alertd follows, across
restarts, across rotation and when the state file is version 1."""

import os
import unittest

import logonacl_test as lt
from alertd_harness import *

MIN = 60 * 1000000
T0 = usec("2023-11-01 00:00:00")
BOOT_A = "aa" * 16
BOOT_B = "bb" * 16


def at(hour, user, boot, host, mono_hour=None):
    e = access(T0 + hour * 60 * MIN, user=user, boot_id=boot, host=host)
    if mono_hour is not None:   # a clock stepped back: realtime earlier, monotonic later
        e["__MONOTONIC_TIMESTAMP"] = str(T0 + mono_hour * 60 * MIN)
    return e


def a(hour, user, mono_hour=None):
    return at(hour, user, BOOT_A, "a.example.com", mono_hour)


def b(hour, user):
    return at(hour, user, BOOT_B, "b.example.com")


class LateUploadTest(AlertdTestCase):
    TMP_PREFIX = "alertd-late-"
    ALERT = dict(AlertdTestCase.ALERT, threshold="100")

    def setUp(self):
        super().setUp()
        self.jdir = os.path.join(self.tmp, "remote")
        self.file_a = os.path.join(self.jdir, "remote-203.0.113.10.journal")
        self.file_b = os.path.join(self.jdir, "remote-198.51.100.20.journal")

    def accounts(self, n=None):
        mails = self.smtp.messages() if n is None else self.smtp.wait_count(n, timeout=60)
        return [labelled(m)["Account"] for _, m, _ in mails]

    def once(self, *args):
        return run_alertd(self.conf, self.state, "--once", *args, directory=self.jdir)

    def test_late_host_across_restart(self):
        make_journal(self.file_a, [a(3, "a03")])
        self.once("--from-start")
        self.assertEqual(self.accounts(1), ["a03"])
        # Host B's upload arrives later with one entry older and one newer than A's.
        make_journal(self.file_b, [b(2, "b02"), b(4, "b04")])
        self.once()
        self.assertEqual(self.accounts(3), ["a03", "b02", "b04"])
        # A restart with nothing new sends nothing again.
        self.once()
        make_journal(self.file_a, [a(5, "a05")])
        self.once()
        self.assertEqual(self.accounts(4), ["a03", "b02", "b04", "a05"])
        st = state_of(self.state)
        self.assertEqual(st["version"], "2")

    def test_boots_without_our_entries_cannot_use_up_the_sources(self):
        # A host uploading more boots than alertd follows (16384), each with some other entry:
        # they take no source, so a new host's access is still considered.
        noise = [{"__REALTIME_TIMESTAMP": str(T0 + i), "__MONOTONIC_TIMESTAMP": str(T0 + i),
                  "_BOOT_ID": "%032x" % (i + 1), "_HOSTNAME": "noise.example.com", "_UID": "1000",
                  "MESSAGE": "x"} for i in range(16385)]
        make_journal(os.path.join(self.jdir, "remote-192.0.2.66.journal"), noise)
        make_journal(self.file_a, [a(3, "a03")])
        self.once("--from-start")
        self.assertEqual(self.accounts(1), ["a03"])

    def test_late_host_while_following(self):
        make_journal(self.file_a, [a(3, "a03")])
        p = start_alertd(self.conf, self.state, "--from-start", directory=self.jdir)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        self.assertEqual(self.accounts(1), ["a03"])
        make_journal(self.file_b, [b(2, "b02"), b(4, "b04")])
        self.assertEqual(self.accounts(3), ["a03", "b02", "b04"])
        # Host A's clock stepped back to before anything read so far; then a host seen for the first time.
        make_journal(self.file_a, [a(1, "a01", mono_hour=10)])
        self.assertEqual(self.accounts(4), ["a03", "b02", "b04", "a01"])
        make_journal(os.path.join(self.jdir, "remote-192.0.2.30.journal"),
                     [at(0, "c00", "cc" * 16, "c.example.com")])
        self.assertEqual(self.accounts(5), ["a03", "b02", "b04", "a01", "c00"])
        p.terminate()
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)
        # Across the restart: each considered once, the new one too.
        make_journal(self.file_b, [b(1, "b01")])
        self.once()
        self.assertEqual(self.accounts(6), ["a03", "b02", "b04", "a01", "c00", "b01"])

    def test_replay_interleaves_hosts_by_time(self):
        make_journal(self.file_a, [a(1, "a01"), a(3, "a03")])
        make_journal(self.file_b, [b(2, "b02"), b(4, "b04")])
        self.once("--from-start")
        self.assertEqual(self.accounts(4), ["a01", "b02", "a03", "b04"])

    def test_rotation_keeps_each_host_position(self):
        make_journal(self.file_a, [a(3, "a03")])
        make_journal(self.file_b, [b(4, "b04")])
        self.once("--from-start")
        self.assertEqual(self.accounts(2), ["a03", "b04"])
        # journal-remote rotates A's file: archived under another name, a new file goes on.
        os.rename(self.file_a, self.file_a[:-len(".journal")] + "@0123456789abcdef0123456789abcdef-01-02.journal~")
        make_journal(self.file_a, [a(5, "a05"), a(6, "a06")])
        self.once()
        self.assertEqual(self.accounts(4), ["a03", "b04", "a05", "a06"])
        # B's late entry, after the last one read came from A's new file.
        make_journal(self.file_b, [b(2, "b02")])
        self.once()
        self.once()
        self.assertEqual(self.accounts(5), ["a03", "b04", "a05", "a06", "b02"])
        self.assertEqual(len(self.smtp.messages()), 5)

    def test_version_1_state_is_converted(self):
        make_journal(self.file_a, [a(1, "a01"), a(3, "a03")])
        make_journal(self.file_b, [b(2, "b02")])
        self.once("--from-start")
        self.assertEqual(self.accounts(3), ["a01", "b02", "a03"])
        # The state as version 1 wrote it: one cursor (the last entry of the merged view).
        with open(self.state) as f:
            lines = [l for l in f if not l.startswith("source=")]
        lt.write_file(self.state, "".join(l.replace("version=2", "version=1") for l in lines), 0o600)
        make_journal(self.file_b, [b(5, "b05")])
        make_journal(self.file_a, [a(4, "a04")])
        self.once()
        self.assertEqual(self.accounts(5), ["a01", "b02", "a03", "a04", "b05"])
        self.assertEqual(state_of(self.state)["version"], "2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
