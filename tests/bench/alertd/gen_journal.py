#!/usr/bin/python3
"""Writes N logonacl "logged" entries (trusted, _UID=0) into DIR/bench.journal with
systemd-journal-remote, 100 ms apart from 2023-11-01, and checks the count.
Usage: gen_journal.py DIR N"""

import os
import subprocess
import sys

T0 = 1698796800 * 1000000
STEP = 100000
BOOT = "0123456789abcdef0123456789abcdef"


def main():
    folder, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(folder, exist_ok=True)
    p = subprocess.Popen(["/lib/systemd/systemd-journal-remote", "-o", os.path.join(folder, "bench.journal"), "-"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    chunk = []
    for i in range(n):
        t = T0 + i * STEP
        chunk.append(
            "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_HOSTNAME=host.example.com\n_UID=0\n"
            "_TRANSPORT=journal\nSYSLOG_IDENTIFIER=pam_logonacl\nMESSAGE_ID=53a044f2764e49b6af7a20856db4de85\n"
            "PRIORITY=5\nMESSAGE=Administrator logon logged: user%d from 203.0.113.%d\n"
            "LOGONACL_EVENT=Administrator logon logged\nLOGONACL_ACTIVITY=blocked-and-logged\n"
            "LOGONACL_CHANNEL=admin\nLOGONACL_ACTION=allow-and-log\nLOGONACL_RESULT=allowed\nLOGONACL_APPROVED=no\n"
            "LOGONACL_USER=user%d\nLOGONACL_RHOST=203.0.113.%d\nLOGONACL_CLIENT_IP=203.0.113.%d\n"
            "LOGONACL_SERVICE=sshd\nLOGONACL_STAGE=account\nLOGONACL_INLINE=no\nLOGONACL_SSO=no\n\n"
            % (t, t, BOOT, i, i % 250 + 1, i, i % 250 + 1, i % 250 + 1))
        if len(chunk) >= 10000:
            p.stdin.write("".join(chunk).encode())
            chunk = []
    p.stdin.write("".join(chunk).encode())
    p.stdin.close()
    err = p.stderr.read().decode(errors="replace")
    p.wait()
    if "writing %d entries" % n not in err:
        sys.exit("journal-remote did not write %d entries: %s" % (n, err[-500:]))


if __name__ == "__main__":
    main()
