#!/usr/bin/python3
"""Integration tests of logonaclctl (SPEC §6): the built binary run as a process
on root-owned temporary folders, as an administrator runs it.  Run as root:
test_ctl.py [-v] [GROUP...].

Every case asserts what the administrator observes: the exit code, the exact
lines on stdout and stderr, the bytes of the approved file, its owner and mode,
and (through `check`) whether the compiled index is fresh.  Journal commands
read journal files made with systemd-journal-remote from export streams, so
the entries carry chosen times, hosts and _UIDs."""

import json
import os
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from logonacl_test import ensure_journald, root_tmpdir, write_file  # noqa: E402

CTL = os.environ.get("LOGONACL_CTL", "")
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"

ID_ALLOWED = "7798a78dc57742739e9ec866817a4c5b"
ID_LOGGED = "53a044f2764e49b6af7a20856db4de85"
ID_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
ID_CONFIG_ERROR = "51fa95a40f0048f68a2835ceaae7628c"

INVALID = "IP address or CIDR block is invalid."
USAGE_PREFIX = "Usage: logonaclctl [--config PATH] "

MSG_ADMIN = ("Your IP address was rejected by IP restrictions, so you cannot log on from this IP address. "
             "Contact your administrator.")
MSG_ENDUSER = ("Your IP address was rejected by IP restrictions, so you cannot log on with this account. "
               "Contact your administrator.")


def run_ctl(*args, input=None, env_extra=None):
    """Runs logonaclctl; returns (exit code, stdout, stderr) as text (bytes kept with surrogateescape)."""
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    if env_extra:
        env.update(env_extra)
    r = subprocess.run([CTL, *args], capture_output=True, input=input, env=env, timeout=120)
    return (r.returncode, r.stdout.decode("utf-8", "surrogateescape"),
            r.stderr.decode("utf-8", "surrogateescape"))


def conf_text(d, general="", admin="", enduser="", api="", alert=""):
    return (f"[general]\napproved_file = {d}/approved\napproved_dir = {d}/approved.d\n{general}\n"
            f"[admin]\n{admin}\n[enduser]\n{enduser}\n[api]\n{api}\n[alert]\n{alert}\n")


class Site:
    """A root-owned folder with logonacl.conf, approved and approved.d/."""

    def __init__(self, d, approved="203.0.113.0/24\n", dropins=None, **conf):
        self.dir = d
        self.conf = os.path.join(d, "logonacl.conf")
        self.approved = os.path.join(d, "approved")
        self.dropin_dir = os.path.join(d, "approved.d")
        os.mkdir(self.dropin_dir, 0o755)
        write_file(self.conf, conf_text(d, **conf))
        if approved is not None:
            write_file(self.approved, approved)
        for name, text in (dropins or {}).items():
            write_file(os.path.join(self.dropin_dir, name), text)

    def ctl(self, *args, **kw):
        return run_ctl("--config", self.conf, *args, **kw)

    def read(self):
        with open(self.approved, "rb") as f:
            return f.read().decode()

    def check_line(self):
        rc, out, err = self.ctl("check")
        if rc != 0:
            raise AssertionError(f"check failed: {err}")
        return out


class CtlTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = root_tmpdir(prefix="logonacl-ctl-")
        self.tmp = self._tmp.__enter__()

    def tearDown(self):
        self._tmp.__exit__(None, None, None)

    def site(self, **kw):
        d = os.path.join(self.tmp, f"site{len(os.listdir(self.tmp))}")
        os.mkdir(d, 0o755)
        return Site(d, **kw)

    def assertCtl(self, result, rc, out=None, err=None):
        got_rc, got_out, got_err = result
        self.assertEqual((got_rc, got_out if out is not None else None, got_err if err is not None else None),
                         (rc, out, err), f"stdout:\n{got_out}\nstderr:\n{got_err}")


# ---------------------------------------------------------------------------------------------
class Edit(CtlTestCase):
    """add, remove and list: exact messages, bytes kept, all-or-nothing, owner and mode."""

    ORIGINAL = "# approved gateways\n203.0.113.0/24   # office\n\n\t# lab\n198.51.100.7\n2001:db8:5::/48"

    def test_add_appends_canonical_and_keeps_every_byte(self):
        s = self.site(approved=self.ORIGINAL)
        self.assertCtl(s.ctl("add", "192.0.2.0/25", "2001:DB8:7::/48", "198.51.100.9/32"), 0,
                       "192.0.2.0/25: added\n2001:db8:7::/48: added\n198.51.100.9: added\n", "")
        # The file had no final newline: one is added before the new lines, nothing else changes.
        self.assertEqual(s.read(), self.ORIGINAL + "\n192.0.2.0/25\n2001:db8:7::/48\n198.51.100.9\n")
        self.assertCtl(s.ctl("list"), 0,
                       f"203.0.113.0/24\t{s.approved}:2\t# office\n198.51.100.7\t{s.approved}:5\n"
                       f"2001:db8:5::/48\t{s.approved}:6\n192.0.2.0/25\t{s.approved}:7\n"
                       f"2001:db8:7::/48\t{s.approved}:8\n198.51.100.9\t{s.approved}:9\n", "")

    def test_duplicates_are_skipped_with_a_note(self):
        s = self.site(approved=self.ORIGINAL + "\n")
        before = os.stat(s.approved)
        self.assertCtl(s.ctl("add", "203.0.113.0/24", "198.51.100.7/32", "2001:DB8:5:0::/48"), 0,
                       "203.0.113.0/24: already approved, skipped\n198.51.100.7: already approved, skipped\n"
                       "2001:db8:5::/48: already approved, skipped\n", "")
        self.assertEqual(s.read(), self.ORIGINAL + "\n")
        self.assertEqual(os.stat(s.approved).st_ino, before.st_ino, "a no-op add must not rewrite the file")

    def test_repeated_argument_is_added_once(self):
        s = self.site(approved="")
        self.assertCtl(s.ctl("add", "192.0.2.7", "192.0.2.7/32", "192.0.2.7"), 0,
                       "192.0.2.7: added\n192.0.2.7: already approved, skipped\n"
                       "192.0.2.7: already approved, skipped\n", "")
        self.assertEqual(s.read(), "192.0.2.7\n")

    def test_invalid_entry_prints_the_two_lines_and_changes_nothing(self):
        s = self.site(approved=self.ORIGINAL)
        before = os.stat(s.approved)
        self.assertCtl(s.ctl("add", "192.0.2.0/25", "203.0.113.5/24"), 1, "",
                       f"{INVALID}\n203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)\n")
        self.assertEqual(s.read(), self.ORIGINAL)
        self.assertEqual(os.stat(s.approved).st_ino, before.st_ino)

    def test_every_invalid_entry_is_reported(self):
        s = self.site(approved="")
        rc, out, err = s.ctl("add", "10.0.0.1", "192.0.2.1", "203.0.113.07")
        self.assertEqual((rc, out), (1, ""))
        lines = err.splitlines()
        self.assertEqual(len(lines), 4, err)
        self.assertEqual((lines[0], lines[2]), (INVALID, INVALID))
        self.assertTrue(lines[1].startswith("10.0.0.1: "), err)
        self.assertIn("10.0.0.0/8", lines[1])
        self.assertTrue(lines[3].startswith("203.0.113.07: "), err)
        self.assertEqual(s.read(), "")

    def test_private_addresses_only_with_allow_private(self):
        s = self.site(approved="")
        rc, _, err = s.ctl("add", "192.168.1.0/24")
        self.assertEqual(rc, 1)
        self.assertEqual(err.splitlines()[0], INVALID)
        s2 = self.site(approved="", general="allow_private = yes")
        self.assertCtl(s2.ctl("add", "192.168.1.0/24", "127.0.0.1"), 0,
                       "192.168.1.0/24: added\n127.0.0.1: added\n", "")

    def test_missing_main_file_is_created_root_0644(self):
        s = self.site(approved=None)
        self.assertCtl(s.ctl("add", "198.51.100.0/24"), 0, "198.51.100.0/24: added\n", "")
        st = os.stat(s.approved)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (0, 0, 0o644))
        self.assertEqual(s.read(), "198.51.100.0/24\n")

    def test_missing_main_file_in_an_unsafe_folder_is_not_created(self):
        s = self.site(approved=None)
        unsafe = os.path.join(s.dir, "open")
        os.mkdir(unsafe)
        os.chmod(unsafe, 0o777)
        write_file(s.conf, conf_text(s.dir).replace(f"{s.dir}/approved\n", f"{unsafe}/approved\n"))
        rc, out, err = s.ctl("add", "198.51.100.0/24")
        self.assertEqual((rc, out), (1, ""))
        self.assertTrue(err.startswith(f"{unsafe}: ") and "writable by group or others" in err, err)
        self.assertEqual(os.listdir(unsafe), [])

    def test_owner_and_mode_are_kept(self):
        s = self.site(approved="203.0.113.0/24\n")
        os.chown(s.approved, 0, 4)      # root:adm, 0640 passes the ownership rule
        os.chmod(s.approved, 0o640)
        self.assertCtl(s.ctl("add", "198.51.100.7"), 0, "198.51.100.7: added\n", "")
        st = os.stat(s.approved)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (0, 4, 0o640))
        self.assertEqual(s.read(), "203.0.113.0/24\n198.51.100.7\n")
        leftovers = sorted(n for n in os.listdir(s.dir) if n.startswith("approved."))
        self.assertEqual(leftovers, ["approved.d", "approved.index", "approved.lock"])

    def test_notes_for_drop_ins_and_broader_entries(self):
        s = self.site(approved="203.0.113.0/24\n", dropins={"10-site.list": "# site\n198.51.100.0/24\n"})
        self.assertCtl(s.ctl("add", "198.51.100.0/24", "203.0.113.9"), 0,
                       f"198.51.100.0/24: added (also approved in {s.dropin_dir}/10-site.list:2)\n"
                       f"203.0.113.9: added (within 203.0.113.0/24, {s.approved}:1)\n", "")
        self.assertEqual(s.read(), "203.0.113.0/24\n198.51.100.0/24\n203.0.113.9\n")

    def test_add_refuses_a_list_with_errors(self):
        s = self.site(approved="203.0.113.0/24\n192.0.2.300\n")
        self.assertCtl(s.ctl("add", "198.51.100.7"), 1, "")
        rc, _, err = s.ctl("add", "198.51.100.7")
        lines = err.splitlines()
        self.assertEqual(lines[0], f"{s.approved}:2: {INVALID}")
        self.assertTrue(lines[1].startswith(f"{s.approved}:2: 192.0.2.300: "), err)
        self.assertEqual(lines[2], "logonaclctl: the approved list has errors (see logonaclctl check); "
                                   "nothing was changed")
        self.assertEqual(s.read(), "203.0.113.0/24\n192.0.2.300\n")

    def test_add_refuses_a_file_others_can_write(self):
        s = self.site(approved="203.0.113.0/24\n")
        os.chmod(s.approved, 0o666)
        rc, out, err = s.ctl("add", "198.51.100.7")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn(f"{s.approved}: ", err)
        self.assertIn("writable by group or others", err)
        self.assertEqual(s.read(), "203.0.113.0/24\n")

    def test_remove_drops_matching_lines_and_keeps_the_rest(self):
        s = self.site(approved="# gateways\n203.0.113.0/24   # office\n\n198.51.100.7\n# keep me\n"
                               "203.0.113.0/24\n2001:db8:5::/48\n")
        self.assertCtl(s.ctl("remove", "203.0.113.0/24", "2001:DB8:5::/48"), 0,
                       "203.0.113.0/24: removed\n2001:db8:5::/48: removed\n", "")
        self.assertEqual(s.read(), "# gateways\n\n198.51.100.7\n# keep me\n")

    def test_remove_last_line_without_newline(self):
        s = self.site(approved="# a\n203.0.113.0/24\n198.51.100.7")
        self.assertCtl(s.ctl("remove", "198.51.100.7"), 0, "198.51.100.7: removed\n", "")
        self.assertEqual(s.read(), "# a\n203.0.113.0/24\n")
        self.assertCtl(s.ctl("remove", "203.0.113.0/24"), 0, "203.0.113.0/24: removed\n", "")
        self.assertEqual(s.read(), "# a\n")
        self.assertCtl(s.ctl("list"), 0, "", "")

    def test_remove_reports_what_is_not_there(self):
        s = self.site(approved="203.0.113.0/24\n198.51.100.7\n",
                      dropins={"10-site.list": "192.0.2.0/25\n"})
        self.assertCtl(s.ctl("remove", "198.51.100.7", "192.0.2.0/25", "203.0.113.9", "198.51.100.8"), 1,
                       "198.51.100.7: removed\n",
                       f"192.0.2.0/25: not in {s.approved}; it is listed in {s.dropin_dir}/10-site.list:1, "
                       "which remove does not edit\n"
                       f"203.0.113.9: not in {s.approved}, nothing to remove "
                       f"(it is approved by 203.0.113.0/24 at {s.approved}:1)\n"
                       f"198.51.100.8: not in {s.approved}, nothing to remove\n")
        self.assertEqual(s.read(), "203.0.113.0/24\n")

    def test_remove_says_when_a_broader_entry_still_approves(self):
        s = self.site(approved="203.0.113.0/24\n203.0.113.9\n")
        self.assertCtl(s.ctl("remove", "203.0.113.9"), 0,
                       f"203.0.113.9: removed\n203.0.113.9: still approved by 203.0.113.0/24 ({s.approved}:1)\n",
                       "")

    def test_remove_invalid_changes_nothing(self):
        s = self.site(approved="203.0.113.0/24\n198.51.100.7\n")
        self.assertCtl(s.ctl("remove", "198.51.100.7", "198.51.100.7/24"), 1, "",
                       f"{INVALID}\n198.51.100.7/24: host bits are set below /24 (did you mean 198.51.100.0/24?)\n")
        self.assertEqual(s.read(), "203.0.113.0/24\n198.51.100.7\n")

    def test_list_main_then_drop_ins_in_name_order(self):
        s = self.site(approved="# none yet\n203.0.113.0/24\n",
                      dropins={"20-b.list": "198.51.100.0/24\n", "10-a.list": "\n2001:db8::/32\n",
                               "ignored.txt": "192.0.2.1\n", ".hidden.list": "192.0.2.2\n"})
        self.assertCtl(s.ctl("list"), 0,
                       f"203.0.113.0/24\t{s.approved}:2\n2001:db8::/32\t{s.dropin_dir}/10-a.list:2\n"
                       f"198.51.100.0/24\t{s.dropin_dir}/20-b.list:1\n", "")

    def test_list_empty(self):
        s = self.site(approved="# nothing\n")
        self.assertCtl(s.ctl("list"), 0, "", "")


# ---------------------------------------------------------------------------------------------
class Index(CtlTestCase):
    """The compiled index is refreshed by every edit (check reports it)."""

    def test_index_fresh_after_add_and_remove_stale_after_hand_edit(self):
        s = self.site(approved="203.0.113.0/24\n")
        self.assertIn("; index: missing (logonaclctl reindex writes it)\n", s.check_line())
        self.assertEqual(s.ctl("add", "198.51.100.7")[0], 0)
        self.assertTrue(s.check_line().endswith("; index: fresh\n"))
        with open(s.approved, "a") as f:
            f.write("192.0.2.0/24\n")
        self.assertTrue(s.check_line().endswith("; index: stale (logonaclctl reindex rewrites it)\n"))
        self.assertCtl(s.ctl("reindex"), 0, f"{s.approved}.index: written\n", "")
        self.assertTrue(s.check_line().endswith("; index: fresh\n"))
        with open(s.approved, "a") as f:
            f.write("192.0.2.128/25\n")
        self.assertEqual(s.ctl("remove", "192.0.2.0/24")[0], 0)
        self.assertTrue(s.check_line().endswith("; index: fresh\n"))
        self.assertEqual(s.read(), "203.0.113.0/24\n198.51.100.7\n192.0.2.128/25\n")

    def test_noop_add_refreshes_a_stale_index(self):
        s = self.site(approved="203.0.113.0/24\n")
        self.assertCtl(s.ctl("add", "203.0.113.0/24"), 0, "203.0.113.0/24: already approved, skipped\n", "")
        self.assertTrue(s.check_line().endswith("; index: fresh\n"))

    def test_the_index_answers_like_the_text(self):
        # A drop-in added by hand makes the index stale; the decision still sees it.
        s = self.site(approved="203.0.113.0/24\n", admin="action = block-and-log\nservices = sshd")
        self.assertEqual(s.ctl("add", "198.51.100.7")[0], 0)
        write_file(os.path.join(s.dropin_dir, "10-x.list"), "192.0.2.0/24\n")
        rc, out, _ = s.ctl("test", "--service", "sshd", "--rhost", "192.0.2.9")
        self.assertEqual(rc, 0)
        self.assertIn(f"matched: 192.0.2.0/24 ({s.dropin_dir}/10-x.list:1)\n", out)


# ---------------------------------------------------------------------------------------------
class Concurrency(CtlTestCase):
    """Two (here twenty) concurrent adds all land: the edit lock."""

    def test_twenty_concurrent_adds_all_land(self):
        s = self.site(approved="# gateways\n203.0.113.0/24\n")
        addrs = [f"198.51.100.{i}" for i in range(1, 21)]
        env = dict(os.environ, TZ="UTC")
        procs = [subprocess.Popen([CTL, "--config", s.conf, "add", a], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env) for a in addrs]
        results = [(p.wait(timeout=120), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        for a, (rc, out, err) in zip(addrs, results):
            self.assertEqual((rc, out, err), (0, f"{a}: added\n", ""))
        lines = s.read().splitlines()
        self.assertEqual(lines[:2], ["# gateways", "203.0.113.0/24"])
        self.assertEqual(sorted(lines[2:]), sorted(addrs))
        self.assertEqual(s.check_line(), "OK: 21 entries in 1 file; admin: none, enduser: none, api: none; "
                                         "index: fresh\n")

    def test_concurrent_adds_and_removes(self):
        s = self.site(approved="".join(f"192.0.2.{i}\n" for i in range(1, 11)))
        env = dict(os.environ, TZ="UTC")
        procs = [subprocess.Popen([CTL, "--config", s.conf, "remove", f"192.0.2.{i}"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(1, 11)]
        procs += [subprocess.Popen([CTL, "--config", s.conf, "add", f"198.51.100.{i}"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(1, 11)]
        self.assertEqual([p.wait(timeout=120) for p in procs], [0] * 20)
        self.assertEqual(sorted(s.read().splitlines()), sorted(f"198.51.100.{i}" for i in range(1, 11)))
        self.assertTrue(s.check_line().endswith("; index: fresh\n"))


# ---------------------------------------------------------------------------------------------
class Check(CtlTestCase):
    """check: one summary line, or every error with file:line and exit 1."""

    def test_summary(self):
        s = self.site(approved="# x\n203.0.113.0/24\n198.51.100.7\n",
                      dropins={"10-a.list": "2001:db8::/32\n", "20-b.list": "# empty\n"},
                      admin="action = block-and-log\nservices = sshd", enduser="action = allow-and-log")
        self.assertCtl(s.ctl("check"), 0,
                       "OK: 3 entries in 3 files; admin: block-and-log, enduser: allow-and-log, api: none; "
                       "index: missing (logonaclctl reindex writes it)\n", "")

    def test_every_error_with_file_and_line(self):
        s = self.site(approved="203.0.113.0/24\n10.1.2.3\n\n198.51.100.7/24\n",
                      dropins={"10-a.list": "# a\n2001:db8::/32\n192.0.2.1 x\n", "20-b.list": "192.0.2.0/24\n"},
                      general="colour = blue", admin="action = maybe")
        os.chmod(os.path.join(s.dropin_dir, "20-b.list"), 0o664)
        rc, out, err = s.ctl("check")
        self.assertEqual((rc, out), (1, ""))
        lines = err.splitlines()
        c, a, d = s.conf, s.approved, s.dropin_dir
        expected_prefixes = [
            f"{c}:4: ",                 # unknown key colour
            f"{c}:6: ",                 # action = maybe
            f"{d}/20-b.list: ",         # group-writable drop-in
            f"{a}:2: {INVALID}",
            f"{a}:2: 10.1.2.3: ",
            f"{a}:4: {INVALID}",
            f"{a}:4: 198.51.100.7/24: host bits are set below /24 (did you mean 198.51.100.0/24?)",
            f"{d}/10-a.list:3: {INVALID}",
            f"{d}/10-a.list:3: 192.0.2.1 x: ",
            "logonaclctl: check failed: 6 errors",
        ]
        self.assertEqual(len(lines), len(expected_prefixes), err)
        for line, prefix in zip(lines, expected_prefixes):
            self.assertTrue(line.startswith(prefix), f"{line!r} does not start with {prefix!r}\n{err}")
        self.assertIn("colour", lines[0])
        self.assertIn("maybe", lines[1])
        self.assertIn("writable by group or others", lines[2])

    def test_config_permissions_and_syntax_together(self):
        s = self.site(approved="203.0.113.0/24\n", enduser="apply_to_inline = perhaps")
        os.chmod(s.conf, 0o666)
        rc, out, err = s.ctl("check")
        self.assertEqual((rc, out), (1, ""))
        lines = err.splitlines()
        self.assertTrue(lines[0].startswith(f"{s.conf}: ") and "writable by group or others" in lines[0], err)
        self.assertTrue(lines[1].startswith(f"{s.conf}:8: ") and "perhaps" in lines[1], err)
        self.assertEqual(lines[2:], ["logonaclctl: check failed: 2 errors"])

    def test_folder_permissions(self):
        s = self.site(approved="203.0.113.0/24\n")
        os.chmod(s.dropin_dir, 0o777)
        rc, out, err = s.ctl("check")
        self.assertEqual((rc, out), (1, ""))
        self.assertTrue(err.startswith(f"{s.dropin_dir}: "), err)

    def test_missing_files(self):
        s = self.site(approved=None)
        rc, out, err = s.ctl("check")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn(s.approved, err.splitlines()[0])
        rc, out, err = run_ctl("--config", os.path.join(self.tmp, "nope.conf"), "check")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn(os.path.join(self.tmp, "nope.conf"), err.splitlines()[0])

    def test_other_commands_refuse_a_broken_configuration(self):
        s = self.site(approved="203.0.113.0/24\n", admin="action = maybe")
        for args in (["add", "198.51.100.7"], ["remove", "203.0.113.0/24"], ["list"],
                     ["test", "--service", "sshd", "--rhost", "198.51.100.7"]):
            rc, out, err = s.ctl(*args)
            self.assertEqual((rc, out), (1, ""), args)
            self.assertTrue(err.startswith(f"{s.conf}:6: "), (args, err))
        self.assertEqual(s.read(), "203.0.113.0/24\n")


# ---------------------------------------------------------------------------------------------
ACTIONS = ["none", "allow-and-log", "block-and-log"]
EVENTS = {  # channel -> (allowed, logged, blocked)
    "admin": ("Administrator logon", "Administrator logon logged", "Administrator logon blocked"),
    "sso": ("SSO portal user logon", "SSO portal user logon logged", "SSO portal user logon blocked"),
    "enduser": ("End user console user logon", "End user console user logon logged",
                "End user console user logon blocked"),
    "api": ("API access", "Logged API access", "Blocked API access"),
}


def parse_decision(out):
    d = {}
    for line in out.splitlines():
        k, _, v = line.partition(": ")
        d[k] = v
    return d


class Decision(CtlTestCase):
    """test: the decision for every channel, action, approved and unapproved address."""

    def matrix_site(self, action):
        return self.site(approved="203.0.113.0/24\n2001:db8:5::/48\n",
                         admin=f"action = {action}\nservices = sshd\nsso_services = cockpit",
                         enduser=f"action = {action}\nservices = dovecot\ninline_services = webmail-inline",
                         api=f"action = {action}\nservices = restapi",
                         alert="email = secops@example.com")

    def test_matrix(self):
        services = {"admin": "sshd", "sso": "cockpit", "enduser": "dovecot", "api": "restapi"}
        for action in ACTIONS:
            s = self.matrix_site(action)
            for row, service in services.items():
                channel = "admin" if row == "sso" else row
                for rhost, approved in (("203.0.113.77", True), ("2001:db8:5::1", True),
                                        ("198.51.100.7", False), ("2001:db8:6::1", False)):
                    with self.subTest(action=action, row=row, rhost=rhost):
                        rc, out, err = s.ctl("test", "--service", service, "--rhost", rhost, "--user", "alice")
                        d = parse_decision(out)
                        # Exit codes for scripts: 0 allowed, 4 blocked.
                        self.assertEqual((rc, err), (4 if d["result"] == "blocked" else 0, ""))
                        if approved or action == "none":
                            want = ("allowed", EVENTS[row][0], "allowed", "PAM_SUCCESS", "no")
                        elif action == "allow-and-log":
                            want = ("allowed", EVENTS[row][1], "blocked-and-logged", "PAM_SUCCESS", "yes")
                        else:
                            want = ("blocked", EVENTS[row][2], "blocked-and-logged", "PAM_PERM_DENIED", "yes")
                        self.assertEqual((d["result"], d["event"], d["activity"], d["pam"], d["alert"]), want)
                        self.assertEqual((d["channel"], d["action"], d["approved"]),
                                         (channel, action, "yes" if approved else "no"))
                        self.assertEqual(d["matched"], f"{'203.0.113.0/24' if ':' not in rhost else '2001:db8:5::/48'}"
                                         f" ({s.approved}:{1 if ':' not in rhost else 2})" if approved else "-")
                        message = {"admin": MSG_ADMIN, "sso": MSG_ADMIN, "enduser": MSG_ENDUSER,
                                   "api": "(none: the caller refuses the request)"}[row]
                        self.assertEqual(d.get("user message"), message if want[0] == "blocked" else None)

    def test_exact_output_blocked(self):
        s = self.matrix_site("block-and-log")
        self.assertCtl(s.ctl("test", "--service", "sshd", "--rhost", "::ffff:198.51.100.7", "--user", "alice",
                             "--stage", "auth"), 4,
                       "service: sshd\nuser: alice\nrhost: ::ffff:198.51.100.7\nclient ip: 198.51.100.7\n"
                       "stage: auth\nchannel: admin\naction: block-and-log\ninline: no\napproved: no\nmatched: -\n"
                       "result: blocked\nevent: Administrator logon blocked\nactivity: blocked-and-logged\n"
                       "pam: PAM_PERM_DENIED\nalert: yes\n"
                       f"user message: {MSG_ADMIN}\n", "")

    def test_exact_output_approved(self):
        s = self.matrix_site("block-and-log")
        self.assertCtl(s.ctl("test", "--service", "dovecot", "--rhost", "2001:db8:5::1%eth0"), 0,
                       "service: dovecot\nrhost: 2001:db8:5::1%eth0\nclient ip: 2001:db8:5::1\nstage: account\n"
                       "channel: enduser\naction: block-and-log\ninline: no\napproved: yes\n"
                       f"matched: 2001:db8:5::/48 ({s.approved}:2)\nresult: allowed\n"
                       "event: End user console user logon\nactivity: allowed\npam: PAM_SUCCESS\nalert: no\n", "")

    def test_not_controlled(self):
        s = self.matrix_site("block-and-log")
        self.assertCtl(s.ctl("test", "--service", "cron", "--rhost", "198.51.100.7"), 5,
                       "service: cron\nrhost: 198.51.100.7\nclient ip: 198.51.100.7\nstage: account\n"
                       "channel: (none)\naction: -\ninline: no\napproved: -\nmatched: -\nresult: not controlled\n"
                       "event: -\nactivity: -\npam: PAM_IGNORE\nalert: no\n", "")

    def test_missing_rhost(self):
        s = self.matrix_site("block-and-log")
        d = parse_decision(s.ctl("test", "--service", "sshd")[1])     # admin: missing_rhost = local
        self.assertEqual((d["rhost"], d["client ip"], d["result"], d["pam"]),
                         ("(none)", "(none: no rhost)", "not controlled", "PAM_IGNORE"))
        d = parse_decision(s.ctl("test", "--service", "restapi", "--rhost", "")[1])   # api: unapproved
        self.assertEqual((d["result"], d["event"], d["pam"]), ("blocked", "Blocked API access", "PAM_PERM_DENIED"))

    def test_host_names_are_never_approved(self):
        s = self.matrix_site("block-and-log")
        d = parse_decision(s.ctl("test", "--service", "sshd", "--rhost", "localhost")[1])
        self.assertEqual((d["client ip"], d["approved"], d["result"]),
                         ("(none: a host name, never looked up)", "no", "blocked"))

    def test_inline_and_forced_channel(self):
        s = self.matrix_site("block-and-log")
        d = parse_decision(s.ctl("test", "--service", "webmail-inline", "--rhost", "198.51.100.7")[1])
        self.assertEqual((d["channel"], d["inline"], d["action"], d["result"], d["alert"]),
                         ("enduser", "yes", "none", "allowed", "no"))
        d = parse_decision(s.ctl("test", "--service", "cron", "--rhost", "198.51.100.7", "--channel", "api")[1])
        self.assertEqual((d["channel"], d["result"], d["event"]), ("api", "blocked", "Blocked API access"))

    def test_alert_note_without_email(self):
        s = self.site(admin="action = allow-and-log\nservices = sshd")
        d = parse_decision(s.ctl("test", "--service", "sshd", "--rhost", "198.51.100.7")[1])
        self.assertEqual(d["alert"], "yes (no mail: [alert] email is empty)")

    def test_hostile_values_are_escaped(self):
        s = self.matrix_site("block-and-log")
        rc, out, _ = s.ctl("test", "--service", "sshd", "--rhost", "evil\x1b[2J\nx", "--user", "bob\rroot")
        self.assertEqual(rc, 4)
        self.assertIn("user: bob\\x0droot\n", out)
        self.assertIn("rhost: evil\\x1b[2J\\x0ax\n", out)
        self.assertNotIn("\x1b", out)

    def test_broken_list_is_a_config_error(self):
        s = self.site(approved="203.0.113.0/33\n", admin="action = block-and-log\nservices = sshd")
        rc, out, err = s.ctl("test", "--service", "sshd", "--rhost", "198.51.100.7")
        self.assertEqual((rc, out), (1, ""))
        self.assertEqual(err.splitlines()[0], f"{s.approved}:1: {INVALID}")
        self.assertEqual(err.splitlines()[-1], "logonaclctl: the module would answer PAM_PERM_DENIED "
                                               "(on_error=deny) or PAM_IGNORE (on_error=allow) and log a "
                                               "config-error event")


# ---------------------------------------------------------------------------------------------
BOOT = "0123456789abcdef0123456789abcdef"
T0 = 1698805606_000000          # 2023-11-01 02:26:46 UTC


def export_field(name, value):
    v = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    if b"\n" in v or any(c < 32 for c in v):
        return name.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
    return name.encode() + b"=" + v + b"\n"


def logon_entry(t, event, channel, user, client, service="sshd", uid=0, host="web1", stage="account",
                approved="no", action=None, rhost=None, sso=False):
    """An entry as the module writes it (SPEC §4), at time t (µs)."""
    row = "sso" if sso else channel
    mid, text, activity, result = {
        "allowed": (ID_ALLOWED, EVENTS[row][0], "allowed", "allowed"),
        "logged": (ID_LOGGED, EVENTS[row][1], "blocked-and-logged", "allowed"),
        "blocked": (ID_BLOCKED, EVENTS[row][2], "blocked-and-logged", "blocked"),
    }[event]
    action = action or {"allowed": "none", "logged": "allow-and-log", "blocked": "block-and-log"}[event]
    return {
        "__REALTIME_TIMESTAMP": str(t), "__MONOTONIC_TIMESTAMP": str(t), "_BOOT_ID": BOOT, "_HOSTNAME": host,
        "_UID": [str(u) for u in uid] if isinstance(uid, list) else str(uid),
        "SYSLOG_IDENTIFIER": "pam_logonacl", "MESSAGE_ID": mid, "PRIORITY": "6",
        "MESSAGE": f"{text}: {user} from {client}", "LOGONACL_EVENT": text, "LOGONACL_ACTIVITY": activity,
        "LOGONACL_CHANNEL": channel, "LOGONACL_ACTION": action, "LOGONACL_RESULT": result,
        "LOGONACL_APPROVED": approved, "LOGONACL_USER": user,
        "LOGONACL_RHOST": client if rhost is None else rhost, "LOGONACL_CLIENT_IP": client,
        "LOGONACL_SERVICE": service, "LOGONACL_STAGE": stage, "LOGONACL_INLINE": "no",
    }


def config_error_entry(t, user, uid=0):
    """A config-error entry as the module writes it."""
    return {
        "__REALTIME_TIMESTAMP": str(t), "__MONOTONIC_TIMESTAMP": str(t), "_BOOT_ID": BOOT, "_HOSTNAME": "web1",
        "_UID": str(uid), "SYSLOG_IDENTIFIER": "pam_logonacl", "MESSAGE_ID": ID_CONFIG_ERROR, "PRIORITY": "3",
        "MESSAGE": "logonacl configuration error, logon denied", "LOGONACL_ERROR": "/etc/x.conf:3: bad\nsecond",
        "LOGONACL_CONF": "/etc/x.conf", "LOGONACL_ON_ERROR": "deny", "LOGONACL_RESULT": "blocked",
        "LOGONACL_USER": user, "LOGONACL_RHOST": "198.51.100.3", "LOGONACL_SERVICE": "sshd",
        "LOGONACL_STAGE": "account",
    }


def write_journal(directory, entries):
    """Journal file DIR/test.journal holding entries (dicts), through systemd-journal-remote."""
    # A value that is a list gives the field once per item (an entry journald would not make).
    stream = b"".join(b"".join(export_field(k, item) for k, v in e.items()
                               for item in (v if isinstance(v, list) else [v])) + b"\n" for e in entries)
    os.makedirs(directory, exist_ok=True)
    r = subprocess.run([JOURNAL_REMOTE, "-o", os.path.join(directory, "test.journal"), "-"], input=stream,
                       capture_output=True, timeout=60)
    if f"writing {len(entries)} entries".encode() not in r.stderr:
        raise AssertionError(f"journal-remote: {r.stderr!r}")


H = 3600_000000


class Journal(CtlTestCase):
    """log, what-if and suggest on journal files with chosen entries."""

    def setUp(self):
        super().setUp()
        self.jdir = os.path.join(self.tmp, "journal")
        write_journal(self.jdir, [
            logon_entry(T0, "allowed", "admin", "alice", "198.51.100.7"),
            logon_entry(T0 + 1 * H, "logged", "enduser", "bob\x1b[31m\nFAKE ROW", "198.51.100.9",
                        service="dovecot", stage="auth"),
            logon_entry(T0 + 2 * H, "allowed", "admin", "carol", "203.0.113.5", approved="yes"),
            logon_entry(T0 + 3 * H, "blocked", "api", "svc", "192.0.2.44", service="restapi"),
            # Forged by an untrusted local user: never shown, never counted.
            logon_entry(T0 + 4 * H, "logged", "admin", "mallory", "192.0.2.66", uid=1000),
            logon_entry(T0 + 5 * H, "allowed", "admin", "alice", "198.51.100.7", host="web2"),
            logon_entry(T0 + 6 * H, "logged", "admin", "dave\udcff", "198.51.100.20", sso=True, service="cockpit"),
            logon_entry(T0 + 7 * H, "allowed", "admin", "erin", "", rhost="gateway.example.com"),
            config_error_entry(T0 + 8 * H, "frank"),
        ])
        self.s = self.site(approved="203.0.113.0/24\n", admin="services = sshd\nsso_services = cockpit",
                           enduser="services = dovecot", api="services = restapi")

    UNTRUSTED_NOTE = ("logonaclctl: 1 entry with a logonacl MESSAGE_ID left out: not written by a user of "
                      "[alert] trusted_users\n")

    def test_log_table(self):
        # Every column as wide as its widest value: the escaped hostile user name widens USER on every line.
        header = ("TIME                 HOST          CHANNEL  EVENT                                "
                  "USER                     CLIENT IP        SERVICE   RESULT\n")
        self.assertCtl(self.s.ctl("log", "--directory", self.jdir), 0, header +
                       "2023-11-01 02:26:46  web1          admin    Administrator logon                  "
                       "alice                    198.51.100.7     sshd      allowed\n"
                       "2023-11-01 03:26:46  web1          enduser  End user console user logon logged   "
                       "bob\\x1b[31m\\x0aFAKE ROW  198.51.100.9     dovecot   allowed\n"
                       "2023-11-01 04:26:46  web1          admin    Administrator logon                  "
                       "carol                    203.0.113.5      sshd      allowed\n"
                       "2023-11-01 05:26:46  web1          api      Blocked API access                   "
                       "svc                      192.0.2.44       restapi   blocked\n"
                       "2023-11-01 07:26:46  web2          admin    Administrator logon                  "
                       "alice                    198.51.100.7     sshd      allowed\n"
                       "2023-11-01 08:26:46  web1          admin    SSO portal user logon logged         "
                       "dave\\xff                 198.51.100.20    cockpit   allowed\n"
                       "2023-11-01 09:26:46  web1          admin    Administrator logon                  "
                       "erin                     -                sshd      allowed\n"
                       "2023-11-01 10:26:46  web1          -        config-error                         "
                       "frank                    -                sshd      blocked\n",
                       self.UNTRUSTED_NOTE)

    def test_log_activity_and_times(self):
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--activity", "blocked-and-logged")
        self.assertEqual((rc, err), (0, self.UNTRUSTED_NOTE))
        self.assertEqual([line.split()[3] for line in out.splitlines()[1:]], ["enduser", "api", "admin"])
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--activity", "allowed",
                                  "--since", "2023-11-01 04:26:46", "--until", "2023-11-01 09:00")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual([line.split()[1] for line in out.splitlines()[1:]], ["04:26:46", "07:26:46"])
        rc, out, _ = self.s.ctl("log", "--directory", self.jdir, "--since", "2023-11-01 09:00:00 UTC")
        self.assertEqual([line.split()[1] for line in out.splitlines()[1:]], ["09:26:46", "10:26:46"])
        for since in ("-1h", "today", "yesterday", "now"):
            rc, out, _ = self.s.ctl("log", "--directory", self.jdir, "--since", since)
            self.assertEqual((rc, out.count("\n")), (0, 1), since)  # header only: everything is from 2023
        rc, out, _ = self.s.ctl("log", "--directory", self.jdir, "--until", "@1698812806", "--since", "@1698805606")
        self.assertEqual([line.split()[1] for line in out.splitlines()[1:]], ["02:26:46", "03:26:46"])

    def test_log_json(self):
        rc, out, err = self.s.ctl("log", "--directory", self.jdir, "--json")
        self.assertEqual((rc, err), (0, self.UNTRUSTED_NOTE))
        self.assertTrue(out.isascii())
        rows = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(rows), 8)
        self.assertEqual(rows[0], {
            "time": "2023-11-01T02:26:46.000000Z", "realtime_usec": T0, "message_id": ID_ALLOWED, "kind": "allowed",
            "host": "web1", "event": "Administrator logon", "activity": "allowed", "channel": "admin",
            "action": "none", "result": "allowed", "approved": "no", "matched": None, "matched_source": None,
            "user": "alice", "rhost": "198.51.100.7", "client_ip": "198.51.100.7", "service": "sshd",
            "stage": "account", "inline": "no", "sso": None, "error": None, "on_error": None})
        self.assertEqual(rows[1]["user"], "bob\x1b[31m\nFAKE ROW")
        self.assertIn('"user":"bob\\u001b[31m\\u000aFAKE ROW"', out.splitlines()[1])
        self.assertEqual(rows[5]["user"], list(b"dave\xff"))      # not UTF-8: the bytes, as journalctl does
        self.assertEqual(rows[6]["client_ip"], "")
        self.assertEqual(rows[6]["rhost"], "gateway.example.com")
        self.assertEqual((rows[7]["kind"], rows[7]["message_id"], rows[7]["error"], rows[7]["on_error"],
                          rows[7]["result"], rows[7]["channel"]),
                         ("config-error", ID_CONFIG_ERROR, "/etc/x.conf:3: bad\nsecond", "deny", "blocked", None))

    def test_what_if_block(self):
        # One row per client address (the thing an administrator approves), users and counts beside it.
        self.assertCtl(self.s.ctl("what-if", "--directory", self.jdir, "--channel", "admin",
                                  "--action", "block-and-log"), 3,
                       "CLIENT           LOGONS  AFTER AUTH  LAST SEEN            USERS\n"
                       "198.51.100.7          2           2  2023-11-01 07:26:46  alice (2)\n"
                       "gateway.example.com       1           1  2023-11-01 09:26:46  erin (1)\n"
                       "198.51.100.20         1           1  2023-11-01 08:26:46  dave\\xff (1)\n",
                       self.UNTRUSTED_NOTE + "4 logons (4 after authentication) from 3 client addresses "
                                             "would have been blocked\n")

    def test_what_if_nobody(self):
        rc, out, err = self.s.ctl("what-if", "--directory", self.jdir, "--channel", "admin",
                                  "--since", "2023-11-01 04:00", "--until", "2023-11-01 05:00")
        self.assertEqual((rc, out, err), (0, "nobody: 1 past admin logon replayed, none would have been blocked\n",
                                          ""))
        s = self.site(approved="203.0.113.0/24\n198.51.100.0/24\n", admin="services = sshd")
        rc, out, err = s.ctl("what-if", "--directory", self.jdir, "--channel", "enduser")
        self.assertEqual((rc, out), (0, "nobody: 1 past enduser logon replayed, none would have been blocked\n"))

    def test_what_if_after_approving(self):
        self.assertEqual(self.s.ctl("add", "198.51.100.0/24")[0], 0)
        rc, out, _ = self.s.ctl("what-if", "--directory", self.jdir, "--channel", "admin")
        self.assertEqual(rc, 3)
        self.assertEqual([line.split()[0] for line in out.splitlines()[1:]], ["gateway.example.com"])

    def test_what_if_allow_and_log_exits_0(self):
        rc, out, err = self.s.ctl("what-if", "--directory", self.jdir, "--channel", "enduser",
                                  "--action", "allow-and-log")
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[1].split()[:3], ["198.51.100.9", "1", "0"])
        self.assertTrue(out.splitlines()[1].endswith("  bob\\x1b[31m\\x0aFAKE ROW (1)"), out)
        self.assertTrue(err.endswith("1 logon (0 after authentication) from 1 client address would have been "
                                     "logged with an alert\n"))

    def test_suggest(self):
        conf = self.s.conf
        self.assertCtl(self.s.ctl("suggest", "--directory", self.jdir), 0,
                       "198.51.100.7: 2 logons (2 after authentication), last 2023-11-01 07:26:46\n"
                       "  users: alice (2)\n"
                       f"  logonaclctl --config {conf} add 198.51.100.7\n"
                       "198.51.100.20: 1 logon (1 after authentication), last 2023-11-01 08:26:46\n"
                       "  users: dave\\xff (1)\n"
                       f"  logonaclctl --config {conf} add 198.51.100.20\n"
                       "198.51.100.9: 1 logon (0 after authentication), last 2023-11-01 03:26:46\n"
                       "  users: bob\\x1b[31m\\x0aFAKE ROW (1)\n"
                       f"  logonaclctl --config {conf} add 198.51.100.9\n",
                       self.UNTRUSTED_NOTE)
        rc, out, _ = self.s.ctl("suggest", "--directory", self.jdir, "--channel", "enduser")
        self.assertEqual((rc, out.splitlines()[0]), (0, "198.51.100.9: 1 logon (0 after authentication), "
                                                        "last 2023-11-01 03:26:46"))

    def test_suggest_private_addresses_and_nothing_left(self):
        jdir = os.path.join(self.tmp, "j2")
        write_journal(jdir, [logon_entry(T0, "allowed", "admin", "root", "127.0.0.1"),
                             logon_entry(T0 + H, "allowed", "admin", "alice", "203.0.113.9")])
        rc, out, _ = self.s.ctl("suggest", "--directory", jdir)
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual(lines[:2], ["127.0.0.1: 1 logon (1 after authentication), last 2023-11-01 02:26:46",
                                     "  users: root (1)"])
        self.assertTrue(lines[2].startswith("  cannot be approved: 127.0.0.1: "), out)
        self.assertEqual(len(lines), 3)
        s = self.site(approved="203.0.113.0/24\n", general="allow_private = yes", admin="services = sshd")
        self.assertEqual(s.ctl("add", "127.0.0.1")[0], 0)
        self.assertCtl(s.ctl("suggest", "--directory", jdir), 0,
                       "nothing to suggest: every client address of the past logons is approved\n", "")

    def test_suggest_many_users_are_summarised(self):
        jdir = os.path.join(self.tmp, "j3")
        write_journal(jdir, [logon_entry(T0 + i, "allowed", "admin", f"user{i % 7}", "192.0.2.9")
                             for i in range(20)])
        rc, out, _ = self.s.ctl("suggest", "--directory", jdir)
        self.assertEqual(out.splitlines()[1],
                         "  users: user5 (3), user4 (3), user3 (3), user2 (3), user1 (3), and 2 more")

    def test_empty_directory_is_said(self):
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        self.assertCtl(self.s.ctl("log", "--directory", empty, "--json"), 0, "",
                       f"logonaclctl: warning: no journal files could be opened in {empty}\n")
        self.assertCtl(self.s.ctl("log", "--directory", os.path.join(self.tmp, "nope")), 1, "",
                       f"logonaclctl: {self.tmp}/nope: No such file or directory\n")

    def test_trusted_users_decide(self):
        s = self.site(approved="203.0.113.0/24\n", admin="services = sshd", alert="trusted_users = nobody")
        rc, out, err = s.ctl("log", "--directory", self.jdir, "--json")
        self.assertEqual((rc, out), (0, ""))
        self.assertEqual(err, "logonaclctl: 9 entries with a logonacl MESSAGE_ID left out: not written by a "
                              "user of [alert] trusted_users\n")


class SystemJournal(CtlTestCase):
    """log reads this machine's journal by default (an entry written through journald)."""

    def test_entry_written_through_journald(self):
        ensure_journald()
        s = self.site(approved="203.0.113.0/24\n")
        user = f"ctl-test-{os.getpid()}-\x07"
        # An "allowed" entry: alertd (if one follows this journal) never mails those.
        fields = logon_entry(0, "allowed", "admin", user, "198.51.100.7")
        # Native protocol: journald adds _UID (root here, trusted) and the time.
        payload = b"".join(export_field(k, v) for k, v in fields.items() if not k.startswith("_"))
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(payload, "/run/systemd/journal/socket")
        deadline = time.monotonic() + 10
        while True:
            rc, out, _ = s.ctl("log", "--since", "-10m", "--json", "--activity", "allowed")
            rows = [row for row in map(json.loads, out.splitlines()) if row["user"] == user]
            if rows or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(rc, 0)
        self.assertEqual(len(rows), 1, out)
        self.assertEqual((rows[0]["client_ip"], rows[0]["event"], rows[0]["host"]),
                         ("198.51.100.7", "Administrator logon", socket.gethostname()))


# ---------------------------------------------------------------------------------------------
class Usage(CtlTestCase):
    """Usage errors exit 2 with a usage line; --help and --version exit 0."""

    def assertUsage(self, args, message, usage):
        rc, out, err = run_ctl(*args)
        self.assertEqual((rc, out), (2, ""), (args, err))
        self.assertEqual(err, f"logonaclctl: {message}\n{USAGE_PREFIX}{usage}\n", args)

    def test_usage_errors(self):
        c = ["--config", "/nonexistent/logonacl.conf"]
        self.assertUsage([], "no command given", "COMMAND [ARGS...]")
        self.assertUsage(["frobnicate"], "unknown command 'frobnicate'", "COMMAND [ARGS...]")
        self.assertUsage(["--bogus", "list"], "unknown option '--bogus'", "COMMAND [ARGS...]")
        self.assertUsage(["--config"], "option '--config' needs a value", "COMMAND [ARGS...]")
        self.assertUsage(c + ["add"], "no address given", "add [--comment TEXT] [--expires DATE] ADDR...")
        self.assertUsage(c + ["remove"], "no address given", "remove ADDR...")
        self.assertUsage(c + ["list", "extra"], "unexpected argument 'extra'", "list [--json]")
        self.assertUsage(c + ["check", "-x"], "unknown option '-x'", "check")
        test_usage = "test --service S [--rhost R] [--user U] [--stage account|auth] [--channel C]"
        self.assertUsage(c + ["test"], "--service is required", test_usage)
        self.assertUsage(c + ["test", "--service", "sshd", "--stage", "session"],
                         "--stage must be account or auth", test_usage)
        self.assertUsage(c + ["test", "--service"], "option '--service' needs a value", test_usage)
        self.assertUsage(c + ["test", "--service", "sshd", "--channel", "root"],
                         "--channel must be admin, enduser or api", test_usage)
        log_usage = ("log [--activity allowed|blocked-and-logged] [--channel C] [--user U] [--rhost R] [--since T] "
                     "[--until T] [-n N|all] [-f] [--changes] [--json] [--no-pager] [--directory DIR]")
        self.assertUsage(c + ["log", "--activity", "denied"], "--activity must be allowed or blocked-and-logged",
                         log_usage)
        for bad in ("yesterdayish", "2023-13-01", "2023-02-30", "2023-11-01 24:00", "-5x", "2023-11-1", "@x"):
            self.assertUsage(c + ["log", "--since", bad], f"--since: cannot read the time '{bad}'", log_usage)
        wi_usage = ("what-if --channel C [--action block-and-log|allow-and-log] [--since T] [--until T] [--all] "
                    "[--json] [--directory DIR]")
        self.assertUsage(c + ["what-if"], "--channel is required", wi_usage)
        self.assertUsage(c + ["what-if", "--channel", "admin", "--action", "none"],
                         "--action must be block-and-log or allow-and-log", wi_usage)
        self.assertUsage(c + ["suggest", "--until", "soon"], "--until: cannot read the time 'soon'",
                         "suggest [--channel C] [--since T] [--until T] [--directory DIR]")

    def test_help_and_version(self):
        rc, out, err = run_ctl("--help")
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(out.startswith(USAGE_PREFIX + "COMMAND [ARGS...]\n"))
        for command in ("add", "remove", "list", "check", "reindex", "test", "log", "what-if", "suggest"):
            self.assertIn(f"\n  {command}", out)
            rc, cout, _ = run_ctl(command, "--help")
            self.assertEqual(rc, 0)
            self.assertTrue(cout.startswith(USAGE_PREFIX + command), cout)
        rc, out, err = run_ctl("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^logonaclctl \d+\.\d+\.\d+\n$")

    def test_default_config_path(self):
        rc, out, err = run_ctl("list")
        if os.path.exists("/etc/logonacl/logonacl.conf") or os.path.exists("/usr/local/etc/logonacl/logonacl.conf"):
            self.skipTest("a configuration is installed")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("logonacl/logonacl.conf", err)


if __name__ == "__main__":
    if not CTL:
        print("LOGONACL_CTL is not set", file=sys.stderr)
        sys.exit(77)
    unittest.main()
