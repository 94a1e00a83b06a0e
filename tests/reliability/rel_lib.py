"""Helpers of the reliability tests and commands: a site (root-owned folder with
logonacl.conf, the approved list and a PAM service folder), a journald of our
own (a journal namespace), and running a command whose journal socket is that
journald's (a private mount namespace with /run/systemd/journal/socket
bind-mounted), so that the module's entries, a SIGSTOP or a flood touch no
other test's journal."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from logonacl_test import write_file  # noqa: E402,F401

PAM_DEBUG = "/lib/x86_64-linux-gnu/security/pam_debug.so"
SYSTEM_SOCKET = "/run/systemd/journal/socket"


def service_file(module, conf):
    """The module's result passes through; PAM_IGNORE reaches the client as
    PAM_AUTHINFO_UNAVAIL through pam_debug (as in tests/pam)."""
    return ("account [success=done ignore=ignore default=die] %s conf=%s\n"
            "account requisite %s acct=authinfo_unavail\n" % (module, conf, PAM_DEBUG))


class Site:
    def __init__(self, module, action="block-and-log", approved="198.51.100.0/24\n", prefix="logonacl-rel-"):
        self.root = tempfile.mkdtemp(prefix="%s%d-" % (prefix, os.getpid()))
        os.chmod(self.root, 0o755)
        self.conf = os.path.join(self.root, "logonacl.conf")
        self.approved = os.path.join(self.root, "approved")
        self.dropins = os.path.join(self.root, "approved.d")
        self.pamdir = os.path.join(self.root, "pam.d")
        os.mkdir(self.pamdir, 0o755)
        write_file(self.approved, approved)
        write_file(self.conf, "[general]\napproved_file = %s\napproved_dir = %s\n"
                   "[admin]\naction = %s\nservices = sshd\n" % (self.approved, self.dropins, action))
        write_file(os.path.join(self.pamdir, "sshd"), service_file(module, self.conf))

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def listening(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class NamespaceJournald:
    """systemd-journald for journal namespace NAME (its own socket and files)."""

    def __init__(self, prefix="logonaclrel", conf=None):
        self.name = "%s%d%s" % (prefix, os.getpid(), uuid.uuid4().hex[:6])
        self.run_dir = "/run/systemd/journal." + self.name
        self.socket = os.path.join(self.run_dir, "socket")
        self.conf = conf                # journald.conf text for this namespace, or None
        self.conf_path = "/etc/systemd/journald@%s.conf" % self.name
        self.proc = None

    def start(self):
        if self.conf is not None:
            write_file(self.conf_path, self.conf)
        self.proc = subprocess.Popen(["/lib/systemd/systemd-journald", self.name], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not listening(self.socket):
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


def with_journal_socket(sock, cmd):
    """cmd, run where /run/systemd/journal/socket is sock (a private mount namespace)."""
    script = 'mount --bind "$1" %s && shift && exec "$@"' % SYSTEM_SOCKET
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", sock] + list(cmd)
