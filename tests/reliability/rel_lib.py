"""Helpers of the reliability tests and commands: a site (root-owned folder with
logonacl.conf, the approved list and a PAM service folder), a journald of our
own (a journal namespace), and running a command whose journal socket is that
journald's (a private mount namespace with /run/systemd/journal/socket
bind-mounted), so that the module's entries, a SIGSTOP or a flood touch no
other test's journal."""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from logonacl_test import NamespaceJournald as _NamespaceJournald, write_file  # noqa: E402,F401


class NamespaceJournald(_NamespaceJournald):
    def __init__(self, prefix="logonaclrel", conf=None):
        super().__init__(prefix, conf)


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
        # libpam reads "other" too and logs an error through syslog(3) when it is missing:
        # with a stalled /dev/log that alone would hang the test's client.
        write_file(os.path.join(self.pamdir, "other"), "auth required pam_deny.so\naccount required pam_deny.so\n")

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def with_journal_socket(sock, cmd):
    """cmd, run where /run/systemd/journal/socket is sock (a private mount namespace)."""
    script = 'mount --bind "$1" %s && shift && exec "$@"' % SYSTEM_SOCKET
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", sock] + list(cmd)
