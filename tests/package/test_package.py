"""Suite 'package' (SPEC §7): the Debian package, through its installed files only.

Builds the .deb from the work tree (packaging/build-deb.sh --worktree, lintian
included), installs it with apt-get install ./logonacl_*.deb (no download: its
dependencies are there), then checks what an administrator sees:
files and user in place, `logonaclctl check` passes on the shipped
configuration, pam-auth-update puts `account required pam_logonacl.so` in the
Additional block of common-account, a logon through /etc/pam.d/<test service>
and the installed module gives the expected decision, journal entry and
catalog text, and `apt-get purge` (dpkg --purge) leaves nothing behind.

Run with /usr/bin/python3 as root; exits 77 (skipped) when not root, when
dpkg-buildpackage is missing, or when a logonacl package is already installed
(the test would remove the administrator's copy).
"""

import contextlib
import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("LOGONACL_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "lib"))
import logonacl_test as lt  # noqa: E402

SERVICE = "logonacl-pkgtest"
SERVICE_FILE = "/etc/pam.d/" + SERVICE
PAM_SET_ITEMS = "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
MSG_ALLOWED = "7798a78dc57742739e9ec866817a4c5b"
MSG_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
ADMIN_BLOCKED_TEXT = ("Your IP address was rejected by IP restrictions, so you cannot log on "
                      "from this IP address. Contact your administrator.")
# pam-auth-update rewrites these; the test restores them byte for byte.
PAM_STATE_FILES = ["/etc/pam.d/common-auth", "/etc/pam.d/common-account", "/etc/pam.d/common-session",
                   "/etc/pam.d/common-session-noninteractive", "/etc/pam.d/common-password"]
PAM_STATE_DIR = "/var/lib/pam"
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"]


def run(cmd, check=True, env=None, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\nstdout:\n%s\nstderr:\n%s" % (cmd, r.returncode, r.stdout, r.stderr))
    return r


def package_installed():
    r = run(["dpkg-query", "-W", "-f=${Status}", "logonacl"], check=False)
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


def catalog_subject(path, message_id):
    """The Subject: line of message_id's entry in a journald catalog file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^-- %s\s*$(.*?)(?=^-- |\Z)" % message_id, text, re.M | re.S)
    assert m, "%s has no entry for %s" % (path, message_id)
    s = re.search(r"^Subject:\s*(.+)$", m.group(1), re.M)
    assert s, "catalog entry %s has no Subject:" % message_id
    return s.group(1).strip()


@contextlib.contextmanager
def journal_readable_by_group(group):
    """On a booted system systemd-tmpfiles gives the journal folders and files to
    group systemd-journal; a journald started by hand (as in CI) leaves them
    root:root.  Lend them to the group as tmpfiles would, then put back exactly
    what was there."""
    gid = grp.getgrnam(group).gr_gid
    saved = []
    for top in ["/run/log/journal", "/var/log/journal"]:
        for root, dirs, names in os.walk(top):
            for path in [root] + [os.path.join(root, n) for n in names]:
                st = os.lstat(path)
                if not stat.S_ISDIR(st.st_mode) and not path.endswith(".journal"):
                    continue
                saved.append((path, st.st_gid, stat.S_IMODE(st.st_mode)))
                os.chown(path, -1, gid)
                os.chmod(path, stat.S_IMODE(st.st_mode) | (0o050 if stat.S_ISDIR(st.st_mode) else 0o040))
    try:
        yield
    finally:
        for path, old_gid, old_mode in saved:
            try:
                os.chown(path, -1, old_gid)
                os.chmod(path, old_mode)
            except FileNotFoundError:
                pass  # rotated away meanwhile


class PackageLifecycle(unittest.TestCase):
    """One ordered scenario: build, install, use, purge.  Steps share state, so
    they run as one test method with subTests for readable failures."""

    def setUp(self):
        lt.ensure_journald()
        self.work = tempfile.mkdtemp(prefix="logonacl-pkgtest-")
        os.chmod(self.work, 0o755)
        self.pam_backup = os.path.join(self.work, "pam-backup")
        os.mkdir(self.pam_backup)
        for f in PAM_STATE_FILES:
            if os.path.exists(f):
                shutil.copy2(f, self.pam_backup)
        shutil.copytree(PAM_STATE_DIR, os.path.join(self.pam_backup, "var-lib-pam"))

    def tearDown(self):
        if os.path.exists(SERVICE_FILE):
            os.unlink(SERVICE_FILE)
        if package_installed():
            run(APT + ["purge", "logonacl"], check=False)
        for f in PAM_STATE_FILES:
            saved = os.path.join(self.pam_backup, os.path.basename(f))
            if os.path.exists(saved):
                shutil.copy2(saved, f)
        shutil.rmtree(PAM_STATE_DIR)
        shutil.copytree(os.path.join(self.pam_backup, "var-lib-pam"), PAM_STATE_DIR)
        shutil.rmtree(self.work, ignore_errors=True)

    # -- steps ---------------------------------------------------------------

    def build(self):
        out = os.path.join(self.work, "out")
        env = dict(os.environ, LOGONACL_DEB_OUT=out)
        # LOGONACL_PKG_SOURCE=head builds the last commit instead of the work tree.
        args = [] if os.environ.get("LOGONACL_PKG_SOURCE") == "head" else ["--worktree"]
        r = run([os.path.join(SOURCE_DIR, "packaging", "build-deb.sh")] + args, env=env)
        sys.stderr.write(r.stdout)  # lintian's warnings, for the log
        deb = r.stdout.strip().splitlines()[-1]
        self.assertTrue(deb.endswith(".deb") and os.path.isfile(deb), r.stdout)
        self.assertNotRegex(r.stdout, r"(?m)^E: ", "lintian errors")
        return deb

    def install(self, deb):
        # apt-get waits for a dpkg lock held by another installer; dpkg -i would fail.
        r = run(APT + ["install", "--no-install-recommends", deb])
        self.assertTrue(package_installed(), r.stdout + r.stderr)
        files = run(["dpkg", "-L", "logonacl"]).stdout.split("\n")
        return [f for f in files if f and f != "/."]

    def check_installed_files(self, files):
        module = [f for f in files if f.endswith("/security/pam_logonacl.so")]
        self.assertEqual(len(module), 1, "pam_logonacl.so in the PAM module folder")
        for must in ["/usr/sbin/logonaclctl", "/usr/sbin/logonacl-alertd",
                     "/lib/systemd/system/logonacl-alertd.service",
                     "/usr/lib/systemd/catalog/logonacl.catalog",
                     "/usr/lib/sysusers.d/logonacl.conf", "/usr/lib/tmpfiles.d/logonacl.conf",
                     "/usr/share/pam-configs/logonacl", "/etc/logonacl/logonacl.conf",
                     "/usr/share/man/man8/pam_logonacl.8.gz", "/usr/share/man/man5/logonacl.conf.5.gz",
                     "/usr/share/man/man8/logonacl-alertd.8.gz", "/usr/share/man/man8/logonaclctl.8.gz"]:
            self.assertIn(must, files)
            self.assertTrue(os.path.exists(must), must)
        # Created by postinst, not shipped: the approved list is admin data.
        st = os.stat("/etc/logonacl/approved")
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o644))
        self.assertTrue(os.path.isdir("/etc/logonacl/approved.d"))
        user = pwd.getpwnam("logonacl")
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        st = os.stat("/var/lib/logonacl")
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (user.pw_uid, 0o700))
        # dh_installsystemd enabled the unit even though systemd is not running here.
        self.assertTrue(os.path.islink("/etc/systemd/system/multi-user.target.wants/logonacl-alertd.service"))
        # Installing changed no logon: the profile is registered but off.
        with open("/etc/pam.d/common-account") as f:
            self.assertNotIn("pam_logonacl", f.read())
        return module[0]

    def check_shipped_config(self):
        r = run(["/usr/sbin/logonaclctl", "check"], check=False)
        self.assertEqual(r.returncode, 0, "logonaclctl check on the shipped files:\n" + r.stdout + r.stderr)

    def check_pam_auth_update(self):
        run(["pam-auth-update", "--package", "--enable", "logonacl"])
        with open("/etc/pam.d/common-account") as f:
            lines = [l for l in f.read().splitlines() if l.strip() and not l.startswith("#")]
        ours = [i for i, l in enumerate(lines) if "pam_logonacl.so" in l]
        self.assertEqual(len(ours), 1, lines)
        self.assertEqual(lines[ours[0]].split(), ["account", "required", "pam_logonacl.so"])
        # After the primary block and the pam_permit primer, so that its
        # PAM_PERM_DENIED fails the stack and its PAM_IGNORE changes nothing.
        permit = [i for i, l in enumerate(lines) if "pam_permit.so" in l]
        self.assertTrue(permit and permit[0] < ours[0], lines)
        run(["pam-auth-update", "--package", "--disable", "logonacl"])
        with open("/etc/pam.d/common-account") as f:
            self.assertNotIn("pam_logonacl", f.read())
        # Left on for the reinstall and purge steps (the shipped configuration
        # puts no service in a channel, so every stack gets PAM_IGNORE from it).
        run(["pam-auth-update", "--package", "--enable", "logonacl"])

    def check_reinstall(self, deb):
        """An upgrade (here a reinstall) keeps the administrator's approved list
        and the profile's state."""
        run(["/usr/sbin/logonaclctl", "add", "192.0.2.0/24"])
        run(APT + ["install", "--reinstall", "--no-install-recommends", deb])
        with open("/etc/logonacl/approved") as f:
            self.assertIn("192.0.2.0/24", f.read().split())
        with open("/etc/pam.d/common-account") as f:
            self.assertIn("pam_logonacl.so", f.read())

    def check_logon(self, module_path):
        conf_dir = os.path.join(self.work, "conf")
        os.mkdir(conf_dir, 0o755)
        os.mkdir(os.path.join(conf_dir, "approved.d"), 0o755)
        lt.write_file(os.path.join(conf_dir, "approved"), "203.0.113.0/24\n")
        conf = lt.write_file(os.path.join(conf_dir, "logonacl.conf"),
                             "[general]\napproved_file = %s/approved\napproved_dir = %s/approved.d\n\n"
                             "[admin]\naction = block-and-log\nservices = %s\n" % (conf_dir, conf_dir, SERVICE))
        # The installed module by name, found in libpam's own module folder.
        lt.write_file(SERVICE_FILE,
                      "account required %s\n"
                      "account required pam_logonacl.so conf=%s\n"
                      "account required pam_permit.so\n" % (PAM_SET_ITEMS, conf))
        cursor = lt.journal_cursor()

        def logon(rhost):
            env = dict(os.environ, PAM_RHOST=rhost)
            return run(["pamtester", SERVICE, "pkgtest-user", "acct_mgmt"], check=False, env=env)

        ok = logon("203.0.113.10")
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        bad = logon("198.51.100.7")
        self.assertNotEqual(bad.returncode, 0, bad.stdout + bad.stderr)
        self.assertIn(ADMIN_BLOCKED_TEXT, bad.stdout + bad.stderr)

        allowed = lt.journal_entries("MESSAGE_ID=" + MSG_ALLOWED, "LOGONACL_SERVICE=" + SERVICE,
                                     after_cursor=cursor, count=1)
        blocked = lt.journal_entries("MESSAGE_ID=" + MSG_BLOCKED, "LOGONACL_SERVICE=" + SERVICE,
                                     after_cursor=cursor, count=1)
        self.assertEqual(len(allowed), 1)
        self.assertEqual(len(blocked), 1)
        self.assertEqual(allowed[0]["LOGONACL_MATCHED"], "203.0.113.0/24")
        b = blocked[0]
        self.assertEqual((b["LOGONACL_EVENT"], b["LOGONACL_CLIENT_IP"], b["LOGONACL_USER"], b["PRIORITY"]),
                         ("Administrator logon blocked", "198.51.100.7", "pkgtest-user", "4"))
        self.assertEqual(b["SYSLOG_IDENTIFIER"], "pam_logonacl")

        # journalctl -x explains the entry with the installed catalog, its
        # @FIELD@ references filled from the entry.  (No --after-cursor: with a
        # match journalctl 252 may return nothing; the service name is ours alone.)
        subject = catalog_subject("/usr/lib/systemd/catalog/logonacl.catalog", MSG_BLOCKED)
        subject = re.sub(r"@([A-Z0-9_]+)@", lambda m: b.get(m.group(1), ""), subject)
        x = run(["journalctl", "-x", "--no-pager", "-n", "1",
                 "MESSAGE_ID=" + MSG_BLOCKED, "LOGONACL_SERVICE=" + SERVICE]).stdout
        self.assertIn("Subject: " + subject, x)
        os.unlink(SERVICE_FILE)

    def check_alertd_as_its_user(self):
        """The unit's identity (User=logonacl, SupplementaryGroups=systemd-journal,
        StateDirectory=logonacl) is enough for alertd on the shipped configuration:
        it reads the system journal and saves its position.  systemd is not PID 1
        here, so setpriv stands in for the unit's credentials."""
        state = "/var/lib/logonacl/alertd.state"
        with journal_readable_by_group("systemd-journal"):
            r = run(["setpriv", "--reuid=logonacl", "--regid=logonacl", "--groups=systemd-journal",
                     "--inh-caps=-all", "--", "/usr/sbin/logonacl-alertd", "--once"], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The journal holds logonacl entries (check_logon wrote two), so there is a position.
        st = os.stat(state)
        self.assertEqual(st.st_uid, pwd.getpwnam("logonacl").pw_uid)
        self.assertEqual(st.st_mode & 0o077, 0, "state file readable by others")

    def purge(self, files):
        run(APT + ["purge", "logonacl"])
        self.assertFalse(package_installed())
        left = [f for f in files if os.path.lexists(f) and not os.path.isdir(f)]
        self.assertEqual(left, [], "files of the package left after purge")
        for gone in ["/etc/logonacl", "/var/lib/logonacl",
                     "/etc/systemd/system/multi-user.target.wants/logonacl-alertd.service"]:
            self.assertFalse(os.path.lexists(gone), gone)
        with self.assertRaises(KeyError):
            pwd.getpwnam("logonacl")
        with self.assertRaises(KeyError):
            grp.getgrnam("logonacl")
        catalog = run(["journalctl", "--list-catalog"]).stdout
        self.assertNotIn(MSG_BLOCKED, catalog)
        # prerm took the module out of the stack before its .so went away: a
        # "required" line naming a missing module would lock everybody out.
        with open("/etc/pam.d/common-account") as f:
            self.assertNotIn("pam_logonacl", f.read())
        with open(os.path.join(PAM_STATE_DIR, "seen")) as f:
            self.assertNotIn("logonacl", f.read().split())

    def step(self, name):
        now = time.monotonic()
        sys.stderr.write("[%5.1f s] %s\n" % (now - self.t0, name))

    def test_lifecycle(self):
        self.t0 = time.monotonic()
        self.step("build-deb.sh")
        deb = self.build()
        self.step("apt-get install ./deb")
        files = self.install(deb)
        module = self.check_installed_files(files)
        self.assertIn(MSG_BLOCKED, run(["journalctl", "--list-catalog"]).stdout)
        self.step("logonaclctl check")
        self.check_shipped_config()
        self.step("pam-auth-update")
        self.check_pam_auth_update()
        self.step("logons through the installed module")
        self.check_logon(module)
        self.step("logonacl-alertd --once as user logonacl")
        self.check_alertd_as_its_user()
        self.step("reinstall over an edited approved list")
        self.check_reinstall(deb)
        self.step("apt-get purge")
        self.purge(files)
        self.step("done")


def main():
    if os.environ.get("LOGONACL_SANITIZE", "none") != "none":
        print("SKIP: the package is built without sanitizers; the plain build's run covers it")
        return 77
    if os.geteuid() != 0:
        print("SKIP: the package test installs a package: run as root")
        return 77
    for tool in ["dpkg-buildpackage", "lintian", "pamtester", "pam-auth-update", "git"]:
        if shutil.which(tool) is None:
            print("SKIP: %s is missing" % tool)
            return 77
    if not os.path.exists(PAM_SET_ITEMS):
        print("SKIP: %s is missing (libpam-wrapper)" % PAM_SET_ITEMS)
        return 77
    if package_installed():
        print("SKIP: a logonacl package is installed already; not touching it")
        return 77
    r = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
