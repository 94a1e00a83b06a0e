#!/usr/bin/python3
"""Integration tests of the approved list's format and the edit commands
(SPEC §1, §2, §6): configuration edges, one problem one error, entries with
expiry and comments, add's outcome per entry, the change entries in the
journal.  The built logonaclctl run as a process on root-owned temporary
folders.  Run as root: test_ctl_list.py [-v] [GROUP...]."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from logonacl_test import write_file  # noqa: E402
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


if __name__ == "__main__":
    unittest.main()
