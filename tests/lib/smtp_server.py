#!/usr/bin/python3
"""A configurable loopback SMTP server for logonacl's tests (aiosmtpd; run with /usr/bin/python3).

  smtp_server.py --maildir DIR --port-file FILE [--port N]
                 [--tls-cert C --tls-key K] [--starttls required|optional | --implicit-tls]
                 [--hold] [--reply-delay S]
                 [--auth-user U --auth-password P]
                 [--script ok,421,450,451,550,stall,...] [--stall-seconds S]
                 [--no-auth] [--refuse-rcpt ADDRESS]...

Each accepted message is written to DIR/NNNN.eml (the DATA bytes as received,
CRLF kept) and DIR/NNNN.json (envelope: mail_from, rcpt_tos, tls, auth_user,
received_at).  Every DATA attempt, accepted or not, is one line in
DIR/attempts.log ("<n> <reply> <monotonic>").  --script gives the reply to
successive DATA commands ("ok" accepts; "stall" waits --stall-seconds, then
answers 451 without keeping the message, as a server whose client gave up
would); past its end every message is accepted.  The port is written to
--port-file once the server answers.  SIGTERM stops it.

A deliberately slow server, for tests that act by progress and not by the clock:
--hold stops twice in every DATA: when the message has arrived but is not yet
kept (DIR/attempt-NNNN.data holds its bytes, DIR/attempt-NNNN.held appears, N
counting DATA attempts), and again once it is kept as NNNN.eml (DIR/NNNN.held);
each time it goes on only when the test creates the matching .release file.  A
client that goes away meanwhile loses the message at the first stop, and its
250 at the second.  --reply-delay S waits S seconds before every DATA reply.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import logonacl_test      # beside this script in tests/lib: free_port

REPLIES = {
    "421": "421 4.3.2 service shutting down, try later",
    "450": "450 4.2.1 mailbox busy, try later",
    "451": "451 4.3.0 local error, try later",
    "550": "550 5.7.1 message refused",
    "554": "554 5.6.0 transaction failed",
}


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, args):
        self.args = args
        self.script = [s for s in (args.script or "").split(",") if s]
        self.attempts = 0
        self.accepted = 0

    async def _hold(self, server, base):
        """Waits for the test's base.release; False when the client went away meanwhile."""
        write_atomically(base + ".held", b"")
        while not os.path.exists(base + ".release"):
            if server.transport is None or server.transport.is_closing():
                return False
            await asyncio.sleep(0.005)
        return True

    def _log_attempt(self, reply):
        with open(os.path.join(self.args.maildir, "attempts.log"), "a") as f:
            f.write("%d %s %.6f\n" % (self.attempts, reply, time.monotonic()))

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.args.no_auth:       # a server (or a man in the middle) that offers no AUTH
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.refuse_rcpt:
            return "550 5.1.1 <%s>: recipient refused" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.reply_delay:
            await asyncio.sleep(self.args.reply_delay)
        self.attempts += 1
        step = self.script[self.attempts - 1] if self.attempts <= len(self.script) else "ok"
        if self.args.hold:
            attempt = os.path.join(self.args.maildir, "attempt-%04d" % self.attempts)
            write_atomically(attempt + ".data", envelope.original_content or envelope.content)
            if not await self._hold(server, attempt):
                step = "gone"       # never kept: logged, not stored
                self._log_attempt(step)
                return REPLIES["451"]
        self._log_attempt(step)
        if step in REPLIES:
            return REPLIES[step]
        if step == "stall":
            await asyncio.sleep(self.args.stall_seconds)
            return REPLIES["451"]
        self.accepted += 1
        base = os.path.join(self.args.maildir, "%04d" % self.accepted)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth_user": getattr(session, "logonacl_auth_user", None),
            "received_at": time.time(),
            "received_monotonic": time.monotonic(),
        }
        # The envelope first: a reader that sees the .eml finds its .json.
        write_atomically(base + ".json", json.dumps(meta).encode())
        write_atomically(base + ".eml", envelope.original_content or envelope.content)
        if self.args.hold:
            await self._hold(server, base)
        return "250 2.0.0 OK queued as %04d" % self.accepted


def authenticator_for(args):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.auth_user
              and auth_data.password.decode() == args.auth_password)
        if ok:
            session.logonacl_auth_user = args.auth_user
        return AuthResult(success=ok, handled=False)
    return authenticate


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--maildir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--hold", action="store_true")
    p.add_argument("--reply-delay", type=float, default=0.0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--starttls", choices=["required", "optional"])
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password")
    p.add_argument("--script")
    p.add_argument("--stall-seconds", type=float, default=30.0)
    p.add_argument("--no-auth", action="store_true", help="offer no AUTH in the EHLO reply")
    p.add_argument("--refuse-rcpt", action="append", default=[], help="answer 550 to RCPT TO this address")
    args = p.parse_args()
    os.makedirs(args.maildir, exist_ok=True)

    ctx = None
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)

    kwargs = {"hostname": "127.0.0.1", "port": args.port or logonacl_test.free_port(), "ready_timeout": 10}
    smtp_kwargs = {"ident": "logonacl test SMTP"}
    if args.implicit_tls:
        kwargs["ssl_context"] = ctx
    elif args.starttls:
        smtp_kwargs["tls_context"] = ctx
        smtp_kwargs["require_starttls"] = args.starttls == "required"
    if args.auth_user:
        smtp_kwargs["authenticator"] = authenticator_for(args)
        smtp_kwargs["auth_required"] = True
        smtp_kwargs["auth_require_tls"] = ctx is not None
    controller = Controller(Handler(args), **kwargs, **smtp_kwargs)
    controller.start()
    write_atomically(args.port_file, str(kwargs["port"]).encode())

    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    while not stop:
        time.sleep(0.05)
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
