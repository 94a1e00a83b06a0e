"""alertd: credentials never travel without TLS, and never a mail without the
AUTH it was told to use (SPEC §5, issues 8.4 and 14.7); `logonaclctl check`
reports the same configuration errors alertd refuses to start with."""

import os
import subprocess
import unittest

import logonacl_test as lt
from alertd_harness import *

T0 = usec("2023-11-01 00:00:00")


def ctl_exe():
    return os.path.join(lt.build_dir(), "logonaclctl", "logonaclctl")


class AuthTest(CertsTestCase):
    def setUp(self):
        tmp_cm = lt.root_tmpdir("alertd-auth-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)     # also when setUp fails
        self.jdir = os.path.join(self.tmp, "journal")
        self.state = os.path.join(self.tmp, "alertd.state")
        self.approved = lt.write_file(os.path.join(self.tmp, "approved"), "203.0.113.0/24\n", 0o644)
        self.password = lt.write_file(os.path.join(self.tmp, "password"), "s3cret\n", 0o640)
        make_journal(os.path.join(self.jdir, "x.journal"), [access(T0, user="u0")])

    def conf(self, port=25, **alert):
        folder = os.path.join(self.tmp, "conf")
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, 0o755)
        lines = ["[general]", "approved_file = " + self.approved, "approved_dir = " + os.path.join(self.tmp, "none"),
                 "[alert]", "email = secops@example.com", "smtp_url = smtp://127.0.0.1:%d" % port]
        lines += ["%s = %s" % kv for kv in alert.items()]
        return lt.write_file(os.path.join(folder, "logonacl.conf"), "\n".join(lines) + "\n", 0o644), len(lines)

    def check(self, conf):
        r = subprocess.run([ctl_exe(), "--config", conf, "check"], capture_output=True, text=True)
        return r.returncode, r.stderr

    def assert_refused(self, conf, line, text):
        """alertd exits 1 saying file:line: text, and check reports the very line."""
        r = run_alertd(conf, self.state, "--once", "--from-start", directory=self.jdir, check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(("%s:%d: %s" % (conf, line, text)).encode(), r.stderr)
        rc, err = self.check(conf)
        self.assertEqual(rc, 1, err)
        self.assertIn("%s:%d: %s" % (conf, line, text), err)

    def test_user_with_starttls_try_or_no_is_a_config_error(self):
        for starttls in ("try", "no"):
            with self.subTest(starttls=starttls):
                conf, n = self.conf(smtp_user="alertd", smtp_password_file=self.password, smtp_starttls=starttls)
                self.assert_refused(conf, n, 'smtp_user is set and smtp_url is smtp://, so smtp_starttls must be '
                                    '"required" ("%s" could send the password in clear)' % starttls)
        # The default (try) too: the line named is smtp_user's.
        conf, n = self.conf(smtp_user="alertd", smtp_password_file=self.password)
        self.assert_refused(conf, n - 1, "smtp_user is set and smtp_url is smtp://")

    def test_password_file_missing_or_readable_by_others(self):
        missing = os.path.join(self.tmp, "nope")
        conf, n = self.conf(smtp_user="alertd", smtp_starttls="required", smtp_password_file=missing)
        self.assert_refused(conf, n, "smtp_password_file %s: No such file or directory" % missing)
        os.chmod(self.password, 0o644)
        conf, n = self.conf(smtp_user="alertd", smtp_starttls="required", smtp_password_file=self.password)
        self.assert_refused(conf, n, "smtp_password_file %s: mode 0644 lets others read or change the password "
                            "(make it root:logonacl 0640)" % self.password)
        os.chmod(self.password, 0o640)
        missing_ca = os.path.join(self.tmp, "ca.pem")
        conf, n = self.conf(smtp_ca_file=missing_ca)
        self.assert_refused(conf, n, "smtp_ca_file %s: No such file or directory" % missing_ca)

    def test_trusted_users(self):
        conf, n = self.conf(trusted_users="logonacl-nobody-%d, root" % os.getpid())
        rc, err = self.check(conf)
        self.assertEqual(rc, 0, err)
        self.assertIn('logonaclctl: warning: %s:%d: trusted_users: unknown user "logonacl-nobody-%d", ignored'
                      % (conf, n, os.getpid()), err)
        conf, n = self.conf(trusted_users="logonacl-nobody-%d" % os.getpid())
        self.assert_refused(conf, n, "trusted_users: no user in it exists, so no logonacl entry would count")

    def test_no_auth_offered_sends_nothing(self):
        smtp = SmtpServer(self.tmp, "--starttls", "required", "--tls-cert", os.path.join(self.certs, "server.pem"),
                          "--tls-key", os.path.join(self.certs, "server.key"), "--no-auth").start()
        self.addCleanup(smtp.stop)
        conf, _ = self.conf(smtp.port, smtp_user="alertd", smtp_password_file=self.password,
                            smtp_starttls="required", smtp_ca_file=os.path.join(self.certs, "ca.pem"))
        cursor = lt.journal_cursor()
        r = run_alertd(conf, self.state, "--once", "--from-start", directory=self.jdir, check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        failed = own_entries(cursor, "MESSAGE_ID=" + MID_FAILED, "_PID=%d" % r.pid, count=1)
        self.assertEqual(len(failed), 1)
        self.assertIn("offered no AUTH", failed[0]["LOGONACL_SMTP_ERROR"])
        self.assertEqual(smtp.messages(), [])
        self.assertEqual(smtp.attempts(), [])       # not even the DATA phase began

    def test_starttls_required_but_not_offered_is_permanent(self):
        smtp = SmtpServer(self.tmp).start()
        self.addCleanup(smtp.stop)
        conf, _ = self.conf(smtp.port, smtp_starttls="required")
        cursor = lt.journal_cursor()
        r = run_alertd(conf, self.state, "--once", "--from-start", directory=self.jdir, check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        failed = own_entries(cursor, "MESSAGE_ID=" + MID_FAILED, "_PID=%d" % r.pid, count=1)
        self.assertIn("offered no STARTTLS", failed[0]["LOGONACL_SMTP_ERROR"])
        self.assertEqual(smtp.messages(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
