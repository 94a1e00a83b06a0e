"""Suite 'e2e' (issue 9): real servers with the module built from this tree in
their PAM services, real clients from documentation addresses, alertd live
(tests/e2e/servers.py sets the stage).

Every channel through every action, the way the README's five-minute guide
goes: `none` (all let in, "allowed", no mail), `allow-and-log` (all let in,
"logged", one mail each), `logonaclctl log / suggest / add / what-if`, then
`block-and-log`: the approved client (203.0.113.10, 2001:db8:1::10) is let in,
the unapproved one (198.51.100.1) is refused the way each server refuses:

  ssh (password and public key)  admin message on the password prompt, exit 255
  curl imap://                   NO [AUTHENTICATIONFAILED], exit 67
  curl Apache /api/              200 / 403 (packaging/examples/apache-api.conf)
  curl Apache /api-no403/        200 / 401 (the same without AuthzSendForbiddenOnFailure)
  curl Apache /api-pam/          200 / 401 (AuthBasicProvider PAM alone)
  curl nginx auth_pam /api/      200 / 401

Journal entries are read by field from a journald namespace of the test's own;
alertd (from this build) follows it and its mails are read at the SMTP server.
Runs in the plain suite only; about a minute.  Exits 77 (skipped) when not root
or a server is missing (tests/deps.sh installs them).
"""

import os
import pwd
import re
import signal
import subprocess
import sys
import time
import unittest
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib"), os.path.join(HERE, "..", "alertd")]
import logonacl_test as lt  # noqa: E402
from alertd_harness import NamespaceJournald, SmtpServer, labelled, start_alertd  # noqa: E402
from servers import (APPROVED, CLIENT_V6, SERVER_V4, SERVER_V6, UNAPPROVED, Network, Servers,  # noqa: E402
                     run)

MID_ALLOWED = "7798a78dc57742739e9ec866817a4c5b"
MID_LOGGED = "53a044f2764e49b6af7a20856db4de85"
MID_BLOCKED = "d0cf6d6fb64045fc8f4061394c06dee8"
ADMIN_MSG = ("Your IP address was rejected by IP restrictions, so you cannot log on from this IP address. "
             "Contact your administrator.")
SOURCES = [APPROVED, UNAPPROVED, CLIENT_V6]
# (access, PAM service, channel)
ACCESSES = [("ssh-password", "sshd", "admin"), ("ssh-publickey", "sshd", "admin"), ("imap", "dovecot", "enduser"),
            ("apache", "logonacl-api", "api"), ("apache-no403", "logonacl-api", "api"),
            ("apache-pam", "logonacl-api-pam", "api"), ("nginx", "logonacl-nginx", "api")]
SERVER_LOG = {"ssh-password": "sshd", "ssh-publickey": "sshd", "imap": "dovecot", "apache": "apache",
              "apache-no403": "apache", "apache-pam": "apache", "nginx": "nginx"}
# Where each HTTP access goes.
HTTP = {"apache": (80, "/api/"), "apache-no403": (80, "/api-no403/"), "apache-pam": (80, "/api-pam/"),
        "nginx": (8080, "/api/")}
TOOLS = ["/usr/sbin/sshd", "/usr/sbin/dovecot", "/usr/sbin/apache2", "/usr/sbin/nginx", "/usr/bin/htpasswd",
         "/usr/lib/apache2/modules/mod_authnz_pam.so", "/usr/lib/nginx/modules/ngx_http_auth_pam_module.so",
         "/usr/bin/curl", "/usr/bin/ssh", "/usr/bin/sshpass", "/usr/bin/openssl"]
ACTIVITY = {"ssh-password": "Logon to Administrator Console", "ssh-publickey": "Logon to Administrator Console",
            "imap": "Logon to End User Console", "apache": "API Access", "apache-no403": "API Access",
            "apache-pam": "API Access", "nginx": "API Access"}


def pick_user():
    """alice (the README shows this run's output) unless the host has an alice:
    the private passwd would then hold two."""
    try:
        pwd.getpwnam("alice")
        return "e2e%d" % os.getpid()
    except KeyError:
        return "alice"


def server_of(source):
    return SERVER_V6 if ":" in source else SERVER_V4


def url_host(source):
    return "[%s]" % SERVER_V6 if ":" in source else SERVER_V4


class RealServersTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.tmpctx = lt.root_tmpdir("logonacl-e2e-%d-" % os.getpid())
        cls.tmp = cls.tmpctx.__enter__()
        cls.addClassCleanup(cls.tmpctx.__exit__, None, None, None)
        cls.user = pick_user()
        cls.password = "pw-" + uuid.uuid4().hex[:12]
        cls.uid = 64000 + os.getpid() % 1000
        build = lt.build_dir()
        cls.ctl_exe = os.path.join(build, "logonaclctl", "logonaclctl")
        module = os.path.join(build, "pam_logonacl", "pam_logonacl.so")

        cls.journald = NamespaceJournald()
        cls.journald.start()
        cls.addClassCleanup(cls.journald.stop)
        with open("/etc/machine-id") as f:
            cls.journal_files = os.path.join("/var/log/journal", f.read().strip() + "." + cls.journald.name)

        cls.smtp = SmtpServer(cls.tmp).start()
        cls.addClassCleanup(cls.smtp.stop)

        site = os.path.join(cls.tmp, "site")
        os.makedirs(site, mode=0o755)
        cls.approved = lt.write_file(os.path.join(site, "approved"), "")
        cls.conf = os.path.join(site, "logonacl.conf")
        cls.write_conf("none")

        cls.alertd = start_alertd(cls.conf, os.path.join(cls.tmp, "alertd.state"), "--namespace", cls.journald.name)
        cls.addClassCleanup(cls.stop_alertd)

        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(cls.tmp, "client_key")],
                       check=True)
        cls.net = Network()
        cls.addClassCleanup(cls.net.stop)
        cls.net.start()
        cls.servers = Servers(cls.tmp, cls.net, cls.journald.run_dir, module, cls.conf, cls.user, cls.password,
                              cls.uid)
        cls.addClassCleanup(cls.servers.stop)
        with open(os.path.join(cls.tmp, "client_key.pub")) as f:
            cls.servers.write_etc(f.read())
        cls.servers.start_all()
        cls.step("servers up")

    @classmethod
    def stop_alertd(cls):
        if cls.alertd.poll() is None:
            cls.alertd.send_signal(signal.SIGTERM)
            try:
                cls.alertd.wait(15)
            except subprocess.TimeoutExpired:
                cls.alertd.kill()
                cls.alertd.wait()
        cls.alertd.stdout.close()
        cls.alertd.stderr.close()

    @classmethod
    def step(cls, name):
        sys.stderr.write("[%5.1f s] %s\n" % (time.monotonic() - cls.t0, name))

    @classmethod
    def conf_text(cls, action):
        return ((
            "[general]\napproved_file = %s\napproved_dir = %s/approved.d\n"
            "[admin]\naction = %s\nservices = sshd\n"
            "[enduser]\naction = %s\nservices = dovecot\n"
            "[api]\naction = %s\nservices = logonacl-api logonacl-api-pam logonacl-nginx\n"
            "[alert]\nemail = secops@example.com\nthreshold = 50\nsmtp_url = smtp://127.0.0.1:%d\n"
            "smtp_starttls = no\ntrusted_users = root www-data\n"
            % (cls.approved, os.path.dirname(cls.approved), action, action, action, cls.smtp.port)))

    @classmethod
    def write_conf(cls, action):
        lt.write_file(cls.conf, cls.conf_text(action))

    # -- the clients -------------------------------------------------------------

    def ssh(self, source, how):
        base = ["ssh", "-F", "/dev/null", "-b", source, "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=30"]
        if how == "publickey":
            cmd = base + ["-i", os.path.join(self.tmp, "client_key"), "-o", "BatchMode=yes",
                          "-o", "PreferredAuthentications=publickey"]
        else:
            cmd = ["sshpass", "-p", self.password] + base + ["-o", "PubkeyAuthentication=no",
                                                             "-o", "PreferredAuthentications=keyboard-interactive"]
        return self.net.client(cmd + ["%s@%s" % (self.user, server_of(source)), "echo logged-on"])

    def imap(self, source):
        return self.net.client(["curl", "-sS", "-v", "--max-time", "30", "--interface", source,
                                "-u", "%s:%s" % (self.user, self.password), "imap://%s/" % url_host(source)])

    def http(self, source, kind):
        port, path = HTTP[kind]
        return self.net.client(["curl", "-sS", "--max-time", "30", "--interface", source, "-o", "/dev/null",
                                "-w", "%{http_code}", "-u", "%s:%s" % (self.user, self.password),
                                "http://%s:%d%sok.txt" % (url_host(source), port, path)])

    def access(self, kind, source):
        """-> (let in?, what the client saw)"""
        if kind.startswith("ssh-"):
            r = self.ssh(source, kind[4:])
            return r.returncode == 0 and r.stdout == "logged-on\n", r
        if kind == "imap":
            r = self.imap(source)
            return r.returncode == 0 and "INBOX" in r.stdout, r
        r = self.http(source, kind)
        return r.stdout == "200", r

    # -- what the test reads back ------------------------------------------------

    def entries(self, cursor=None, count=None):
        return lt.journal_entries("SYSLOG_IDENTIFIER=pam_logonacl", "LOGONACL_USER=" + self.user,
                                  after_cursor=cursor, count=count, timeout=30,
                                  extra_args=["--namespace", self.journald.name])

    def cursor(self):
        e = self.entries()
        return e[-1]["__CURSOR"] if e else None

    def ctl(self, *args):
        # No SSH_CONNECTION: set's lockout guard would take it for the caller's address.
        env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
        return run([self.ctl_exe, "--config", self.conf] + list(args), check=False, env=env)

    def run_phase(self, action, expect_in, configure=True):
        """Every access from every source under action (written to the configuration
        unless configure is false); checks the answers and the journal entries (one
        per access, by field), returns the entries."""
        if configure:
            self.write_conf(action)
        cursor = self.cursor()
        done = []
        for kind, service, channel in ACCESSES:
            for source in SOURCES:
                let_in, r = self.access(kind, source)
                want = expect_in(source)
                self.assertEqual(let_in, want, "%s %s from %s: %r\nserver log:\n%s"
                                 % (action, kind, source, r, self.servers.log(SERVER_LOG[kind])))
                done.append((kind, service, channel, source, want, r))
        got = self.entries(cursor, count=len(done))
        self.assertEqual(len(got), len(done), [e.get("MESSAGE") for e in got])
        for (kind, service, channel, source, let_in, _), e in zip(done, got):
            approved = source in (APPROVED, CLIENT_V6) and action == "block-and-log"
            event = ("allowed" if action == "none" or approved else "logged" if action == "allow-and-log"
                     else "blocked")
            mid = {"allowed": MID_ALLOWED, "logged": MID_LOGGED, "blocked": MID_BLOCKED}[event]
            self.assertEqual(
                {k: e.get(k) for k in ("MESSAGE_ID", "LOGONACL_SERVICE", "LOGONACL_CHANNEL", "LOGONACL_ACTION",
                                       "LOGONACL_CLIENT_IP", "LOGONACL_RHOST", "LOGONACL_STAGE", "LOGONACL_RESULT")},
                {"MESSAGE_ID": mid, "LOGONACL_SERVICE": service, "LOGONACL_CHANNEL": channel,
                 "LOGONACL_ACTION": action, "LOGONACL_CLIENT_IP": source, "LOGONACL_RHOST": source,
                 "LOGONACL_STAGE": "account", "LOGONACL_RESULT": "blocked" if event == "blocked" else "allowed"},
                "%s %s from %s" % (action, kind, source))
            www = str(pwd.getpwnam("www-data").pw_uid)
            self.assertEqual(e["_UID"], "0" if service in ("sshd", "dovecot") else www)
        return done

    def check_mails(self, first, done, action_taken):
        """The mails numbered first.. are the unapproved accesses of done, in order."""
        expected = [(k, s, src) for k, s, c, src, let_in, _ in done
                    if action_taken == "Allow and log" or not let_in]
        mails = self.smtp.wait_count(first + len(expected), timeout=60)[first:]
        self.assertEqual(len(mails), len(expected))
        for (kind, service, source), (raw, msg, env) in zip(expected, mails):
            lab = labelled(msg)
            self.assertEqual((lab["Account"], lab["Client IP"], lab["Service"], lab["Access Activity"],
                              lab["Action Taken"]),
                             (self.user, source, service, ACTIVITY[kind], action_taken))
            self.assertEqual(env["rcpt_tos"], ["secops@example.com"])
            self.assertIn("logonaclctl add " + source, msg.get_content())

    # -- the guide ---------------------------------------------------------------

    def test_guide(self):
        self.step("action none")
        self.run_phase("none", lambda src: True)

        self.step("allow-and-log")
        done = self.run_phase("allow-and-log", lambda src: True)
        # Nothing was mailed for "none": the first mail is the first logged access.
        self.check_mails(0, done, "Allow and log")

        self.step("logonaclctl log / suggest / add / what-if")
        r = self.ctl("log", "--directory", self.journal_files)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(UNAPPROVED, r.stdout)
        self.show("log", "--activity", "blocked-and-logged")
        self.show("suggest", "--channel", "admin")
        self.show("suggest", "--channel", "api")
        r = self.ctl("suggest", "--directory", self.journal_files)
        self.assertEqual(r.returncode, 0, r.stderr)
        for src in SOURCES:
            self.assertRegex(r.stdout, r"(?m)^\s*logonaclctl (--config \S+ )?add %s$" % re.escape(src))
        r = self.ctl("add", APPROVED, CLIENT_V6)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.show("add", APPROVED, CLIENT_V6, r=r)
        for ch in ("admin", "enduser", "api"):
            r = self.ctl("what-if", "--channel", ch, "--action", "block-and-log", "--directory", self.journal_files)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn(UNAPPROVED, r.stdout)
            self.assertNotIn(APPROVED + " ", r.stdout)
            self.show("what-if", "--channel", ch, "--action", "block-and-log", r=r)

        self.step("block-and-log: logonaclctl set")
        # The guide's step 6: set, its lockout guard in the way (198.51.100.1 logged on
        # after authentication in each channel), then --force.
        for ch in ("admin", "enduser", "api"):
            r = self.ctl("set", ch, "block-and-log", "--directory", self.journal_files)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn(UNAPPROVED, r.stdout)
            self.assertNotIn(APPROVED + " ", r.stdout)
            self.show("set", ch, "block-and-log", r=r)
            r = self.ctl("set", ch, "block-and-log", "--force", "--directory", self.journal_files)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.show("set", ch, "block-and-log", "--force", r=r)
        # Only the three action lines changed.
        with open(self.conf) as f:
            self.assertEqual(f.read(), self.conf_text("block-and-log"))
        r = self.ctl("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        self.step("block-and-log")
        done = self.run_phase("block-and-log", lambda src: src != UNAPPROVED, configure=False)
        self.dump_refusals(done)
        self.check_mails(len(ACCESSES) * len(SOURCES), done, "Block and log")
        # How each server refused the unapproved client.
        seen = {(k, src): r for k, s, c, src, let_in, r in done}
        self.assertEqual(seen[("ssh-password", UNAPPROVED)].returncode, 255)
        self.assertIn(ADMIN_MSG, seen[("ssh-password", UNAPPROVED)].stderr)
        self.assertEqual(seen[("ssh-publickey", UNAPPROVED)].returncode, 255)
        self.assertEqual(seen[("imap", UNAPPROVED)].returncode, 67)
        # Dovecot does not pass a PAM conversation message on to IMAP clients: its own reply.
        self.assertIn("< A002 NO [AUTHENTICATIONFAILED] Authentication failed.", seen[("imap", UNAPPROVED)].stderr)
        self.assertEqual(seen[("apache", UNAPPROVED)].stdout, "403")
        self.assertEqual(seen[("apache-no403", UNAPPROVED)].stdout, "401")
        self.assertEqual(seen[("apache-pam", UNAPPROVED)].stdout, "401")
        self.assertEqual(seen[("nginx", UNAPPROVED)].stdout, "401")
        self.step("done")

    def show(self, *args, r=None):
        """LOGONACL_E2E_SHOW=1: a guide command and its output, for the README."""
        if not os.environ.get("LOGONACL_E2E_SHOW"):
            return
        if r is None:
            r = self.ctl(*(list(args) + ["--directory", self.journal_files]))
        sys.stderr.write("$ logonaclctl %s\n%s%s(exit %d)\n" % (" ".join(args), r.stdout, r.stderr, r.returncode))

    def dump_refusals(self, done):
        if not os.environ.get("LOGONACL_E2E_SHOW"):
            return
        for kind, service, channel, source, let_in, r in done:
            sys.stderr.write("$ %s from %s: exit %d\nstdout: %s\nstderr: %s\n"
                             % (kind, source, r.returncode, r.stdout, r.stderr))
        for raw, msg, env in self.smtp.wait_count(len(ACCESSES) * (len(SOURCES) + 1), timeout=30)[-3:]:
            sys.stderr.write(raw.decode(errors="replace") + "\n----\n")
        self.show("log", "--activity", "blocked-and-logged")


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    if os.environ.get("LOGONACL_SANITIZE", "none") != "none":
        print("SKIP: real servers run in the plain suite only")
        return 77
    if os.geteuid() != 0:
        print("SKIP: network and mount namespaces need root")
        return 77
    for t in TOOLS:
        if not os.path.exists(t):
            print("SKIP: %s is missing (tests/deps.sh installs it)" % t)
            return 77
    for u in ("www-data", "dovecot", "dovenull"):
        try:
            pwd.getpwnam(u)
        except KeyError:
            print("SKIP: user %s is missing" % u)
            return 77
    # A SIGTERM (meson's timeout, ^C in a terminal) still takes everything down.
    signal.signal(signal.SIGTERM, interrupted)
    try:
        r = unittest.main(exit=False, verbosity=2).result
    except KeyboardInterrupt:
        RealServersTest.doClassCleanups()
        print("interrupted; cleaned up")
        return 1
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
