#!/usr/bin/python3
"""Latency from a journal entry being written (native protocol, as the module
writes it) to the SMTP server holding the alert, with alertd following a live
journald (a namespace instance of its own, so entries other programs write to
the system journal meanwhile cannot use up the cap).  With --pam, from
pam_acct_mgmt returning (pamtester under pam_wrapper, the module's journal
socket bind-mounted to the namespace's) instead.  Prints "median_ms p90_ms n".
Usage: latency.py BUILD_DIR N [--pam]"""

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "..", "alertd"), os.path.join(HERE, "..", "..", "lib")]
os.environ.setdefault("LOGONACL_BUILD_DIR", sys.argv[1])
import logonacl_test as lt  # noqa: E402
from alertd_harness import *  # noqa: E402,F401


def send_native(fields, path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto("".join("%s=%s\n" % kv for kv in fields.items()).encode(), path)
    s.close()


def main():
    build, n = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    use_pam = "--pam" in sys.argv
    lt.ensure_journald()
    with lt.root_tmpdir("alertd-latency-") as tmp, NamespaceJournald() as ns:
        smtp, _, d = start_following(tmp, ns)
        pam_env = None
        if use_pam:
            module = os.path.join(build, "pam_logonacl", "pam_logonacl.so")
            site = os.path.join(tmp, "site")
            os.makedirs(site, mode=0o755)
            approved = lt.write_file(os.path.join(site, "approved"), "198.51.100.0/24\n")
            conf = lt.write_file(os.path.join(site, "logonacl.conf"),
                                 "[general]\napproved_file = %s\napproved_dir = %s/d\n"
                                 "[admin]\naction = allow-and-log\nservices = sshd\n" % (approved, site))
            pamdir = os.path.join(tmp, "pam.d")
            os.makedirs(pamdir)
            lt.write_file(os.path.join(pamdir, "sshd"), "account required %s conf=%s\n" % (module, conf))
            pam_env = dict(os.environ, LD_PRELOAD="/usr/lib/x86_64-linux-gnu/libpam_wrapper.so", PAM_WRAPPER="1",
                           PAM_WRAPPER_SERVICE_DIR=pamdir)
        lat = []
        try:
            for i in range(n):
                token = "lat%d-%s" % (i, uuid.uuid4().hex[:8])
                if use_pam:
                    script = ('mount --bind "$1" /run/systemd/journal/socket && '
                              'exec pamtester -I rhost=203.0.113.5 sshd "$2" acct_mgmt')
                    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                                        ns.socket, token], env=pam_env, capture_output=True)
                    if r.returncode != 0 and i == 0:
                        sys.stderr.write("pamtester: %s\n" % (r.stdout + r.stderr).decode(errors="replace"))
                    t0 = time.monotonic()
                else:
                    t0 = time.monotonic()
                    send_native({"MESSAGE_ID": MID_LOGGED, "MESSAGE": "latency probe", "LOGONACL_USER": token,
                                 "LOGONACL_CLIENT_IP": "203.0.113.5", "LOGONACL_CHANNEL": "admin",
                                 "LOGONACL_SERVICE": "sshd", "SYSLOG_IDENTIFIER": "pam_logonacl"}, ns.socket)
                deadline = time.monotonic() + 10
                got = None
                while got is None and time.monotonic() < deadline:
                    for raw, m, env in smtp.messages()[i:]:
                        if labelled(m).get("Account") == token:
                            got = env["received_monotonic"]
                    time.sleep(0.002)
                if got is not None:
                    lat.append((got - t0) * 1000)
                time.sleep(0.05)
        finally:
            d.send_signal(signal.SIGTERM)
            d.wait(10)
            d.stdout.close()
            d.stderr.close()
            smtp.stop()
        lat.sort()
        print("%.1f %.1f %d" % (statistics.median(lat), lat[int(len(lat) * 0.9) - 1], len(lat)))


if __name__ == "__main__":
    main()
