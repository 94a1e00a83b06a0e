#!/usr/bin/python3
"""Integration tests of logonaclctl set (the lockout guard), what-if by client
address, the time grammar and log's journalctl habits: the built binary run as
a process, journal files with chosen entries made by systemd-journal-remote.
Run as root: test_ctl_query.py [-v] [GROUP...]."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ctl import CTL, CtlTestCase, logon_entry, write_journal, write_file  # noqa: E402

DAY = 86400_000000
H = 3600_000000

SHIPPED_ADMIN = """[admin]
# Administrator console: sshd, cockpit, su ...
# action: none | allow-and-log | block-and-log
#action = none
services = sshd
"""


def now_usec():
    return time.time_ns() // 1000


class Set(CtlTestCase):
    """set CHANNEL ACTION: the edit keeps every other byte; block-and-log passes the guard or exits 3."""

    def conf_site(self, admin=SHIPPED_ADMIN, tail="", approved="203.0.113.0/24\n", entries=()):
        s = self.site(approved=approved)
        text = (f"# logonacl.conf\n[general]\napproved_file = {s.approved}\napproved_dir = {s.dropin_dir}\n\n"
                f"{admin}\n[enduser]\n#action = none\n\n[alert]\n{tail}")
        write_file(s.conf, text, mode=0o640)
        os.chown(s.conf, 0, 4)          # root:adm 0640: kept by the edit
        s.text = text
        s.jdir = os.path.join(s.dir, "journal")
        os.mkdir(s.jdir)
        if entries:
            write_journal(s.jdir, entries)
        return s

    def read_conf(self, s):
        with open(s.conf) as f:
            return f.read()

    def test_edit_keeps_comments_layout_owner_and_mode(self):
        s = self.conf_site()
        self.assertCtl(s.ctl("set", "admin", "allow-and-log"), 0,
                       f"[admin] action = allow-and-log (was none): {s.conf}\n", "")
        # Below the shipped "#action = none" line, nothing else touched.
        want = s.text.replace("#action = none\nservices", "#action = none\naction = allow-and-log\nservices")
        self.assertEqual(self.read_conf(s), want)
        st = os.stat(s.conf)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (0, 4, 0o640))
        # An existing line: the value changes in place, its comment stays.
        write_file(s.conf, want.replace("action = allow-and-log\n", "  action   =  allow-and-log   # watching\n"),
                   mode=0o640)
        self.assertCtl(s.ctl("set", "admin", "none"), 0, f"[admin] action = none (was allow-and-log): {s.conf}\n", "")
        self.assertEqual(self.read_conf(s),
                         want.replace("action = allow-and-log\n", "  action   =  none   # watching\n"))
        self.assertCtl(s.ctl("set", "admin", "none"), 0, "[admin] action is none already: nothing changed\n", "")

    def test_missing_section_and_key_are_added(self):
        s = self.conf_site(admin="[admin]\nservices = sshd")     # no action line, no final newline after [alert]
        self.assertCtl(s.ctl("set", "api", "allow-and-log"), 0, f"[api] action = allow-and-log (was none): {s.conf}\n",
                       "")
        self.assertEqual(self.read_conf(s), s.text + "[api]\naction = allow-and-log\n")
        self.assertCtl(s.ctl("set", "enduser", "allow-and-log"), 0,
                       f"[enduser] action = allow-and-log (was none): {s.conf}\n", "")
        self.assertIn("[enduser]\n#action = none\naction = allow-and-log\n", self.read_conf(s))
        rc, out, _ = s.ctl("test", "--service", "sshd", "--rhost", "198.51.100.7")
        self.assertIn("action: none\n", out)

    def guard_entries(self):
        now = now_usec()
        return [
            # A colleague's logon 3 days ago, after authentication: the switch would lock them out.
            logon_entry(now - 3 * DAY, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(now - 2 * DAY, "logged", "admin", "alice", "198.51.100.7", action="allow-and-log"),
            # An attacker's attempts before authentication (auth stage) must not hold the switch back.
            *[logon_entry(now - DAY + i, "logged", "admin", f"root{i}", "192.0.2.66", stage="auth",
                          action="allow-and-log") for i in range(3)],
            # Older than 30 days: not considered.
            logon_entry(now - 40 * DAY, "allowed", "admin", "bob", "192.0.2.99"),
            # Another channel.
            logon_entry(now - DAY, "allowed", "enduser", "carol", "192.0.2.5", service="dovecot"),
            # Approved already.
            logon_entry(now - DAY, "allowed", "admin", "dave", "203.0.113.9", approved="yes"),
        ]

    def test_guard_refuses_with_the_table_and_changes_nothing(self):
        s = self.conf_site(entries=self.guard_entries())
        before = os.stat(s.conf)
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir)
        self.assertEqual(rc, 3, err)
        lines = out.splitlines()
        self.assertEqual(lines[0], "CLIENT           LOGONS  AFTER AUTH  LAST SEEN            USERS")
        self.assertEqual(len(lines), 2, out)
        self.assertEqual(lines[1].split()[:3], ["198.51.100.7", "2", "2"])
        self.assertTrue(lines[1].endswith("  alice (2)"), out)
        self.assertEqual(err, "logonaclctl: not switching, because 2 logons (2 after authentication) from 1 client "
                              "address in the last 30 days would have been blocked\n"
                              "logonaclctl: approve them first (logonaclctl add ADDR), or use --force\n")
        self.assertEqual(self.read_conf(s), s.text)
        self.assertEqual(os.stat(s.conf).st_ino, before.st_ino)

    def test_force_overrides_and_says_what(self):
        s = self.conf_site(entries=self.guard_entries())
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--force", "--directory", s.jdir)
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.endswith(f"[admin] action = block-and-log (was none): {s.conf}\n"), out)
        self.assertEqual(err, "logonaclctl: --force: switching anyway, although 2 logons (2 after authentication) "
                              "from 1 client address in the last 30 days would have been blocked\n")
        self.assertIn("#action = none\naction = block-and-log\n", self.read_conf(s))

    def test_guard_passes_once_the_gateway_is_approved(self):
        s = self.conf_site(entries=self.guard_entries())
        self.assertEqual(s.ctl("add", "198.51.100.0/24")[0], 0)
        self.assertCtl(s.ctl("set", "admin", "block-and-log", "--directory", s.jdir), 0,
                       f"[admin] action = block-and-log (was none): {s.conf}\n", "")
        rc, out, _ = s.ctl("test", "--service", "sshd", "--rhost", "192.0.2.66")
        self.assertEqual((rc, "result: blocked\n" in out), (4, True))

    def test_own_ssh_address(self):
        s = self.conf_site(entries=[logon_entry(now_usec() - DAY, "allowed", "api", "svc", "192.0.2.1")])
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir,
                             env_extra={"SSH_CONNECTION": "198.51.100.77 50022 192.0.2.10 22"})
        self.assertEqual((rc, out), (3, ""))
        self.assertEqual(err, "logonaclctl: not switching, because your own address 198.51.100.77 (from "
                              "SSH_CONNECTION) would be blocked\n"
                              "logonaclctl: approve them first (logonaclctl add ADDR), or use --force\n")
        self.assertEqual(self.read_conf(s), s.text)
        # enduser: the caller's address is not the question.
        self.assertEqual(s.ctl("set", "enduser", "block-and-log", "--directory", s.jdir,
                               env_extra={"SSH_CONNECTION": "198.51.100.77 50022 192.0.2.10 22"})[0], 0)
        self.assertCtl(s.ctl("set", "admin", "block-and-log", "--directory", s.jdir,
                             env_extra={"SSH_CONNECTION": "203.0.113.77 50022 192.0.2.10 22"}), 0,
                       f"[admin] action = block-and-log (was none): {s.conf}\n", "")

    def test_broken_configuration_is_not_edited(self):
        s = self.conf_site(tail="threshold = 7\n")
        rc, out, err = s.ctl("set", "admin", "allow-and-log")
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err.splitlines()[-1], "logonaclctl: fix the configuration first (logonaclctl check)")
        self.assertEqual(self.read_conf(s), s.text)

    def test_usage(self):
        s = self.conf_site()
        usage = "Usage: logonaclctl [--config PATH] set CHANNEL none|allow-and-log|block-and-log [--force] " \
                "[--directory DIR]\n"
        for args, message in ((["set"], "CHANNEL and ACTION are required"),
                              (["set", "admin"], "CHANNEL and ACTION are required"),
                              (["set", "root", "none"], "CHANNEL must be admin, enduser or api"),
                              (["set", "admin", "block"], "ACTION must be none, allow-and-log or block-and-log"),
                              (["set", "admin", "none", "x"], "unexpected argument 'x'")):
            self.assertCtl(s.ctl(*args), 2, "", f"logonaclctl: {message}\n{usage}")
        self.assertEqual(self.read_conf(s), s.text)


class WhatIf(CtlTestCase):
    """what-if by client address: the top 20, "and N more", --all, --json."""

    def test_top_twenty_all_and_json(self):
        t = 1698805606_000000
        entries = []
        for c in range(30):             # client c: c+1 logons, by up to 7 users
            for k in range(c + 1):
                entries.append(logon_entry(t + c * H + k, "allowed", "admin", f"u{k % 7}", f"192.0.2.{c + 1}"))
        jdir = os.path.join(self.tmp, "j")
        write_journal(jdir, entries)
        s = self.site(approved="203.0.113.0/24\n", admin="services = sshd")
        rc, out, err = s.ctl("what-if", "--directory", jdir, "--channel", "admin")
        self.assertEqual(rc, 3)
        lines = out.splitlines()
        self.assertEqual(len(lines), 1 + 20 + 1, out)
        self.assertEqual(lines[1].split()[:3], ["192.0.2.30", "30", "30"])
        self.assertTrue(lines[1].endswith("  u1 (5), u0 (5), u6 (4), u5 (4), u4 (4), and 2 more"), lines[1])
        self.assertEqual(lines[-1], "and 10 more client addresses (--all or --json shows every one)")
        self.assertEqual(err, "465 logons (465 after authentication) from 30 client addresses would have been "
                              "blocked\n")
        rc, out, _ = s.ctl("what-if", "--directory", jdir, "--channel", "admin", "--all")
        self.assertEqual((rc, len(out.splitlines())), (3, 31))
        rc, out, _ = s.ctl("what-if", "--directory", jdir, "--channel", "admin", "--json")
        rows = [json.loads(line) for line in out.splitlines()]
        self.assertEqual((rc, len(rows)), (3, 30))
        self.assertEqual(rows[-1], {"client": "192.0.2.1", "logons": 1, "after_auth": 1,
                                    "last_seen": "2023-11-01T02:26:46.000000Z", "last_seen_usec": t,
                                    "users": [{"user": "u0", "logons": 1, "after_auth": 1}]})
        self.assertEqual(len(rows[0]["users"]), 7)


class Times(CtlTestCase):
    """--since/--until: journalctl's forms (systemd.time(7)), one grammar for every command."""

    def setUp(self):
        super().setUp()
        now = now_usec()
        self.t0 = 1698805606_000000     # 2023-11-01 02:26:46 UTC
        self.jdir = os.path.join(self.tmp, "j")
        write_journal(self.jdir, [
            logon_entry(self.t0, "allowed", "admin", "old0", "192.0.2.1"),
            logon_entry(self.t0 + 2 * H, "allowed", "admin", "old2", "192.0.2.1"),
            logon_entry(self.t0 + 26 * H, "allowed", "admin", "old26", "192.0.2.1"),
            logon_entry(now - 400 * DAY, "allowed", "admin", "d400", "192.0.2.1"),
            logon_entry(now - 10 * DAY, "allowed", "admin", "d10", "192.0.2.1"),
            logon_entry(now - 2 * DAY, "allowed", "admin", "d2", "192.0.2.1"),
            logon_entry(now - 90 * 60_000000, "allowed", "admin", "m90", "192.0.2.1"),
        ])
        self.s = self.site(admin="services = sshd")

    def users(self, *args):
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--json", *args)
        self.assertEqual((rc, err), (0, ""), args)
        return [json.loads(line)["user"] for line in out.splitlines()]

    def test_relative_forms(self):
        for since, want in (("-1y", ["d10", "d2", "m90"]), ("1 week ago", ["d2", "m90"]),
                            ("-2h", ["m90"]), ("2 hours ago", ["m90"]), ("-1h 30min", []),
                            ("-1h31min", ["m90"]), ("-3d", ["d2", "m90"]), ("3 days ago", ["d2", "m90"]),
                            ("-2weeks", ["d10", "d2", "m90"]), ("-14M", ["d400", "d10", "d2", "m90"]),
                            ("5400 ago", []), ("5460s ago", ["m90"]), ("-1 year", ["d10", "d2", "m90"])):
            self.assertEqual(self.users("--since", since, "--until", "+1h"), want, since)
        self.assertEqual(self.users("--since", "-1d", "--until", "1 min left"), ["m90"])
        self.assertEqual(self.users("--since", "yesterday", "--until", "tomorrow")[-1:], ["m90"])

    def test_absolute_forms(self):
        for since, want in (("2023-11-01 UTC", ["old0", "old2", "old26"]),
                            ("2023-11-01 04:26:46 UTC", ["old2", "old26"]),
                            ("2023-11-01T04:26:46Z", ["old2", "old26"]),
                            ("2023-11-01T04:26:46.000001Z", ["old26"]),
                            ("2023-11-01 13:26:46+09:00", ["old2", "old26"]),
                            ("2023-11-01T13:26:47+0900", ["old26"]),
                            ("2023-11-01 04:26", ["old2", "old26"]),        # local time: TZ=UTC here
                            ("2023-11-02", ["old26"]),
                            ("@1698812806", ["old2", "old26"]),
                            ("@1698812806.5", ["old26"])):
            self.assertEqual(self.users("--since", since, "--until", "2023-11-03 UTC"), want, since)

    def test_refused_forms(self):
        for bad in ("1 week", "-", "ago", "-1 fortnight", "2023-11-01 UTC+1", "2023-11-01T", "25:00",
                    "2023-11-01 12:00 PST", "+-1h", "@1.", "-1y ago"):
            rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--since", bad)
            self.assertEqual((rc, out), (2, ""), bad)
            self.assertTrue(err.startswith(f"logonaclctl: --since: cannot read the time '{bad}'\n"), err)


if __name__ == "__main__":
    if not CTL:
        print("LOGONACL_CTL is not set", file=sys.stderr)
        sys.exit(77)
    unittest.main()
