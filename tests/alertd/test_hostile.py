"""alertd: hostile field values (SPEC §5) make one mail each with intact
headers, checked on the server side, byte for byte."""

import os
import re
import unittest

import logonacl_test as lt
from alertd_harness import *

T0 = usec("2023-11-01 00:00:00")
HOSTILE = [
    "x\r\nBcc: evil@example.net",
    "x\n.\nRCPT TO:<evil@example.net>\n",
    "x\n.\r\nQUIT\r\n",
    b"bin\x00ary\x01\x1b[31m\x7f\xff\xfe".decode("utf-8", "surrogateescape"),
    "\u3042" * 3413,                      # 10 KB of UTF-8
]
HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type",
           "Content-Transfer-Encoding"]


class HostileTest(unittest.TestCase):
    def setUp(self):
        tmp_cm = lt.root_tmpdir("alertd-hostile-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)     # also when setUp fails
        self.jdir = os.path.join(self.tmp, "journal")
        self.smtp = SmtpServer(self.tmp)
        self.addCleanup(self.smtp.stop)
        self.smtp.start()
        self.cfg = write_config(os.path.join(self.tmp, "conf"), email="secops@example.com", threshold="20",
                                smtp_url="smtp://127.0.0.1:%d" % self.smtp.port, smtp_starttls="no")

    def check_wire(self, raw):
        self.assertNotRegex(raw, re.compile(rb"(?<!\r)\n"), "bare LF")
        self.assertNotRegex(raw, re.compile(rb"\r(?!\n)"), "bare CR")
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 998)
            self.assertTrue(all(b < 0x80 for b in line), "8-bit byte on the wire")
            self.assertNotIn(b"\x00", line)

    def test_hostile_values_one_mail_each(self):
        entries = []
        for i, v in enumerate(HOSTILE):
            # The user, the raw rhost (no client IP: a host name) and the service are all hostile.
            entries.append(access(T0 + i * 1000000, user=v, client_ip="", rhost=v, service=v))
        # And a hostile host name (a fleet sender writes its own _HOSTNAME).
        entries.append(access(T0 + 10 * 1000000, user="plain", host="h\r\nBcc: evil@example.net\n.\n"))
        make_journal(os.path.join(self.jdir, "x.journal"), entries)
        run_alertd(self.cfg, os.path.join(self.tmp, "st"), "--once", "--from-start", directory=self.jdir)
        mails = self.smtp.wait_count(len(entries))
        self.assertEqual(len(mails), len(entries))
        for (raw, msg, env), v in zip(mails, HOSTILE + [None]):
            self.check_wire(raw)
            self.assertEqual(env["rcpt_tos"], ["secops@example.com"])
            self.assertEqual(list(msg.keys()), HEADERS)
            self.assertNotIn("Bcc", msg)
            body = msg.get_content()
            labels = [l.split(": ")[0] for l in body.splitlines() if ": " in l]
            self.assertEqual(labels[:7], ["Account", "Time", "Client IP", "Access Activity", "Action Taken",
                                          "Host", "Service"])
            if v is None:
                self.assertIn("detected access from an unapproved IP address", msg["Subject"])
                self.assertIn("h\\x0d\\x0aBcc: evil@example.net\\x0a.\\x0a", msg["Subject"])
                self.assertEqual(labelled(msg)["Host"], "h\\x0d\\x0aBcc: evil@example.net\\x0a.\\x0a")
                continue
            self.assertEqual(msg["Subject"], "host.example.com detected access from an unapproved IP address")
            self.assertNotIn("logonaclctl add", body)      # no IP address to approve
            account = labelled(msg)["Account"]
            if v.startswith("\u3042"):
                self.assertTrue(account.startswith("\u3042" * 682))
                self.assertIn("[cut: 10239 bytes in all]", account)
            else:
                want = "".join(c if 0x20 <= ord(c) < 0x7f else "\\x%02x" % (ord(c) & 0xff if ord(c) < 0xdc00 else ord(c) - 0xdc00)
                               for c in v)
                self.assertEqual(account, want)
                self.assertEqual(labelled(msg)["Client IP"], want)
                self.assertEqual(labelled(msg)["Service"], want)

    def test_writer_needs_exactly_one_trusted_uid(self):
        # The trusted-writer rule (common/logon_record, the same in logonaclctl): exactly one _UID, a
        # plain decimal number of a trusted user.  An entry with two (a forged upload to a collector)
        # counts for nothing, whichever comes first (a journal file keeps one of two equal items, so
        # "0" twice is one); 2^32 is no uid, not root cut to 32 bits.
        entries = [access(T0 + i * 1000000, user="u%d" % i, uid=uid)
                   for i, uid in enumerate([[0, 1000], [1000, 0], ["0", "00"], "4294967296", "+0", 0])]
        make_journal(os.path.join(self.jdir, "x.journal"), entries)
        r = run_alertd(self.cfg, os.path.join(self.tmp, "st"), "--once", "--from-start", "--print",
                       directory=self.jdir)
        self.assertEqual([labelled(m)["Account"] for m in split_printed(r.stdout)], ["u5"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
