"""alertd: the 24-hour cap of SPEC §5 as a user sees it — which mails arrive,
with which lines — from journal files with chosen times."""

import os
import sys
import unittest

import logonacl_test as lt
from alertd_harness import *

SEED = [  # (JST time, channel, sso) of SPEC §5's worked example
    ("2023-11-01 12:26:46", "enduser", False), ("2023-11-01 12:35:19", "admin", True),
    ("2023-11-01 14:03:56", "admin", True), ("2023-11-02 04:23:10", "admin", True),
    ("2023-11-02 06:00:00", "api", False), ("2023-11-02 08:46:35", "admin", True),
    ("2023-11-02 10:13:50", "enduser", False), ("2023-11-02 11:50:41", "enduser", False),
    ("2023-11-02 14:13:50", "admin", True), ("2023-11-02 14:23:58", "enduser", False),
    ("2023-11-02 17:36:10", "admin", True), ("2023-11-02 19:33:49", "admin", True),
    ("2023-11-03 06:42:58", "admin", True), ("2023-11-03 11:23:04", "enduser", False),
    ("2023-11-03 14:50:29", "enduser", False),
]
SEED_SENT = [1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 15]
ACTIVITY = {("enduser", False): "Logon to End User Console", ("admin", True): "Logon to SSO Portal",
            ("admin", False): "Logon to Administrator Console", ("api", False): "API Access"}
SERVICE = {"enduser": "dovecot", "admin": "sshd", "api": "restapi"}
HOUR = 3600 * 1000000


def seed_entries(host="host.example.com"):
    out = []
    for i, (jst, channel, sso) in enumerate(SEED, 1):
        out.append(access(usec(jst, 9), user="user%d@example.com" % i, client_ip="198.51.100.%d" % i,
                          channel=channel, sso=sso, service=SERVICE[channel], host=host))
    return out


class CapTest(unittest.TestCase):
    def setUp(self):
        tmp_cm = lt.root_tmpdir("alertd-cap-")
        self.tmp = tmp_cm.__enter__()
        self.addCleanup(tmp_cm.__exit__, None, None, None)     # also when setUp fails
        self.jdir = os.path.join(self.tmp, "journal")
        self.smtp = SmtpServer(self.tmp)
        self.addCleanup(self.smtp.stop)
        self.smtp.start()

    def config(self, **kw):
        alert = {"email": "secops@example.com, oncall@example.com", "threshold": "5", "timezone": "UTC",
                 "smtp_url": "smtp://127.0.0.1:%d" % self.smtp.port, "smtp_starttls": "no",
                 "from": "no-reply@host.example.com"}
        alert.update(kw)
        return write_config(os.path.join(self.tmp, "conf"), **alert)

    def test_seed_example_utc_and_tokyo(self):
        make_journal(os.path.join(self.jdir, "x.journal"), seed_entries())
        for zone, offset, label in (("UTC", 0, "(UTC +0)"), ("Asia/Tokyo", 9, "(UTC +9)")):
            with self.subTest(zone=zone):
                for f in os.listdir(self.smtp.maildir):
                    os.unlink(os.path.join(self.smtp.maildir, f))
                state = os.path.join(self.tmp, "state-" + zone.replace("/", "_"))
                cursor = lt.journal_cursor()
                r = run_alertd(self.config(timezone=zone), state, "--once", "--from-start", directory=self.jdir)
                mails = self.smtp.wait_count(len(SEED_SENT), timeout=5)
                self.assertEqual(len(mails), len(SEED_SENT))
                for (raw, msg, env), n in zip(mails, SEED_SENT):
                    jst, channel, sso = SEED[n - 1]
                    lines = labelled(msg)
                    self.assertEqual(lines["Account"], "user%d@example.com" % n)
                    t = usec(jst, 9) // 1000000 + offset * 3600
                    import time as _t
                    self.assertEqual(lines["Time"], _t.strftime("%Y-%m-%d %H:%M:%S", _t.gmtime(t)) + " " + label)
                    self.assertEqual(lines["Client IP"], "198.51.100.%d" % n)
                    self.assertEqual(lines["Access Activity"], ACTIVITY[(channel, sso)])
                    self.assertEqual(lines["Action Taken"], "Allow and log")
                    self.assertEqual(lines["Host"], "host.example.com")
                    self.assertEqual(msg["Subject"], "host.example.com detected access from an unapproved IP address")
                    self.assertEqual(msg["From"], "no-reply@host.example.com")
                    self.assertEqual(msg["To"], "secops@example.com, oncall@example.com")
                    self.assertEqual(env["rcpt_tos"], ["secops@example.com", "oncall@example.com"])
                    self.assertIn("logonaclctl add 198.51.100.%d" % n, body_lines(msg))
                    # The five labelled lines come first, in this order.
                    labels = [l.split(": ")[0] for l in body_lines(msg) if ": " in l][:5]
                    self.assertEqual(labels, ["Account", "Time", "Client IP", "Access Activity", "Action Taken"])
                self.assertEqual(mails[0][1]["Date"], "Wed, 01 Nov 2023 03:26:46 +0000")
                # alertd's own entries: 11 sent, 4 not sent (entries 6, 7, 8, 14).
                sent = own_entries(cursor, "MESSAGE_ID=" + MID_SENT, "_PID=%d" % r.pid, count=11)
                not_sent = own_entries(cursor, "MESSAGE_ID=" + MID_NOT_SENT, "_PID=%d" % r.pid, count=4)
                self.assertEqual(len(sent), 11)
                self.assertEqual(len(not_sent), 4)
                self.assertEqual(sorted(int(e["LOGONACL_WINDOW_COUNT"]) for e in sent), [1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
                self.assertEqual({e["LOGONACL_USER"] for e in not_sent},
                                 {"user6@example.com", "user7@example.com", "user8@example.com", "user14@example.com"})
                self.assertEqual({e["LOGONACL_ALERT_MESSAGE_ID"] for e in sent}, {m[1]["Message-ID"] for m in mails})

    def test_thresholds_20_50_100_edges(self):
        t0 = usec("2023-11-01 00:00:00")
        for n in (20, 50, 100):
            with self.subTest(threshold=n):
                jdir = os.path.join(self.tmp, "j%d" % n)
                # n+3 accesses within the first hour, one at T0+24h-1µs (suppressed), one at T0+24h (new window).
                entries = [access(t0 + i * 10 * 1000000, user="u%d" % i) for i in range(n + 3)]
                entries.append(access(t0 + 24 * HOUR - 1, user="last-in-window"))
                entries.append(access(t0 + 24 * HOUR, user="opens-window-2"))
                entries.append(access(t0 + 24 * HOUR + 1, user="second-in-window-2"))
                make_journal(os.path.join(jdir, "x.journal"), entries)
                r = run_alertd(self.config(threshold=str(n)), os.path.join(self.tmp, "st%d" % n), "--once",
                               "--from-start", "--print", directory=jdir)
                mails = split_printed(r.stdout)
                users = [labelled(m)["Account"] for m in mails]
                self.assertEqual(users, ["u%d" % i for i in range(n)] + ["opens-window-2", "second-in-window-2"])
                st = state_of(os.path.join(self.tmp, "st%d" % n))
                self.assertEqual(st["window_start"], str(t0 + 24 * HOUR))
                self.assertEqual(st["window_sent"], "2")

    def test_long_replay_past_the_page_release(self):
        # 5000 accesses a minute apart (more than the 1024 between sd_journal_process and page
        # releases): four windows open at accesses 0, 1440, 2880 and 4320, 5 mails each.
        t0 = usec("2023-11-01 00:00:00")
        make_journal(os.path.join(self.jdir, "x.journal"),
                     [access(t0 + i * 60 * 1000000, user="u%d" % i) for i in range(5000)])
        r = run_alertd(self.config(), os.path.join(self.tmp, "st"), "--once", "--from-start", "--print",
                       directory=self.jdir)
        users = [labelled(m)["Account"] for m in split_printed(r.stdout)]
        self.assertEqual(users, ["u%d" % (w * 1440 + i) for w in range(4) for i in range(5)])
        st = state_of(os.path.join(self.tmp, "st"))
        self.assertEqual((st["window_sent"], st["window_suppressed"]), ("5", str(5000 - 4320 - 5)))

    def test_both_actions_all_activities(self):
        t0 = usec("2023-11-01 00:00:00")
        kinds = [(c, s, k) for (c, s) in ACTIVITY for k in ("logged", "blocked")]
        entries = [access(t0 + i * 1000000, user="u%d" % i, channel=c, sso=s, kind=k, service=SERVICE[c])
                   for i, (c, s, k) in enumerate(kinds)]
        make_journal(os.path.join(self.jdir, "x.journal"), entries)
        run_alertd(self.config(threshold="20"), os.path.join(self.tmp, "st"), "--once", "--from-start",
                   directory=self.jdir)
        mails = self.smtp.wait_count(len(kinds))
        self.assertEqual(len(mails), len(kinds))
        for (raw, msg, env), (c, s, k) in zip(mails, kinds):
            lines = labelled(msg)
            self.assertEqual(lines["Access Activity"], ACTIVITY[(c, s)])
            self.assertEqual(lines["Action Taken"], "Allow and log" if k == "logged" else "Block and log")
            self.assertEqual(lines["Service"], SERVICE[c])

    def test_fleet_shares_one_cap(self):
        t0 = usec("2023-11-01 00:00:00")
        a = [access(t0 + i * 2 * 60 * 1000000, user="a%d" % i, host="web1.example.com") for i in range(4)]
        b = [access(t0 + (i * 2 + 1) * 60 * 1000000, user="b%d" % i, host="web2.example.com",
                    boot_id="fedcba9876543210fedcba9876543210") for i in range(4)]
        make_journal(os.path.join(self.jdir, "remote-web1.journal"), a)
        make_journal(os.path.join(self.jdir, "remote-web2.journal"), b)
        run_alertd(self.config(), os.path.join(self.tmp, "st"), "--once", "--from-start", directory=self.jdir)
        mails = self.smtp.wait_count(5)
        self.assertEqual(len(mails), 5)     # one cap for the fleet: 5 of 8
        got = [(labelled(m)["Account"], labelled(m)["Host"], m["Subject"]) for _, m, _ in mails]
        self.assertEqual([g[0] for g in got], ["a0", "b0", "a1", "b1", "a2"])   # journal (time) order
        for user, host, subject in got:
            want = "web1.example.com" if user.startswith("a") else "web2.example.com"
            self.assertEqual(host, want)
            self.assertEqual(subject, want + " detected access from an unapproved IP address")

    def test_journald_drop_notice_is_told(self):
        t0 = usec("2023-11-01 00:00:00")
        notice = {"__REALTIME_TIMESTAMP": str(t0 + 1000000), "__MONOTONIC_TIMESTAMP": str(t0 + 1000000),
                  "_BOOT_ID": BOOT_ID, "_HOSTNAME": "host.example.com", "_UID": "0", "_TRANSPORT": "driver",
                  "_COMM": "systemd-journal", "MESSAGE_ID": MID_SUPPRESSED, "N_DROPPED": "7", "OBJECT_UID": "0",
                  "OBJECT_SYSTEMD_UNIT": "sshd.service", "MESSAGE": "Suppressed 7 messages from sshd.service"}
        untrusted_notice = dict(notice, OBJECT_UID="65534", N_DROPPED="1000",
                                __REALTIME_TIMESTAMP=str(t0 + 1500000), __MONOTONIC_TIMESTAMP=str(t0 + 1500000))
        entries = [access(t0, user="before"), notice, untrusted_notice, access(t0 + 2000000, user="after"),
                   access(t0 + 3000000, user="later")]
        make_journal(os.path.join(self.jdir, "x.journal"), entries)
        cursor = lt.journal_cursor()
        r = run_alertd(self.config(), os.path.join(self.tmp, "st"), "--once", "--from-start", directory=self.jdir)
        mails = self.smtp.wait_count(3)
        notes = ["journald dropped 7 message(s)" in m.get_content() for _, m, _ in mails]
        self.assertEqual(notes, [False, True, False])
        own = own_entries(cursor, "LOGONACL_ALERTD_EVENT=journal-dropped", "_PID=%d" % r.pid, count=1)
        self.assertEqual([e["LOGONACL_JOURNAL_DROPPED"] for e in own], ["7"])
        self.assertEqual(own[0]["LOGONACL_DROPPED_UNIT"], "sshd.service")


if __name__ == "__main__":
    unittest.main(verbosity=2)
