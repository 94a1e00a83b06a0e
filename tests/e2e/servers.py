"""Real servers with pam_logonacl in their PAM services, for tests/e2e/.

Two network namespaces joined by a veth pair: the servers' (203.0.113.1,
198.51.100.254, 2001:db8:1::1) and the clients' (203.0.113.10, 198.51.100.1,
2001:db8:1::10: a client picks its address by binding to it).  Each server runs
in a mount namespace of its own (in-mount-ns.sh): private /etc/passwd, shadow,
group with the test user, a private /etc/pam.d holding only the test's
services, a private /run whose journal socket leads to a journald namespace of
the test's own.  The host's /etc, /run and journal are never written.

  OpenSSH sshd    PAM service sshd            admin channel    port 22
  Dovecot IMAP    PAM service dovecot         enduser channel  port 143
  Apache httpd    Require pam-account         api channel      port 80
                  logonacl-api (packaging/examples/apache-api.conf)
  nginx auth_pam  PAM service logonacl-nginx  api channel      port 8080
"""

import os
import signal
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
IN_MOUNT_NS = os.path.join(HERE, "in-mount-ns.sh")

SERVER_V4 = "203.0.113.1"
SERVER_V4_B = "198.51.100.254"
SERVER_V6 = "2001:db8:1::1"
APPROVED = "203.0.113.10"
UNAPPROVED = "198.51.100.1"
CLIENT_V6 = "2001:db8:1::10"
PORTS = {"sshd": 22, "dovecot": 143, "apache": 80, "nginx": 8080}


def run(cmd, check=True, timeout=60, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (cmd, r.returncode, r.stdout, r.stderr))
    return r


class Network:
    def __init__(self):
        self.srv = "lacl-srv-%d" % os.getpid()
        self.cli = "lacl-cli-%d" % os.getpid()

    def start(self):
        run(["ip", "netns", "add", self.srv])
        run(["ip", "netns", "add", self.cli])
        veth_s, veth_c = "lacls%d" % (os.getpid() % 100000), "laclc%d" % (os.getpid() % 100000)
        run(["ip", "link", "add", veth_s, "netns", self.srv, "type", "veth", "peer", "name", veth_c,
             "netns", self.cli])
        for ns, dev, addrs in ((self.srv, veth_s, [SERVER_V4 + "/24", SERVER_V4_B + "/24"]),
                               (self.cli, veth_c, [APPROVED + "/24", UNAPPROVED + "/24"])):
            for a in addrs:
                run(["ip", "-n", ns, "addr", "add", a, "dev", dev])
            run(["ip", "-n", ns, "addr", "add", (SERVER_V6 if ns == self.srv else CLIENT_V6) + "/64", "dev", dev,
                 "nodad"])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return self

    def stop(self):
        for ns in (self.srv, self.cli):
            # Whatever still runs there (a server's straggler) goes with its namespace.
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for p in pids:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns], check=False)

    def client(self, cmd, **kw):
        return run(["ip", "netns", "exec", self.cli] + cmd, check=False, **kw)

    def wait_port(self, port, timeout=60):
        """Until the servers' namespace accepts TCP on SERVER_V4:port (seen from the client side)."""
        probe = ("import socket,sys,time\n"
                 "d=time.monotonic()+%d\n"
                 "while True:\n"
                 "  try:\n"
                 "    socket.create_connection((%r,%d),1).close(); break\n"
                 "  except OSError:\n"
                 "    if time.monotonic()>d: sys.exit(1)\n"
                 "    time.sleep(0.05)\n" % (timeout, SERVER_V4, port))
        return self.client(["/usr/bin/python3", "-c", probe], timeout=timeout + 10).returncode == 0


class Servers:
    """Writes each server's private configuration under tmp and runs it."""

    def __init__(self, tmp, net, journal_dir, module, conf, user, password, uid):
        self.tmp, self.net, self.journal_dir = tmp, net, journal_dir
        self.module, self.conf = module, conf
        self.user, self.password, self.uid = user, password, uid
        self.procs = {}

    # -- the private /etc ------------------------------------------------------

    def write_etc(self, pubkey):
        etc = os.path.join(self.tmp, "etc")
        os.makedirs(etc)
        os.makedirs(os.path.join(self.tmp, "journal"))
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        os.chown(home, self.uid, self.uid)
        pw_hash = run(["openssl", "passwd", "-6", self.password]).stdout.strip()
        for name, line, mode in (("passwd", "%s:x:%d:%d::%s:/bin/sh" % (self.user, self.uid, self.uid, home), 0o644),
                                 ("shadow", "%s:%s:19000:0:99999:7:::" % (self.user, pw_hash), 0o640),
                                 ("group", "%s:x:%d:" % (self.user, self.uid), 0o644)):
            with open("/etc/" + name) as f:
                text = f.read()
            path = os.path.join(etc, name)
            with open(path, "w") as f:
                f.write(text + ("" if text.endswith("\n") else "\n") + line + "\n")
            st = os.stat("/etc/" + name)
            os.chown(path, st.st_uid, st.st_gid)
            os.chmod(path, mode)
        pam = os.path.join(self.tmp, "pam.d")
        os.makedirs(pam)
        acct = "account required %s conf=%s\n" % (self.module, self.conf)
        services = {
            # sshd: password (keyboard-interactive) and public key; the account stage runs for both.
            "sshd": "auth required pam_unix.so\n" + acct + "account required pam_unix.so\n"
                    "session required pam_permit.so\npassword required pam_deny.so\n",
            "dovecot": "auth required pam_unix.so\n" + acct + "account required pam_unix.so\n"
                       "session required pam_permit.so\n",
            # As packaging/examples/apache-api.conf says: the account stage only.
            "logonacl-api": acct,
            # AuthBasicProvider PAM: auth and account inside authentication.  Apache's workers run
            # as www-data, which pam_unix cannot check another user's password as.
            "logonacl-api-pam": "auth required pam_permit.so\n" + acct,
            # nginx's workers run as www-data, which pam_unix cannot check another user's password
            # as: the password is not what this service tests.
            "logonacl-nginx": "auth required pam_permit.so\n" + acct,
            "other": "auth required pam_deny.so\naccount required pam_deny.so\n"
                     "session required pam_deny.so\npassword required pam_deny.so\n",
        }
        for name, text in services.items():
            with open(os.path.join(pam, name), "w") as f:
                f.write(text)
        keys = os.path.join(self.tmp, "sshd", "authorized_keys")
        os.makedirs(keys)
        with open(os.path.join(keys, self.user), "w") as f:
            f.write(pubkey)

    # -- the servers -------------------------------------------------------------

    def _start(self, name, cmd):
        log = open(os.path.join(self.tmp, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", self.net.srv, "unshare", "--mount", "--propagation", "private",
             IN_MOUNT_NS, self.tmp, self.journal_dir] + cmd,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def start_all(self):
        self.start_sshd()
        self.start_dovecot()
        self.start_apache(os.path.join(HERE, "..", "..", "packaging", "examples", "apache-api.conf"))
        self.start_nginx()
        for name, port in PORTS.items():
            if not self.net.wait_port(port):
                raise RuntimeError("%s did not listen on port %d: %s" % (name, port, self.log(name)))

    def log(self, name):
        try:
            with open(os.path.join(self.tmp, name + ".log"), errors="replace") as f:
                return f.read()[-3000:]
        except FileNotFoundError:
            return ""

    def start_sshd(self):
        d = os.path.join(self.tmp, "sshd")
        key = os.path.join(d, "host_key")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        cfg = os.path.join(d, "sshd_config")
        with open(cfg, "w") as f:
            f.write("Port 22\nHostKey %s\nPidFile none\nUsePAM yes\nKbdInteractiveAuthentication yes\n"
                    "PasswordAuthentication no\nPubkeyAuthentication yes\nAuthorizedKeysFile %s/%%u\n"
                    "StrictModes no\nPermitRootLogin no\nUseDNS no\nPrintMotd no\nLogLevel VERBOSE\n"
                    "AcceptEnv none\nSubsystem sftp internal-sftp\n" % (key, os.path.join(d, "authorized_keys")))
        self._start("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", cfg])

    def start_dovecot(self):
        d = os.path.join(self.tmp, "dovecot")
        os.makedirs(os.path.join(d, "state"))
        mail = os.path.join(d, "mail")
        os.makedirs(mail)
        os.chown(mail, self.uid, self.uid)
        cfg = os.path.join(d, "dovecot.conf")
        with open(cfg, "w") as f:
            f.write("protocols = imap\nlisten = *, ::\nssl = no\ndisable_plaintext_auth = no\n"
                    "auth_mechanisms = plain login\nstate_dir = %s/state\nlog_path = %s/dovecot.log\n"
                    "mail_location = maildir:%s/%%u\nfirst_valid_uid = 1000\nlogin_trusted_networks =\n"
                    "passdb {\n  driver = pam\n  args = dovecot\n}\n"
                    "userdb {\n  driver = passwd\n}\n" % (d, d, mail))
        self._start("dovecot", ["/usr/sbin/dovecot", "-F", "-c", cfg])

    def start_apache(self, example):
        d = os.path.join(self.tmp, "apache")
        for loc in ("api", "api-no403", "api-pam"):
            os.makedirs(os.path.join(d, "htdocs", loc))
            with open(os.path.join(d, "htdocs", loc, "ok.txt"), "w") as f:
                f.write("apache-%s-ok\n" % loc)
        os.makedirs(os.path.join(d, "run"))
        htpasswd = os.path.join(d, "api.htpasswd")
        run(["htpasswd", "-c", "-b", "-B", htpasswd, self.user, self.password])
        os.chmod(htpasswd, 0o644)
        # The shipped example, its only path pointed at the test's password file.
        with open(example) as f:
            text = f.read()
        assert "/etc/apache2/logonacl-api.htpasswd" in text
        text = text.replace("/etc/apache2/logonacl-api.htpasswd", htpasswd)
        assert "    AuthzSendForbiddenOnFailure On\n" in text
        # Two variants to show what the README says: without the directive, and with
        # AuthBasicProvider PAM alone, the refusal is a 401.
        no403 = text[text.index("<Location"):].replace('"/api/"', '"/api-no403/"').replace(
            "    AuthzSendForbiddenOnFailure On\n", "")
        pam_only = ('<Location "/api-pam/">\n    AuthType Basic\n    AuthName "API"\n'
                    '    AuthBasicProvider PAM\n    AuthPAMService logonacl-api-pam\n'
                    '    Require valid-user\n</Location>\n')
        with open(os.path.join(d, "apache-api.conf"), "w") as f:
            f.write(text + no403 + pam_only)
        mods = ["mpm_event", "authn_core", "authn_file", "authz_core", "authz_user", "auth_basic"]
        lines = ["LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so" % (m, m) for m in mods]
        lines.append("LoadModule authnz_pam_module /usr/lib/apache2/modules/mod_authnz_pam.so")
        lines += ["ServerRoot %s" % d, "ServerName e2e.example", "Listen 80", "User www-data", "Group www-data",
                  "PidFile %s/run/httpd.pid" % d, "DefaultRuntimeDir %s/run" % d, "ErrorLog %s/error.log" % d,
                  "LogLevel warn", "DocumentRoot %s/htdocs" % d, "Include %s/apache-api.conf" % d]
        cfg = os.path.join(d, "httpd.conf")
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        self._start("apache", ["/usr/sbin/apache2", "-f", cfg, "-DFOREGROUND"])

    def start_nginx(self):
        d = os.path.join(self.tmp, "nginx")
        os.makedirs(os.path.join(d, "html", "api"))
        os.makedirs(os.path.join(d, "tmp"))
        with open(os.path.join(d, "html", "api", "ok.txt"), "w") as f:
            f.write("nginx-api-ok\n")
        cfg = os.path.join(d, "nginx.conf")
        with open(cfg, "w") as f:
            f.write("load_module /usr/lib/nginx/modules/ngx_http_auth_pam_module.so;\n"
                    "daemon off;\nworker_processes 1;\nuser www-data;\npid %s/nginx.pid;\n"
                    "error_log %s/error.log warn;\nevents {}\n"
                    "http {\n  access_log off;\n  client_body_temp_path %s/tmp;\n"
                    "  server {\n    listen 8080;\n    listen [::]:8080;\n    root %s/html;\n"
                    "    location /api/ {\n      auth_pam \"API\";\n"
                    "      auth_pam_service_name \"logonacl-nginx\";\n    }\n  }\n}\n" % (d, d, d, d))
        self._start("nginx", ["/usr/sbin/nginx", "-p", d, "-c", cfg])

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
