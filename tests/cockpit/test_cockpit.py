#!/usr/bin/python3
"""The Cockpit page (SPEC §8, issue 13) in a real browser: Debian's cockpit-ws
(no systemd), headless chromium driven by chromium-driver + python3-selenium,
a real user logging in through PAM service cockpit, every change through the
logonaclctl under test.

Isolation: the file re-runs itself in a private mount and network namespace.
There, and only there:
  - /usr/share/cockpit is an overlay, with the tree's cockpit/ bind-mounted at
    /usr/share/cockpit/logonacl (the page under test, not an installed one);
  - /usr/local/sbin (first in sudo's secure_path and the session's PATH) holds a
    logonaclctl that runs the build's binary with --config of this test;
  - /etc/pam.d/cockpit is the distribution's stack with the module under test
    in front of its account stage (conf= this test's configuration);
  - cockpit-ws listens on a loopback and veth of a network of its own, so a
    browser in a second namespace can come from documentation addresses.
The host keeps only a test user (unique name, in group sudo) for the run: it
is removed with its home and processes (the dbus-daemon --session every
logon leaves behind) at the end."""

import base64
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))

if os.environ.get("LOGONACL_COCKPIT_NS") != "1":
    env = dict(os.environ, LOGONACL_COCKPIT_NS="1")
    os.execvpe("unshare", ["unshare", "--mount", "--net", "--propagation", "private", sys.executable] + sys.argv, env)

import logonacl_test as lt      # noqa: E402

BUILD = lt.build_dir()
CTL = os.path.join(BUILD, "logonaclctl", "logonaclctl")
MODULE = os.environ.get("LOGONACL_PAM_MODULE") or os.path.join(BUILD, "pam_logonacl", "pam_logonacl.so")
PAM_CLIENT = os.environ.get("LOGONACL_PAM_CLIENT") or os.path.join(BUILD, "tests", "pam", "pam_client")
COCKPIT_WS = "/usr/lib/cockpit/cockpit-ws"
SHOTS = os.environ.get("LOGONACL_SCREENSHOTS")      # a folder: keep the four screens there (README)
TIMEOUT = int(os.environ.get('LOGONACL_COCKPIT_TIMEOUT', '60'))                                      # generous bound of every wait; progress drives them

SERVER_NET = ("192.0.2.1", "203.0.113.1")            # cockpit-ws's side of the veth
CLIENT_UNAPPROVED, CLIENT_APPROVED = "192.0.2.10", "203.0.113.10"

PID = os.getpid()
USER = "lacl%d" % PID
PASSWORD = "pw-" + secrets.token_hex(8)
NETNS = "lacl-client-%d" % PID
MARK = "laclc%d" % PID


def sh(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True, **kw)


def wait_for(what, predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def uid_processes(uid):
    pids = []
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(status.split("/")[2]))
                        break
        except OSError:
            pass
    return pids


class Env:
    """Everything the tests share; set up once (cockpit-ws, user, namespace)."""

    def __init__(self):
        self.cleanups = []

    def cleanup(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:          # keep cleaning up
                print("cleanup:", e, file=sys.stderr)

    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="logonacl-cockpit-%d-" % PID)
        os.chmod(self.tmp, 0o755)
        self.cleanups.append(lambda: shutil.rmtree(self.tmp, ignore_errors=True))
        self.conf = os.path.join(self.tmp, "logonacl.conf")
        self.approved = os.path.join(self.tmp, "approved")
        os.makedirs(os.path.join(self.tmp, "approved.d"))
        lt.write_file(os.path.join(self.tmp, "approved.d", "site.list"), "198.51.100.0/24  # site gateway, owned by CM\n")
        lt.write_file(self.approved, "# approved by the cockpit test\n%s/32  # approved browser\n" % CLIENT_APPROVED)
        self.write_conf("allow-and-log")
        self.user_setup()
        self.mounts()
        self.network()
        self.start_ws()

    def write_conf(self, admin_action):
        lt.write_file(self.conf, (
            "[general]\napproved_file = {0}/approved\napproved_dir = {0}/approved.d\n"
            "[admin]\naction = {1}\nservices = cockpit\n"
            "[enduser]\naction = allow-and-log\nservices = {2}\n"
            "[alert]\nemail = secops@example.com\nthreshold = 20\n").format(self.tmp, admin_action, MARK))

    def user_setup(self):
        sh("useradd", "--create-home", "--groups", "sudo", "--shell", "/bin/bash", USER)
        self.cleanups.append(self.user_remove)
        sh("chpasswd", input="%s:%s\n" % (USER, PASSWORD))
        self.uid = pwd.getpwnam(USER).pw_uid

    def user_remove(self):
        # Each cockpit logon leaves a dbus-daemon --session (and maybe a bridge) of the user.
        for _ in range(50):
            pids = uid_processes(self.uid)
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        sh("userdel", "--remove", USER, check=False)
        # shadow's backups (/etc/passwd- ...) still name the user (and its password hash): refresh
        # them from the files as they are now, which no longer do.
        for f in ("passwd", "group", "shadow", "gshadow", "subuid", "subgid"):
            primary, backup = "/etc/" + f, "/etc/" + f + "-"
            try:
                with open(backup) as b:
                    stale = any(line.split(":")[0] == USER for line in b)
                if stale:
                    shutil.copyfile(primary, backup)
            except OSError:
                pass

    def mount(self, *args):
        sh("mount", *args)
        self.cleanups.append(lambda: sh("umount", args[-1], check=False))

    def mounts(self):
        ovl = os.path.join(self.tmp, "ovl")
        os.makedirs(ovl)
        self.mount("-t", "tmpfs", "tmpfs", ovl)
        os.makedirs(os.path.join(ovl, "upper"))
        os.makedirs(os.path.join(ovl, "work"))
        self.mount("-t", "overlay", "overlay", "-o",
           "lowerdir=/usr/share/cockpit,upperdir=%s/upper,workdir=%s/work" % (ovl, ovl), "/usr/share/cockpit")
        os.makedirs("/usr/share/cockpit/logonacl", exist_ok=True)
        self.mount("--bind", os.path.join(SRC, "cockpit"), "/usr/share/cockpit/logonacl")

        bindir = os.path.join(self.tmp, "sbin")
        os.makedirs(bindir)
        lt.write_file(os.path.join(bindir, "logonaclctl"),
                      '#!/bin/sh\nexec %s --config %s "$@"\n' % (CTL, self.conf), 0o755)
        self.mount("--bind", bindir, "/usr/local/sbin")

        with open("/etc/pam.d/cockpit") as f:
            stack = f.read()
        pam = lt.write_file(os.path.join(self.tmp, "pam.cockpit"),
                            "account required %s conf=%s\n%s" % (MODULE, self.conf, stack))
        self.mount("--bind", pam, "/etc/pam.d/cockpit")

    def network(self):
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "netns", "add", NETNS)
        self.cleanups.append(lambda: sh("ip", "netns", "del", NETNS, check=False))
        sh("ip", "link", "add", "lacl-s", "type", "veth", "peer", "name", "lacl-c")
        sh("ip", "link", "set", "lacl-c", "netns", NETNS)
        for a in SERVER_NET:
            sh("ip", "addr", "add", a + "/24", "dev", "lacl-s")
        sh("ip", "link", "set", "lacl-s", "up")
        ns = ["ip", "netns", "exec", NETNS]
        sh(*ns, "ip", "link", "set", "lo", "up")
        for a in (CLIENT_UNAPPROVED, CLIENT_APPROVED):
            sh(*ns, "ip", "addr", "add", a + "/24", "dev", "lacl-c")
        sh(*ns, "ip", "link", "set", "lacl-c", "up")

    def start_ws(self):
        self.port = lt.free_port()
        self.ws_log = open(os.path.join(self.tmp, "cockpit-ws.log"), "wb")
        self.ws = subprocess.Popen([COCKPIT_WS, "--no-tls", "--port", str(self.port)],
                                   stdin=subprocess.DEVNULL, stdout=self.ws_log, stderr=subprocess.STDOUT)
        self.cleanups.append(self.stop_ws)

        def answers():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                if self.ws.poll() is not None:
                    raise RuntimeError("cockpit-ws exited: " + open(self.ws_log.name).read())
                return False
        wait_for("cockpit-ws to listen", answers)

    def stop_ws(self):
        if self.ws.poll() is None:
            self.ws.terminate()
            try:
                self.ws.wait(30)
            except subprocess.TimeoutExpired:
                self.ws.kill()
                self.ws.wait()
        self.ws_log.close()

    def ctl(self, *args):
        return sh(CTL, "--config", self.conf, *args, check=False)


ENV = Env()


def setUpModule():
    try:
        ENV.setup()
    except BaseException:
        ENV.cleanup()
        raise


def tearDownModule():
    ENV.cleanup()


class Browser:
    """Headless chromium through chromedriver (selenium)."""

    def __init__(self, profile):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1280,860", "--user-data-dir=" + profile, "--lang=en-US"):
            opts.add_argument(a)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.driver.implicitly_wait(0)

    def quit(self):
        self.driver.quit()

    def wait(self, what, predicate, timeout=TIMEOUT):
        from selenium.common.exceptions import WebDriverException

        def safe():
            try:
                return predicate()
            except WebDriverException:
                return False
        try:
            return wait_for(what, safe, timeout)
        except AssertionError:
            # What the user saw, for the failure's log.
            try:
                print("page text:", self.css("body").text, file=sys.stderr)
                print("console:", self.driver.get_log("browser"), file=sys.stderr)
            except WebDriverException:
                pass
            raise

    def css(self, selector):
        return self.driver.find_element("css selector", selector)

    def all(self, selector):
        return self.driver.find_elements("css selector", selector)

    def visible(self, selector):
        return self.wait(selector + " visible", lambda: self.css(selector).is_displayed() and self.css(selector))

    def login(self, base):
        d = self.driver
        d.get(base + "/")
        self.visible("#login-user-input").send_keys(USER)
        # Administrative access from the start, as for a user who chose it last time
        # (login.js sends it as X-Superuser; the bridge runs sudo with the login password).
        d.execute_script("window.localStorage.setItem(arguments[0], 'any')", "superuser:" + USER)
        self.css("#login-password-input").send_keys(PASSWORD)
        self.css("#login-button").click()

    def logged_in(self):
        return bool(self.all("#topnav, #main, .pf-c-page__header, iframe"))

    def login_failed_text(self):
        el = self.all("#login-error-message")
        return el[0].text if el and el[0].is_displayed() else ""


class CockpitPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.browser = Browser(os.path.join(ENV.tmp, "profile-main"))
        b = cls.browser
        b.login("http://127.0.0.1:%d" % ENV.port)
        b.wait("the shell after login", lambda: "/system" in b.driver.current_url or b.all("iframe"))
        b.driver.get("http://127.0.0.1:%d/logonacl" % ENV.port)
        frame = b.wait("the page's frame", lambda: [f for f in b.all("iframe") if "logonacl" in (f.get_attribute("name") or "")])
        b.driver.switch_to.frame(frame[0])
        b.wait("the page to load", lambda: b.css("body").get_attribute("data-logonacl-ready") == "1")

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()

    def shot(self, name):
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            self.browser.driver.switch_to.default_content()
            self.browser.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
            frame = [f for f in self.browser.all("iframe") if "logonacl" in (f.get_attribute("name") or "")]
            self.browser.driver.switch_to.frame(frame[0])

    def tab(self, name):
        b = self.browser
        b.css("#tab-" + name).click()
        b.visible("#panel-" + name)
        # Settings and Alerts are drawn from a fresh `status --json`: wait for it.
        b.wait("the status", lambda: b.css("body").get_attribute("data-status") == "ready")
        if name == "audit":
            b.wait("the first search", lambda: b.css("body").get_attribute("data-audit") == "ready")

    def approved_rows(self):
        return [r.get_attribute("data-entry") for r in self.browser.all("#approved-list tbody tr")]

    def test_1_approved_addresses(self):
        b = self.browser
        self.tab("approved")
        b.wait("the list", lambda: CLIENT_APPROVED in self.approved_rows())
        self.assertIn("198.51.100.0/24", self.approved_rows())
        dropin = [r for r in b.all("#approved-list tbody tr") if r.get_attribute("data-entry") == "198.51.100.0/24"][0]
        self.assertIn("read-only", dropin.text)
        self.assertIn("site gateway, owned by CM", dropin.text)

        # A bad entry: logonaclctl's exact error next to the field, the file unchanged.
        with open(ENV.approved, "rb") as f:
            before = f.read()
        b.css("#approved-add-input").send_keys("203.0.113.5/24")
        b.css("#approved-add-button").click()
        err = b.visible("#approved-add-error")
        self.assertEqual(err.text, "IP address or CIDR block is invalid.\n"
                         "203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)")
        with open(ENV.approved, "rb") as f:
            self.assertEqual(f.read(), before)

        # A good one: in the file and in the list.
        inp = b.css("#approved-add-input")
        inp.clear()
        inp.send_keys("2001:db8:5::/48")
        b.css("#approved-add-comment").send_keys("Osaka office")
        b.css("#approved-add-button").click()
        b.wait("the new entry", lambda: "2001:db8:5::/48" in self.approved_rows())
        self.assertFalse(b.css("#approved-add-error").is_displayed())
        with open(ENV.approved) as f:
            self.assertIn("2001:db8:5::/48  # Osaka office\n", f.read())
        self.shot("approved")

    def test_2_settings_lockout_guard(self):
        b = self.browser
        self.tab("settings")
        radio = b.visible("#action-enduser input[value='block-and-log']")
        self.assertTrue(b.css("#action-enduser input[value='allow-and-log']").is_selected())
        with open(ENV.conf, "rb") as f:
            before = f.read()
        # A real logon of the enduser channel from an unapproved address, after authentication.
        pam_logon(ENV.tmp, MARK, "alice-" + MARK, "192.0.2.77")
        radio.click()
        warning = b.visible("#lockout-warning")
        self.shot("settings")
        rows = [r.get_attribute("textContent") for r in b.all("#lockout-table tbody tr")]
        ours = [r for r in rows if r.startswith("192.0.2.77")]
        self.assertEqual(len(ours), 1, rows)
        self.assertIn("alice-" + MARK + " (1)", ours[0])
        self.assertTrue(b.css("#action-enduser input[value='allow-and-log']").is_selected())
        with open(ENV.conf, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertIn("would have been blocked", warning.text)
        b.css("#lockout-force").click()
        b.wait("the switch", lambda: b.css("#action-enduser input[value='block-and-log']").is_selected()
               and not b.css("#lockout-warning").is_displayed())
        with open(ENV.conf) as f:
            self.assertIn("[enduser]\naction = block-and-log\n", f.read())

    def test_3_audit_log(self):
        b = self.browser
        user = "bob-" + MARK
        # enduser is block-and-log by now; 198.51.100.0/24 is approved (the drop-in).
        pam_logon(ENV.tmp, MARK, user, "198.51.100.200")
        self.tab("audit")
        pam_logon(ENV.tmp, MARK, user, "203.0.113.99", expect_denied=True)
        b.css("#audit-activity option[value='blocked-and-logged']").click()
        b.css("#audit-user").send_keys(user)
        b.css("#audit-search").click()
        b.wait("the search", lambda: b.css("body").get_attribute("data-audit") == "ready")
        rows = b.all("#audit-table tbody tr.logonacl-row")
        self.assertEqual([r.text.count("203.0.113.99") for r in rows], [1], [r.text for r in rows])
        self.assertIn("End user console user logon blocked", rows[0].text)
        rows[0].click()
        detail = b.visible("#audit-table tr.logonacl-detail")
        self.assertIn("account", detail.text)
        self.assertIn(MARK, detail.text)
        self.shot("audit")
        rows[0].find_element("css selector", ".logonacl-approve").click()
        whatif = b.visible("#approve-panel")
        b.wait("the what-if", lambda: b.css("body").get_attribute("data-approve") == "ready")
        # The journal is the host's: earlier runs may have used the address too.
        self.assertRegex(b.css("#approve-whatif").text,
                         r"^In the last 30 days, \d+ logons from this address were blocked or logged \(users: .*\b%s\b" % user)
        with open(ENV.approved) as f:
            self.assertNotIn("203.0.113.99", f.read())
        self.assertIn("203.0.113.99", whatif.text)
        b.css("#approve-confirm").click()
        b.wait("the approval", lambda: not b.css("#approve-panel").is_displayed())
        with open(ENV.approved) as f:
            self.assertIn("203.0.113.99", f.read())

    def test_4_alerts(self):
        b = self.browser
        self.tab("alerts")
        b.wait("the status", lambda: "secops@example.com" in b.css("#alerts-status").text)
        self.assertIn("20 alerts in 24 hours", b.css("#alerts-status").text)
        self.assertIn("not running", b.css("#alerts-status").text)
        self.assertEqual(b.css("#alert-email").get_attribute("value"), "secops@example.com")

        # A bad address: the configuration parser's reason under the form, the file unchanged.
        with open(ENV.conf, "rb") as f:
            before = f.read()
        email = b.css("#alert-email")
        email.clear()
        email.send_keys("secops@example.com, oncall")
        b.css("#alert-threshold option[value='50']").click()
        b.css("#alert-save").click()
        b.wait("the save", lambda: b.css("body").get_attribute("data-alert") == "ready")
        self.assertRegex(b.css("#alert-error").text, r'email: "oncall" is not a valid e-mail address')
        with open(ENV.conf, "rb") as f:
            self.assertEqual(f.read(), before)

        email.clear()
        email.send_keys("secops@example.com, oncall@example.com")
        b.css("#alert-save").click()
        b.wait("the save", lambda: b.css("body").get_attribute("data-alert") == "ready")
        b.wait("the new status", lambda: "50 alerts in 24 hours" in b.css("#alerts-status").text)
        self.assertFalse(b.css("#alert-error").is_displayed())
        with open(ENV.conf) as f:
            text = f.read()
        self.assertIn("email = secops@example.com, oncall@example.com\n", text)
        self.assertIn("threshold = 50\n", text)
        self.shot("alerts")


class SelfProtectionTest(unittest.TestCase):
    """The console protecting itself: the admin channel holds cockpit under
    block-and-log; a browser from an unapproved documentation address cannot log
    in (and the journal says why), one from an approved address can."""

    def login_from(self, server_address, name):
        r = sh("ip", "netns", "exec", NETNS, "/usr/bin/python3", os.path.join(HERE, "browser_login.py"),
               "http://%s:%d" % (server_address, ENV.port), USER, PASSWORD, os.path.join(ENV.tmp, "profile-" + name),
               check=False, timeout=TIMEOUT * 3)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout.strip()

    def test_block_and_log_holds_cockpit(self):
        ENV.write_conf("block-and-log")
        self.addCleanup(ENV.write_conf, "allow-and-log")

        # 192.0.2.10 is not approved: refused, and the module's entry names the service.
        out = self.login_from(SERVER_NET[0], "unapproved")
        self.assertTrue(out.startswith("refused: "), out)
        entries = wait_for("the blocked cockpit logon in the journal", lambda: [
            e for e in map(json.loads, ENV.ctl("log", "--json", "--no-pager", "--user", USER, "--since", "-1h",
                                               "--activity", "blocked-and-logged").stdout.splitlines())
            if e["client_ip"] == CLIENT_UNAPPROVED])
        self.assertEqual([(e["event"], e["service"], e["channel"], e["result"]) for e in entries],
                         [("Administrator logon blocked", "cockpit", "admin", "blocked")])

        # 203.0.113.10 is approved (the main file): in.
        self.assertEqual(self.login_from(SERVER_NET[1], "approved"), "logged-in")
        allowed = wait_for("the allowed cockpit logon in the journal", lambda: [
            e for e in map(json.loads, ENV.ctl("log", "--json", "--no-pager", "--user", USER, "--since", "-1h",
                                               "--activity", "allowed").stdout.splitlines())
            if e["client_ip"] == CLIENT_APPROVED])
        self.assertEqual(allowed[-1]["event"], "Administrator logon")
        self.assertEqual(allowed[-1]["matched"], CLIENT_APPROVED)


def pam_logon(tmp, service, user, rhost, expect_denied=False):
    """One logon through the real libpam and the module (tests/pam/pam_client), account stage."""
    confdir = os.path.join(tmp, "pam.d")
    os.makedirs(confdir, exist_ok=True)
    lt.write_file(os.path.join(confdir, service), "account required %s conf=%s\naccount required pam_permit.so\n"
                  % (MODULE, ENV.conf))
    case = "\t".join([confdir, service, "account", user.encode().hex(), rhost.encode().hex(), "-"]) + "\n"
    r = sh(PAM_CLIENT, input=case)
    want = "PERM_DENIED" if expect_denied else "SUCCESS"
    if not r.stdout.startswith(want):
        raise AssertionError("pam_client: %r %r" % (r.stdout, r.stderr))
    # Progress: the decision is in the journal before the page is asked about it.
    wait_for("the logon of %s in the journal" % user, lambda: rhost in ENV.ctl(
        "log", "--json", "--no-pager", "--user", user, "--since", "-1h").stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
