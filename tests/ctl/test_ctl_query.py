#!/usr/bin/python3
"""Integration tests of logonaclctl set (the lockout guard), what-if by client
address, the time grammar and log's journalctl habits: the built binary run as
a process, journal files with chosen entries made by systemd-journal-remote.
Run as root: test_ctl_query.py [-v] [GROUP...]."""

import json
import os
import pty
import select
import subprocess
import sys
import time
import unicodedata
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ctl import BOOT, CTL, CtlTestCase, ensure_journald, logon_entry, write_journal, write_file  # noqa: E402

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

    def test_guard_counts_auth_stage_logons_of_a_service_with_no_account_entries(self):
        # With "auth requisite pam_logonacl.so" in the stack too, the account stage reuses the auth
        # stage's decision and writes nothing (SPEC §4): every logon of that service is an auth-stage
        # entry, and the guard must see them.
        now = now_usec()
        s = self.conf_site(entries=[
            logon_entry(now - 2 * DAY + i, "logged", "admin", "alice", "198.51.100.7", stage="auth",
                        action="allow-and-log") for i in range(3)])
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir)
        self.assertEqual(rc, 3, err)
        self.assertEqual(out.splitlines()[1].split()[:3], ["198.51.100.7", "3", "0"])
        self.assertEqual(err, "logonaclctl: not switching, because 3 logons (0 after authentication) from 1 client "
                              "address in the last 30 days would have been blocked\n"
                              "logonaclctl: approve them first (logonaclctl add ADDR), or use --force\n")
        self.assertEqual(self.read_conf(s), s.text)

    def test_guard_tells_services_apart_whatever_the_order_of_their_entries(self):
        # One pass over the journal: sshd's attacker attempts (auth stage) come before its first account-stage
        # entry and must still be left out; cockpit writes auth-stage entries only and they count.
        now = now_usec()
        s = self.conf_site(entries=[
            *[logon_entry(now - 5 * DAY + i, "logged", "admin", f"root{i}", "192.0.2.66", stage="auth",
                          action="allow-and-log") for i in range(3)],
            *[logon_entry(now - 4 * DAY + i, "logged", "admin", "bob", "198.51.100.20", service="cockpit",
                          stage="auth", action="allow-and-log") for i in range(2)],
            logon_entry(now - 3 * DAY, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(now - 2 * DAY, "logged", "admin", "mallory", "192.0.2.67", stage="auth",
                        action="allow-and-log"),
        ])
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir)
        self.assertEqual(rc, 3, err)
        self.assertEqual([line.split()[:3] for line in out.splitlines()[1:]],
                         [["198.51.100.7", "1", "1"], ["198.51.100.20", "2", "0"]])
        self.assertEqual(err, "logonaclctl: not switching, because 3 logons (1 after authentication) from 2 client "
                              "addresses in the last 30 days would have been blocked\n"
                              "logonaclctl: approve them first (logonaclctl add ADDR), or use --force\n")
        # what-if counts every logon, whatever its stage.
        rc, out, err = s.ctl("what-if", "--channel", "admin", "--action", "block-and-log", "--directory", s.jdir)
        self.assertEqual(sorted(line.split()[0] for line in out.splitlines()[1:] if line[:1].isdigit()),
                         ["192.0.2.66", "192.0.2.67", "198.51.100.20", "198.51.100.7"], out)

    def test_guard_refuses_when_it_cannot_count_an_untrusted_writers_logons(self):
        # Dovecot's auth worker writes as its own user: with that user missing from trusted_users
        # its entries are left out, and the guard must not wave the switch through on them.
        now = now_usec()
        s = self.conf_site(entries=[
            logon_entry(now - DAY + i, "logged", "admin", "carol", "198.51.100.8", uid=65534,
                        action="allow-and-log") for i in range(3)])
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir)
        self.assertEqual((rc, out), (3, ""), err)
        self.assertTrue(err.endswith("logonaclctl: not switching, because the guard could not count 3 logonacl "
                                     "entries written by users not in [alert] trusted_users (add those services' "
                                     "users there)\n"
                                     "logonaclctl: approve them first (logonaclctl add ADDR), or use --force\n"), err)
        self.assertEqual(self.read_conf(s), s.text)
        rc, _, err = s.ctl("set", "admin", "block-and-log", "--force", "--directory", s.jdir)
        self.assertEqual(rc, 0, err)
        self.assertIn("logonaclctl: --force: switching anyway, although the guard could not count 3", err)

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

    def test_no_journal_is_no_permission(self):
        s = self.conf_site()            # an empty journal folder
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir)
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err, f"logonaclctl: warning: no journal files could be opened in {s.jdir}\n"
                              "logonaclctl: not switching: with no journal to read, the lockout guard cannot tell "
                              "who would be locked out (--force switches anyway)\n")
        self.assertEqual(self.read_conf(s), s.text)
        rc, out, err = s.ctl("set", "admin", "block-and-log", "--directory", s.jdir, "--force")
        self.assertEqual((rc, out), (0, f"[admin] action = block-and-log (was none): {s.conf}\n"))
        self.assertTrue(err.endswith("logonaclctl: --force: switching anyway, although no journal could be read\n"),
                        err)

    def test_broken_configuration_is_not_edited(self):
        s = self.conf_site(tail="threshold = 7\n")
        rc, out, err = s.ctl("set", "admin", "allow-and-log")
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err.splitlines()[-1], "logonaclctl: fix the configuration first (logonaclctl check)")
        self.assertEqual(self.read_conf(s), s.text)

    def test_usage(self):
        s = self.conf_site()
        usage = "Usage: logonaclctl [--config PATH] set CHANNEL none|allow-and-log|block-and-log [--force] " \
                "[--json] [--caller-address ADDR] [--directory DIR]\n"
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


ID_CHANGE = "db8ec35418dd4799a7d220c4838d031e"


def change_entry(t, change, by_user, uid=0, by_uid="0"):
    """A change entry as logonaclctl writes it (SPEC §6)."""
    return {
        "__REALTIME_TIMESTAMP": str(t), "__MONOTONIC_TIMESTAMP": str(t), "_BOOT_ID": BOOT, "_HOSTNAME": "web1",
        "_UID": str(uid), "SYSLOG_IDENTIFIER": "logonaclctl", "MESSAGE_ID": ID_CHANGE, "PRIORITY": "5",
        "MESSAGE": f"logonacl: {change} by {by_user}", "LOGONACL_CHANGE": change,
        "LOGONACL_FILE": "/etc/logonacl/approved", "LOGONACL_BY_UID": by_uid, "LOGONACL_BY_USER": by_user,
    }


class Log(CtlTestCase):
    """log: the filters the other commands have, -n, --changes, --follow and the pager."""

    T0 = 1698805606_000000

    def setUp(self):
        super().setUp()
        t = self.T0
        self.jdir = os.path.join(self.tmp, "j")
        write_journal(self.jdir, [
            logon_entry(t, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(t + 1 * H, "logged", "enduser", "bob", "198.51.100.9", service="dovecot"),
            change_entry(t + 2 * H, "add 198.51.100.0/24", "alice"),
            logon_entry(t + 3 * H, "allowed", "admin", "alice", "2001:db8::7", approved="yes"),
            logon_entry(t + 4 * H, "allowed", "admin", "erin", "", rhost="gateway.example.com"),
            change_entry(t + 5 * H, "remove 203.0.113.0/24", "mallory", uid=1000),     # forged: not root
            logon_entry(t + 6 * H, "blocked", "api", "svc", "192.0.2.44", service="restapi"),
        ])
        self.s = self.site(admin="services = sshd")

    def rows(self, *args, **kw):
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--json", *args, **kw)
        self.assertEqual(rc, 0, err)
        return [json.loads(line) for line in out.splitlines()], err

    def who(self, *args):
        return [(r.get("user") or r.get("by_user")) for r in self.rows(*args)[0]]

    def test_filters(self):
        self.assertEqual(self.who("--channel", "admin"), ["alice", "alice", "erin"])
        self.assertEqual(self.who("--user", "alice"), ["alice", "alice"])
        self.assertEqual(self.who("--rhost", "198.51.100.0/24"), ["alice", "bob"])
        self.assertEqual(self.who("--rhost", "2001:db8::/32"), ["alice"])
        self.assertEqual(self.who("--rhost", "198.51.100.9"), ["bob"])
        self.assertEqual(self.who("--rhost", "gateway.example.com"), ["erin"])
        self.assertEqual(self.who("--channel", "admin", "--user", "erin"), ["erin"])

    def test_changes_beside_decisions(self):
        rows, err = self.rows("--changes", "--user", "alice")
        self.assertEqual([r["kind"] for r in rows], ["allowed", "change", "allowed"])
        self.assertEqual(rows[1], {"time": "2023-11-01T04:26:46.000000Z", "realtime_usec": self.T0 + 2 * H,
                                   "message_id": ID_CHANGE, "kind": "change", "host": "web1",
                                   "change": "add 198.51.100.0/24", "file": "/etc/logonacl/approved",
                                   "by_uid": "0", "by_user": "alice"})
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--changes", "--since", "2023-11-01 04:00 UTC",
                                  "--until", "2023-11-01 05:00 UTC")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.splitlines()[1], "2023-11-01 04:26:46  web1          -        "
                                              "change: add 198.51.100.0/24          alice         -                "
                                              "logonaclctl  -")
        # Without --changes, and a change entry not written by root: never shown.
        self.assertNotIn("change", [r["kind"] for r in self.rows()[0]])
        rows, err = self.rows("--changes")
        self.assertNotIn("mallory", [r.get("by_user") for r in rows])
        self.assertEqual(err, "logonaclctl: 1 entry with a logonacl MESSAGE_ID left out: not written by a user of "
                              "[alert] trusted_users\n")

    def test_writer_needs_exactly_one_trusted_uid(self):
        # The trusted-writer rule (common/logon_record, the same in alertd): exactly one _UID, a plain
        # decimal number of a trusted user.  Two (a forged upload to a collector) count for nothing,
        # whichever comes first; 2^32 is no uid, not root cut to 32 bits.
        jdir = os.path.join(self.tmp, "uids")
        write_journal(jdir, [logon_entry(self.T0 + i * H, "allowed", "admin", "u%d" % i, "198.51.100.7", uid=uid)
                             for i, uid in enumerate([[0, 1000], [1000, 0], ["0", "00"], "4294967296", "+0", 0])])
        rc, out, err = self.s.ctl("log", "--directory", jdir, "--json")
        self.assertEqual(rc, 0, err)
        self.assertEqual([json.loads(line)["user"] for line in out.splitlines()], ["u5"])
        self.assertEqual(err, "logonaclctl: 5 entries with a logonacl MESSAGE_ID left out: not written by a user "
                              "of [alert] trusted_users\n")

    def test_changes_written_through_journald(self):
        ensure_journald()
        marker = f"add 192.0.2.{os.getpid() % 250}/32 ctl-query-{os.getpid()}-{time.monotonic_ns()}"
        subprocess.run(["logger", "--journald"], check=True, input=(
            f"MESSAGE_ID={ID_CHANGE}\nSYSLOG_IDENTIFIER=logonaclctl\nMESSAGE=test change\n"
            f"LOGONACL_CHANGE={marker}\nLOGONACL_FILE=/etc/logonacl/approved\nLOGONACL_BY_UID=0\n"
            f"LOGONACL_BY_USER=root\n").encode(), timeout=30)
        deadline = time.monotonic() + 30
        while True:
            rc, out, err = self.s.ctl("log", "--changes", "--since", "-10min", "--json", "--no-pager")
            rows = [r for r in map(json.loads, out.splitlines()) if r.get("change") == marker]
            if rows or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(rows), 1, (out, err))
        self.assertEqual((rows[0]["kind"], rows[0]["by_user"], rows[0]["file"]),
                         ("change", "root", "/etc/logonacl/approved"))

    def test_lines(self):
        self.assertEqual(self.who("-n", "2"), ["erin", "svc"])
        self.assertEqual(self.who("--lines", "all"), ["alice", "bob", "alice", "erin", "svc"])
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "-n", "1")
        self.assertEqual((rc, err, len(out.splitlines())), (0, "", 2))
        self.assertTrue(out.splitlines()[0].startswith("TIME "))
        for bad in ("0", "-1", "x", "1k"):
            rc, out, err = self.s.ctl("log", "-n", bad)
            self.assertEqual((rc, out), (2, ""))
            self.assertTrue(err.startswith("logonaclctl: --lines must be a number above 0 or \"all\"\n"), err)

    def test_default_is_the_last_hundred(self):
        jdir = os.path.join(self.tmp, "many")
        write_journal(jdir, [logon_entry(self.T0 + i, "allowed", "admin", f"u{i}", "192.0.2.1") for i in range(130)])
        rc, out, err = self.s.ctl("log", "--directory", jdir)
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual((len(lines), lines[1].split()[6], lines[-1].split()[6]), (101, "u30", "u129"))
        self.assertEqual(err, "logonaclctl: the last 100 of 130 entries (-n all, -n N or --since for more)\n")
        rc, out, err = self.s.ctl("log", "--directory", jdir, "--since", "2023-11-01 UTC")
        self.assertEqual((rc, len(out.splitlines()), err), (0, 131, ""))

    def test_follow(self):
        jdir = os.path.join(self.tmp, "follow")
        write_journal(jdir, [logon_entry(self.T0 + i, "allowed", "admin", f"u{i}", "192.0.2.1") for i in range(12)])
        p = subprocess.Popen([CTL, "--config", self.s.conf, "log", "--directory", jdir, "--json", "-f"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TZ="UTC"))
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)

        def read_users(n, timeout=60):
            got, deadline = [], time.monotonic() + timeout
            while len(got) < n:
                ready, _, _ = select.select([p.stdout], [], [], max(0, deadline - time.monotonic()))
                if not ready:
                    self.fail(f"log -f: {len(got)} of {n} lines after {timeout} s: {got}")
                line = p.stdout.readline()
                if not line:
                    self.fail(f"log -f ended: {p.stderr.read()!r}")
                got.append(json.loads(line)["user"])
            return got

        # The last 10, as journalctl -f; then a new journal file in the folder is followed.
        self.assertEqual(read_users(10), [f"u{i}" for i in range(2, 12)])
        d2 = os.path.join(self.tmp, "second")
        write_journal(d2, [logon_entry(self.T0 + 100 * H, "logged", "admin", "late", "192.0.2.9")])
        os.rename(os.path.join(d2, "test.journal"), os.path.join(jdir, "second.journal"))
        self.assertEqual(read_users(1), ["late"])
        self.assertIsNone(p.poll())

    def run_in_pty(self, *args, env_extra=None):
        """Runs logonaclctl with stdout on a terminal; returns (rc, what the terminal showed)."""
        env = dict(os.environ, TZ="UTC", **(env_extra or {}))
        env.pop("SYSTEMD_PAGER", None)
        master, slave = pty.openpty()
        p = subprocess.Popen([CTL, "--config", self.s.conf, *args], stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=subprocess.PIPE, env=env)
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        return p.wait(timeout=120), shown.decode(errors="replace")

    def test_pager_on_a_terminal_only(self):
        seen = os.path.join(self.tmp, "paged")
        pager = write_file(os.path.join(self.tmp, "pager.sh"),
                           f'#!/bin/sh\necho "LESS=$LESS" > {seen}\ncat >> {seen}\n', mode=0o755)
        rc, shown = self.run_in_pty("log", "--directory", self.jdir, env_extra={"PAGER": pager})
        self.assertEqual(rc, 0)
        with open(seen) as f:
            paged = f.read().splitlines()
        self.assertEqual(paged[0], "LESS=FRSXMK")
        self.assertTrue(paged[1].startswith("TIME "), paged)
        self.assertEqual(len(paged), 1 + 1 + 5)
        self.assertNotIn("alice", shown)
        os.unlink(seen)
        # --no-pager, PAGER=cat, or stdout not a terminal: no pager.
        rc, shown = self.run_in_pty("log", "--directory", self.jdir, "--no-pager", env_extra={"PAGER": pager})
        self.assertEqual((rc, os.path.exists(seen), "alice" in shown), (0, False, True))
        rc, shown = self.run_in_pty("log", "--directory", self.jdir, env_extra={"PAGER": "cat"})
        self.assertEqual((rc, "alice" in shown), (0, True))
        r = subprocess.run([CTL, "--config", self.s.conf, "log", "--directory", self.jdir], capture_output=True,
                           env=dict(os.environ, PAGER=pager))
        self.assertEqual((r.returncode, os.path.exists(seen), b"alice" in r.stdout), (0, False, True))


def terminal_cells(line):
    """The characters of line by the terminal column each starts at (a wide character takes two)."""
    cells, col = {}, 0
    for ch in line:
        if unicodedata.combining(ch):
            continue
        cells[col] = ch
        col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cells


class LogColumns(CtlTestCase):
    """log's table: every column starts at the same terminal column on every line, header included,
    however long a user name, service, IPv6 address or host name is; values are never cut."""

    T0 = 1698805606_000000
    HEADER = ("TIME                 HOST          CHANNEL  EVENT                                USER          "
              "CLIENT IP        SERVICE   RESULT")

    def setUp(self):
        super().setUp()
        self.s = self.site(admin="services = sshd")

    def journal(self, name, entries):
        jdir = os.path.join(self.tmp, name)
        write_journal(jdir, entries)
        return jdir

    def log_lines(self, jdir, *args):
        """logonaclctl log over the journal files in jdir: its lines (exit 0, nothing on stderr)."""
        rc, out, err = self.s.ctl("log", "--directory", jdir, *args)
        self.assertEqual((rc, err), (0, ""))
        return out.splitlines()

    def assertAligned(self, lines):
        """Each title of the header starts a cell at the same terminal column on every line."""
        header = lines[0]
        starts = [i for i in range(len(header)) if header[i] != " " and (i == 0 or header[i - 2:i] == "  ")]
        self.assertEqual(len(starts), 8, header)
        for line in lines[1:]:
            cells = terminal_cells(line)
            for s in starts[1:]:
                self.assertEqual((cells.get(s - 2), cells.get(s - 1)), (" ", " "), (s, line))
                self.assertNotIn(cells.get(s), (None, " "), (s, line))

    def test_long_values_widen_their_column(self):
        t = self.T0
        jdir = self.journal("long", [
            logon_entry(t, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(t + 1 * H, "logged", "enduser", "svc-backup-replication@example.com", "203.0.113.50",
                        service="webmail-inline"),
            logon_entry(t + 2 * H, "blocked", "admin", "root", "2001:db8:4d2:1a2b:3c4d:5e6f:7a8b:9c0d",
                        host="bastion-01.ops.example.com"),
            logon_entry(t + 3 * H, "allowed", "api", "svc", "192.0.2.44", service="restapi"),
        ])
        lines = self.log_lines(jdir)
        self.assertEqual(lines, [
            "TIME                 HOST                        CHANNEL  EVENT                                "
            "USER                                CLIENT IP                              SERVICE         RESULT",
            "2023-11-01 02:26:46  web1                        admin    Administrator logon                  "
            "alice                               198.51.100.7                           sshd            allowed",
            "2023-11-01 03:26:46  web1                        enduser  End user console user logon logged   "
            "svc-backup-replication@example.com  203.0.113.50                           webmail-inline  allowed",
            "2023-11-01 04:26:46  bastion-01.ops.example.com  admin    Administrator logon blocked          "
            "root                                2001:db8:4d2:1a2b:3c4d:5e6f:7a8b:9c0d  sshd            blocked",
            "2023-11-01 05:26:46  web1                        api      API access                           "
            "svc                                 192.0.2.44                             restapi         allowed",
        ])
        self.assertAligned(lines)
        # The widths come from the rows shown: with -n 1 the long values are not among them.
        lines = self.log_lines(jdir, "-n", "1")
        self.assertEqual(lines, [
            self.HEADER,
            "2023-11-01 05:26:46  web1          api      API access                           svc           "
            "192.0.2.44       restapi   allowed"])
        # --json is unchanged: one object a line, no padding.
        rc, out, err = self.s.ctl("log", "--directory", jdir, "--json")
        self.assertEqual([json.loads(line)["user"] for line in out.splitlines()],
                         ["alice", "svc-backup-replication@example.com", "root", "svc"])
        self.assertNotIn("  ", out)

    def test_a_hostile_long_value_widens_only_its_own_row(self):
        # A user name far longer than any real one (PAM_USER is the client's choice) must not pad every
        # row: past its column's maximum a value pushes its own row along, and is still shown whole.
        t = self.T0
        hostile = "A" * 300
        jdir = self.journal("hostile", [
            logon_entry(t, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(t + 1 * H, "blocked", "admin", hostile, "203.0.113.9"),
            logon_entry(t + 2 * H, "allowed", "admin", "bob", "198.51.100.8"),
        ])
        lines = self.log_lines(jdir)
        self.assertEqual(lines, [
            self.HEADER,
            "2023-11-01 02:26:46  web1          admin    Administrator logon                  alice         "
            "198.51.100.7     sshd      allowed",
            "2023-11-01 03:26:46  web1          admin    Administrator logon blocked          " + hostile +
            "  203.0.113.9      sshd      blocked",
            "2023-11-01 04:26:46  web1          admin    Administrator logon                  bob           "
            "198.51.100.8     sshd      allowed",
        ])
        self.assertAligned([lines[0], lines[1], lines[3]])

    def test_wide_and_escaped_values_count_the_columns_a_terminal_shows(self):
        # A CJK character takes two terminal columns; an escaped byte (\xNN) takes four.
        t = self.T0
        jdir = self.journal("wide", [
            logon_entry(t, "allowed", "admin", "田中", "198.51.100.7"),
            logon_entry(t + 1 * H, "allowed", "admin", "山田太郎左衛門", "198.51.100.8"),
            logon_entry(t + 2 * H, "logged", "admin", "eve\x1b]0;owned\x07\nFAKE", "192.0.2.66"),
        ])
        lines = self.log_lines(jdir)
        self.assertEqual(lines, [
            "TIME                 HOST          CHANNEL  EVENT                                "
            "USER                         CLIENT IP        SERVICE   RESULT",
            "2023-11-01 02:26:46  web1          admin    Administrator logon                  "
            "田中                         198.51.100.7     sshd      allowed",
            "2023-11-01 03:26:46  web1          admin    Administrator logon                  "
            "山田太郎左衛門               198.51.100.8     sshd      allowed",
            "2023-11-01 04:26:46  web1          admin    Administrator logon logged           "
            "eve\\x1b]0;owned\\x07\\x0aFAKE  192.0.2.66       sshd      allowed",
        ])
        self.assertAligned(lines)

    def test_an_invisible_character_cannot_make_a_name_look_like_another(self):
        # "root" followed by a zero-width space, or with a zero-width joiner inside, must not look like
        # root's own logons: invisible (default-ignorable) characters are escaped like controls.
        users = ["root", "root\u200b", "ro\u200dot", "\u3164"]
        lines = self.log_lines(self.journal("invisible", [
            logon_entry(self.T0 + i * H, "allowed", "admin", user, "203.0.113.9") for i, user in enumerate(users)]))
        self.assertEqual([line[81:].split("  ")[0] for line in lines[1:]],
                         ["root", "root\\xe2\\x80\\x8b", "ro\\xe2\\x80\\x8dot", "\\xe3\\x85\\xa4"])
        self.assertAligned(lines)

    LONG_USER = "svc-backup-replication@example.com"

    def log_all_then_long_user(self, name, first):
        """log -n all over the entries first and, a second later, a logon of LONG_USER; the lines."""
        t = self.T0 + len(first) * 1000000
        jdir = self.journal(name, first + [logon_entry(t, "allowed", "admin", self.LONG_USER, "198.51.100.7")])
        lines = self.log_lines(jdir, "-n", "all")
        self.assertEqual(len(lines), 1 + len(first) + 1)
        self.assertEqual(lines[0], self.HEADER)
        # Past the measured rows: the long name widens its own row only.
        self.assertEqual(lines[-1][19:], "  web1          admin    Administrator logon                  "
                                         + self.LONG_USER + "  198.51.100.7     sshd      allowed")
        return jdir, lines

    def test_every_entry_wanted_takes_the_widths_from_the_first_1000_rows(self):
        # -n all (or a time range) must not hold a year of logons in memory to measure them: the first
        # 1,000 rows set the widths, the rest stream with them and a longer value widens its own row.
        first = [logon_entry(self.T0 + i * 1000000, "allowed", "admin", "alice", "198.51.100.7") for i in range(1000)]
        jdir, lines = self.log_all_then_long_user("many", first)
        self.assertAligned(lines[:-1])
        # The same range with the long value among the rows measured widens the column for all.
        rc, out, err = self.s.ctl("log", "--directory", jdir, "-n", "2")
        self.assertIn("USER" + " " * (len(self.LONG_USER) - 2) + "CLIENT IP", out.splitlines()[0])

    def test_long_values_set_the_widths_after_fewer_rows(self):
        # Hostile 200 KiB user names (800 KiB each once escaped): the first rows up to 4 MiB of text set
        # the widths, not 1,000 of them (which would hold 800 MB), and the rest stream with them.
        self.log_all_then_long_user("hostile-many", [
            logon_entry(self.T0 + i * 1000000, "blocked", "admin", "\x01" * (200 * 1024), "203.0.113.9")
            for i in range(6)])

    def test_follow_keeps_the_widths_it_started_with(self):
        # Rows that arrive later cannot be measured in advance: the columns keep the widths of the first
        # rows, and a longer value pushes only its own row along (never cut, never misaligning the next).
        t = self.T0
        jdir = self.journal("follow", [
            logon_entry(t, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(t + 1 * H, "logged", "enduser", "bob", "198.51.100.9", service="dovecot"),
        ])
        p = subprocess.Popen([CTL, "--config", self.s.conf, "log", "--directory", jdir, "-f"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8"))
        self.addCleanup(p.stderr.close)
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)

        pending = bytearray()

        def read_lines(n, timeout=60):
            # Straight from the pipe: a buffered readline could hold lines that select() no longer sees.
            deadline = time.monotonic() + timeout
            while pending.count(b"\n") < n:
                ready, _, _ = select.select([p.stdout], [], [], max(0, deadline - time.monotonic()))
                if not ready:
                    self.fail(f"log -f: fewer than {n} lines after {timeout} s: {bytes(pending)!r}")
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    self.fail(f"log -f ended: {p.stderr.read()!r}")
                pending.extend(chunk)
            got = []
            for _ in range(n):
                end = pending.index(b"\n")
                got.append(pending[:end].decode())
                del pending[:end + 1]
            return got

        first = read_lines(3)
        self.assertEqual(first, [
            self.HEADER,
            "2023-11-01 02:26:46  web1          admin    Administrator logon                  alice         "
            "198.51.100.7     sshd      allowed",
            "2023-11-01 03:26:46  web1          enduser  End user console user logon logged   bob           "
            "198.51.100.9     dovecot   allowed",
        ])
        d2 = os.path.join(self.tmp, "second")
        write_journal(d2, [
            logon_entry(t + 2 * H, "blocked", "admin", "svc-backup-replication@example.com",
                        "2001:db8:4d2:1a2b:3c4d:5e6f:7a8b:9c0d"),
            logon_entry(t + 3 * H, "allowed", "api", "svc", "192.0.2.44", service="restapi"),
        ])
        os.rename(os.path.join(d2, "test.journal"), os.path.join(jdir, "second.journal"))
        later = read_lines(2)
        self.assertEqual(later, [
            "2023-11-01 04:26:46  web1          admin    Administrator logon blocked          "
            "svc-backup-replication@example.com  2001:db8:4d2:1a2b:3c4d:5e6f:7a8b:9c0d  sshd      blocked",
            "2023-11-01 05:26:46  web1          api      API access                           svc           "
            "192.0.2.44       restapi   allowed",
        ])
        self.assertAligned(first + later[1:])
        self.assertIsNone(p.poll())


if __name__ == "__main__":
    if not CTL:
        print("LOGONACL_CTL is not set", file=sys.stderr)
        sys.exit(77)
    unittest.main()
