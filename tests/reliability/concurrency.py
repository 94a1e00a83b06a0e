#!/usr/bin/python3
"""Decisions while logonaclctl rewrites the list (issue 11, SPEC §3: "safe to call
from many processes at once while logonaclctl rewrites the files").

P pam_client processes (the real libpam and module) decide in a loop while one
writer runs `logonaclctl add X`, `reindex`, `remove X`, `reindex` ... on a main
file of FILLER entries.  Every decision must match the old or the new list:

  X  (toggled)        SUCCESS or PERM_DENIED, either is right
  Y  (always listed)  SUCCESS     — a half-written file or index would lose it
  Z  (never listed)   PERM_DENIED

and the journal (a journald of the run's own) must hold no config-error entry.

  concurrency.py BUILD [--procs 64] [--seconds 60 | --rewrites N]
Prints "decisions N mismatches N config_errors N rewrites N seconds S rate R/s"
and exits 1 on any mismatch or config error.  test_concurrency.py runs the short
version (8 processes, a number of rewrites) in the suite."""

import argparse
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rel_lib import NamespaceJournald, Site, with_journal_socket  # noqa: E402

ID_CONFIG_ERROR = "51fa95a40f0048f68a2835ceaae7628c"
X, Y, Z = "203.0.113.77", "198.51.100.7", "192.0.2.77"
WANT = {Y: {"SUCCESS"}, Z: {"PERM_DENIED"}, X: {"SUCCESS", "PERM_DENIED"}}
CHUNK = 30              # cases written to a client before reading its answers


def filler(n):
    """n global entries outside the three test addresses (2001:db8:1:N::/64)."""
    return "".join("2001:db8:1:%x::/64\n" % i for i in range(n))


class Decider(threading.Thread):
    def __init__(self, client, site, sock, stop, index):
        super().__init__(daemon=True)
        self.cmd = with_journal_socket(sock, [client])
        self.site, self.stop, self.index = site, stop, index
        self.decisions = 0
        self.mismatches = []
        self.error = None

    def run(self):
        env = dict(os.environ, PAM_CLIENT_SYSLOG=os.path.join(self.site.root, "syslog-%d" % self.index))
        p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, bufsize=1)
        user = ("conc%d" % self.index).encode().hex()
        try:
            while not self.stop.is_set():
                rhosts = [(X, Y, Z)[k % 3] for k in range(CHUNK)]
                p.stdin.write("".join("%s\tsshd\taccount\t%s\t%s\t-\n" % (self.site.pamdir, user, r.encode().hex())
                                      for r in rhosts))
                p.stdin.flush()
                for r in rhosts:
                    line = p.stdout.readline()
                    if not line:
                        raise RuntimeError("pam_client ended: %s" % p.stderr.read()[:500])
                    result = line.split(" ")[0]
                    self.decisions += 1
                    if result not in WANT[r]:
                        self.mismatches.append((r, result))
        except Exception as e:          # reported by the caller, never swallowed
            self.error = e
        finally:
            p.stdin.close()
            p.wait(60)
            p.stdout.close()
            p.stderr.close()


def naive_writer(site, stop_when, rewrites_done):
    """What the check must catch: a file rewritten in place (truncate, then write)."""
    with open(site.approved) as f:
        text = f.read()
    i = 0
    while not stop_when():
        with open(site.approved, "w") as f:
            f.write(text + ("%s\n" % X if i % 2 == 0 else ""))
        i += 1
        rewrites_done[0] = i


def writer(ctl, conf, stop_when, rewrites_done):
    ops = [["add", X], ["reindex"], ["remove", X], ["reindex"]]
    i = 0
    while not stop_when():
        r = subprocess.run([ctl, "--config", conf] + ops[i % len(ops)], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("logonaclctl %s: %s" % (" ".join(ops[i % len(ops)]), r.stderr))
        i += 1
        rewrites_done[0] = i


def run(build, procs, seconds=None, rewrites=None, filler_entries=5000, naive=False):
    module = os.path.join(build, "pam_logonacl", "pam_logonacl.so")
    client = os.path.join(build, "tests", "pam", "pam_client")
    ctl = os.path.join(build, "logonaclctl", "logonaclctl")
    site = Site(module, approved="# concurrency\n%s\n%s" % (Y, filler(filler_entries)), prefix="logonacl-rel-conc-")
    stop = threading.Event()
    done = [0]
    try:
        with NamespaceJournald(prefix="logonaclconc") as journal:
            subprocess.run([ctl, "--config", site.conf, "reindex"], check=True, capture_output=True)
            deciders = [Decider(client, site, journal.socket, stop, k) for k in range(procs)]
            t0 = time.monotonic()
            for d in deciders:
                d.start()
            # the writer starts once every client has answered (progress, not a sleep)
            while any(d.decisions == 0 and d.error is None and d.is_alive() for d in deciders):
                time.sleep(0.01)
            if seconds is not None:
                stop_when = lambda: time.monotonic() - t0 >= seconds   # noqa: E731
            else:
                stop_when = lambda: done[0] >= rewrites                 # noqa: E731
            try:
                if naive:
                    naive_writer(site, stop_when, done)
                else:
                    writer(ctl, site.conf, stop_when, done)
            finally:
                stop.set()
                for d in deciders:
                    d.join(120)
            elapsed = time.monotonic() - t0
            errors = [d.error for d in deciders if d.error]
            if errors:
                raise RuntimeError("a decider failed: %s" % errors[0])
            # entries journald did not take within the module's 1 s send timeout go to syslog
            fallbacks = fallback_config_errors = 0
            for k in range(procs):
                path = os.path.join(site.root, "syslog-%d" % k)
                if os.path.exists(path):
                    with open(path) as f:
                        lines = [line for line in f if "journal unavailable" in line]
                    fallbacks += len(lines)
                    fallback_config_errors += sum(1 for line in lines if "configuration error" in line)
            # every decision's entry is in the journal before config errors are counted
            n = sum(d.decisions for d in deciders)
            deadline = time.monotonic() + 120
            while True:
                stored = subprocess.run(journal.journalctl("-o", "cat", "--output-fields=MESSAGE_ID",
                                                           "SYSLOG_IDENTIFIER=pam_logonacl"),
                                        capture_output=True, text=True).stdout.splitlines()
                if len(stored) + fallbacks >= n or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            config_errors = sum(1 for line in stored if line.strip() == ID_CONFIG_ERROR) + fallback_config_errors
    finally:
        site.remove()
    mismatches = [m for d in deciders for m in d.mismatches]
    return {"decisions": n, "mismatches": len(mismatches), "config_errors": config_errors, "rewrites": done[0],
            "seconds": elapsed, "examples": mismatches[:5], "stored": len(stored), "syslog_fallbacks": fallbacks}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--procs", type=int, default=64)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--rewrites", type=int)
    ap.add_argument("--filler", type=int, default=5000)
    ap.add_argument("--naive-writer", action="store_true",
                    help="rewrite the file in place instead of logonaclctl: shows that mismatches are caught")
    a = ap.parse_args()
    if a.seconds is None and a.rewrites is None:
        a.seconds = 60
    r = run(os.path.abspath(a.build), a.procs, a.seconds, a.rewrites, a.filler, a.naive_writer)
    print("decisions %d mismatches %d config_errors %d rewrites %d seconds %.1f rate %.0f/s entries_stored %d "
          "syslog_fallbacks %d" % (r["decisions"], r["mismatches"], r["config_errors"], r["rewrites"], r["seconds"],
                                   r["decisions"] / r["seconds"], r["stored"], r["syslog_fallbacks"]))
    if r["examples"]:
        print("examples (rhost, result): %s" % r["examples"])
    return 1 if r["mismatches"] or r["config_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
