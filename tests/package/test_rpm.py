"""Suite 'package': the RPM spec builds (packaging/build-rpm.sh --worktree) and
the package holds the files of SPEC §7 at the RPM places, with its scriptlets.

On Debian there is no RPM database, so it is built with --nodeps and only
inspected (rpm -qp), not installed.  Exits 77 when rpmbuild or git is missing.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("LOGONACL_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))


class RpmSpec(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="logonacl-rpmtest-")

    def tearDown(self):
        shutil.rmtree(self.out, ignore_errors=True)

    def test_build_and_contents(self):
        args = [] if os.environ.get("LOGONACL_PKG_SOURCE") == "head" else ["--worktree"]
        r = subprocess.run([os.path.join(SOURCE_DIR, "packaging", "build-rpm.sh")] + args,
                           env=dict(os.environ, LOGONACL_RPM_OUT=self.out), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rpm = r.stdout.strip().splitlines()[-1]
        self.assertTrue(rpm.endswith(".x86_64.rpm") or rpm.endswith(".rpm"), r.stdout)

        files = subprocess.run(["rpm", "-qlp", rpm], capture_output=True, text=True, check=True).stdout.split()
        for must in ["/usr/sbin/logonacl-alertd", "/usr/sbin/logonaclctl",
                     "/etc/logonacl/logonacl.conf", "/etc/logonacl/approved", "/etc/logonacl/approved.d",
                     "/usr/lib/systemd/catalog/logonacl.catalog", "/usr/lib/sysusers.d/logonacl.conf",
                     "/usr/lib/tmpfiles.d/logonacl.conf"]:
            self.assertIn(must, files)
        self.assertTrue(any(f.endswith("/security/pam_logonacl.so") for f in files), files)
        self.assertTrue(any(f.endswith("/system/logonacl-alertd.service") for f in files), files)
        for page in ["man8/pam_logonacl.8", "man5/logonacl.conf.5", "man8/logonacl-alertd.8", "man8/logonaclctl.8"]:
            self.assertTrue(any(page in f for f in files), page)
        # pam-auth-update is Debian's: not in the RPM.
        self.assertFalse(any("pam-configs" in f for f in files), files)

        config = subprocess.run(["rpm", "-qcp", rpm], capture_output=True, text=True, check=True).stdout.split()
        self.assertEqual(sorted(config), ["/etc/logonacl/approved", "/etc/logonacl/logonacl.conf"])
        scripts = subprocess.run(["rpm", "-qp", "--scripts", rpm], capture_output=True, text=True, check=True).stdout
        self.assertIn("useradd -r -g logonacl", scripts)
        self.assertIn("journalctl --update-catalog", scripts)


def main():
    if os.environ.get("LOGONACL_SANITIZE", "none") != "none":
        print("SKIP: the package is built without sanitizers; the plain build's run covers it")
        return 77
    for tool in ["rpmbuild", "rpm", "git"]:
        if shutil.which(tool) is None:
            print("SKIP: %s is missing" % tool)
            return 77
    r = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
