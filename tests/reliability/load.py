#!/usr/bin/python3
"""Load: logons through the real module at a fixed rate with a live journald and
alertd (issue 11).  A benchmark command, not a test:

  load.py BUILD [--rate 1000] [--seconds 60] [--procs 4] [--threshold 20]
                [--unapproved-every 500] [--journald default|tight|unlimited]
                [--unit | --no-unit]

--procs pam_client processes (the real libpam, pam_logonacl.so as built,
block-and-log) are fed cases at --rate decisions per second in all; one in
--unapproved-every is from an unapproved address (an attacker among the users).
Everything runs against a journald of its own (a journal namespace whose
journald.conf is written here: "default" = RateLimitIntervalSec=30s,
RateLimitBurst=10000, journald's defaults; "tight" = RateLimitBurst=2000;
"unlimited" = RateLimitBurst=0),
with alertd following that namespace and mailing a loopback SMTP server.

journald rate-limits per systemd unit, which it reads from the sender's cgroup
(the cgroup2 hierarchy).  Without systemd as PID 1 no process is in a unit, so
nothing is limited; --unit (the default) puts the clients into the cgroup
/system.slice/sshd-logonacl-load-PID.service, as systemd would put sshd, so that
journald limits them as it limits sshd.service.

Prints: decisions and the rate held, entries that reached the journal, what
journald said it suppressed, unapproved decisions and their entries, mails
received, alertd's sent / not-sent entries and its "journal dropped" notices."""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rel_lib import NamespaceJournald, Site, with_journal_socket, write_file  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SMTP_SERVER = os.path.join(TOP, "tests", "lib", "smtp_server.py")
ID_SUPPRESSED = "a596d6fe7bfa4994828e72309e95d61e"
ID_ALERT_SENT = "77407cb02c2144519ecf4e8fa93fdebf"
ID_NOT_SENT = "abf5688df9cf46118401b15268efea96"
JOURNALD_CONF = {
    "default": "[Journal]\nRateLimitIntervalSec=30s\nRateLimitBurst=10000\n",
    "unlimited": "[Journal]\nRateLimitBurst=0\n",
    # journald scales the burst with free disk space (x (log2(bytes free) - 16) / 4: x4 to x5
    # on most disks), so 1,000/s stays under the default; this one shows the drops
    "tight": "[Journal]\nRateLimitIntervalSec=30s\nRateLimitBurst=2000\n",
}
# systemd 252 tracks units in the cgroup2 hierarchy: /sys/fs/cgroup when it is
# cgroup2 itself, /sys/fs/cgroup/unified in the hybrid layout (cgroup v1 + v2).
CGROUP_ROOTS = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]


class Worker(threading.Thread):
    """Feeds one pam_client at its share of the rate, 10 ms ticks."""

    def __init__(self, cmd, site, rate, seconds, index, procs, unapproved_every, env):
        super().__init__(daemon=True)
        self.cmd, self.site, self.rate, self.seconds = cmd, site, rate, seconds
        self.index, self.procs, self.every, self.env = index, procs, unapproved_every, env
        self.done = 0
        self.unapproved = 0
        self.results = {}
        self.error = None
        self.elapsed = 0.0

    def case(self, k):
        n = k * self.procs + self.index            # global decision number
        unapproved = n % self.every == self.every - 1
        rhost = ("203.0.113.%d" if unapproved else "198.51.100.%d") % (n % 250 + 1)
        user = "load%d-%d" % (os.getpid(), self.index)
        return unapproved, "%s\tsshd\taccount\t%s\t%s\t-\n" % (self.site.pamdir, user.encode().hex(),
                                                              rhost.encode().hex())

    def run(self):
        p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=self.env, bufsize=1)
        try:
            t0 = time.monotonic()
            while True:
                now = time.monotonic() - t0
                if now >= self.seconds:
                    break
                target = int(self.rate * now) + 1
                batch = []
                while self.done + len(batch) < target:
                    batch.append(self.case(self.done + len(batch)))
                if not batch:
                    time.sleep(0.002)
                    continue
                p.stdin.write("".join(line for _, line in batch))
                p.stdin.flush()
                for unapproved, _ in batch:
                    line = p.stdout.readline()
                    if not line:
                        raise RuntimeError("pam_client ended: %s" % p.stderr.read()[:300])
                    result = line.split(" ")[0]
                    self.results[result] = self.results.get(result, 0) + 1
                    self.unapproved += unapproved
                    self.done += 1
            self.elapsed = time.monotonic() - t0
        except Exception as e:
            self.error = e
        finally:
            p.stdin.close()
            p.wait(60)
            p.stdout.close()
            p.stderr.close()


def journal_json(journal, *matches):
    out = subprocess.run(journal.journalctl("-o", "json", *matches), capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def journal_count(journal, *matches):
    out = subprocess.run(journal.journalctl("-o", "cat", "--output-fields=MESSAGE_ID", *matches),
                         capture_output=True, text=True).stdout
    return len(out.splitlines())


def settle(read, limit=180):
    """Polls read() until two readings a second apart agree (journald and alertd caught up)."""
    last, deadline = None, time.monotonic() + limit
    while time.monotonic() < deadline:
        now = read()
        if now == last:
            return now
        last = now
        time.sleep(1)
    return last


def make_cgroup(name):
    for root in CGROUP_ROOTS:
        if os.path.exists(os.path.join(root, "cgroup.procs")) and os.path.exists(os.path.join(root, "cgroup.threads")):
            path = os.path.join(root, "system.slice", name)
            os.makedirs(path, exist_ok=True)
            return path
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--threshold", type=int, default=20)
    ap.add_argument("--unapproved-every", type=int, default=500)
    ap.add_argument("--journald", choices=sorted(JOURNALD_CONF), default="default")
    ap.add_argument("--unit", dest="unit", action="store_true", default=True)
    ap.add_argument("--no-unit", dest="unit", action="store_false")
    ap.add_argument("--unit-burst", type=int,
                    help="the unit's LogRateLimitBurst= (with LogRateLimitIntervalSec=30s), published in "
                         "/run/systemd/units/ as systemd (PID 1) does for a unit drop-in")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    module = os.path.join(build, "pam_logonacl", "pam_logonacl.so")
    client = os.path.join(build, "tests", "pam", "pam_client")
    alertd = os.path.join(build, "alertd", "logonacl-alertd")

    site = Site(module, prefix="logonacl-rel-load-")
    tmp = tempfile.mkdtemp(prefix="logonacl-rel-load-smtp-")
    unit = "sshd-logonacl-load-%d.service" % os.getpid()
    cgroup = make_cgroup(unit) if a.unit else None
    published = []
    if cgroup and a.unit_burst:
        # what PID 1 writes for [Service] LogRateLimitIntervalSec=30s, LogRateLimitBurst=N; journald reads it
        os.makedirs("/run/systemd/units", exist_ok=True)
        for key, value in (("log-rate-limit-interval", "30000000"), ("log-rate-limit-burst", str(a.unit_burst))):
            link = "/run/systemd/units/%s:%s" % (key, unit)
            os.symlink(value, link)
            published.append(link)
    smtp = alertd_proc = None
    try:
        port_file = os.path.join(tmp, "port")
        maildir = os.path.join(tmp, "mail")
        smtp = subprocess.Popen(["/usr/bin/python3", SMTP_SERVER, "--maildir", maildir, "--port-file", port_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not os.path.exists(port_file):
            if smtp.poll() is not None:
                raise RuntimeError("SMTP server did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            port = int(f.read().strip())
        with open(site.conf, "a") as f:
            f.write("[alert]\nemail = secops@example.com\nthreshold = %d\nsmtp_url = smtp://127.0.0.1:%d\n"
                    "smtp_starttls = no\n" % (a.threshold, port))

        with NamespaceJournald(prefix="logonaclload", conf=JOURNALD_CONF[a.journald]) as journal:
            state = os.path.join(tmp, "alertd.state")
            alertd_proc = subprocess.Popen(with_journal_socket(journal.socket, [
                alertd, "--config", site.conf, "--state", state, "--namespace", journal.name]),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not os.path.exists(state):
                if alertd_proc.poll() is not None:
                    raise RuntimeError("alertd ended at start")
                time.sleep(0.05)

            cmd = [client]
            if cgroup:
                cmd = ["sh", "-c", 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', "sh", cgroup, client]
            cmd = with_journal_socket(journal.socket, cmd)
            env = dict(os.environ, PAM_CLIENT_SYSLOG=os.path.join(site.root, "syslog"))
            workers = [Worker(cmd, site, a.rate / a.procs, a.seconds, k, a.procs, a.unapproved_every, env)
                       for k in range(a.procs)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            errors = [w.error for w in workers if w.error]
            if errors:
                raise RuntimeError("a worker failed: %s" % errors[0])
            decisions = sum(w.done for w in workers)
            elapsed = max(w.elapsed for w in workers)
            unapproved = sum(w.unapproved for w in workers)
            results = {}
            for w in workers:
                for k, v in w.results.items():
                    results[k] = results.get(k, 0) + v

            entries = settle(lambda: journal_count(journal, "SYSLOG_IDENTIFIER=pam_logonacl"))
            blocked_entries = journal_count(journal, "MESSAGE_ID=d0cf6d6fb64045fc8f4061394c06dee8")
            suppressed = journal_json(journal, "MESSAGE_ID=" + ID_SUPPRESSED)
            sample = journal_json(journal, "-n", "1", "SYSLOG_IDENTIFIER=pam_logonacl")
            unit_seen = sample[0].get("_SYSTEMD_UNIT", "-") if sample else "-"
            n_suppressed = sum(int(e.get("N_DROPPED", "0")) for e in suppressed)
            alerts = settle(lambda: (journal_count(journal, "MESSAGE_ID=" + ID_ALERT_SENT),
                                     journal_count(journal, "MESSAGE_ID=" + ID_NOT_SENT),
                                     len(glob.glob(os.path.join(maildir, "*.eml")))))
            # alertd writes its "not sent" entries rate-limited; the state file counts every one
            settle(lambda: os.path.getmtime(state))
            with open(state) as f:
                kv = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line and not line.startswith("#"))
            window_suppressed = int(kv.get("window_suppressed", "0"))
            notices = journal_json(journal, "SYSLOG_IDENTIFIER=logonacl-alertd", "LOGONACL_ALERTD_EVENT=journal-dropped")
            warned = 0
            for path in glob.glob(os.path.join(maildir, "*.eml")):
                with open(path, "rb") as f:
                    warned += b"journald dropped" in f.read()
            syslog_lines = 0
            if os.path.exists(os.path.join(site.root, "syslog")):
                with open(os.path.join(site.root, "syslog")) as f:
                    syslog_lines = sum(1 for line in f if "journal unavailable" in line)
    finally:
        if alertd_proc and alertd_proc.poll() is None:
            alertd_proc.terminate()
            alertd_proc.wait(30)
        if smtp and smtp.poll() is None:
            smtp.terminate()
            smtp.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
        site.remove()
        for link in published:
            os.unlink(link)
        if cgroup:
            try:
                os.rmdir(cgroup)
            except OSError:
                pass

    print("journald %s, unit cgroup %s, _SYSTEMD_UNIT of the entries: %s, unit LogRateLimitBurst %s" %
          (a.journald, "yes (" + os.path.basename(cgroup) + ")" if cgroup else "no", unit_seen,
           a.unit_burst or "not set"))
    print("decisions %d in %.1f s: %.0f/s held (asked %.0f/s); results %s" %
          (decisions, elapsed, decisions / elapsed, a.rate, results))
    print("entries in the journal %d of %d (%d lost); journald 'Suppressed' notices %d, N_DROPPED total %d; "
          "module syslog fallbacks %d" % (entries, decisions, decisions - entries, len(suppressed), n_suppressed,
                                          syslog_lines))
    print("unapproved decisions %d, their entries in the journal %d" % (unapproved, blocked_entries))
    print("alerts: sent %d (threshold %d), over the threshold %d (state window_suppressed; %d 'not sent' "
          "entries, rate-limited), mails received %d, mails with the 'journald dropped' warning %d; "
          "alertd journal-dropped notices %d" %
          (alerts[0], a.threshold, window_suppressed, alerts[1], alerts[2], warned, len(notices)))
    exact = alerts[0] == min(a.threshold, blocked_entries) and alerts[2] == alerts[0] and \
        alerts[0] + window_suppressed == blocked_entries
    print("cap exact: %s" % ("yes" if exact else "NO"))
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
