"""Suite 'boot' (issue 9, SPEC §7): the Debian package on a system booted with
systemd as PID 1 (tests/boot/booted.py), tested through that system only.

  - apt-get install starts logonacl-alertd as user logonacl (group
    systemd-journal) under the shipped unit and sandbox;
  - with [alert] set, a real sshd logon from an unapproved address reaches the
    SMTP server as an alert mail (the sandbox lets alertd read the journal,
    write its state and talk SMTP);
  - `systemctl reload` reaches alertd as SIGHUP: same PID, the next mail goes to
    the recipient the reloaded file names;
  - `pam-auth-update --enable logonacl` puts the module in common-account and the
    real sshd of that system logs (allow-and-log) and blocks (block-and-log) as
    configured, with the journal fields of SPEC §4;
  - `journalctl -x` shows the catalog's text for the entry;
  - a stopped (SIGSTOP) alertd is killed by the watchdog and restarted;
  - `apt-get purge logonacl` leaves no file, user, process or PAM line behind.

Needs root, mmdebstrap and the package archive (the root filesystem is built
from it each run, ~30 s); exits 77 (skipped) without them.  Takes 1.5-3 minutes.
Runs in the plain suite only.
"""

import email
import email.policy
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("LOGONACL_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from booted import Booted  # noqa: E402

SMTP_SERVER = os.path.join(SOURCE_DIR, "tests", "lib", "smtp_server.py")
CATALOG = os.path.join(SOURCE_DIR, "packaging", "catalog", "logonacl.catalog")
PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "libpam-runtime", "libcurl4"]
UNIT = "logonacl-alertd.service"
MID_LOGGED = "53a044f2764e49b6af7a20856db4de85"
MID_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
MID_ALLOWED = "7798a78dc57742739e9ec866817a4c5b"
APPROVED_IP, UNAPPROVED_IP = "203.0.113.10", "198.51.100.1"
ADMIN_BLOCKED_TEXT = ("Your IP address was rejected by IP restrictions, so you cannot log on from this IP address. "
                      "Contact your administrator.")
USER = "alice"
# The shipped WatchdogSec=60s would make the hang test wait a minute; a drop-in
# shortens it (alertd pings at half of whatever WATCHDOG_USEC systemd gives it).
WATCHDOG_DROPIN = "[Service]\nWatchdogSec=6s\n"
# Paths whose content a package install and purge may change without it being a
# trace of the package (dpkg/apt databases, the journal, caches, backups).
SNAPSHOT_SKIP = re.compile(r"^/(var/(log|cache|lib/dpkg|lib/apt|lib/systemd/catalog|lib/systemd/deb-systemd-)|"
                           r"etc/(ld\.so\.cache|.*-$))")


def catalog_subject(message_id):
    with open(CATALOG, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^-- %s\s*$\s*^Subject:\s*(.+)$" % message_id, text, re.M)
    return m.group(1).strip()


class BootedSystemTest(unittest.TestCase):
    """The steps run in order on one booted system (test_1_ ... test_7_)."""

    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.tmp = tempfile.mkdtemp(prefix="logonacl-boottest-%d-" % os.getpid())
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.logf = open(os.path.join(cls.tmp, "boot.log"), "w+")
        cls.addClassCleanup(cls.logf.close)
        cls.addClassCleanup(cls.dump_log)
        cls.sys = Booted(PACKAGES, cls.logf)
        cls.addClassCleanup(cls.sys.stop)
        cls.step("mmdebstrap and build-deb.sh --worktree")
        cls.sys.start_build()
        cls.deb = cls.build_deb()
        cls.step("deb built")
        cls.sys.finish_build()
        shutil.copy(cls.deb, os.path.join(cls.sys.root, "var/tmp/logonacl.deb"))
        cls.step("boot")
        cls.sys.boot()
        cls.step("booted")
        # Client addresses on the system's own loopback: sshd sees the address the client bound.
        for ip in (APPROVED_IP, UNAPPROVED_IP):
            cls.sys.net(["ip", "addr", "add", ip + "/32", "dev", "lo"])
        cls.sys.run(["useradd", "-m", "-s", "/bin/sh", USER])
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(cls.tmp, "key")],
                       check=True)
        with open(os.path.join(cls.tmp, "key.pub")) as f:
            cls.sys.run(["sh", "-c", "mkdir -p ~%s/.ssh && cat > ~%s/.ssh/authorized_keys && chown -R %s: ~%s/.ssh"
                         % ((USER,) * 4)], input=f.read())
        cls.smtp_start()
        cls.before = cls.snapshot()

    @classmethod
    def step(cls, name):
        sys.stderr.write("[%5.1f s] %s\n" % (time.monotonic() - cls.t0, name))

    @classmethod
    def dump_log(cls):
        if os.environ.get("LOGONACL_BOOT_VERBOSE"):
            cls.logf.seek(0)
            sys.stderr.write(cls.logf.read())

    @classmethod
    def build_deb(cls):
        out = os.path.join(cls.tmp, "out")
        # A session of its own: interrupted, the whole build gets TERM and build-deb.sh
        # removes its scratch folder.
        p = subprocess.Popen([os.path.join(SOURCE_DIR, "packaging", "build-deb.sh"), "--worktree"],
                             env=dict(os.environ, LOGONACL_DEB_OUT=out), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output = p.communicate()[0]
        except BaseException:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
            raise
        if p.returncode != 0:
            raise AssertionError("build-deb.sh failed:\n" + output)
        return output.strip().splitlines()[-1]

    @classmethod
    def smtp_start(cls):
        cls.maildir = os.path.join(cls.tmp, "mail")
        port_file = os.path.join(cls.tmp, "port")
        cls.smtp = cls.sys.popen_net(["/usr/bin/python3", SMTP_SERVER, "--maildir", cls.maildir,
                                      "--port-file", port_file], stdout=subprocess.DEVNULL, stderr=cls.logf)
        cls.addClassCleanup(cls.smtp_stop)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if cls.smtp.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("SMTP server did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            cls.smtp_port = int(f.read())

    @classmethod
    def smtp_stop(cls):
        if cls.smtp.poll() is None:
            cls.smtp.terminate()
            cls.smtp.wait(10)

    @classmethod
    def snapshot(cls):
        """{path: sha256 or type} of the booted system's root file system (one mount: no /proc, /run...)."""
        script = ("find / -xdev \\( -type f -printf 'f %p\\n' \\) -o \\( -type l -printf 'l %p -> %l\\n' \\) "
                  "-o -printf 'd %p\\n' | sort; "
                  "find /etc -xdev -type f -exec sha256sum {} + | sort -k2")
        out = cls.sys.run(["sh", "-c", script]).stdout
        return {line for line in out.splitlines()
                if not SNAPSHOT_SKIP.match(line.split()[-1] if line[:2] not in ("f ", "d ", "l ") else line[2:])}

    # -- helpers ----------------------------------------------------------------

    def mails(self, n, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            files = sorted(glob.glob(os.path.join(self.maildir, "[0-9]*.eml")))
            if len(files) >= n:
                break
            if time.monotonic() > deadline:
                self.fail("%d mails arrived in %d s, %d expected" % (len(files), timeout, n))
            time.sleep(0.1)
        out = []
        for eml in files:
            with open(eml, "rb") as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            with open(eml[:-4] + ".json") as f:
                out.append((msg, json.load(f)))
        return out

    def labelled(self, msg):
        return dict(l.split(": ", 1) for l in msg.get_content().splitlines() if ": " in l)

    def ssh(self, source):
        key = os.path.join(self.tmp, "key")
        return self.sys.net(["ssh", "-F", "/dev/null", "-i", key, "-b", source, "-o", "BatchMode=yes",
                             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                             "-o", "ConnectTimeout=30", "%s@%s" % (USER, source), "echo logged-on"],
                            check=False, timeout=60)

    def entries(self, *matches):
        r = self.sys.run(["journalctl", "-o", "json", "--no-pager", "SYSLOG_IDENTIFIER=pam_logonacl",
                          "LOGONACL_USER=" + USER] + list(matches))
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def write_conf(self, action, email_to):
        self.sys.write("/etc/logonacl/logonacl.conf",
                       "[admin]\naction = %s\nservices = sshd\n"
                       "[alert]\nemail = %s\nsmtp_url = smtp://127.0.0.1:%d\nsmtp_starttls = no\n"
                       % (action, email_to, self.smtp_port))
        self.sys.run(["logonaclctl", "check"])

    # -- the steps --------------------------------------------------------------

    def test_1_install_starts_alertd_sandboxed(self):
        self.step("apt-get install")
        self.sys.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "/var/tmp/logonacl.deb"])
        self.assertEqual(self.sys.show(UNIT, "ActiveState"), "active")
        pid = self.sys.show(UNIT, "MainPID")
        status = self.sys.run(["cat", "/proc/%s/status" % pid]).stdout
        uid = self.sys.run(["id", "-u", "logonacl"]).stdout.strip()
        journal_gid = self.sys.run(["getent", "group", "systemd-journal"]).stdout.split(":")[2]
        self.assertRegex(status, r"(?m)^Uid:\t%s\t%s\t" % (uid, uid))
        self.assertIn(journal_gid, re.search(r"(?m)^Groups:\t(.*)$", status).group(1).split())
        self.assertRegex(status, r"(?m)^NoNewPrivs:\t1$")
        self.assertRegex(status, r"(?m)^CapEff:\t0+$")
        self.assertRegex(status, r"(?m)^Seccomp:\t2$")
        # The state file is written by alertd in its StateDirectory, readable by it alone.
        self.sys.run(["test", "-f", "/var/lib/logonacl/alertd.state"])
        ls = self.sys.run(["stat", "-c", "%U %a", "/var/lib/logonacl"]).stdout.split()
        self.assertEqual(ls, ["logonacl", "700"])
        sec = self.sys.run(["systemd-analyze", "security", "--no-pager", UNIT]).stdout
        exposure = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", sec).group(1))
        self.step("systemd-analyze security: %.1f" % exposure)
        self.assertLess(exposure, 2.0, sec[-400:])

    def test_2_pam_auth_update_and_a_logged_logon_mails(self):
        self.step("pam-auth-update --enable logonacl; allow-and-log")
        self.sys.run(["pam-auth-update", "--enable", "logonacl"])
        account = self.sys.run(["cat", "/etc/pam.d/common-account"]).stdout
        self.assertRegex(account, r"(?m)^account\s+required\s+pam_logonacl\.so\s*$")
        self.write_conf("allow-and-log", "secops@example.com")
        pid = self.sys.show(UNIT, "MainPID")
        self.sys.run(["systemctl", "reload", UNIT])
        self.assertEqual(self.sys.show(UNIT, "MainPID"), pid)
        r = self.ssh(UNAPPROVED_IP)
        self.assertEqual((r.returncode, r.stdout), (0, "logged-on\n"), r.stderr)
        msg, env = self.mails(1)[0]
        self.assertEqual(env["rcpt_tos"], ["secops@example.com"])
        lab = self.labelled(msg)
        self.assertEqual((lab["Account"], lab["Client IP"], lab["Action Taken"], lab["Service"], lab["Host"]),
                         (USER, UNAPPROVED_IP, "Allow and log", "sshd", "boottest"))
        self.assertEqual(msg["Subject"], "boottest detected access from an unapproved IP address")
        e = self.entries("MESSAGE_ID=" + MID_LOGGED)
        self.assertEqual(len(e), 1)
        self.assertEqual({k: e[0].get(k) for k in ("LOGONACL_CLIENT_IP", "LOGONACL_CHANNEL", "LOGONACL_SERVICE",
                                                     "LOGONACL_ACTION", "LOGONACL_STAGE", "_UID")},
                         {"LOGONACL_CLIENT_IP": UNAPPROVED_IP, "LOGONACL_CHANNEL": "admin",
                          "LOGONACL_SERVICE": "sshd", "LOGONACL_ACTION": "allow-and-log",
                          "LOGONACL_STAGE": "account", "_UID": "0"})

    def test_3_reload_and_block(self):
        self.step("logonaclctl add; block-and-log; systemctl reload")
        self.sys.run(["logonaclctl", "add", APPROVED_IP])
        self.write_conf("block-and-log", "oncall@example.com")
        pid = self.sys.show(UNIT, "MainPID")
        self.sys.run(["systemctl", "reload", UNIT])
        r = self.ssh(UNAPPROVED_IP)
        self.assertEqual(r.returncode, 255, r.stdout + r.stderr)
        self.assertNotIn("logged-on", r.stdout)
        self.assertIn(ADMIN_BLOCKED_TEXT, r.stderr)
        r = self.ssh(APPROVED_IP)
        self.assertEqual((r.returncode, r.stdout), (0, "logged-on\n"), r.stderr)
        # SIGHUP, not a restart: the same process mails the reloaded recipient.
        msg, env = self.mails(2)[1]
        self.assertEqual(self.sys.show(UNIT, "MainPID"), pid)
        self.assertEqual(env["rcpt_tos"], ["oncall@example.com"])
        self.assertEqual(self.labelled(msg)["Action Taken"], "Block and log")
        blocked = self.entries("MESSAGE_ID=" + MID_BLOCKED)
        self.assertEqual([(b["LOGONACL_CLIENT_IP"], b["LOGONACL_RESULT"], b["LOGONACL_ACTION"]) for b in blocked],
                         [(UNAPPROVED_IP, "blocked", "block-and-log")])
        allowed = self.entries("MESSAGE_ID=" + MID_ALLOWED)
        self.assertEqual([(a["LOGONACL_CLIENT_IP"], a["LOGONACL_RESULT"]) for a in allowed],
                         [(APPROVED_IP, "allowed")])
        self.assertRegex(allowed[0]["LOGONACL_MATCHED_SOURCE"], r"^/etc/logonacl/approved:[0-9]+$")

    def test_4_journalctl_x_shows_the_catalog(self):
        out = self.sys.run(["journalctl", "-x", "--no-pager", "MESSAGE_ID=" + MID_BLOCKED]).stdout
        subject = catalog_subject(MID_BLOCKED).replace("@LOGONACL_CHANNEL@", "admin")
        self.assertIn("Subject: " + subject, out)
        self.assertIn("logonaclctl add " + UNAPPROVED_IP, out)

    def test_5_watchdog_restarts_a_hung_alertd(self):
        self.step("watchdog")
        self.sys.run(["mkdir", "-p", "/run/systemd/system/%s.d" % UNIT])
        self.sys.write("/run/systemd/system/%s.d/watchdog.conf" % UNIT, WATCHDOG_DROPIN)
        self.sys.run(["systemctl", "daemon-reload"])
        self.sys.run(["systemctl", "restart", UNIT])
        pid = self.sys.show(UNIT, "MainPID")
        restarts = int(self.sys.show(UNIT, "NRestarts"))
        self.sys.run(["kill", "-STOP", pid])
        deadline = time.monotonic() + 120
        while not (int(self.sys.show(UNIT, "NRestarts")) > restarts and self.sys.show(UNIT, "ActiveState") == "active"):
            if time.monotonic() > deadline:
                self.fail("alertd was not restarted")
            time.sleep(0.2)
        self.assertNotEqual(self.sys.show(UNIT, "MainPID"), pid)
        log = self.sys.run(["journalctl", "--no-pager", "-u", UNIT, "-o", "cat"]).stdout
        self.assertIn("Failed with result 'watchdog'", log)
        # The new instance works: the next blocked logon is mailed.
        self.ssh(UNAPPROVED_IP)
        self.assertEqual(self.labelled(self.mails(3)[2][0])["Client IP"], UNAPPROVED_IP)
        self.sys.run(["rm", "-r", "/run/systemd/system/%s.d" % UNIT])
        self.sys.run(["systemctl", "daemon-reload"])

    def test_6_purge_leaves_nothing(self):
        self.step("apt-get purge")
        uid = self.sys.run(["id", "-u", "logonacl"]).stdout.strip()
        self.sys.run(["apt-get", "purge", "-y", "-q", "logonacl"])
        self.sys.run(["rm", "/var/tmp/logonacl.deb"])
        after = self.snapshot()
        self.assertEqual(sorted(after - self.before), [])
        self.assertEqual(sorted(self.before - after), ["f /var/tmp/logonacl.deb"])
        self.assertEqual(self.sys.run(["getent", "passwd", "logonacl"], check=False).returncode, 2)
        self.assertEqual(self.sys.run(["getent", "group", "logonacl"], check=False).returncode, 2)
        owners = self.sys.run(["sh", "-c", "stat -c %u /proc/[0-9]*"], check=False).stdout.split()
        self.assertNotIn(uid, owners)
        self.assertEqual(self.sys.run(["systemctl", "cat", UNIT], check=False).returncode, 1)
        self.step("done")


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    if os.environ.get("LOGONACL_SANITIZE", "none") != "none":
        print("SKIP: the package is built without sanitizers; the plain run covers it")
        return 77
    if os.geteuid() != 0:
        print("SKIP: booting a system needs root")
        return 77
    for tool in ["mmdebstrap", "dpkg-buildpackage", "lintian", "unshare", "nsenter", "ssh", "ip"]:
        if shutil.which(tool) is None:
            print("SKIP: %s is missing" % tool)
            return 77
    # A SIGTERM (meson's timeout, ^C in a terminal) still takes everything down.
    signal.signal(signal.SIGTERM, interrupted)
    try:
        r = unittest.main(exit=False, verbosity=2).result
    except KeyboardInterrupt:
        BootedSystemTest.doClassCleanups()
        print("interrupted; cleaned up")
        return 1
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
