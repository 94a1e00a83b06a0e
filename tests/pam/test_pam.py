#!/usr/bin/python3
"""Integration tests of pam_logonacl.so (SPEC §3, §4): the real libpam through
tests/pam/pam_client (pam_start_confdir), the real systemd-journald, the module
as built.  Run as root: test_pam.py [-v] [GROUP...].

Every case asserts what a host and an administrator observe: the PAM return
code, the exact conversation messages, and the journal entry read back with
journalctl (exactly one per decision, none when the module answers PAM_IGNORE).

The service files put pam_debug.so after the module, so that a PAM_IGNORE from
the module reaches the client as PAM_AUTHINFO_UNAVAIL (shown as IGNORE) instead
of being folded into success or failure by libpam."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from logonacl_test import (ensure_journald, journal_cursor, journal_entries,  # noqa: E402
                           root_tmpdir, write_file)

MODULE = os.environ.get("LOGONACL_PAM_MODULE", "")
CLIENT = os.environ.get("LOGONACL_PAM_CLIENT", "")
INDEX_HELPER = os.environ.get("LOGONACL_INDEX_HELPER", "")
CATALOG = os.environ.get("LOGONACL_CATALOG", "")
SANITIZED = os.environ.get("LOGONACL_SANITIZED") == "1"
PAM_DEBUG = "/lib/x86_64-linux-gnu/security/pam_debug.so"
PAM_WRAPPER_MODULES = "/usr/lib/x86_64-linux-gnu/pam_wrapper"

ID_ALLOWED = "7798a78dc57742739e9ec866817a4c5b"
ID_LOGGED = "53a044f2764e49b6af7a20856db4de85"
ID_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
ID_CONFIG_ERROR = "51fa95a40f0048f68a2835ceaae7628c"
ID_CHANGE = "db8ec35418dd4799a7d220c4838d031e"     # logonaclctl's change entries
ALERTD_IDS = ["77407cb02c2144519ecf4e8fa93fdebf", "abf5688df9cf46118401b15268efea96",
              "ef6348b86f7a47499b508f6405ed6ee2"]

PAM_ERROR_MSG = 3
# What pam_debug.so (the IGNORE marker after the module) says when it runs.
PAM_DEBUG_MESSAGES = [(4, b"auth=authinfo_unavail"), (4, b"acct=authinfo_unavail")]
MSG_ADMIN = ("Your IP address was rejected by IP restrictions, so you cannot log on from this IP address. "
             "Contact your administrator.")
MSG_ENDUSER = ("Your IP address was rejected by IP restrictions, so you cannot log on with this account. "
               "Contact your administrator.")

EVENT_TEXTS = {
    "admin": ("Administrator logon", "Administrator logon logged", "Administrator logon blocked"),
    "sso": ("SSO portal user logon", "SSO portal user logon logged", "SSO portal user logon blocked"),
    "enduser": ("End user console user logon", "End user console user logon logged",
                "End user console user logon blocked"),
    "api": ("API access", "Logged API access", "Blocked API access"),
}

DECISION_FIELDS = ["MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "LOGONACL_EVENT",
                   "LOGONACL_ACTIVITY", "LOGONACL_CHANNEL", "LOGONACL_ACTION", "LOGONACL_RESULT",
                   "LOGONACL_APPROVED", "LOGONACL_MATCHED", "LOGONACL_MATCHED_SOURCE", "LOGONACL_USER",
                   "LOGONACL_RHOST", "LOGONACL_CLIENT_IP", "LOGONACL_SERVICE", "LOGONACL_STAGE",
                   "LOGONACL_INLINE", "LOGONACL_SSO"]

APPROVED_MAIN = "# approved gateways\n203.0.113.0/24\n198.51.100.7\n\n2001:db8:5::/48\n"
APPROVED_DROPIN = "# site b\n192.0.2.0/25\n"


def run_cases(cases, env=None):
    """cases: dicts with confdir, service, stage, user (bytes|None), rhost (bytes|None), flags.
    Returns [(result, [(style, bytes)])] in order."""
    def enc(v):
        if v is None:
            return "-"
        return v.hex() if v else "="
    lines = ["\t".join([c["confdir"], c["service"], c.get("stage", "account"), enc(c.get("user")),
                        enc(c.get("rhost")), c.get("flags") or "-"]) for c in cases]
    p = subprocess.Popen([CLIENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    out, err = p.communicate("\n".join(lines) + "\n", timeout=120)
    run_cases.last_pid = str(p.pid)
    if p.returncode != 0:
        raise AssertionError(f"pam_client failed: {p.returncode} {err}")
    if err.strip():
        raise AssertionError(f"pam_client wrote to stderr (the module must not): {err!r}")
    results = []
    for line in out.splitlines():
        parts = line.split(" ")
        messages = []
        for m in parts[2:]:
            style, hexbytes = m.split(":", 1)
            message = (int(style), bytes.fromhex(hexbytes))
            if message not in PAM_DEBUG_MESSAGES:
                messages.append(message)
        results.append((parts[0], messages))
    assert len(results) == len(cases), (len(results), len(cases), out)
    return results


def b2s(b):
    """The journal harness's decoding of raw bytes (UTF-8, surrogateescape)."""
    return b.decode("utf-8", "surrogateescape") if b is not None else ""


class Site:
    """A root-owned folder with the files of SPEC §2 and PAM service folders."""

    def __init__(self, root):
        self.root = root
        self.etc = os.path.join(root, "etc")
        os.mkdir(self.etc, 0o755)
        self.approved = os.path.join(self.etc, "approved")
        self.dropins = os.path.join(self.etc, "approved.d")
        os.mkdir(self.dropins, 0o755)
        write_file(self.approved, APPROVED_MAIN)
        write_file(os.path.join(self.dropins, "site-b.list"), APPROVED_DROPIN)

    def add_filler(self, n=8000):
        """A drop-in of n addresses (11.0.0.0 upward, every other one): a list whose
        text parse costs milliseconds, so that readers race with writers for longer."""
        base = 11 << 24
        write_file(os.path.join(self.dropins, "filler.list"),
                   "".join(f"{(a >> 24) & 255}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}\n"
                           for a in range(base, base + 2 * n, 2)))

    def conf(self, name, action="none", apply_to_inline="no", extra_general="", extra="", text=None):
        path = os.path.join(self.etc, name + ".conf")
        if text is None:
            text = (f"[general]\napproved_file = {self.approved}\napproved_dir = {self.dropins}\n{extra_general}\n"
                    f"[admin]\naction = {action}\nservices = sshd cockpit\nsso_services = portal\n\n"
                    f"[enduser]\naction = {action}\nservices = dovecot\ninline_services = webmail-inline\n"
                    f"apply_to_inline = {apply_to_inline}\n\n"
                    f"[api]\naction = {action}\nservices = restapi\n{extra}")
        write_file(path, text)
        return path

    def pamdir(self, name, conf, services=("sshd", "cockpit", "portal", "dovecot", "webmail-inline", "restapi",
                                           "other"), args=""):
        d = os.path.join(self.root, "pam-" + name)
        os.makedirs(d, 0o755, exist_ok=True)
        line_args = (f"conf={conf} " if conf else "") + args
        for s in services:
            write_file(os.path.join(d, s), service_file(line_args))
        return d


def service_file(args):
    return (f"auth    [success=done ignore=ignore default=die] {MODULE} {args}\n"
            f"auth    requisite {PAM_DEBUG} auth=authinfo_unavail\n"
            f"account [success=done ignore=ignore default=die] {MODULE} {args}\n"
            f"account requisite {PAM_DEBUG} acct=authinfo_unavail\n")


class PamTestCase(unittest.TestCase):
    """Runs cases, then reads the journal once and checks every case's entry."""

    def setUp(self):
        ensure_journald()
        self._tmp = root_tmpdir()
        self.site = Site(self._tmp.__enter__())
        self.tag = uuid.uuid4().hex[:8]
        self.n = 0

    def tearDown(self):
        self._tmp.__exit__(None, None, None)

    def user(self, label=""):
        """A user name unique to this case: the key to its journal entry."""
        self.n += 1
        return f"t{self.tag}-{self.n:04d}{label}".encode()

    def entries_by_user(self, cursor, expected_count, timeout=20):
        """This test's entries after cursor, by LOGONACL_USER: waits until expected_count
        of them arrived (other tests write entries at the same time), then a moment
        more, so that an extra (wrong) entry has the time to show up too."""
        def ours():
            by_user = {}
            for e in journal_entries("SYSLOG_IDENTIFIER=pam_logonacl", after_cursor=cursor):
                u = e.get("LOGONACL_USER")
                if isinstance(u, str) and u.startswith(f"t{self.tag}-"):
                    by_user.setdefault(u, []).append(e)
            return by_user

        deadline = time.monotonic() + timeout
        by_user = ours()
        while sum(map(len, by_user.values())) < expected_count and time.monotonic() < deadline:
            time.sleep(0.1)
            by_user = ours()
        if expected_count:
            time.sleep(0.2)
            by_user = ours()
        return by_user

    def check_batch(self, cases):
        """cases: dicts as for run_cases plus expect (dict: result, message, fields or None)."""
        cursor = journal_cursor()
        results = run_cases(cases)
        expected_entries = sum(1 for c in cases if c["expect"].get("fields") is not None)
        by_user = self.entries_by_user(cursor, expected_entries)
        for c, (result, messages) in zip(cases, results):
            label = f"case {c.get('label', '')} service={c['service']} rhost={c.get('rhost')!r:.80} " \
                    f"stage={c.get('stage', 'account')} user={c.get('user')!r:.80}"
            exp = c["expect"]
            self.assertEqual(result, exp["result"], label)
            want_messages = [(PAM_ERROR_MSG, exp["message"].encode())] if exp.get("message") else []
            self.assertEqual(messages, want_messages, label)
            got = by_user.get(b2s(c["user"]), [])
            if exp.get("fields") is None:
                self.assertEqual(got, [], label + ": no journal entry expected")
                continue
            self.assertEqual(len(got), 1, label + ": exactly one journal entry")
            entry = got[0]
            for k, v in exp["fields"].items():
                self.assertEqual(entry.get(k), v, f"{label}: field {k}")
            check_entry_shape(self, entry, label)
        return results


def check_entry_shape(test, entry, label):
    """Every field once, MESSAGE one safe line, every entry of ours has our identifier."""
    for k, v in entry.items():
        if k.startswith("LOGONACL_") or k in ("MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER"):
            test.assertIsInstance(v, str, f"{label}: field {k} appears more than once: {v!r}")
    msg = entry.get("MESSAGE", "")
    test.assertTrue(msg, label)
    test.assertLessEqual(len(msg.encode("utf-8", "surrogateescape")), 1100, label)
    for ch in msg:
        test.assertFalse(ord(ch) < 0x20 or ord(ch) == 0x7f or 0xdc80 <= ord(ch) <= 0xdcff or
                         0x80 <= ord(ch) <= 0x9f, f"{label}: unsafe character {ch!r} in MESSAGE {msg!r}")
    if entry.get("MESSAGE_ID") != ID_CONFIG_ERROR:
        for f in DECISION_FIELDS:
            test.assertIn(f, entry, f"{label}: field {f} missing")


# ---------------------------------------------------------------------------------------------
# The oracle of SPEC §3: what a case must give.

RHOSTS = {
    # name: (rhost bytes or None, kind, client ip, approved entry, matched source line)
    "approved": (b"203.0.113.9", "address", "203.0.113.9", "203.0.113.0/24", ("approved", 2)),
    "approved-dropin": (b"192.0.2.100", "address", "192.0.2.100", "192.0.2.0/25", ("site-b.list", 2)),
    "unapproved": (b"198.51.100.99", "address", "198.51.100.99", None, None),
    "hostname": (b"gw.example.com", "hostname", "", None, None),
    "mapped": (b"::ffff:203.0.113.5", "address", "203.0.113.5", "203.0.113.0/24", ("approved", 2)),
    "ipv6": (b"2001:db8:5::1", "address", "2001:db8:5::1", "2001:db8:5::/48", ("approved", 5)),
    "ipv6-zone": (b"2001:db8:5::1%eth0", "address", "2001:db8:5::1", "2001:db8:5::/48", ("approved", 5)),
    "ipv6-unapproved": (b"2001:db8:6::1", "address", "2001:db8:6::1", None, None),
    "empty": (b"", "missing", "", None, None),
    "missing": (None, "missing", "", None, None),
    "garbage": (b"203.0.113.9\x01;rm -rf", "invalid", "", None, None),
    "overlong": (b"2" * 300, "invalid", "", None, None),
}

SERVICES = {
    # service: (channel, sso, inline)
    "sshd": ("admin", False, False),
    "portal": ("admin", True, False),
    "dovecot": ("enduser", False, False),
    "webmail-inline": ("enduser", False, True),
    "restapi": ("api", False, False),
    "other": (None, False, False),
}


def expect(site, service, rhost_name, action, apply_to_inline, user, stage, silent=False):
    channel, sso, inline = SERVICES[service]
    rhost, kind, client_ip, matched, source = RHOSTS[rhost_name]
    if channel is None:
        return {"result": "IGNORE", "fields": None}
    missing_rhost = "unapproved" if channel == "api" else "local"
    if kind == "missing" and missing_rhost == "local":
        return {"result": "IGNORE", "fields": None}
    effective = "none" if inline and apply_to_inline == "no" else action
    approved = matched is not None
    if approved or effective == "none":
        event, result, mid, prio = 0, "SUCCESS", ID_ALLOWED, "6"
    elif effective == "allow-and-log":
        event, result, mid, prio = 1, "SUCCESS", ID_LOGGED, "5"
    else:
        event, result, mid, prio = 2, "PERM_DENIED", ID_BLOCKED, "4"
    text = EVENT_TEXTS["sso" if sso else channel][event]
    message = None
    if result == "PERM_DENIED" and not silent:
        message = {"admin": MSG_ADMIN, "enduser": MSG_ENDUSER}.get(channel)
    src = ""
    if source:
        src = f"{site.approved}:{source[1]}" if source[0] == "approved" else \
            f"{site.dropins}/{source[0]}:{source[1]}"
    fields = {
        "MESSAGE_ID": mid, "PRIORITY": prio, "SYSLOG_IDENTIFIER": "pam_logonacl",
        "LOGONACL_EVENT": text,
        "LOGONACL_ACTIVITY": "allowed" if event == 0 else "blocked-and-logged",
        "LOGONACL_CHANNEL": channel, "LOGONACL_ACTION": effective,
        "LOGONACL_RESULT": "blocked" if result == "PERM_DENIED" else "allowed",
        "LOGONACL_APPROVED": "yes" if approved else "no",
        "LOGONACL_MATCHED": matched or "", "LOGONACL_MATCHED_SOURCE": src,
        "LOGONACL_USER": b2s(user), "LOGONACL_RHOST": b2s(rhost or b""),
        "LOGONACL_CLIENT_IP": client_ip, "LOGONACL_SERVICE": service, "LOGONACL_STAGE": stage,
        "LOGONACL_INLINE": "yes" if inline else "no", "LOGONACL_SSO": "yes" if sso else "no",
    }
    return {"result": result, "message": message, "fields": fields}


class Matrix(PamTestCase):
    """3 channels (and sso, inline) x 3 actions x every kind of PAM_RHOST x {auth, account}."""

    def test_matrix(self):
        cases = []
        for action in ("none", "allow-and-log", "block-and-log"):
            for apply_to_inline in ("no", "yes"):
                name = f"{action}-inline-{apply_to_inline}"
                conf = self.site.conf(name, action=action, apply_to_inline=apply_to_inline)
                confdir = self.site.pamdir(name, conf)
                services = SERVICES if apply_to_inline == "no" else ["webmail-inline"]
                for service in services:
                    for rhost_name in RHOSTS:
                        for stage in ("auth", "account"):
                            user = self.user()
                            cases.append({
                                "label": f"{name}/{rhost_name}", "confdir": confdir, "service": service,
                                "stage": stage, "user": user, "rhost": RHOSTS[rhost_name][0],
                                "expect": expect(self.site, service, rhost_name, action, apply_to_inline, user,
                                                 stage)})
        self.assertGreater(len(cases), 400)
        self.check_batch(cases)

    def test_message_text(self):
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        user = self.user()
        cursor = journal_cursor()
        run_cases([{"confdir": confdir, "service": "sshd", "user": user, "rhost": b"198.51.100.99"}])
        e = journal_entries("SYSLOG_IDENTIFIER=pam_logonacl", f"LOGONACL_USER={user.decode()}",
                            after_cursor=cursor, count=1)
        self.assertEqual(len(e), 1)
        self.assertEqual(e[0]["MESSAGE"], f'Administrator logon blocked: user "{user.decode()}" from '
                                          f'198.51.100.99 (service sshd, account stage)')

    def test_silent_and_no_conversation(self):
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        silent_dir = self.site.pamdir("block-silent", conf, args="silent")
        cases = []
        for service in ("sshd", "dovecot", "restapi"):
            for variant, cd, flags in (("flag", confdir, "silent"), ("arg", silent_dir, None),
                                       ("noconv", confdir, "noconv")):
                user = self.user()
                e = expect(self.site, service, "unapproved", "block-and-log", "no", user, "account", silent=True)
                cases.append({"label": variant, "confdir": cd, "service": service, "user": user,
                              "rhost": b"198.51.100.99", "flags": flags, "expect": e})
        self.check_batch(cases)

    def test_channel_argument(self):
        """channel= puts a stack in a channel whatever the file says (here: a service in no channel)."""
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("forced", conf, services=("other", "dovecot"), args="channel=api")
        cases = []
        for service in ("other", "dovecot"):
            user = self.user()
            e = expect(self.site, "restapi", "unapproved", "block-and-log", "no", user, "account")
            e["fields"]["LOGONACL_SERVICE"] = service
            cases.append({"confdir": confdir, "service": service, "user": user, "rhost": b"198.51.100.99",
                          "expect": e})
        self.check_batch(cases)

    def test_missing_rhost_unapproved(self):
        conf = self.site.conf("mr", action="block-and-log",
                              extra="", text=None)
        # admin with missing_rhost = unapproved: no address is an unapproved address.
        text = open(conf).read().replace("sso_services = portal\n", "sso_services = portal\nmissing_rhost = unapproved\n")
        write_file(conf, text)
        confdir = self.site.pamdir("mr", conf)
        cases = []
        for rhost in (None, b""):
            user = self.user()
            e = expect(self.site, "restapi", "missing", "block-and-log", "no", user, "account")
            e["fields"].update({"LOGONACL_CHANNEL": "admin", "LOGONACL_EVENT": "Administrator logon blocked",
                                "LOGONACL_SERVICE": "sshd"})
            e["message"] = MSG_ADMIN
            cases.append({"confdir": confdir, "service": "sshd", "user": user, "rhost": rhost, "expect": e})
        self.check_batch(cases)


class Stages(PamTestCase):
    """One logon, one decision (SPEC §4): a stack with the module in auth and account
    writes one entry per PAM handle; the account stage answers what auth decided."""

    def test_auth_then_account_on_one_handle(self):
        cases = []
        for action in ("allow-and-log", "block-and-log"):
            conf = self.site.conf(action, action=action)
            confdir = self.site.pamdir(action, conf)
            for service, rhost_name in (("sshd", "approved"), ("sshd", "unapproved"), ("dovecot", "unapproved"),
                                        ("restapi", "missing"), ("other", "unapproved")):
                user = self.user()
                e = expect(self.site, service, rhost_name, action, "no", user, "auth")
                e["result"] = f"{e['result']},{e['result']}"
                cases.append({"label": f"{action}/{service}/{rhost_name}", "confdir": confdir,
                              "service": service, "stage": "both", "user": user,
                              "rhost": RHOSTS[rhost_name][0], "expect": e})
        results = self.check_batch(cases)
        # The blocked ones were told once (auth), not twice.
        self.assertIn(("PERM_DENIED,PERM_DENIED", [(PAM_ERROR_MSG, MSG_ADMIN.encode())]), results)

    def test_config_error_once(self):
        """on_error=allow: a broken configuration is one config-error entry per logon, not two."""
        conf = self.site.conf("broken", text="[general]\nno_such_key = 1\n")
        confdir = self.site.pamdir("broken", conf, args="on_error=allow")
        user = self.user()
        cursor = journal_cursor()
        self.assertEqual(run_cases([{"confdir": confdir, "service": "sshd", "stage": "both", "user": user,
                                     "rhost": b"198.51.100.99"}])[0][0], "IGNORE,IGNORE")
        got = self.entries_by_user(cursor, 1).get(user.decode(), [])
        self.assertEqual([(e["MESSAGE_ID"], e["LOGONACL_STAGE"]) for e in got], [(ID_CONFIG_ERROR, "auth")])

    def test_account_decides_when_the_logon_changed(self):
        """Two handles, each with both stages: two logons, two entries; account alone still decides."""
        conf = self.site.conf("log", action="allow-and-log")
        confdir = self.site.pamdir("log", conf)
        cases = []
        for stage in ("both", "both", "account"):
            user = self.user()
            e = expect(self.site, "sshd", "unapproved", "allow-and-log", "no", user,
                       "auth" if stage == "both" else "account")
            if stage == "both":
                e["result"] = "SUCCESS,SUCCESS"
            cases.append({"confdir": confdir, "service": "sshd", "stage": stage, "user": user,
                          "rhost": RHOSTS["unapproved"][0], "expect": e})
        self.check_batch(cases)


class Expiry(PamTestCase):
    """expires= through the real module (SPEC §1, issue 12.2): an expired entry approves
    nothing, as if absent, from the text and from the index; a decision it would have
    allowed names it in the journal entry."""

    LIST = ("203.0.113.0/24  expires=2099-01-31  # Osaka office gateway\n"
            "203.0.113.7 expires=2020-01-01T18:30Z  # old NAT\n"
            "198.51.100.0/24 expires=2020-01-01 # closed branch\n"
            "198.51.100.0/24 expires=2021-06-01\n")

    def check_expiry(self, with_index):
        write_file(self.site.approved, self.LIST)
        if with_index:
            subprocess.run([INDEX_HELPER, self.site.approved, self.site.dropins, "0"], check=True)
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        cases = []
        for rhost, matched, src in ((b"203.0.113.7", "203.0.113.0/24", 1), (b"203.0.113.8", "203.0.113.0/24", 1),
                                    (b"198.51.100.5", None, None)):
            user = self.user()
            e = expect(self.site, "sshd", "unapproved", "block-and-log", "no", user, "account")
            e["fields"].update({"LOGONACL_RHOST": rhost.decode(), "LOGONACL_CLIENT_IP": rhost.decode()})
            if matched:
                e.update({"result": "SUCCESS", "message": None})
                e["fields"].update({"MESSAGE_ID": ID_ALLOWED, "PRIORITY": "6", "LOGONACL_EVENT": "Administrator logon",
                                    "LOGONACL_ACTIVITY": "allowed", "LOGONACL_RESULT": "allowed",
                                    "LOGONACL_APPROVED": "yes", "LOGONACL_MATCHED": matched,
                                    "LOGONACL_MATCHED_SOURCE": f"{self.site.approved}:{src}"})
            cases.append({"confdir": confdir, "service": "sshd", "user": user, "rhost": rhost, "expect": e})
        cursor = journal_cursor()
        self.check_batch(cases)
        by_user = self.entries_by_user(cursor, 3)
        approved_entries = [by_user[b2s(c["user"])][0] for c in cases[:2]]
        blocked = by_user[b2s(cases[2]["user"])][0]
        for e in approved_entries:
            self.assertNotIn("LOGONACL_EXPIRED_MATCH", e)
        # The most specific expired entry that would have let the client in, and where it is.
        self.assertEqual((blocked.get("LOGONACL_EXPIRED_MATCH"), blocked.get("LOGONACL_EXPIRED_SOURCE"),
                          blocked.get("LOGONACL_EXPIRED_AT")),
                         ("198.51.100.0/24", f"{self.site.approved}:3", "2020-01-01"))
        self.assertIn(", entry 198.51.100.0/24 expired 2020-01-01)", blocked["MESSAGE"])

    def test_expiry_from_text(self):
        self.check_expiry(with_index=False)

    def test_expiry_from_index(self):
        self.check_expiry(with_index=True)


class Edges(PamTestCase):
    """The configuration edges of SPEC §1-2 (issue 10.4) as a logon sees them: each one is
    a config-error entry and a refused logon (on_error=deny), not a silent skip."""

    def decide_error(self, confdir, rhost=b"203.0.113.9"):
        user = self.user()
        cursor = journal_cursor()
        res = run_cases([{"confdir": confdir, "service": "sshd", "user": user, "rhost": rhost}])[0][0]
        got = self.entries_by_user(cursor, 1).get(user.decode(), [])
        self.assertEqual(len(got), 1)
        return res, got[0]

    def test_dropin_that_is_not_a_regular_file(self):
        os.mkfifo(os.path.join(self.site.dropins, "pipe.list"), 0o644)
        conf = self.site.conf("block", action="block-and-log")
        res, e = self.decide_error(self.site.pamdir("block", conf))
        self.assertEqual((res, e["MESSAGE_ID"], e["LOGONACL_ERROR"]),
                         ("PERM_DENIED", ID_CONFIG_ERROR, f"{self.site.dropins}/pipe.list: not a regular file"))

    def test_ipv6_entry_over_ipv4_space(self):
        write_file(self.site.approved, "::/0\n")
        conf = self.site.conf("block", action="block-and-log", extra_general="allow_private = yes")
        res, e = self.decide_error(self.site.pamdir("block", conf))
        self.assertEqual((res, e["MESSAGE_ID"]), ("PERM_DENIED", ID_CONFIG_ERROR))
        self.assertIn(f"{self.site.approved}:1: ::/0: overlaps ::ffff:0:0/96 (IPv4-mapped)", e["LOGONACL_ERROR"])

    def test_upper_case_service(self):
        conf = self.site.conf("upper", action="block-and-log")
        write_file(conf, open(conf).read().replace("services = sshd cockpit", "services = SSHD cockpit"))
        res, e = self.decide_error(self.site.pamdir("upper", conf))
        self.assertEqual((res, e["MESSAGE_ID"]), ("PERM_DENIED", ID_CONFIG_ERROR))
        self.assertIn('"SSHD": PAM service names are lower-case', e["LOGONACL_ERROR"])


class Hostile(PamTestCase):
    """User names and remote hosts from attackers: the journal keeps the bytes, nothing is added."""

    VALUES = [
        b"alice\nLOGONACL_RESULT=allowed",
        b"bob\r\nMESSAGE_ID=" + ID_ALLOWED.encode(),
        b"\xff\xfe\x01\x7f\x1b[31mred",
        "ユーザー名".encode(),
        b"x" * 4096,
        b"quote\"back\\slash",
        b"\xe2\x80\xae\xc2\x85bidi",
        b"LOGONACL_USER=evil\n\nSYSLOG_IDENTIFIER=pam_logonacl",
    ]

    def test_hostile_users_and_rhosts(self):
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        cases = []
        for v in self.VALUES:
            user = self.user() + b"-" + v
            cases.append({"label": "user", "confdir": confdir, "service": "sshd", "user": user,
                          "rhost": b"198.51.100.99",
                          "expect": expect(self.site, "sshd", "unapproved", "block-and-log", "no", user, "account")})
            user = self.user()
            e = expect(self.site, "restapi", "hostname", "block-and-log", "no", user, "auth")
            e["fields"]["LOGONACL_RHOST"] = b2s(v)
            cases.append({"label": "rhost", "confdir": confdir, "service": "restapi", "stage": "auth",
                          "user": user, "rhost": v, "expect": e})
        cursor = journal_cursor()
        self.check_batch(cases)
        # Nothing any case sent made an entry or a field of its own: every entry our
        # client process wrote is a decision entry of a case, with the decision fields only.
        ours = [e for e in journal_entries(after_cursor=cursor) if e.get("_PID") == run_cases.last_pid]
        self.assertEqual(len(ours), len(cases))
        for e in ours:
            self.assertTrue(e.get("LOGONACL_USER", "").startswith(f"t{self.tag}-"), f"injected entry {e}")
            self.assertEqual(sorted(k for k in e if k.startswith("LOGONACL_")),
                             sorted(k for k in DECISION_FIELDS if k.startswith("LOGONACL_")))

    def test_huge_values(self):
        """A 256 KiB user: too big for one datagram, the entry still arrives whole
        (journal_send passes it in a sealed memfd), MESSAGE stays short.  (The rhost
        stays at 8 KiB: past about 9 KB libpam's own audit record fails and libpam
        turns every answer into PAM_SYSTEM_ERR, whatever the module said.)"""
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        user = self.user() + b"-" + b"u" * (256 * 1024)
        rhost = b"h" * (8 * 1024)
        e = expect(self.site, "sshd", "hostname", "block-and-log", "no", user, "account")
        e["fields"]["LOGONACL_RHOST"] = b2s(rhost)
        self.check_batch([{"confdir": confdir, "service": "sshd", "user": user, "rhost": rhost, "expect": e}])

    def test_message_is_escaped_and_capped(self):
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        user = self.user() + b'-a\nb\x01"\xff' + b"y" * 4096
        cursor = journal_cursor()
        run_cases([{"confdir": confdir, "service": "sshd", "user": user, "rhost": b"gw\r\n.example"}])
        e = self.entries_by_user(cursor, 1).get(b2s(user), [])
        self.assertEqual(len(e), 1)
        msg = e[0]["MESSAGE"]
        self.assertIn('-a\\x0ab\\x01\\"\\xffyyy', msg)
        self.assertIn("...", msg)
        self.assertIn('from unusable address "gw\\x0d\\x0a.example"', msg)
        check_entry_shape(self, e[0], "escaped")


class ConfigErrors(PamTestCase):
    """Every way the configuration can be wrong, with on_error=deny and on_error=allow."""

    def config_case(self, label, conf, reason_check, args="", service="sshd", rhost=b"198.51.100.99"):
        cases = []
        for on_error in ("deny", "allow"):
            confdir = self.site.pamdir(f"{label}-{on_error}", conf, services=(service,),
                                       args=f"on_error={on_error} {args}".strip())
            user = self.user()
            cases.append({"label": f"{label}/{on_error}", "confdir": confdir, "service": service, "user": user,
                          "rhost": rhost, "reason_check": reason_check, "on_error": on_error,
                          "conf": conf,
                          "expect": {"result": "PERM_DENIED" if on_error == "deny" else "IGNORE",
                                     "fields": {"MESSAGE_ID": ID_CONFIG_ERROR, "PRIORITY": "3",
                                                "SYSLOG_IDENTIFIER": "pam_logonacl",
                                                "LOGONACL_ON_ERROR": on_error,
                                                "LOGONACL_USER": b2s(user), "LOGONACL_SERVICE": service,
                                                "LOGONACL_RHOST": b2s(rhost), "LOGONACL_STAGE": "account"}}})
        return cases

    def run_config_cases(self, cases):
        cursor = journal_cursor()
        self.check_batch(cases)
        by_user = self.entries_by_user(cursor, len(cases))
        for c in cases:
            entry = by_user[b2s(c["user"])][0]
            error = entry.get("LOGONACL_ERROR", "")
            self.assertTrue(c["reason_check"](error), f"{c['label']}: LOGONACL_ERROR {error!r}")
            self.assertIn("logonacl configuration error", entry["MESSAGE"], c["label"])

    def test_config_errors(self):
        s = self.site
        cases = []

        def starts(prefix, *words):
            return lambda e: e.startswith(prefix) and all(w in e for w in words)

        missing = os.path.join(s.etc, "missing.conf")
        cases += self.config_case("missing-conf", missing, starts(missing))

        p = s.conf("syntax", text=f"[general]\napproved_file = {s.approved}\n[admin\naction = block-and-log\n")
        cases += self.config_case("syntax", p, starts(f"{p}:3: "))

        p = s.conf("unknown-key", text="[general]\n# comment\ncolour = blue\n")
        cases += self.config_case("unknown-key", p, starts(f"{p}:3: ", "colour"))

        p = s.conf("unknown-section", text="[general]\n[sales]\naction = none\n")
        cases += self.config_case("unknown-section", p, starts(f"{p}:2: ", "sales"))

        p = s.conf("bad-action", action="block-and-lgo")
        cases += self.config_case("bad-action", p, starts(f"{p}:", "block-and-lgo"))

        p = s.conf("conf-mode", action="block-and-log")
        os.chmod(p, 0o664)
        cases += self.config_case("conf-mode", p, starts(p))

        p = s.conf("conf-owner", action="block-and-log")
        os.chown(p, 65534, 0)
        cases += self.config_case("conf-owner", p, starts(p))

        # A folder above the configuration writable by its group.
        loose = os.path.join(s.root, "loose")
        os.mkdir(loose)
        os.chmod(loose, 0o775)
        with open(s.conf("x", action="block-and-log")) as f:
            p = write_file(os.path.join(loose, "logonacl.conf"), f.read())
        cases += self.config_case("conf-folder-mode", p, starts(loose))

        # The approved sources: each gets its own copy of the tree.
        def tree(label, approved_text=APPROVED_MAIN, dropin_text=APPROVED_DROPIN, with_main=True):
            root = os.path.join(s.root, "tree-" + label)
            os.mkdir(root, 0o755)
            main = os.path.join(root, "approved")
            dropins = os.path.join(root, "approved.d")
            os.mkdir(dropins, 0o755)
            if with_main:
                write_file(main, approved_text)
            write_file(os.path.join(dropins, "site-b.list"), dropin_text)
            conf = write_file(os.path.join(root, "logonacl.conf"),
                              f"[general]\napproved_file = {main}\napproved_dir = {dropins}\n"
                              f"[admin]\naction = block-and-log\nservices = sshd\n")
            return root, main, dropins, conf

        _, main, _, conf = tree("approved-mode")
        os.chmod(main, 0o664)
        cases += self.config_case("approved-mode", conf, starts(main))

        _, main, dropins, conf = tree("dropin-mode")
        os.chmod(os.path.join(dropins, "site-b.list"), 0o620)
        cases += self.config_case("dropin-mode", conf, starts(os.path.join(dropins, "site-b.list")))

        _, main, dropins, conf = tree("dropin-dir-mode")
        os.chmod(dropins, 0o777)
        cases += self.config_case("dropin-dir-mode", conf, starts(dropins))

        _, main, _, conf = tree("approved-missing", with_main=False)
        cases += self.config_case("approved-missing", conf, starts(main))

        invalid = "IP address or CIDR block is invalid."
        _, main, _, conf = tree("slash33", approved_text="203.0.113.7\n203.0.113.0/33\n")
        cases += self.config_case("slash33", conf, lambda e, m=main: e.startswith(
            f"{m}:2: {invalid}\n{m}:2: 203.0.113.0/33: "))

        _, main, dropins, conf = tree("typo", dropin_text="# ok\n\n192.0.2.0/25\n203.0.1l3.0/24\n")
        lst = os.path.join(dropins, "site-b.list")
        cases += self.config_case("typo", conf, lambda e, m=lst: e.startswith(f"{m}:4: {invalid}\n{m}:4: 203.0.1l3.0/24: "))

        _, main, _, conf = tree("host-bits", approved_text="203.0.113.5/24\n")
        cases += self.config_case("host-bits", conf, lambda e, m=main: e == (
            f"{m}:1: {invalid}\n{m}:1: 203.0.113.5/24: host bits are set below /24 "
            f"(did you mean 203.0.113.0/24?)"))

        _, main, _, conf = tree("private", approved_text="10.0.0.0/8\n")
        cases += self.config_case("private", conf, lambda e, m=main: e.startswith(f"{m}:1: {invalid}\n{m}:1: 10.0.0.0/8: "))

        good = s.conf("good", action="block-and-log")
        cases += self.config_case("unknown-arg", good, lambda e: "nosuchoption" in e, args="nosuchoption")
        cases += self.config_case("bad-channel-arg", good, lambda e: "channel=sales" in e, args="channel=sales")
        cases += self.config_case("relative-conf", "etc/logonacl.conf", lambda e: "conf=etc/logonacl.conf" in e)
        self.run_config_cases(cases)

    def test_bad_on_error_value_denies(self):
        good = self.site.conf("good", action="block-and-log")
        confdir = self.site.pamdir("bad-on-error", good, services=("sshd",), args="on_error=allow on_error=maybe")
        user = self.user()
        cursor = journal_cursor()
        res = run_cases([{"confdir": confdir, "service": "sshd", "user": user, "rhost": b"203.0.113.9"}])
        self.assertEqual(res[0][0], "PERM_DENIED")
        e = self.entries_by_user(cursor, 1)[user.decode()]
        self.assertIn("on_error=maybe", e[0]["LOGONACL_ERROR"])

    def test_list_not_read_when_not_needed(self):
        """A broken list does not matter to a decision that needs no list (missing rhost = local)."""
        p = os.path.join(self.site.etc, "approved")
        write_file(p, "203.0.113.0/33\n")
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        user = self.user()
        self.check_batch([{"confdir": confdir, "service": "sshd", "user": user, "rhost": None,
                           "expect": {"result": "IGNORE", "fields": None}}])


class Changes(PamTestCase):
    """pam_access's known failures, and edits taking effect at the next logon."""

    def decide(self, confdir, rhost=b"198.51.100.77", service="sshd", origin=None):
        """One account decision: (result, its journal entry).  With origin, the stack
        has `debug` and the debug line must say the list came from there."""
        user = self.user()
        cursor = journal_cursor()
        log = os.path.join(self.site.root, "syslog")
        if os.path.exists(log):
            os.unlink(log)
        res = run_cases([{"confdir": confdir, "service": service, "user": user, "rhost": rhost}],
                        env=dict(os.environ, PAM_CLIENT_SYSLOG=log))[0][0]
        entries = self.entries_by_user(cursor, 1).get(user.decode(), [])
        self.assertEqual(len(entries), 1)
        if origin is not None:
            with open(log) as f:
                debug = [line for line in f if "pam_logonacl(" in line]
            self.assertEqual(len(debug), 1, debug)
            self.assertTrue(debug[0].endswith(f", list {origin}\n"), (origin, debug))
        return res, entries[0]

    def replace(self, path, text):
        tmp = path + ".tmp"
        write_file(tmp, text)
        os.rename(tmp, path)

    def test_last_line_without_newline(self):
        self.replace(self.site.approved, "203.0.113.0/24\n198.51.100.77")
        conf = self.site.conf("block", action="block-and-log")
        res, e = self.decide(self.site.pamdir("block", conf))
        self.assertEqual(res, "SUCCESS")
        self.assertEqual(e["LOGONACL_MATCHED_SOURCE"], f"{self.site.approved}:2")

    def test_mapped_matches_ipv4_block(self):
        conf = self.site.conf("block", action="block-and-log")
        res, e = self.decide(self.site.pamdir("block", conf), rhost=b"::ffff:203.0.113.5")
        self.assertEqual((res, e["LOGONACL_CLIENT_IP"], e["LOGONACL_MATCHED"]),
                         ("SUCCESS", "203.0.113.5", "203.0.113.0/24"))

    def check_edits(self, big, with_index):
        """Edits of every kind take effect at the next logon, whether the list is read
        from a fresh index or parsed (no index, or the index went stale)."""
        if big:
            self.site.add_filler()
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf, args="debug")
        fresh = "index" if with_index else "text (no fresh index)"
        stale = "text (no fresh index)"

        def index():
            if with_index:
                subprocess.run([INDEX_HELPER, self.site.approved, self.site.dropins, "0"], check=True)

        index()
        self.assertEqual(self.decide(confdir, origin=fresh)[0], "PERM_DENIED")
        self.replace(self.site.approved, APPROVED_MAIN + "198.51.100.77\n")
        index()
        res, e = self.decide(confdir, origin=fresh)
        self.assertEqual((res, e["LOGONACL_MATCHED"], e["LOGONACL_MATCHED_SOURCE"]),
                         ("SUCCESS", "198.51.100.77", f"{self.site.approved}:6"))
        # An edit in place (same inode, no new index): the next logon sees it.
        with open(self.site.approved, "w") as f:
            f.write(APPROVED_MAIN)
        self.assertEqual(self.decide(confdir, origin=stale)[0], "PERM_DENIED")
        # A new drop-in file.
        write_file(os.path.join(self.site.dropins, "new.list"), "198.51.100.0/24\n")
        res, e = self.decide(confdir, origin=stale)
        self.assertEqual((res, e["LOGONACL_MATCHED_SOURCE"]),
                         ("SUCCESS", f"{self.site.dropins}/new.list:1"))
        index()
        self.assertEqual(self.decide(confdir, origin=fresh)[0], "SUCCESS")
        # A drop-in made group-writable after the index was written: still an error.
        os.chmod(os.path.join(self.site.dropins, "new.list"), 0o664)
        res, e = self.decide(confdir)
        self.assertEqual((res, e["MESSAGE_ID"]), ("PERM_DENIED", ID_CONFIG_ERROR))
        self.assertTrue(e["LOGONACL_ERROR"].startswith(f"{self.site.dropins}/new.list"), e["LOGONACL_ERROR"])
        os.chmod(os.path.join(self.site.dropins, "new.list"), 0o644)
        index()
        # The folder above the main file made group-writable: an error whatever the index says.
        os.chmod(self.site.etc, 0o775)
        res, e = self.decide(confdir)
        self.assertEqual((res, e["MESSAGE_ID"]), ("PERM_DENIED", ID_CONFIG_ERROR))
        self.assertTrue(e["LOGONACL_ERROR"].startswith(self.site.etc), e["LOGONACL_ERROR"])
        os.chmod(self.site.etc, 0o755)
        # The configuration itself: switch the action.
        self.site.conf("block", action="allow-and-log")
        res, e = self.decide(confdir, rhost=b"203.0.113.200", origin=fresh)
        self.assertEqual((res, e["MESSAGE_ID"]), ("SUCCESS", ID_ALLOWED))
        res, e = self.decide(confdir, rhost=b"192.0.2.200", origin=fresh)
        self.assertEqual((res, e["MESSAGE_ID"]), ("SUCCESS", ID_LOGGED))

    def test_edits_small_list_with_index(self):
        self.check_edits(big=False, with_index=True)

    def test_edits_small_list_without_index(self):
        self.check_edits(big=False, with_index=False)

    def test_edits_large_list_with_index(self):
        self.check_edits(big=True, with_index=True)

    def test_edits_large_list_without_index(self):
        self.check_edits(big=True, with_index=False)

    def test_concurrent_rewrites(self):
        """Many logons in parallel while another process swaps the list (and its index):
        every decision is one of the two lists' answers, never a config error.  The list is
        large, so that readers race both with the text and with the index."""
        self.site.add_filler()
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf)
        with_host = APPROVED_MAIN + "198.51.100.77\n"
        stop = threading.Event()
        swaps = [0]

        def writer():
            i = 0
            while not stop.is_set():
                self.replace(self.site.approved, with_host if i % 2 else APPROVED_MAIN)
                if i % 3 == 0:
                    subprocess.run([INDEX_HELPER, self.site.approved, self.site.dropins, "0"],
                                   check=True, capture_output=True)
                i += 1
            swaps[0] = i

        t = threading.Thread(target=writer)
        n_clients, per_client = 4, 150
        cursor = journal_cursor()
        t.start()
        try:
            procs = []
            for c in range(n_clients):
                lines = "".join(f"{confdir}\tsshd\taccount\t{self.user().hex()}\t{b'198.51.100.77'.hex()}\t-\n"
                                for _ in range(per_client))
                p = subprocess.Popen([CLIENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                procs.append((p, lines))
            outs = [p.communicate(lines, timeout=120) for p, lines in procs]
        finally:
            stop.set()
            t.join()
        self.assertGreater(swaps[0], 10)
        results = [line.split(" ")[0] for out, err in outs for line in out.splitlines()]
        self.assertEqual(len(results), n_clients * per_client)
        self.assertEqual(set(results) - {"SUCCESS", "PERM_DENIED"}, set(), results)
        self.assertEqual(["" for _, err in outs if err], [])
        by_user = self.entries_by_user(cursor, len(results))
        entries = [e for v in by_user.values() for e in v]
        self.assertEqual(len(entries), len(results))
        self.assertEqual({e["MESSAGE_ID"] for e in entries} - {ID_ALLOWED, ID_BLOCKED}, set())
        for e in entries:
            self.assertEqual(e["LOGONACL_APPROVED"] == "yes", e["MESSAGE_ID"] == ID_ALLOWED)
        self.assertEqual(results.count("SUCCESS"), sum(e["MESSAGE_ID"] == ID_ALLOWED for e in entries))


class Lifecycle(PamTestCase):
    """The module inside a long-lived host: exports, descriptors, memory."""

    def test_exports_only_pam_sm(self):
        out = subprocess.run(["nm", "-D", "--defined-only", MODULE], capture_output=True, text=True,
                             check=True).stdout
        names = {line.split()[-1] for line in out.splitlines() if line.strip()}
        self.assertEqual(names, {"pam_sm_acct_mgmt", "pam_sm_authenticate", "pam_sm_setcred",
                                 "pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok"})

    def test_dependencies_and_nodelete(self):
        """Nothing but libpam and libc to load; resident after the first logon (-z nodelete)."""
        out = subprocess.run(["readelf", "-d", MODULE], capture_output=True, text=True, check=True).stdout
        needed = sorted(line.split("[")[1].split("]")[0] for line in out.splitlines() if "(NEEDED)" in line)
        self.assertEqual([n for n in needed if not n.startswith(("libasan", "libubsan", "libstdc++", "libm.",
                                                                  "libgcc_s"))],
                         ["libc.so.6", "libpam.so.0"])
        self.assertIn("NODELETE", out)

    def cycles(self, n, rhost, prefix=()):
        conf = self.site.conf("allow", action="allow-and-log")
        confdir = self.site.pamdir("allow", conf, services=("sshd",))
        r = subprocess.run(list(prefix) + [CLIENT, "--cycles", str(n), confdir, "sshd", rhost],
                           capture_output=True, text=True, timeout=300)
        return r

    def test_descriptors_and_memory_flat(self):
        for rhost in ("198.51.100.99", "203.0.113.9"):
            r = self.cycles(500, rhost)
            self.assertEqual(r.returncode, 0, r.stderr)
            _, fd0, fd1, _, rss0, rss1 = r.stdout.split()
            self.assertEqual(fd0, fd1, r.stdout)
            # Heap noise only: 500 decisions leaking even 200 bytes each would show.  (ASan
            # holds freed memory in quarantine, so there LeakSanitizer at exit is the check.)
            if not SANITIZED:
                self.assertLess(int(rss1) - int(rss0), 256, r.stdout)

    @unittest.skipIf(SANITIZED or not shutil.which("valgrind"), "valgrind: not with ASan, or not installed")
    def test_valgrind(self):
        """Text list, compiled index, and the config-error path, under memcheck."""
        vg = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
              "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"]
        r = self.cycles(20, "198.51.100.99", prefix=vg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.site.add_filler()
        subprocess.run([INDEX_HELPER, self.site.approved, self.site.dropins, "0"], check=True)
        r = self.cycles(20, "203.0.113.9", prefix=vg)
        self.assertEqual(r.returncode, 0, r.stderr)
        os.chmod(self.site.approved, 0o666)
        r = self.cycles(20, "203.0.113.9", prefix=vg)
        self.assertEqual(r.returncode, 0, r.stderr)


class PamWrapper(PamTestCase):
    """The module in the usual harness too: pamtester under pam_wrapper, PAM_RHOST set
    by pam_set_items.so from the environment."""

    @unittest.skipIf(SANITIZED, "pamtester is not built with ASan")
    def test_pamtester(self):
        conf = self.site.conf("block", action="block-and-log")
        services = os.path.join(self.site.root, "pamwrap")
        os.mkdir(services, 0o755)
        write_file(os.path.join(services, "sshd"),
                   f"auth    required {PAM_WRAPPER_MODULES}/pam_set_items.so\n"
                   f"auth    required {MODULE} conf={conf}\n"
                   f"account required {PAM_WRAPPER_MODULES}/pam_set_items.so\n"
                   f"account required {MODULE} conf={conf}\n")
        for rhost, stage, rc, shown in (("198.51.100.99", "acct_mgmt", 1, True), ("203.0.113.9", "acct_mgmt", 0, False),
                                        ("198.51.100.99", "authenticate", 1, True)):
            user = self.user().decode()
            cursor = journal_cursor()
            env = dict(os.environ, LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1",
                       PAM_WRAPPER_SERVICE_DIR=services, PAM_RHOST=rhost)
            r = subprocess.run(["pamtester", "sshd", user, stage], env=env, capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, rc, r.stdout + r.stderr)
            self.assertEqual(MSG_ADMIN in r.stdout + r.stderr, shown, r.stdout + r.stderr)
            e = self.entries_by_user(cursor, 1).get(user, [])
            self.assertEqual(len(e), 1)
            self.assertEqual((e[0]["LOGONACL_RHOST"], e[0]["LOGONACL_RESULT"]),
                             (rhost, "blocked" if rc else "allowed"))


class Syslog(PamTestCase):
    """What goes to syslog (pam_syslog), captured by pam_client's __syslog_chk."""

    def run_logged(self, cases, prefix=()):
        log = os.path.join(self.site.root, "syslog")
        if os.path.exists(log):
            os.unlink(log)
        env = dict(os.environ, PAM_CLIENT_SYSLOG=log)
        lines = "".join("\t".join([c["confdir"], c["service"], "account", c["user"].hex(), c["rhost"].hex(), "-"])
                        + "\n" for c in cases)
        r = subprocess.run(list(prefix) + [CLIENT], input=lines, capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        text = ""
        if os.path.exists(log):
            with open(log, encoding="utf-8", errors="surrogateescape") as f:
                # libpam's own complaint about the missing "other" service file is not ours.
                text = "".join(line for line in f if "pam_logonacl(" in line)
        return [line.split(" ")[0] for line in r.stdout.splitlines()], text

    def test_debug_says_where_the_list_came_from(self):
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("debug", conf, services=("sshd", "other"), args="debug")
        case = {"confdir": confdir, "service": "sshd", "user": self.user(), "rhost": b"198.51.100.7"}
        res, log = self.run_logged([case])
        self.assertEqual(res, ["SUCCESS"])
        self.assertEqual(log, '7 pam_logonacl(sshd:account): service "sshd" rhost "198.51.100.7" '
                              '(client 198.51.100.7): channel admin, action block-and-log, approved yes by '
                              '198.51.100.7, result allowed, list text (no fresh index)\n')
        res, log = self.run_logged([case])
        self.assertIn("result allowed, list text (no fresh index)", log)
        subprocess.run([INDEX_HELPER, self.site.approved, self.site.dropins, "0"], check=True)
        res, log = self.run_logged([case])
        self.assertIn("result allowed, list index", log)
        # Not controlled: no list wanted.
        res, log = self.run_logged([dict(case, service="other")])
        self.assertEqual(res, ["IGNORE"])
        self.assertIn("channel -, action -, approved no, result ignore, list not needed", log)
        # Without debug: nothing at all.
        plain = self.site.pamdir("plain", conf, services=("sshd",))
        res, log = self.run_logged([dict(case, confdir=plain)])
        self.assertEqual(log, "")

    def test_no_journal_falls_back_to_syslog(self):
        """No journald socket (a private mount namespace hides it): the decision stands,
        its summary goes to syslog, nothing to the host's stderr."""
        conf = self.site.conf("block", action="block-and-log")
        confdir = self.site.pamdir("block", conf, services=("sshd",))
        user = self.user(b"-\nx".decode())
        prefix = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs tmpfs /run/systemd/journal && exec "$@"', "-"]
        res, log = self.run_logged([{"confdir": confdir, "service": "sshd", "user": user,
                                     "rhost": b"198.51.100.99"}], prefix=prefix)
        self.assertEqual(res, ["PERM_DENIED"])
        self.assertEqual(log, f'4 pam_logonacl(sshd:account): Administrator logon blocked: user '
                              f'"{user.decode()[:-2]}\\x0ax" from 198.51.100.99 (service sshd, account stage) '
                              f'(journal unavailable: No such file or directory)\n')


class Catalog(PamTestCase):
    """The journald catalog: parses, covers every MESSAGE_ID, and journalctl -x shows it."""

    IDS = [ID_ALLOWED, ID_LOGGED, ID_BLOCKED, ID_CONFIG_ERROR] + ALERTD_IDS + [ID_CHANGE]

    def test_catalog_in_temp_root(self):
        with tempfile.TemporaryDirectory() as root:
            d = os.path.join(root, "usr/lib/systemd/catalog")
            os.makedirs(d)
            shutil.copy(CATALOG, d)
            r = subprocess.run(["journalctl", "--root", root, "--update-catalog"], capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            for mid in self.IDS:
                out = subprocess.run(["journalctl", "--root", root, "--dump-catalog", mid],
                                     capture_output=True, text=True).stdout
                self.assertIn(f"-- {mid}", out)
                self.assertIn("Subject: ", out)
                self.assertIn("Defined-By: logonacl", out)

    def test_journalctl_x_shows_text(self):
        """Installs the catalog into /usr/lib/systemd/catalog under a name of this test's own
        (journalctl -x only reads the system's database), and removes it after."""
        name = f"/usr/lib/systemd/catalog/logonacl-test-{os.getpid()}.catalog"
        shutil.copy(CATALOG, name)
        try:
            subprocess.run(["journalctl", "--update-catalog"], check=True, capture_output=True)
            conf = self.site.conf("block", action="block-and-log")
            confdir = self.site.pamdir("block", conf)
            user = self.user()
            cursor = journal_cursor()
            run_cases([{"confdir": confdir, "service": "sshd", "user": user, "rhost": b"198.51.100.99"},
                       {"confdir": confdir, "service": "sshd", "user": self.user(), "rhost": b"203.0.113.8"}])
            self.entries_by_user(cursor, 2)
            # No match with --after-cursor: journalctl 252 drops entries for that combination.
            out = subprocess.run(["journalctl", "-x", "--no-pager"] +
                                 (["--after-cursor", cursor] if cursor else ["-n", "200"]),
                                 capture_output=True, text=True).stdout
            self.assertIn("Subject: Logon from an unapproved address blocked by logonacl (admin channel)", out)
            self.assertIn("A logon to service sshd in the admin channel from\n", out.replace("░░ ", ""))
            self.assertIn("logonaclctl add 198.51.100.99", out)
            self.assertIn("Subject: Logon allowed by logonacl (admin channel)", out)
        finally:
            os.unlink(name)
            subprocess.run(["journalctl", "--update-catalog"], check=True, capture_output=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("1..0 # SKIP the pam suite runs as root")
        sys.exit(77)
    unittest.main()
