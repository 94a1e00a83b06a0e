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

JOURNAL_SOCKET = "/run/systemd/journal/socket"
JOURNALD = "/lib/systemd/systemd-journald"


def journald_listening():
    """True when a journald accepts datagrams on the socket (a stale socket file is not enough)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(JOURNAL_SOCKET)
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
