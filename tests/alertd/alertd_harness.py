"""Helpers for alertd's integration tests (run with /usr/bin/python3).

Journal files with chosen times come from systemd-journal-remote fed export
streams; mail goes to tests/lib/smtp_server.py; alertd runs from the build dir.
"""

import email
import email.policy
import glob
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

import logonacl_test as lt

HERE = os.path.dirname(os.path.abspath(__file__))
SMTP_SERVER = os.path.join(HERE, "..", "lib", "smtp_server.py")
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
PYTHON = "/usr/bin/python3"

MID_LOGGED = "53a044f2764e49b6af7a20856db4de85"
MID_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
MID_SUPPRESSED = "a596d6fe7bfa4994828e72309e95d61e"
MID_SENT = "77407cb02c2144519ecf4e8fa93fdebf"
MID_NOT_SENT = "abf5688df9cf46118401b15268efea96"
MID_FAILED = "ef6348b86f7a47499b508f6405ed6ee2"
BOOT_ID = "0123456789abcdef0123456789abcdef"

EVENT_TEXT = {
    ("admin", False, "logged"): "Administrator logon logged",
    ("admin", True, "logged"): "SSO portal user logon logged",
    ("enduser", False, "logged"): "End user console user logon logged",
    ("api", False, "logged"): "Logged API access",
    ("admin", False, "blocked"): "Administrator logon blocked",
    ("admin", True, "blocked"): "SSO portal user logon blocked",
    ("enduser", False, "blocked"): "End user console user logon blocked",
    ("api", False, "blocked"): "Blocked API access",
}


def alertd_exe():
    return os.path.join(lt.build_dir(), "alertd", "logonacl-alertd")


def export_field(name, value):
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    if any(c < 0x20 for c in value):
        return name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
    return name.encode() + b"=" + value + b"\n"


def export_entry(fields):
    """A value that is a list gives the field once per item (an entry journald would not make)."""
    return b"".join(export_field(k, item) for k, v in fields.items()
                    for item in (v if isinstance(v, list) else [v])) + b"\n"


def access(realtime_usec, user="john@example.com", client_ip="198.51.100.1", rhost=None, channel="enduser",
           sso=False, kind="logged", host="host.example.com", uid=0, service="dovecot", boot_id=BOOT_ID):
    """The fields of one module entry (SPEC §4) as journal-remote stores them."""
    action = "allow-and-log" if kind == "logged" else "block-and-log"
    return {
        "__REALTIME_TIMESTAMP": str(realtime_usec),
        "__MONOTONIC_TIMESTAMP": str(realtime_usec),
        "_BOOT_ID": boot_id,
        "_HOSTNAME": host,
        "_UID": [str(u) for u in uid] if isinstance(uid, list) else str(uid),
        "_TRANSPORT": "journal",
        "SYSLOG_IDENTIFIER": "pam_logonacl",
        "MESSAGE_ID": MID_LOGGED if kind == "logged" else MID_BLOCKED,
        "PRIORITY": "5" if kind == "logged" else "4",
        "MESSAGE": "logonacl test entry",
        "LOGONACL_EVENT": EVENT_TEXT[(channel, sso, kind)],
        "LOGONACL_ACTIVITY": "blocked-and-logged",
        "LOGONACL_CHANNEL": channel,
        "LOGONACL_ACTION": action,
        "LOGONACL_RESULT": "allowed" if kind == "logged" else "blocked",
        "LOGONACL_APPROVED": "no",
        "LOGONACL_USER": user,
        "LOGONACL_RHOST": client_ip if rhost is None else rhost,
        "LOGONACL_CLIENT_IP": client_ip,
        "LOGONACL_SERVICE": service,
        "LOGONACL_STAGE": "account",
        "LOGONACL_INLINE": "no",
        "LOGONACL_SSO": "yes" if sso else "no",
    }


def make_journal(path, entries):
    """Appends entries to the journal file path (must end in .journal) and checks all were written."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = b"".join(export_entry(e) for e in entries)
    r = subprocess.run([JOURNAL_REMOTE, "-o", path, "-"], input=data, capture_output=True)
    err = r.stderr.decode(errors="replace")
    want = "writing %d entries" % len(entries)
    if want not in err:
        raise RuntimeError("journal-remote did not write all entries: %s" % err)


def usec(text, offset_hours=0):
    """'2023-11-01 12:26:46' in a zone offset_hours east of UTC -> realtime usec."""
    import calendar
    t = time.strptime(text, "%Y-%m-%d %H:%M:%S")
    return (calendar.timegm(t) - offset_hours * 3600) * 1000000


def write_config(folder, **alert):
    """A logonacl.conf with an [alert] section, in a root-owned 0755 folder."""
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o755)
    lines = ["[alert]"] + ["%s = %s" % (k, v) for k, v in alert.items()]
    return lt.write_file(os.path.join(folder, "logonacl.conf"), "\n".join(lines) + "\n", 0o644)


class SmtpServer:
    """tests/lib/smtp_server.py in a folder of its own."""

    def __init__(self, folder, *args, port=None):
        self.folder = folder
        self.maildir = os.path.join(folder, "mail")
        self.port_file = os.path.join(folder, "port")
        self.args = list(args)
        self.port = port
        self.proc = None

    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        cmd = [PYTHON, SMTP_SERVER, "--maildir", self.maildir, "--port-file", self.port_file] + self.args
        if self.port:
            cmd += ["--port", str(self.port)]
        with open(os.path.join(self.folder, "smtp.err"), "ab") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("SMTP server did not start: " + open(os.path.join(self.folder, "smtp.err")).read())
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.port = int(f.read())
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def messages(self):
        """[(raw bytes, parsed message, envelope dict)] in arrival order."""
        out = []
        for eml in sorted(glob.glob(os.path.join(self.maildir, "[0-9]*.eml"))):
            with open(eml[:-4] + ".json") as f:
                meta = json.load(f)
            with open(eml, "rb") as f:
                raw = f.read()
            out.append((raw, email.message_from_bytes(raw, policy=email.policy.default), meta))
        return out

    def wait_count(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            m = self.messages()
            if len(m) >= n or time.monotonic() > deadline:
                return m
            time.sleep(0.05)

    def attempts(self):
        try:
            with open(os.path.join(self.maildir, "attempts.log")) as f:
                return [l.split() for l in f]
        except FileNotFoundError:
            return []


def make_certs(folder):
    """A test CA, a server certificate it signs (127.0.0.1, localhost), and a self-signed impostor."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=folder)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=logonacl test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(folder, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "bad.key", "-out", "bad.pem", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")


class CertsTestCase(unittest.TestCase):
    """make_certs' files in cls.certs, made once for the class."""

    @classmethod
    def setUpClass(cls):
        cls.certs_cm = lt.root_tmpdir("alertd-certs-")
        cls.certs = cls.certs_cm.__enter__()
        make_certs(cls.certs)

    @classmethod
    def tearDownClass(cls):
        cls.certs_cm.__exit__(None, None, None)


class AlertdTestCase(unittest.TestCase):
    """Each test gets a root-owned folder (self.tmp), a journal folder name (self.jdir), a state path,
    an SMTP server and a configuration that mails it (self.conf); ALERT adds [alert] keys."""
    TMP_PREFIX = "alertd-"
    ALERT = {"email": "secops@example.com", "threshold": "5", "smtp_starttls": "no"}

    def setUp(self):
        tmp_cm = lt.root_tmpdir(self.TMP_PREFIX)
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)     # also when setUp fails
        self.jdir = os.path.join(self.tmp, "journal")
        self.state = os.path.join(self.tmp, "alertd.state")
        self.smtp = SmtpServer(self.tmp)
        self.addCleanup(self.smtp.stop)
        self.smtp.start()
        self.conf = write_config(os.path.join(self.tmp, "conf"), smtp_url="smtp://127.0.0.1:%d" % self.smtp.port,
                                 **self.ALERT)


def body_lines(msg):
    return msg.get_content().splitlines()


def labelled(msg):
    """{label: value} of the body's 'Label: value' lines."""
    out = {}
    for line in body_lines(msg):
        if ": " in line:
            k, v = line.split(": ", 1)
            out.setdefault(k, v)
    return out


def run_alertd(config, state, *args, directory=None, timeout=60, check=True):
    cmd = [alertd_exe(), "--config", config, "--state", state] + list(args)
    if directory:
        cmd += ["--directory", directory]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=timeout)
    r = subprocess.CompletedProcess(cmd, p.returncode, out, err)
    r.pid = p.pid
    # Sanitizer reports (ASan+UBSan builds) fail a test even when the exit code does not.
    if b"runtime error" in err or b"Sanitizer" in err:
        raise AssertionError("sanitizer report: " + err.decode(errors="replace"))
    if check and r.returncode != 0:
        raise AssertionError("alertd failed (%d): %s" % (r.returncode, r.stderr.decode(errors="replace")))
    return r


def start_alertd(config, state, *args, directory=None):
    cmd = [alertd_exe(), "--config", config, "--state", state] + list(args)
    if directory:
        cmd += ["--directory", directory]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def start_following(tmp, ns):
    """For the benchmarks: an SMTP server and alertd following journal namespace ns at its tail,
    once alertd has written its state file (bounded, loud).  Returns (smtp, state, alertd)."""
    smtp = SmtpServer(tmp).start()
    cfg = write_config(os.path.join(tmp, "conf"), email="secops@example.com", threshold="100",
                       smtp_url="smtp://127.0.0.1:%d" % smtp.port, smtp_starttls="no")
    state = os.path.join(tmp, "state")
    d = start_alertd(cfg, state, "--namespace", ns.name)
    deadline = time.monotonic() + 30
    while not os.path.exists(state):
        if d.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("alertd did not start: %s" % d.stderr.read().decode(errors="replace"))
        time.sleep(0.01)
    return smtp, state, d


def split_printed(out):
    """--print output (an mbox, SPEC §5) -> list of parsed messages; checks the mbox form."""
    import re
    if not out:
        return []
    assert out.startswith(b"From "), out[:80]
    assert b"\r" not in out, "CR in --print output"
    msgs = []
    for part in re.split(rb"(?:^|\n)From [^\n]*\n", out)[1:]:
        # mboxrd: one '>' less on ">*From " lines.
        part = re.sub(rb"(?m)^>(>*From )", rb"\1", part)
        msgs.append(email.message_from_bytes(part, policy=email.policy.default))
    return msgs


def own_entries(cursor, *matches, count=None, timeout=5.0):
    return lt.journal_entries("SYSLOG_IDENTIFIER=logonacl-alertd", *matches, after_cursor=cursor, count=count,
                              timeout=timeout)


def state_of(path):
    with open(path) as f:
        return dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l and not l.startswith("#"))


class NamespaceJournald(lt.NamespaceJournald):
    def __init__(self):
        super().__init__("alertdtest")

    def send_command(self, fields):
        """A Python one-liner that sends fields (native protocol) to this namespace's socket."""
        payload = "".join("%s=%s\n" % kv for kv in fields.items())
        return [PYTHON, "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
                "s.sendto(sys.argv[1].encode(), sys.argv[2])", payload, self.socket]
