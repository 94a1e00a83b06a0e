#!/usr/bin/python3
"""Integration tests of the approved list's format and the edit commands
(SPEC §1, §2, §6): configuration edges, one problem one error, entries with
expiry and comments, add's outcome per entry, the change entries in the
journal.  The built logonaclctl run as a process on root-owned temporary
folders.  Run as root: test_ctl_list.py [-v] [GROUP...]."""

import datetime
import os
import shlex
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from logonacl_test import ensure_journald, journal_cursor, journal_entries, write_file  # noqa: E402
from test_ctl import INVALID, CtlTestCase, parse_decision, run_ctl  # noqa: E402

ADMIN_SSHD = "action = allow-and-log\nservices = sshd"


class Edges(CtlTestCase):
    """The four configuration edges of SPEC §1–2 (issue 10.4)."""

    def test_upper_case_service_is_an_error(self):
        s = self.site(admin="services = sshd\nsso_services = Portal")
        self.assertCtl(s.ctl("check"), 1, "",
                       f"{s.conf}:7: sso_services: \"Portal\": PAM service names are lower-case "
                       f"(libpam lower-cases them), write \"portal\"\nlogonaclctl: check failed: 1 error\n")

    def test_test_lower_cases_service_as_libpam(self):
        s = self.site(admin="action = block-and-log\nservices = sshd")
        # (test's exit code for a blocked decision is its own business: issue 14.9)
        _, out, err = s.ctl("test", "--service", "SSHD", "--rhost", "198.51.100.7")
        d = parse_decision(out)
        self.assertEqual((d.get("channel"), d.get("result")), ("admin", "blocked"), out + err)

    def test_ipv6_over_ipv4_space_is_invalid_even_with_allow_private(self):
        s = self.site(general="allow_private = yes", admin=ADMIN_SSHD,
                      approved="::/0\n::ffff:203.0.113.0/120\n2001:db8::/32\n")
        self.assertCtl(s.ctl("check"), 1, "",
                       f"{s.approved}:1: {INVALID}\n"
                       f"{s.approved}:1: ::/0: overlaps ::ffff:0:0/96 (IPv4-mapped); an IPv6 entry never approves "
                       f"IPv4 clients: write IPv4 entries (0.0.0.0/0 is all of IPv4)\n"
                       f"{s.approved}:2: {INVALID}\n"
                       f"{s.approved}:2: ::ffff:203.0.113.0/120: lies in ::ffff:0:0/96 (IPv4-mapped); an IPv6 entry "
                       f"never approves IPv4 clients: write 203.0.113.0/24\n"
                       "logonaclctl: check failed: 2 errors\n")
        self.assertCtl(s.ctl("add", "::/1"), 1, "",
                       f"{INVALID}\n::/1: overlaps ::ffff:0:0/96 (IPv4-mapped); an IPv6 entry never approves IPv4 "
                       f"clients: write IPv4 entries (0.0.0.0/0 is all of IPv4)\n")

    def test_dropin_that_is_not_a_regular_file_is_an_error(self):
        s = self.site(admin=ADMIN_SSHD, dropins={"a.list": "198.51.100.0/24\n"})
        os.mkfifo(os.path.join(s.dropin_dir, "fifo.list"), 0o644)
        os.mkdir(os.path.join(s.dropin_dir, "folder.list"), 0o755)
        self.assertCtl(s.ctl("check"), 1, "",
                       f"{s.dropin_dir}/fifo.list: not a regular file\n"
                       f"{s.dropin_dir}/folder.list: not a regular file\n"
                       "logonaclctl: check failed: 2 errors\n")
        # The module's view: test reads the list as a logon does, and fails closed.
        rc, out, err = s.ctl("test", "--service", "sshd", "--rhost", "198.51.100.7")
        self.assertNotEqual(rc, 0, out)
        self.assertIn(f"{s.dropin_dir}/fifo.list: not a regular file", err)

    def test_no_service_in_any_channel_is_a_warning(self):
        s = self.site()
        rc, out, err = s.ctl("check")
        self.assertEqual((rc, err), (0, f"{s.conf}: warning: no service stands in any channel, so the module "
                                        "controls no logon (name PAM services in services = of [admin], "
                                        "[enduser] or [api])\n"), out)
        self.assertTrue(out.startswith("OK: 1 entry in 1 file;"), out)
        s2 = self.site(enduser="inline_services = webmail-inline")
        rc, out, err = s2.ctl("check")
        self.assertEqual((rc, err), (0, ""), out)


class OneError(CtlTestCase):
    """One problem, one error (issue 14.8): check counts problems, not lines."""

    def test_missing_file_once(self):
        s = self.site(admin=ADMIN_SSHD, approved=None)
        self.assertCtl(s.ctl("check"), 1, "",
                       f"{s.approved}: No such file or directory\nlogonaclctl: check failed: 1 error\n")

    def test_missing_configuration_once(self):
        s = self.site(admin=ADMIN_SSHD)
        missing = os.path.join(s.dir, "nope.conf")
        rc, out, err = run_ctl("--config", missing, "check")
        self.assertEqual(err.splitlines().count(f"{missing}: No such file or directory"), 1, err)
        self.assertEqual(rc, 1)

    def test_writable_folder_once(self):
        s = self.site(admin=ADMIN_SSHD, dropins={"a.list": "198.51.100.0/24\n", "b.list": "192.0.2.0/24\n"})
        os.chmod(s.dropin_dir, 0o777)
        os.chmod(s.dir, 0o775)
        try:
            self.assertCtl(s.ctl("check"), 1, "",
                           f"{s.dir}: folder writable by group or others\n"
                           f"{s.dropin_dir}: folder writable by group or others\n"
                           "logonaclctl: check failed: 2 errors\n")
        finally:
            os.chmod(s.dir, 0o755)
            os.chmod(s.dropin_dir, 0o755)

    def test_group_writable_file_with_bad_entry_is_two_problems(self):
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.5/24\n")
        os.chmod(s.approved, 0o664)
        self.assertCtl(s.ctl("check"), 1, "",
                       f"{s.approved}: writable by group or others\n"
                       f"{s.approved}:1: {INVALID}\n"
                       f"{s.approved}:1: 203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)\n"
                       "logonaclctl: check failed: 2 errors\n")


def utc_date(days_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days_from_now)
    return t.strftime("%Y-%m-%d")


class Expiry(CtlTestCase):
    """Entries with expires= and a comment (SPEC §1, issue 12.2), through every tool."""

    LIST = ("# gateways\n"
            "203.0.113.0/24  expires=2099-01-31  # Osaka office gateway\n"
            "203.0.113.7 expires=2020-01-01T18:30Z # the old NAT\n"
            "198.51.100.0/24 expires=2020-01-01\n"
            "192.0.2.0/24\t# lab\n")

    def test_list_shows_expiry_and_comments(self):
        s = self.site(admin=ADMIN_SSHD, approved=self.LIST)
        self.assertCtl(s.ctl("list"), 0,
                       f"203.0.113.0/24\t{s.approved}:2\texpires=2099-01-31\t# Osaka office gateway\n"
                       f"203.0.113.7\t{s.approved}:3\texpires=2020-01-01T18:30Z (expired)\t# the old NAT\n"
                       f"198.51.100.0/24\t{s.approved}:4\texpires=2020-01-01 (expired)\n"
                       f"192.0.2.0/24\t{s.approved}:5\t# lab\n", "")

    def test_expired_entry_approves_nothing(self):
        s = self.site(admin="action = block-and-log\nservices = sshd", approved=self.LIST)
        for rhost, matched, result in (("203.0.113.7", "203.0.113.0/24", "allowed"),     # the /24 answers
                                       ("203.0.113.8", "203.0.113.0/24", "allowed"),
                                       ("198.51.100.7", "-", "blocked")):
            _, out, err = s.ctl("test", "--service", "sshd", "--rhost", rhost)
            d = parse_decision(out)
            self.assertEqual((d.get("matched", "").split(" ")[0], d.get("result")), (matched, result), out + err)
        # The compiled index answers the same.
        self.assertEqual(s.ctl("reindex")[0], 0)
        _, out, _ = s.ctl("test", "--service", "sshd", "--rhost", "198.51.100.7")
        self.assertEqual(parse_decision(out).get("result"), "blocked")

    def test_check_warns_about_expired_and_expiring(self):
        soon = utc_date(3)
        s = self.site(admin=ADMIN_SSHD, approved=self.LIST + f"2001:db8:5::/48 expires={soon}\n")
        rc, out, err = s.ctl("check")
        self.assertEqual(rc, 0, err)
        self.assertEqual(err,
                         f"{s.approved}:3: warning: 203.0.113.7 expired on 2020-01-01T18:30Z and approves nothing "
                         "(remove the entry or change its date)\n"
                         f"{s.approved}:4: warning: 198.51.100.0/24 expired on 2020-01-01 and approves nothing "
                         "(remove the entry or change its date)\n"
                         f"{s.approved}:6: warning: 2001:db8:5::/48 expires on {soon}, within 7 days\n")
        self.assertTrue(out.startswith("OK: 5 entries in 1 file;"), out)

    def test_bad_expiry_is_an_entry_error(self):
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.0/24 expires=2027-02-30\n"
                                                 "198.51.100.0/24 expires=2027-01-31 extra\n")
        self.assertCtl(s.ctl("check"), 1, "",
                       f"{s.approved}:1: {INVALID}\n"
                       f"{s.approved}:1: expires=2027-02-30: not a date: write expires=YYYY-MM-DD or "
                       "expires=YYYY-MM-DDTHH:MMZ (UTC)\n"
                       f"{s.approved}:2: {INVALID}\n"
                       f"{s.approved}:2: 198.51.100.0/24 expires=2027-01-31 extra: only expires=DATE and a # comment "
                       "may follow the entry\n"
                       "logonaclctl: check failed: 2 errors\n")

    def test_add_writes_expiry_and_comment_and_every_tool_keeps_them(self):
        s = self.site(admin=ADMIN_SSHD, approved=self.LIST)
        self.assertCtl(s.ctl("add", "--comment", "Kyoto branch (ticket #42)", "--expires", "2099-03-01T18:00Z",
                             "192.0.2.128/25", "2001:db8:7::/48"), 0,
                       f"192.0.2.128/25: added (within 192.0.2.0/24, {s.approved}:5)\n2001:db8:7::/48: added\n", "")
        self.assertEqual(s.read(), self.LIST +
                         "192.0.2.128/25  expires=2099-03-01T18:00Z  # Kyoto branch (ticket #42)\n"
                         "2001:db8:7::/48  expires=2099-03-01T18:00Z  # Kyoto branch (ticket #42)\n")
        self.assertCtl(s.ctl("remove", "192.0.2.128/25"), 0, "192.0.2.128/25: removed\n"
                       f"192.0.2.128/25: still approved by 192.0.2.0/24 ({s.approved}:5)\n", "")
        self.assertEqual(s.read(), self.LIST +
                         "2001:db8:7::/48  expires=2099-03-01T18:00Z  # Kyoto branch (ticket #42)\n")
        # SPEC §6 writes the options after the addresses: both orders work.
        self.assertCtl(s.ctl("add", "192.0.2.7", "--expires", "2099-01-01", "--comment", "after"), 0,
                       f"192.0.2.7: added (within 192.0.2.0/24, {s.approved}:5)\n", "")
        self.assertCtl(s.ctl("remove", "192.0.2.7"), 0, "192.0.2.7: removed\n"
                       f"192.0.2.7: still approved by 192.0.2.0/24 ({s.approved}:5)\n", "")
        self.assertEqual(s.ctl("reindex")[0], 0)
        self.assertEqual(s.ctl("list")[1].splitlines()[-1],
                         f"2001:db8:7::/48\t{s.approved}:6\texpires=2099-03-01T18:00Z\t# Kyoto branch (ticket #42)")

    def test_hostile_comment_cannot_add_a_line(self):
        s = self.site(admin=ADMIN_SSHD, approved="")
        for comment in ("x\n0.0.0.0/0", "x\r198.51.100.0/24", "\x1b[2J", "a\u202eb", "bad \udcff"):
            arg = comment.encode("utf-8", "surrogateescape")
            rc, out, err = run_ctl("--config", s.conf, "add", "--comment", arg.decode("utf-8", "surrogateescape"),
                                   "203.0.113.0/24")
            self.assertEqual((rc, out, err), (1, "", "logonaclctl: --comment: contains a control character, a line "
                                                     "break or invalid UTF-8; nothing was changed\n"), repr(comment))
        self.assertEqual(s.read(), "")
        # A comment a file already holds is shown escaped.
        write_file(s.approved, "203.0.113.0/24 # \x1b[31mred\n")
        self.assertCtl(s.ctl("list"), 0, f"203.0.113.0/24\t{s.approved}:1\t# \\x1b[31mred\n", "")

    def test_add_refuses_past_or_bad_dates(self):
        s = self.site(admin=ADMIN_SSHD, approved="")
        self.assertCtl(s.ctl("add", "--expires", "2020-01-01", "203.0.113.0/24"), 1, "",
                       "logonaclctl: --expires: 2020-01-01 has passed, the entry would approve nothing; "
                       "nothing was changed\n")
        self.assertCtl(s.ctl("add", "--expires", "31.01.2027", "203.0.113.0/24"), 1, "",
                       "logonaclctl: --expires: \"31.01.2027\" is not a date: write YYYY-MM-DD or "
                       "YYYY-MM-DDTHH:MMZ (UTC); nothing was changed\n")
        self.assertEqual(s.read(), "")


class AddOutcome(CtlTestCase):
    """add says one outcome per entry (issue 14.9)."""

    def test_one_line_per_entry(self):
        s = self.site(admin=ADMIN_SSHD, approved="2001:db8::/32\n203.0.113.7 expires=2020-01-01\n",
                      dropins={"site.list": "198.51.100.0/24\n"})
        rc, out, err = s.ctl("add", "2001:db8:5::/48", "198.51.100.0/24", "2001:db8::/32", "192.0.2.1",
                             "203.0.113.7")
        self.assertEqual((rc, out, err), (1,
                         f"2001:db8:5::/48: added (within 2001:db8::/32, {s.approved}:1)\n"
                         f"198.51.100.0/24: added (also approved in {s.dropin_dir}/site.list:1)\n"
                         "2001:db8::/32: already approved, skipped\n"
                         "192.0.2.1: added\n",
                         f"203.0.113.7: not added: {s.approved}:2 lists it with expires=2020-01-01, which has "
                         "passed (change that date, or remove the entry and add it again)\n"))
        for line in out.splitlines():
            self.assertEqual(sum(line.startswith(a + ":") for a in ("2001:db8:5::/48", "198.51.100.0/24",
                                                                    "2001:db8::/32", "192.0.2.1")), 1)
        self.assertEqual(len(out.splitlines()), 4)


class ChangeRecord(CtlTestCase):
    """Every change logonaclctl makes is a journal entry with who made it (SPEC §6, issue 12.3);
    check names a hand edit made since the index was written."""

    ID_CHANGE = "db8ec35418dd4799a7d220c4838d031e"

    def setUp(self):
        super().setUp()
        ensure_journald()

    def changes(self, cursor, path, count):
        """This test's change entries (by LOGONACL_FILE, unique to its folder), once count of them
        arrived (other tests write change entries at the same time); a generous bound, then fail."""
        deadline = time.monotonic() + 30
        while True:
            entries = [e for e in journal_entries("SYSLOG_IDENTIFIER=logonaclctl", after_cursor=cursor)
                       if e.get("LOGONACL_FILE", "").startswith(self.tmp + "/")]
            if len(entries) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return [(e.get("MESSAGE_ID"), e.get("LOGONACL_CHANGE"), e.get("LOGONACL_FILE"), e.get("LOGONACL_BY_UID"),
                 e.get("LOGONACL_BY_USER"), e.get("PRIORITY")) for e in entries]

    def test_add_remove_reindex_are_recorded_with_who(self):
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.0/24\n")
        cursor = journal_cursor()
        sudo = {"SUDO_USER": "alice"}
        self.assertEqual(s.ctl("add", "--expires", "2099-01-31", "--comment", "Osaka", "198.51.100.0/24",
                               "203.0.113.0/24", env_extra=sudo)[0], 0)
        self.assertEqual(s.ctl("remove", "203.0.113.0/24", env_extra=sudo)[0], 0)
        self.assertEqual(s.ctl("reindex", env_extra=sudo)[0], 0)
        self.assertEqual(s.ctl("add", "203.0.113.0/24", "198.51.100.0/24", env_extra=sudo)[1],
                         "203.0.113.0/24: added\n198.51.100.0/24: already approved, skipped\n")
        index = s.approved + ".index"
        want = [(self.ID_CHANGE, "add 198.51.100.0/24  expires=2099-01-31  # Osaka", s.approved, "0", "alice", "5"),
                (self.ID_CHANGE, "remove 203.0.113.0/24", s.approved, "0", "alice", "5"),
                (self.ID_CHANGE, "reindex", index, "0", "alice", "5"),
                (self.ID_CHANGE, "add 203.0.113.0/24", s.approved, "0", "alice", "5")]
        self.assertEqual(self.changes(cursor, s.approved, 4), want)

    def test_set_is_recorded_with_who(self):
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.0/24\n")
        cursor = journal_cursor()
        self.assertEqual(s.ctl("set", "enduser", "allow-and-log", env_extra={"SUDO_USER": "alice"})[0], 0)
        self.assertEqual(self.changes(cursor, s.conf, 1),
                         [(self.ID_CHANGE, "set enduser allow-and-log", s.conf, "0", "alice", "5")])

    def test_login_uid_outranks_sudo_user(self):
        # Anyone running as root can set SUDO_USER; the kernel's login uid the caller cannot change.
        s = self.site(admin=ADMIN_SSHD, approved="")
        cursor = journal_cursor()
        r = subprocess.run(["sh", "-c", 'echo 0 > /proc/self/loginuid && exec "$@"', "sh", os.environ["LOGONACL_CTL"],
                            "--config", s.conf, "add", "192.0.2.77"],
                           env=dict(os.environ, SUDO_USER="nobody"), capture_output=True, text=True, timeout=60)
        if r.returncode != 0 and "loginuid" in r.stderr:
            self.skipTest("this kernel does not let the test set a login uid: " + r.stderr.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([c[4] for c in self.changes(cursor, s.approved, 1)], ["root"])

    def test_nothing_changed_nothing_recorded(self):
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.0/24\n")
        cursor = journal_cursor()
        self.assertEqual(s.ctl("add", "203.0.113.0/24")[0], 0)
        self.assertEqual(s.ctl("remove", "198.51.100.1")[0], 1)
        self.assertEqual(s.ctl("add", "192.0.2.300")[0], 1)
        # A marker change after them: once it is in the journal, the ones before would be too.
        marker = self.site(admin=ADMIN_SSHD, approved="")
        self.assertEqual(marker.ctl("add", "192.0.2.1")[0], 0)
        got = self.changes(cursor, s.approved, 1)
        self.assertEqual([c[2] for c in got], [marker.approved])

    def test_check_names_a_hand_edit(self):
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.0/24\n")
        self.assertEqual(s.ctl("reindex")[0], 0)
        self.assertCtl(s.ctl("check"), 0, "OK: 1 entry in 1 file; admin: allow-and-log, enduser: none, api: none; "
                                          "index: fresh\n", "")
        with open(s.approved, "a") as f:
            f.write("198.51.100.7\n")
        self.assertCtl(s.ctl("check"), 0, "OK: 2 entries in 1 file; admin: allow-and-log, enduser: none, api: none; "
                                          "index: stale (logonaclctl reindex rewrites it)\n",
                       f"{s.approved}: changed since the index was written (a hand edit?): logons read the text "
                       "until logonaclctl reindex (or logonacl-reindex.path) rewrites the index\n")
        write_file(os.path.join(s.dropin_dir, "new.list"), "192.0.2.0/24\n")
        self.assertEqual(s.ctl("reindex")[0], 0)
        write_file(os.path.join(s.dropin_dir, "new.list"), "192.0.2.0/25\n")
        rc, out, err = s.ctl("check")
        self.assertEqual((rc, err), (0, f"{s.dropin_dir}/new.list: changed since the index was written (a hand "
                                        "edit?): logons read the text until logonaclctl reindex (or "
                                        "logonacl-reindex.path) rewrites the index\n"))


SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPLETION = os.path.join(SOURCE_DIR, "packaging", "bash-completion", "logonaclctl")


class Packaging(CtlTestCase):
    """logonacl-reindex.path/.service (SPEC §7, issue 12.5) and the bash completion (12.6)."""

    def test_reindex_if_stale(self):
        s = self.site(admin=ADMIN_SSHD)
        cursor = journal_cursor()
        self.assertCtl(s.ctl("reindex", "--if-stale"), 0, f"{s.approved}.index: written\n", "")
        self.assertCtl(s.ctl("reindex", "--if-stale"), 0, f"{s.approved}.index: fresh, not rewritten\n", "")
        with open(s.approved, "a") as f:
            f.write("198.51.100.7\n")
        self.assertCtl(s.ctl("reindex", "--if-stale"), 0, f"{s.approved}.index: written\n", "")
        self.assertTrue(s.check_line().endswith("; index: fresh\n"))
        # Two rewrites, two change entries; the fresh one recorded nothing.
        deadline = time.monotonic() + 30
        while True:
            got = [e for e in journal_entries("SYSLOG_IDENTIFIER=logonaclctl", after_cursor=cursor)
                   if e.get("LOGONACL_FILE") == s.approved + ".index"]
            if len(got) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual([e["LOGONACL_CHANGE"] for e in got], ["reindex", "reindex"])

    def test_units_verify(self):
        """systemd-analyze verify on the units as installed, the binary path pointed at the build."""
        d = os.path.join(self.tmp, "units")
        os.mkdir(d)
        for name in ("logonacl-reindex.path", "logonacl-reindex.service"):
            with open(os.path.join(SOURCE_DIR, "packaging", name)) as f:
                text = f.read().replace("/usr/sbin/logonaclctl", os.environ["LOGONACL_CTL"])
            # man: pages are not installed here; verify checks them against man(1).
            text = "\n".join(line for line in text.splitlines() if not line.startswith("Documentation="))
            write_file(os.path.join(d, name), text + "\n")
        r = subprocess.run(["systemd-analyze", "verify", os.path.join(d, "logonacl-reindex.path"),
                            os.path.join(d, "logonacl-reindex.service")], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        with open(os.path.join(SOURCE_DIR, "packaging", "logonacl-reindex.service")) as f:
            self.assertIn("ExecStart=/usr/sbin/logonaclctl reindex --if-stale\n", f.read())

    def complete(self, *words, env_path=None):
        """COMPREPLY for the command line `logonaclctl WORDS...` (the last word being completed)."""
        line = " ".join(["logonaclctl", *words])
        script = ("source /usr/share/bash-completion/bash_completion\n"
                  f"source {shlex.quote(COMPLETION)}\n"
                  f"COMP_WORDS=({' '.join(shlex.quote(w) for w in ['logonaclctl', *words])})\n"
                  f"COMP_CWORD={len(words)}\nCOMP_LINE={shlex.quote(line)}\nCOMP_POINT=${{#COMP_LINE}}\n"
                  "_logonaclctl logonaclctl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
        env = dict(os.environ, PATH=(env_path + ":" if env_path else "") + os.environ["PATH"])
        r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(x for x in r.stdout.split("\n") if x)

    def test_completion(self):
        self.assertEqual(self.complete(""), sorted("add remove list check reindex test log what-if suggest set "
                                                   "status alert".split()))
        self.assertEqual(self.complete("--"), ["--config", "--help", "--version"])
        self.assertEqual(self.complete("add", "--"), ["--comment", "--expires", "--help"])
        self.assertEqual(self.complete("log", "--c"), ["--changes", "--channel"])
        self.assertEqual(self.complete("log", "-"), sorted(["--activity", "--changes", "--channel", "--user",
                                                            "--rhost", "-n", "--lines", "-f", "--follow", "--since",
                                                            "--until", "--json", "--directory", "--help"]))
        self.assertEqual(self.complete("set", ""), ["admin", "api", "enduser"])
        self.assertEqual(self.complete("set", "admin", "b"), ["block-and-log"])
        self.assertEqual(self.complete("set", "admin", "block-and-log", "--"),
                         ["--caller-address", "--directory", "--force", "--help", "--json"])
        self.assertEqual(self.complete("status", "--"), ["--directory", "--help", "--json", "--state"])
        self.assertEqual(self.complete("list", "--"), ["--help", "--json"])
        self.assertEqual(self.complete("alert", "--threshold", ""), ["100", "20", "5", "50"])
        self.assertEqual(self.complete("what-if", "--action", ""), ["allow-and-log", "block-and-log", "none"])
        self.assertEqual(self.complete("test", "--stage", ""), ["account", "auth"])
        # remove offers the entries of the list the configuration names.
        s = self.site(admin=ADMIN_SSHD, approved="203.0.113.0/24\n198.51.100.7 # x\n")
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        os.symlink(os.environ["LOGONACL_CTL"], os.path.join(bindir, "logonaclctl"))
        self.assertEqual(self.complete("--config", s.conf, "remove", "", env_path=bindir),
                         ["198.51.100.7", "203.0.113.0/24"])

    def test_completion_offers_only_real_options(self):
        """Every option offered for the commands of this branch is in that command's usage line."""
        for command in ("add", "reindex", "test", "what-if", "suggest", "list", "set", "status", "alert"):
            _, usage, _ = run_ctl(command, "--help")
            for opt in self.complete(command, "--"):
                if opt != "--help" and not (command == "what-if" and opt in ("--all", "--json")):
                    self.assertIn(opt, usage, f"{command} {opt}")


if __name__ == "__main__":
    unittest.main()
