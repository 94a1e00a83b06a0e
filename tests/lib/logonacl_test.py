"""Shared harness for logonacl's integration tests (run with /usr/bin/python3).

Real parts only: a real systemd-journald (started here when none listens),
journalctl to read entries back, root-owned temporary folders for
configuration that passes the ownership checks of SPEC §2.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

JOURNAL_SOCKET = "/run/systemd/journal/socket"
JOURNALD = "/lib/systemd/systemd-journald"


def journald_listening(path=JOURNAL_SOCKET):
    """True when a journald accepts datagrams on the socket (a stale socket file is not enough)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def ensure_journald(timeout=10.0):
    """Starts /lib/systemd/systemd-journald when none listens; returns True if started here."""
    if journald_listening():
        return False
    subprocess.Popen([JOURNALD], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journald_listening():
            return True
        time.sleep(0.05)
    raise RuntimeError("systemd-journald did not start")


def journal_cursor():
    """The cursor of the newest entry now (read entries after it with journal_entries)."""
    out = subprocess.run(["journalctl", "-n", "1", "-o", "json", "--no-pager"],
                         capture_output=True, check=True).stdout
    lines = out.splitlines()
    return json.loads(lines[-1])["__CURSOR"] if lines else None


def _decode(v):
    # journalctl -o json: unprintable values come as arrays of numbers, repeated fields as arrays.
    if v is None:
        return None
    if isinstance(v, list):
        if all(isinstance(x, int) for x in v):
            return bytes(v).decode("utf-8", "surrogateescape")
        return [_decode(x) for x in v]
    return v


def journal_entries(*matches, after_cursor=None, count=None, timeout=5.0, directory=None, extra_args=()):
    """Entries matching every FIELD=value string, oldest first, values decoded to
    str (bytes that are not UTF-8 kept with surrogateescape).  With count, waits up
    to timeout for at least that many entries to arrive.

    Matches are applied here, not by journalctl: journalctl 252 returns nothing
    for --after-cursor combined with a match when the cursor's entry does not match."""
    cmd = ["journalctl", "-o", "json", "--no-pager", "--all"]
    if directory:
        cmd += ["--directory", directory]
    if after_cursor:
        cmd += ["--after-cursor", after_cursor]
    cmd += list(extra_args)
    wanted = [m.split("=", 1) for m in matches]
    deadline = time.monotonic() + timeout
    while True:
        r = subprocess.run(cmd, capture_output=True)
        entries = []
        for line in r.stdout.splitlines():
            if not line.strip():
                continue
            e = {k: _decode(v) for k, v in json.loads(line).items()}
            if all(e.get(k) == v for k, v in wanted):
                entries.append(e)
        if count is None or len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.05)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextlib.contextmanager
def root_tmpdir(prefix="logonacl-test-"):
    """A folder under /tmp owned by root, mode 0755: acceptable to the SPEC §2 walk."""
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def write_file(path, text, mode=0o644):
    data = text.encode() if isinstance(text, str) else text
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def build_dir():
    """The meson build folder the tests run from (meson test sets MESON_BUILD_ROOT? no: we pass it)."""
    return os.environ.get("LOGONACL_BUILD_DIR") or os.getcwd()


class NamespaceJournald:
    """A systemd-journald of its own (journal namespace NAME: its own socket and files), so entries
    a test writes cannot mix with those other suites write to the system journal meanwhile.
    conf: journald.conf text for the namespace, or None."""

    def __init__(self, prefix="logonacltest", conf=None):
        self.name = "%s%d%s" % (prefix, os.getpid(), uuid.uuid4().hex[:6])
        self.run_dir = "/run/systemd/journal." + self.name
        self.socket = os.path.join(self.run_dir, "socket")
        self.conf = conf
        self.conf_path = "/etc/systemd/journald@%s.conf" % self.name
        self.proc = None

    def start(self):
        if self.conf is not None:
            write_file(self.conf_path, self.conf)
        self.proc = subprocess.Popen([JOURNALD, self.name], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not journald_listening(self.socket):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("journald for namespace %s did not start" % self.name)
            time.sleep(0.05)
        return self

    def journalctl(self, *args):
        return ["journalctl", "--namespace", self.name, "--no-pager"] + list(args)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if os.path.exists(self.conf_path):
            os.unlink(self.conf_path)
        with open("/etc/machine-id") as f:
            machine = f.read().strip()
        for base in ("/var/log/journal", "/run/log/journal"):
            shutil.rmtree(os.path.join(base, machine + "." + self.name), ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
