"""alertd on a live fleet (issue 8.10, SPEC §5 "Fleet"): real uploads, late uploads,
one cap for all hosts, and a journald restarted under a live alertd.

Two "hosts", each a journald namespace instance of its own started in a UTS
namespace with its own hostname (journald stamps _HOSTNAME with its own
gethostname()) and a mount namespace where /proc/sys/kernel/random/boot_id is
its own (as systemd-nspawn does for a container: journald stamps _BOOT_ID from
it; real hosts never share one).  _MACHINE_ID stays the machine's (it only
names the storage folder).  Each host has the real
systemd-journal-upload running in a network namespace of its own
(192.0.2.10, 198.51.100.10) that sends to the real systemd-journal-remote in a
third network namespace (plain http, --split-mode=host: one file per host,
remote-192.0.2.10.journal and remote-198.51.100.10.journal).  alertd follows
that folder with --directory.  Logons go through the real pam_logonacl.so
(pamtester under pam_wrapper; the module's journal socket is bind-mounted to
the host's namespace journald in a mount namespace of its own).

Everything is driven by progress (the Nth mail, alertd's entry for a token),
with generous bounds that fail loudly; nothing is left behind (cleanups run
also when setUp fails half-way).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import uuid

import logonacl_test as lt
from alertd_harness import (MID_NOT_SENT, NamespaceJournald, SmtpServer, labelled, own_entries,
                            start_alertd, write_config)

PAM_WRAPPER = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"
JOURNAL_UPLOAD = "/lib/systemd/systemd-journal-upload"
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
WAIT = 60.0          # generous bound for any one step; the steps themselves are by progress
PORT = 19532
# LOGONACL_FLEET_SHARED_BOOT=1: both hosts keep the kernel's boot ID (containers on one kernel
# without a boot ID of their own): a reader with one position per boot cannot tell them apart.
SHARED_BOOT = os.environ.get("LOGONACL_FLEET_SHARED_BOOT") == "1"
MSG_ADMIN = ("Your IP address was rejected by IP restrictions, so you cannot log on from this IP address. "
             "Contact your administrator.")


def run(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r.stdout


def machine_id():
    with open("/etc/machine-id") as f:
        return f.read().strip()


class Host:
    """A journald namespace instance with its own hostname (a UTS namespace) and its own boot ID
    (a file bind-mounted over /proc/sys/kernel/random/boot_id in a mount namespace, as
    systemd-nspawn gives a container): what journald stamps as _HOSTNAME and _BOOT_ID."""

    def __init__(self, name, hostname, folder):
        self.ns = NamespaceJournald()
        self.ns.name = name
        self.ns.run_dir = "/run/systemd/journal." + name
        self.ns.socket = os.path.join(self.ns.run_dir, "socket")
        self.hostname = hostname
        self.boot_id = str(uuid.uuid4())
        self.boot_id_file = lt.write_file(os.path.join(folder, name + ".boot_id"), self.boot_id + "\n", 0o444)

    def start(self):
        # NamespaceJournald.start runs journald directly; here it runs in UTS and mount namespaces.
        script = ('hostname "$1" && mount --bind "$2" /proc/sys/kernel/random/boot_id && '
                  'exec /lib/systemd/systemd-journald "$3"')
        if SHARED_BOOT:     # as containers on one kernel without a boot ID of their own
            script = script.replace('mount --bind "$2" /proc/sys/kernel/random/boot_id && ', "")
            with open("/proc/sys/kernel/random/boot_id") as f:
                self.boot_id = f.read().strip()
        self.ns.proc = subprocess.Popen(
            ["unshare", "--uts", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
             self.hostname, self.boot_id_file, self.ns.name], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                s.connect(self.ns.socket)
                return self
            except OSError:
                if self.ns.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("journald %s did not start" % self.ns.name)
                time.sleep(0.02)
            finally:
                s.close()

    def stop_journald(self, sig=signal.SIGTERM):
        if self.ns.proc and self.ns.proc.poll() is None:
            self.ns.proc.send_signal(sig)
            try:
                self.ns.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.ns.proc.kill()
                self.ns.proc.wait()

    def cleanup(self):
        self.stop_journald()
        self.ns.stop()      # its run folder and storage

    def journal_dir(self):
        for base in ("/var/log/journal", "/run/log/journal"):
            d = os.path.join(base, machine_id() + "." + self.ns.name)
            if os.path.isdir(d):
                return d
        raise RuntimeError("no storage for journal namespace " + self.ns.name)


class PamSite:
    """pam_logonacl.so (as built) in a PAM service 'sshd': admin channel, block-and-log."""

    def __init__(self, folder):
        self.module = os.path.join(lt.build_dir(), "pam_logonacl", "pam_logonacl.so")
        site = os.path.join(folder, "site")
        os.makedirs(site, mode=0o755)
        os.chmod(site, 0o755)
        approved = lt.write_file(os.path.join(site, "approved"), "198.51.100.0/24\n", 0o644)
        conf = lt.write_file(os.path.join(site, "logonacl.conf"),
                             "[general]\napproved_file = %s\napproved_dir = %s/approved.d\n"
                             "[admin]\naction = block-and-log\nservices = sshd\n" % (approved, site), 0o644)
        self.pamdir = os.path.join(folder, "pam.d")
        os.makedirs(self.pamdir)
        lt.write_file(os.path.join(self.pamdir, "sshd"), "account required %s conf=%s\n" % (self.module, conf))

    def logon(self, host, user, rhost="203.0.113.77"):
        """One logon decision whose entry goes to host's journald; returns after the module returned."""
        preload = PAM_WRAPPER
        # A module built with ASan needs the runtime loaded first in the (uninstrumented) pamtester.
        for line in subprocess.run(["ldd", self.module], capture_output=True, text=True).stdout.splitlines():
            if "libasan" in line and "=>" in line:
                preload = line.split("=>")[1].split()[0] + ":" + preload
        env = dict(os.environ, LD_PRELOAD=preload, PAM_WRAPPER="1", PAM_WRAPPER_SERVICE_DIR=self.pamdir,
                   ASAN_OPTIONS="detect_leaks=0")
        script = ('mount --bind "$1" /run/systemd/journal/socket && '
                  'exec pamtester -I rhost="$3" sshd "$2" acct_mgmt')
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                            host.ns.socket, user, rhost], env=env, capture_output=True, timeout=WAIT)
        # Blocked, as the user sees it (a module that failed to load would say "Module is unknown").
        lines = r.stderr.decode(errors="replace").splitlines()
        if r.returncode == 0 or MSG_ADMIN not in lines or "pamtester: Permission denied" not in lines:
            raise AssertionError("logon of %s was not blocked by the module: %s" % (user, "\n".join(lines)))


class AlertdWatch:
    """What alertd did with each token: a mail, or its 'not sent' entry."""

    def __init__(self, test, smtp, cursor):
        self.test, self.smtp, self.cursor = test, smtp, cursor
        self.pids = []          # every alertd of the test, restarts included

    def mails(self):
        return [(labelled(m).get("Account"), m) for _, m, _ in self.smtp.messages()]

    def not_sent(self):
        return [e.get("LOGONACL_USER") for e in own_entries(self.cursor, "MESSAGE_ID=" + MID_NOT_SENT)
                if e.get("_PID") in map(str, self.pids)]

    def outcome(self, token, timeout=WAIT):
        """'sent' or 'not sent' once alertd has considered token (bounded wait)."""
        deadline = time.monotonic() + timeout
        while True:
            if any(a == token for a, _ in self.mails()):
                return "sent"
            if token in self.not_sent():
                return "not sent"
            if time.monotonic() > deadline:
                self.test.fail("alertd did not consider %s within %d s" % (token, timeout))
            time.sleep(0.05)


@unittest.skipUnless(os.geteuid() == 0, "needs root: network, UTS and mount namespaces, journald instances")
class FleetTest(unittest.TestCase):
    def setUp(self):
        lt.ensure_journald()        # alertd's own entries
        if not os.path.exists(os.path.join(lt.build_dir(), "pam_logonacl", "pam_logonacl.so")):
            self.skipTest("pam_logonacl.so not built")
        tmp_cm = lt.root_tmpdir("alertd-fleet-%d-" % os.getpid())
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)
        if not os.path.isdir("/var/log/journal"):
            self.addCleanup(self.remove_empty_var_log_journal)
        self.tag = "%d" % os.getpid()
        self.pam = PamSite(self.tmp)
        self.smtp = SmtpServer(self.tmp)
        self.addCleanup(self.smtp.stop)
        self.smtp.start()

    @staticmethod
    def remove_empty_var_log_journal():
        try:
            os.rmdir("/var/log/journal")
        except OSError:
            pass            # another namespace journald still stores there

    def host(self, letter):
        h = Host("logonacl-fleet%s-%s" % (letter, self.tag), "host-%s-%s.example.com" % (letter, self.tag), self.tmp)
        self.addCleanup(h.cleanup)
        return h.start()

    def netns(self, name):
        full = "logonacl-%s-%s" % (name, self.tag)
        run("ip", "netns", "add", full)
        self.addCleanup(run, "ip", "netns", "del", full)
        run("ip", "-n", full, "link", "set", "lo", "up")
        return full

    def link(self, ns_host, ns_col, name, host_ip, col_ip):
        a, b = "lf%s%sh" % (name, self.tag), "lf%s%sc" % (name, self.tag)
        run("ip", "link", "add", a, "netns", ns_host, "type", "veth", "peer", "name", b, "netns", ns_col)
        run("ip", "-n", ns_host, "addr", "add", host_ip + "/24", "dev", a)
        run("ip", "-n", ns_col, "addr", "add", col_ip + "/24", "dev", b)
        run("ip", "-n", ns_host, "link", "set", a, "up")
        run("ip", "-n", ns_col, "link", "set", b, "up")

    def spawn(self, *cmd, log):
        with open(os.path.join(self.tmp, log), "ab") as err:
            p = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        self.addCleanup(self.end, p)
        return p

    @staticmethod
    def end(p, sig=signal.SIGTERM):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(WAIT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    @staticmethod
    def resume(p):
        if p.poll() is None:
            p.send_signal(signal.SIGCONT)

    def uploader(self, ns, host, url):
        return self.spawn("ip", "netns", "exec", ns, JOURNAL_UPLOAD, "--url=" + url, "-D", host.journal_dir(),
                          "--save-state=" + os.path.join(self.tmp, "upload-%s.state" % host.ns.name),
                          "--follow=yes", log="upload-%s.log" % host.ns.name)

    def wait_file(self, path, what):
        deadline = time.monotonic() + WAIT
        while not os.path.exists(path):
            self.assertLess(time.monotonic(), deadline, "%s: no %s" % (what, path))
            time.sleep(0.05)

    def test_late_upload_is_considered_once_cap_shared_hosts_named(self):
        a, b = self.host("a"), self.host("b")
        col = self.netns("col")
        ns_a, ns_b = self.netns("a"), self.netns("b")
        self.link(ns_a, col, "a", "192.0.2.10", "192.0.2.1")
        self.link(ns_b, col, "b", "198.51.100.10", "198.51.100.1")
        remote = os.path.join(self.tmp, "remote")
        os.makedirs(remote, mode=0o755)
        self.spawn("ip", "netns", "exec", col, JOURNAL_REMOTE, "--listen-http=0.0.0.0:%d" % PORT,
                   "--output=" + remote + "/", "--split-mode=host", log="remote.log")

        # One cap for the fleet: threshold 5.
        cfg = write_config(os.path.join(self.tmp, "conf"), email="secops@example.com", threshold="5",
                           smtp_url="smtp://127.0.0.1:%d" % self.smtp.port, smtp_starttls="no")
        state = os.path.join(self.tmp, "alertd.state")
        w = AlertdWatch(self, self.smtp, lt.journal_cursor())
        d = start_alertd(cfg, state, "--from-start", directory=remote)
        self.addCleanup(self.end_alertd, d)
        w.pids.append(d.pid)

        self.uploader(ns_a, a, "http://192.0.2.1:%d" % PORT)
        up_b = self.uploader(ns_b, b, "http://198.51.100.1:%d" % PORT)
        t = lambda n: "%s-%s" % (n, self.tag)     # noqa: E731

        # Both hosts upload: both alerts.
        self.pam.logon(a, t("a1"))
        self.assertEqual(w.outcome(t("a1")), "sent")
        self.pam.logon(b, t("b1"))
        self.assertEqual(w.outcome(t("b1")), "sent")
        self.wait_file(os.path.join(remote, "remote-192.0.2.10.journal"), "journal-remote")
        self.wait_file(os.path.join(remote, "remote-198.51.100.10.journal"), "journal-remote")
        # One file per host, each with the host's own name and boot (as journal-remote records them).
        for host, peer, token in ((a, "192.0.2.10", t("a1")), (b, "198.51.100.10", t("b1"))):
            got = lt.journal_entries("LOGONACL_USER=" + token,
                                     extra_args=["--file", os.path.join(remote, "remote-%s.journal" % peer)])
            self.assertEqual([(e["_HOSTNAME"], e["_BOOT_ID"]) for e in got],
                             [(host.hostname, host.boot_id.replace("-", ""))])

        # Host b's uploader stops (frozen: as a host cut off or suspended) while b logs on; a goes on
        # and is read past b's entries' times.  With LOGONACL_FLEET_RESTART_UPLOADER=1 it is ended and
        # started again instead: systemd-journal-upload 252 then sends its last entry a second time
        # (the collector's files hold b1 twice: see the check below).
        restart_uploader = os.environ.get("LOGONACL_FLEET_RESTART_UPLOADER") == "1"
        if restart_uploader:
            self.end(up_b)
        else:
            self.addCleanup(self.resume, up_b)     # runs before its end: a stopped process cannot end
            up_b.send_signal(signal.SIGSTOP)
        self.pam.logon(b, t("b2"))
        self.pam.logon(b, t("b3"))
        self.pam.logon(a, t("a2"))
        self.assertEqual(w.outcome(t("a2")), "sent")
        # alertd restarts meanwhile: what it knows of each host's progress must survive in its state.
        self.end(d)
        self.assertEqual(d.returncode, 0)
        d = start_alertd(cfg, state, directory=remote)
        self.addCleanup(self.end_alertd, d)
        w.pids.append(d.pid)

        # b's uploader resumes: b's older entries arrive after a's newer one was read (and saved).  b4 after them tells
        # when b's backlog has been read.
        if restart_uploader:
            self.uploader(ns_b, b, "http://198.51.100.1:%d" % PORT)
        else:
            self.resume(up_b)
        self.pam.logon(b, t("b4"))
        outcome_b4 = w.outcome(t("b4"))
        self.pam.logon(a, t("a3"))
        outcome_a3 = w.outcome(t("a3"))

        # The collector holds each access once; a restarted uploader sent b's last entry (b1) a second
        # time, and alertd must consider it once all the same.
        uploaded = [e.get("LOGONACL_USER") for e in lt.journal_entries("SYSLOG_IDENTIFIER=pam_logonacl",
                                                                      directory=remote)]
        want = ("a1", "b1", "b2", "b3", "a2", "b4", "a3") + (("b1",) if restart_uploader else ())
        self.assertEqual(sorted(uploaded), sorted(map(t, want)), "the collector's files")
        mails = w.mails()
        accounts = [acc for acc, _ in mails]
        not_sent = w.not_sent()
        considered = {tok: accounts.count(tok) + not_sent.count(tok) for tok in map(t, ("a1", "b1", "b2", "b3", "a2", "b4", "a3"))}
        self.assertEqual(considered, {tok: 1 for tok in considered},
                         "each access considered exactly once (mails %s, not sent %s)" % (accounts, not_sent))
        # The cap is shared: 5 mails for the fleet, in the order the entries became readable.
        self.assertEqual(accounts, [t("a1"), t("b1"), t("a2"), t("b2"), t("b3")])
        self.assertEqual((outcome_b4, outcome_a3), ("not sent", "not sent"))
        # Each mail names its host, in the Subject and the Host: line.
        for acc, m in mails:
            host = a.hostname if acc.startswith("a") else b.hostname
            self.assertEqual(labelled(m)["Host"], host)
            self.assertEqual(m["Subject"], "%s detected access from an unapproved IP address" % host)
        self.assertIsNone(d.poll(), "alertd exited")

    def end_alertd(self, d):
        self.end(d)
        d.stdout.close()
        err = d.stderr.read()
        d.stderr.close()
        if b"runtime error" in err or b"Sanitizer" in err:
            raise AssertionError("sanitizer report: " + err.decode(errors="replace"))

    def test_journald_restart_under_live_alertd_loses_nothing(self):
        # Single host: alertd follows the host's journald (--namespace) while it is stopped (cleanly,
        # then killed: a dirty file is rotated at start) and started again between logons.
        h = self.host("r")
        cfg = write_config(os.path.join(self.tmp, "conf"), email="secops@example.com", threshold="100",
                           smtp_url="smtp://127.0.0.1:%d" % self.smtp.port, smtp_starttls="no")
        state = os.path.join(self.tmp, "alertd.state")
        d = start_alertd(cfg, state, "--namespace", h.ns.name)
        self.addCleanup(self.end_alertd, d)
        self.wait_file(state, "alertd at the tail")
        tokens = []
        for rnd, sig in enumerate((signal.SIGTERM, signal.SIGKILL, signal.SIGTERM)):
            batch = ["%s-r%d-%d" % (self.tag, rnd, i) for i in range(3)]
            for tok in batch:
                self.pam.logon(h, tok)
            tokens += batch
            # Restart right after the logons: alertd may not have read them yet.
            h.stop_journald(sig)
            self.assertIsNone(d.poll(), "alertd exited when journald stopped")
            h.start()
        last = "%s-last" % self.tag
        self.pam.logon(h, last)
        tokens.append(last)
        mails = self.smtp.wait_count(len(tokens), timeout=WAIT)
        accounts = [labelled(m).get("Account") for _, m, _ in mails]
        self.assertEqual(accounts, tokens, "one mail per logon, in order")
        for _, m, _ in mails:
            self.assertEqual(labelled(m)["Host"], h.hostname)
        self.assertIsNone(d.poll(), "alertd exited")


if __name__ == "__main__":
    prog = unittest.main(verbosity=2, exit=False)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if result.testsRun and len(result.skipped) == result.testsRun else 0)
