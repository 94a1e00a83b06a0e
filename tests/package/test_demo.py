"""Suite 'package': ./demo.sh, the README's main command, runs to its end and
shows what it promises: both journal entries, and the alert mail for the
unapproved address as the SMTP server received it.  Exits 77 when not root."""

import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("LOGONACL_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))


class Demo(unittest.TestCase):
    def test_demo(self):
        r = subprocess.run([os.path.join(SOURCE_DIR, "demo.sh")], capture_output=True, text=True, timeout=240)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-4000:])
        # The two decisions, from the journal.
        tail = out[-6000:]
        self.assertRegex(out, r"(?m)^ +LOGONACL_EVENT=Administrator logon$", tail)
        self.assertRegex(out, r"(?m)^ +LOGONACL_EVENT=Administrator logon logged$", tail)
        self.assertRegex(out, r"(?m)^ +LOGONACL_MATCHED=203\.0\.113\.0/24$", tail)
        # The mail's labelled lines, in order, as the server stored them.
        body = re.search(r"(?ms)^Account: alice$.*?^Service: logonacl-demo$", out)
        self.assertIsNotNone(body, out[-4000:])
        self.assertEqual([l.split(":")[0] for l in body.group(0).splitlines()],
                         ["Account", "Time", "Client IP", "Access Activity", "Action Taken", "Host", "Service"])
        self.assertIn("Client IP: 198.51.100.7", body.group(0))
        self.assertIn("Action Taken: Allow and log", body.group(0))
        self.assertRegex(out, r"(?m)^X-RcptTo: demo@localhost$", tail)
        self.assertRegex(out, r"(?m)^demo finished in \d+ s$", tail)
        # Its temporary folder is gone (named in the build step's heading; another
        # demo may be running on this machine, so no listing of /tmp).
        m = re.search(r"Build \(meson, in (/tmp/logonacl-demo\.[A-Za-z0-9]+)/build\)", out)
        self.assertIsNotNone(m, tail)
        self.assertFalse(os.path.exists(m.group(1)), "demo.sh left %s behind" % m.group(1))


def main():
    if os.environ.get("LOGONACL_SANITIZE", "none") != "none":
        print("SKIP: the demo builds its own plain build; the plain build's run covers it")
        return 77
    if os.geteuid() != 0:
        print("SKIP: demo.sh runs as root")
        return 77
    r = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
