#!/usr/bin/python3
"""Writes the hostile configuration corpus (tests/reliability/corpus/): broken
logonacl.conf files (conf/), broken approved lists (approved/: the main file;
dropin/: a file in approved.d), and a few lists that look odd but are valid
(valid/).  Each case is NAME.conf or NAME.list with NAME.expected beside it.

NAME.expected holds the lines `logonaclctl check` must print, with {dir} for
the case's folder; a line ending in " ..." must only start with the rest.
"VALID" means: no error at all.  Expectations come from SPEC.md §1-§2 and the
messages it fixes, not from running the code.  The corpus is committed; run
this again only to change it:  tests/reliability/make_corpus.py
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

# The [general] section every conf case starts with: the list stays in the case folder.
GENERAL = "[general]\napproved_file = {dir}/approved\napproved_dir = {dir}/approved.d\n"
ADMIN = "[admin]\naction = allow-and-log\nservices = sshd\n"
INVALID = "IP address or CIDR block is invalid."
SERVICE_RULE = '(letters, digits, "._+@-", at most 64)'
SECTION_LIST = "(expected general, admin, enduser, api or alert)"
ONE_CHANNEL = "a service may stand in one channel only"


def conf_cases():
    """(name, bytes of logonacl.conf, [expected lines]); line numbers count GENERAL's 3 lines."""
    c = []

    def add(name, body, *reasons, general=True):
        head = (GENERAL if general else "").encode()
        c.append((name, head + (body.encode() if isinstance(body, str) else body), list(reasons)))

    def at(line, reason):
        return "{dir}/logonacl.conf:%d: %s" % (line, reason)

    # sections
    for i, sec in enumerate(["foo", "Admin", "ADMIN", "adm in", "alerts", "api2", "",
                             "end-user", "enduser.x", "général", "admin;", "\u200eadmin"]):
        name = sec if sec.isascii() else "..."
        add("section-unknown-%02d" % i, "[%s]\naction = none\n" % sec,
            at(4, "unknown section [%s] %s" % (name, SECTION_LIST)))
    for i, line in enumerate(["[admin", "[admin] x", "[admin]]", "[[admin]", "[admin]x", "[ admin ] trailing"]):
        if line == "[[admin]":
            expected = at(4, "unknown section [[admin] %s" % SECTION_LIST)
        else:
            expected = at(4, 'expected "[section]"')
        add("section-syntax-%02d" % i, line + "\naction = none\n", expected)
    add("section-repeated", ADMIN + "[enduser]\n[admin]\n", at(8, "section [admin] repeated (first at line 4)"))
    add("section-general-repeated", "[general]\n", at(4, "section [general] repeated (first at line 1)"))

    # key lines
    for i, line in enumerate(["action", "action none", "= none", " = ", "services: sshd", "action => none"]):
        if line == "action => none":
            expected = at(5, 'action: "> none" is not one of none, allow-and-log, block-and-log')
        else:
            expected = at(5, 'expected "key = value" or "[section]"')
        add("key-syntax-%02d" % i, "[admin]\n" + line + "\n", expected)
    add("key-outside-section", "action = none\n", at(1, 'key "action" outside of a section'), general=False)
    add("key-outside-section-first", "approved_file = /etc/logonacl/approved\n",
        at(1, 'key "approved_file" outside of a section'), general=False)
    for i, key in enumerate(["actions", "Action", "service", "sso", "on_error", "conf", "channel", "debug",
                             "actíon", "x" * 90]):
        shown = key if len(key) <= 80 else key[:80] + "..."
        add("key-unknown-%02d" % i, "[admin]\n%s = none\n" % key,
            at(5, 'unknown key "%s" in section [admin]' % shown))
    for i, (sec, key, home) in enumerate([("enduser", "sso_services", "admin"), ("admin", "inline_services", "enduser"),
                                           ("admin", "apply_to_inline", "enduser"), ("admin", "email", "alert"),
                                           ("general", "threshold", "alert"), ("api", "smtp_url", "alert"),
                                           ("alert", "allow_private", "general"), ("api", "approved_dir", "general"),
                                           ("enduser", "timezone", "alert"), ("admin", "trusted_users", "alert")]):
        body = "[%s]\n%s = x\n" % (sec, key) if sec != "general" else "%s = 5\n" % key
        line = 5 if sec != "general" else 4
        add("key-wrong-section-%02d" % i, body,
            at(line, 'unknown key "%s" in section [%s] (it belongs in [%s])' % (key, sec, home)))
    add("key-repeated", ADMIN + "action = none\n", at(7, 'key "action" repeated in section [admin] (first at line 5)'))
    add("key-repeated-general", "approved_file = /x\n",
        at(4, 'key "approved_file" repeated in section [general] (first at line 2)'))
    add("key-repeated-alert", "[alert]\nthreshold = 5\nthreshold = 5\n",
        at(6, 'key "threshold" repeated in section [alert] (first at line 5)'))

    # values
    for i, v in enumerate(["block", "Block-And-Log", "allow", "deny", "none,", "yes", "allow-and-log block-and-log",
                           "allow_and_log", "\"none\"", "", "0", "blockandlog"]):
        add("value-action-%02d" % i, "[admin]\naction = %s\n" % v,
            at(5, 'action: "%s" is not one of none, allow-and-log, block-and-log' % v))
    for i, v in enumerate(["true", "1", "Yes", "on", "", "no no"]):
        add("value-allow-private-%02d" % i, "allow_private = %s\n" % v,
            at(4, 'allow_private: "%s" is not yes or no' % v))
    for i, v in enumerate(["remote", "Local", "", "deny"]):
        add("value-missing-rhost-%02d" % i, "[api]\nmissing_rhost = %s\n" % v,
            at(5, 'missing_rhost: "%s" is not local or unapproved' % v))
    for i, v in enumerate(["10", "0", "-5", "05", "5.0", "1000", "five", ""]):
        add("value-threshold-%02d" % i, "[alert]\nthreshold = %s\n" % v,
            at(5, 'threshold: "%s" is not one of 5, 20, 50, 100' % v))
    for i, v in enumerate(["maybe", "yes", "Required", ""]):
        add("value-starttls-%02d" % i, "[alert]\nsmtp_starttls = %s\n" % v,
            at(5, 'smtp_starttls: "%s" is not one of required, try, no' % v))
    for i, v in enumerate(["ss/hd", "ssh d;x", "ssh'd", "ssh\"d", "a" * 65, "sshd\\", "s(h)", "ss*hd", "ssh$"]):
        first_bad = v.split(" ")[0] if " " not in v else "d;x"
        add("value-service-%02d" % i, "[admin]\nservices = sshd %s\n" % v,
            at(5, 'services: "%s" is not a valid PAM service name %s' % (first_bad, SERVICE_RULE)))
    # SPEC §2 (updated): an upper-case letter in a service name is an error
    for i, v in enumerate(["SSHD", "Dovecot", "sshD"]):
        add("value-service-upper-%02d" % i, "[admin]\nservices = %s\n" % v, at(5, "services: ..."))
    add("value-sso-upper", "[admin]\nsso_services = Portal\n", at(5, "sso_services: ..."))
    for i, v in enumerate(["etc/logonacl/approved", "./approved", "~/approved", "approved"]):
        add("value-path-%02d" % i, "[general]\napproved_file = %s\n" % v,
            at(2, 'approved_file: "%s" is not an absolute path' % v), general=False)
    add("value-path-dir", "[general]\napproved_dir = approved.d\n",
        at(2, 'approved_dir: "approved.d" is not an absolute path'), general=False)
    for i, v in enumerate(["secops", "@example.com", "secops@", "sec ops@example.com"]):
        expected = {
            "secops": '"secops" is not a valid e-mail address: no \'@\'',
            "@example.com": '"@example.com" is not a valid e-mail address: the part before \'@\' must be 1 to ...',
            "secops@": '"secops@" is not a valid e-mail address: bad domain after \'@\'',
            "sec ops@example.com": '"sec" is not a valid e-mail address: no \'@\'',
        }[v]
        add("value-email-%02d" % i, "[alert]\nemail = %s\n" % v, at(5, "email: " + expected))
    for i, v in enumerate(["secops<x>@example.com", "a..b@example.com", "x@exa_mple.com", "x@-example.com"]):
        add("value-email-chars-%02d" % i, "[alert]\nemail = %s\n" % v, at(5, 'email: "%s" is not a valid e-mail address: ...' % v))
    add("value-from", "[alert]\nfrom = no reply\n", at(5, 'from: "no reply" is not a valid e-mail address: ...'))
    for i, v in enumerate(["http://mail.example.com", "mail.example.com", "smtp:/mail", "SMTP://mail.example.com"]):
        add("value-smtp-url-%02d" % i, "[alert]\nsmtp_url = %s\n" % v,
            at(5, 'smtp_url: "%s" must start with smtp:// or smtps://' % v))
    add("value-smtp-url-creds", "[alert]\nsmtp_url = smtp://user:pw@mail.example.com\n",
        at(5, 'smtp_url: "smtp://user:pw@mail.example.com" must not contain a user name or password '
              '(use smtp_user and smtp_password_file)'))
    for i, v in enumerate(["smtp://mail.example.com:0", "smtp://mail.example.com:65536", "smtp://mail.example.com:x",
                           "smtp://mail.example.com:25x"]):
        add("value-smtp-port-%02d" % i, "[alert]\nsmtp_url = %s\n" % v, at(5, 'smtp_url: "%s": port must be 1 to 65535' % v))
    add("value-smtp-ipv6", "[alert]\nsmtp_url = smtp://[::1\n", at(5, 'smtp_url: "smtp://[::1": bad [IPv6] host'))
    add("value-smtp-host", "[alert]\nsmtp_url = smtp://mail..example\n", at(5, 'smtp_url: "smtp://mail..example": bad host name'))
    for i, v in enumerate(["Mars/Olympus", "Asia/Tokio", "../../etc/passwd", "/etc/localtime", "Asia/", "Asia//Tokyo",
                           "Europe/Berlin;", ""]):
        if v in ("Mars/Olympus", "Asia/Tokio"):
            reason = '"%s" is not a time zone in /usr/share/zoneinfo' % v
        elif v == "":
            reason = '"" is not a time zone name'
        else:
            reason = '"%s" is not a time zone name (like Asia/Tokyo)' % v
        add("value-timezone-%02d" % i, "[alert]\ntimezone = %s\n" % v, at(5, "timezone: " + reason))
    for i, v in enumerate(["-root", "1root", "ro:ot", "root;", "r\u00f6ot"]):
        add("value-trusted-users-%02d" % i, "[alert]\ntrusted_users = %s\n" % v,
            at(5, 'trusted_users: "%s" is not a valid user name' % v))
    add("value-trusted-users-empty", "[alert]\ntrusted_users =\n", at(5, "trusted_users: must name at least one user (root)"))
    add("value-smtp-user", "[alert]\nsmtp_user = bob smith\n",
        at(5, 'smtp_user: "bob smith": blanks and non-ASCII characters are not allowed'))

    # a service in two channels
    add("two-channels-admin-enduser", "[admin]\nservices = sshd\n[enduser]\nservices = dovecot sshd\n",
        at(7, 'service "sshd" is in [enduser] and already in [admin] (line 5): ' + ONE_CHANNEL))
    add("two-channels-sso-api", "[admin]\nsso_services = portal\n[api]\nservices = portal\n",
        at(7, 'service "portal" is in [api] and already in [admin] (line 5): ' + ONE_CHANNEL))
    add("two-channels-inline", "[enduser]\ninline_services = webmail\n[admin]\nservices = webmail\n",
        at(7, 'service "webmail" is in [admin] and already in [enduser] (line 5): ' + ONE_CHANNEL))

    # bytes
    add("bytes-nul", "[admin]\naction = no\0ne\n", at(5, "contains a NUL byte"))
    add("bytes-nul-comment", "# \0\n", at(4, "contains a NUL byte"))
    add("bytes-bad-utf8", b"[admin]\naction = \xff\n", at(5, "not valid UTF-8"))
    add("bytes-overlong-utf8", b"[admin]\n# \xc0\xaf\n", at(5, "not valid UTF-8"))
    add("bytes-surrogate", b"[admin]\n# \xed\xa0\x80\n", at(5, "not valid UTF-8"))
    add("bytes-truncated-utf8", b"[admin]\n# \xe3\x81\n", at(5, "not valid UTF-8"))
    add("bytes-crlf", "[admin]\r\naction = none\r\n", at(4, "contains a control character (0x0d): use Unix line ends"))
    for i, ch in enumerate(["\x01", "\x1b", "\x7f", "\x0b", "\x0c", "\x08"]):
        add("bytes-control-%02d" % i, "[admin]\naction = none%s\n" % ch,
            at(5, "contains a control character (0x%02x)" % ord(ch)))
    add("bytes-escape-sequence", "[admin]\n# \x1b[2J\x1b[31mred\n", at(5, "contains a control character (0x1b)"))
    add("bytes-bom", "\ufeff[general]\n", at(1, "starts with a UTF-8 byte order mark: save the file without one"),
        general=False)
    add("bytes-long-line", "# " + "x" * 4100 + "\n", at(4, "line longer than 4096 bytes"))
    add("bytes-long-value", "[alert]\nemail = " + "a" * 4090 + "@example.com\n", at(5, "line longer than 4096 bytes"))
    add("bytes-long-last-line-no-newline", "# " + "y" * 5000, at(4, "line longer than 4096 bytes"))
    big = "# " + "z" * 1000 + "\n"
    add("bytes-larger-than-1mib", big * 1100, "{dir}/logonacl.conf: file larger than 1048576 bytes")
    return c


def list_cases():
    """(name, bytes of the list file, [(line, reason)]) for the main approved file."""
    c = []

    def add(name, text, *errors):
        c.append((name, text.encode() if isinstance(text, str) else text, list(errors)))

    def bad(name, entry, reason, prefix="", suffix=""):
        add(name, prefix + entry + suffix + "\n", (1 + prefix.count("\n"), "%s: %s" % (shown(entry), reason)))

    # SPEC §1: not global
    ranges = [("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private-use"), ("100.64.0.0/10", "shared address space"),
              ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private-use"),
              ("192.0.0.0/24", "IETF protocol assignments"), ("192.168.0.0/16", "private-use"),
              ("198.18.0.0/15", "benchmarking"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved")]
    tail = "only global addresses may be approved"
    samples = {"0.0.0.0/8": ["0.0.0.0", "0.1.2.3"], "10.0.0.0/8": ["10.0.0.1", "10.255.255.255", "10.1.0.0/16"],
               "100.64.0.0/10": ["100.64.0.1", "100.127.255.254"], "127.0.0.0/8": ["127.0.0.1", "127.0.0.0/8"],
               "169.254.0.0/16": ["169.254.169.254"], "172.16.0.0/12": ["172.16.0.1", "172.31.255.255"],
               "192.0.0.0/24": ["192.0.0.8"], "192.168.0.0/16": ["192.168.1.1", "192.168.0.0/24"],
               "198.18.0.0/15": ["198.19.0.1"], "224.0.0.0/4": ["224.0.0.251", "239.255.255.250"],
               "240.0.0.0/4": ["240.0.0.1", "255.255.255.255"]}
    for block, what in ranges:
        for k, e in enumerate(samples[block]):
            bad("private-%s-%d" % (block.split("/")[0].replace(".", "_"), k), e, "lies in %s (%s); %s" % (block, what, tail))
    for e, block, what in [("8.0.0.0/5", "10.0.0.0/8", "private-use"), ("0.0.0.0/0", "0.0.0.0/8", "this network"),
                           ("96.0.0.0/4", "100.64.0.0/10", "shared address space"),
                           ("192.0.0.0/16", "192.0.0.0/24", "IETF protocol assignments"),
                           ("128.0.0.0/1", "169.254.0.0/16", "link-local")]:
        bad("overlap-%s" % e.replace(".", "_").replace("/", "-"), e, "overlaps %s (%s); %s" % (block, what, tail))
    for e in ["fe80::1", "fc00::/7", "ff02::1", "4000::/2", "100::/64", "64:ff9b::1.2.3.4", "c000::/3"]:
        bad("ipv6-not-global-%s" % e.replace(":", "_").replace("/", "-").replace(".", "_"), e,
            "... 2000::/3 (global unicast); %s" % tail)
    for e in ["::1", "::", "::/0", "::/1", "2000::/2", "::ffff:203.0.113.7", "::ffff:0:0/96", "::/96", "::203.0.113.7"]:
        # these overlap the IPv4-mapped or -compatible space: invalid whatever allow_private says (SPEC §1)
        add("ipv6-ipv4-space-%s" % e.replace(":", "_").replace("/", "-").replace(".", "_"), e + "\n", (1, shown(e) + ": ..."))
    # syntax
    syntax = [
        ("203.0.113.5/24", "host bits are set below /24 (did you mean 203.0.113.0/24?)"),
        ("203.0.113.1/31", "host bits are set below /31 (did you mean 203.0.113.0/31?)"),
        ("2001:db8::1/32", "host bits are set below /32 (did you mean 2001:db8::/32?)"),
        ("203.0.113.07", 'octet "07" has a leading zero'),
        ("203.0.113.0/024", "prefix /024 has a leading zero"),
        ("203.000.113.7", 'octet "000" has a leading zero'),
        ("203.0.113.256", "octet 256 is out of range (0-255)"),
        ("203.0.113.7000", "octet 7000 is out of range (0-255)"),
        ("203.0.113", "has 3 octets, an IPv4 address has 4"),
        ("203", "has 1 octet, an IPv4 address has 4"),
        ("203.0.113.7.1", "has more than 4 octets"),
        ("203.0.113.", "has an empty octet"),
        ("203..113.7", "has an empty octet"),
        ("203.0.113.0/33", "prefix /33 is out of range (0-32)"),
        ("2001:db8::/129", "prefix /129 is out of range (0-128)"),
        ("203.0.113.0/", "the prefix after '/' is empty"),
        ("203.0.113.0/x", "the prefix after '/' is not a decimal number"),
        ("203.0.113.0/2a", "the prefix after '/' is not a decimal number"),
        ("203.0.113.0/-1", "the prefix after '/' is not a decimal number"),
        ("203.0.113.0/1000", "prefix is out of range (0-32)"),
        ("/24", "no address before '/'"),
        ("0x7f.0.0.1", "..."),
        ("gw.example.com", "not an IPv4 or IPv6 address"),
        ("localhost", "not an IPv4 or IPv6 address"),
        ("any", "not an IPv4 or IPv6 address"),
        ("*", "not an IPv4 or IPv6 address"),
        ("-203.0.113.7", "not an IPv4 or IPv6 address"),
        ("+203.0.113.7", "not an IPv4 or IPv6 address"),
        ("2001:db8:::1", "..."),
        ("2001:db8::1::2", '"::" appears more than once'),
        ("2001:db8:0:0:0:0:0:0:1", "has more than 8 IPv6 groups"),
        ("2001:db8:0:0:0:0:1", "has 7 IPv6 groups, expected 8 (or \"::\")"),
        ("2001:db8:12345::", "an IPv6 group has more than 4 hex digits"),
        ("2001:dg8::", "unexpected character 'g'"),
        (":2001:db8::", "starts with a single ':'"),
        ("2001:db8::1:", "ends with a single ':'"),
        ("2001:db8::1%eth0", "a zone ('%') is not allowed here"),
        ("2001:db8:0:0:0:0:0::0", "..."),
        ("[2001:db8::1]", "unexpected character '['"),
        ("203.0.113.7:22", "..."),
        ("203.0.113.7,198.51.100.7", "..."),
        ("203.0.113.7;", "..."),
        ("203.0.113.7-203.0.113.9", "..."),
        ("203.0.113.0/255.255.255.0", "the prefix after '/' is not a decimal number"),
        ("203.0.113.*", "..."),
        ("1.2.3.4/8", "host bits are set below /8 (did you mean 1.0.0.0/8?)"),
    ]
    for i, (e, reason) in enumerate(syntax):
        add("syntax-%02d" % i, e + "\n", (1, "%s: %s" % (shown(e), reason)))
    # bytes and layout
    add("bytes-space-inside", "203.0.113.0 /24\n", (1, '203.0.113.0 /24: contains a space, control or non-ASCII byte'))
    add("bytes-tab-inside", "203.0.113.0\t/24\n", (1, '203.0.113.0\\x09/24: contains a space, control or non-ASCII byte'))
    add("bytes-nul", b"203.0.113.0/24\0\n", (1, '203.0.113.0/24\\x00: contains a space, control or non-ASCII byte'))
    add("bytes-nbsp", "203.0.113.7\u00a0\n", (1, '203.0.113.7\\xc2\\xa0: contains a space, control or non-ASCII byte'))
    add("bytes-fullwidth-digit", "２03.0.113.7\n", (1, '\\xef\\xbc\\x9203.0.113.7: contains a space, control or non-ASCII byte'))
    add("bytes-latin1", b"203.0.113.7\xe9\n", (1, '203.0.113.7\\xe9: contains a space, control or non-ASCII byte'))
    add("bytes-escape", "203.0.113.7\x1b[31m\n", (1, '203.0.113.7\\x1b[31m: contains a space, control or non-ASCII byte'))
    add("bytes-vertical-tab", "203.0.113.7\x0b\n", (1, '203.0.113.7\\x0b: contains a space, control or non-ASCII byte'))
    add("bytes-bom", "\ufeff203.0.113.7\n", (1, '\\xef\\xbb\\xbf203.0.113.7: contains a space, control or non-ASCII byte'))
    add("bytes-long-line", "203.0.113.7" + " " * 5000 + "x\n", (1, "... the line is longer than 4096 bytes"))
    add("bytes-zero-page", b"\0" * 4097 + b"\n", (1, "... the line is longer than 4096 bytes"))
    add("later-line", "# site list\n203.0.113.0/24\n\n198.51.100.0/24 # office\n10.0.0.0/8\n",
        (5, "10.0.0.0/8: lies in 10.0.0.0/8 (private-use); only global addresses may be approved"))
    add("two-errors", "203.0.113.5/24\n198.51.100.0/24\n192.168.1.1\n",
        (1, "203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)"),
        (3, "192.168.1.1: lies in 192.168.0.0/16 (private-use); only global addresses may be approved"))
    add("last-line-no-newline", "203.0.113.0/24\n203.0.113.300", (2, "203.0.113.300: octet 300 is out of range (0-255)"))
    add("comment-glued", "203.0.113.0/24#ok\n198.51.100.0/33 # bad\n",
        (2, "198.51.100.0/33: prefix /33 is out of range (0-32)"))
    add("expires-bad-date", "203.0.113.0/24 expires=2027-13-01\n", (1, "..."))
    add("expires-bad-word", "203.0.113.0/24 expire=2027-01-31\n", (1, "..."))
    add("expires-garbage", "203.0.113.0/24 expires=tomorrow\n", (1, "..."))
    add("expires-empty", "203.0.113.0/24 expires=\n", (1, "..."))
    add("expires-twice", "203.0.113.0/24 expires=2027-01-31 expires=2027-02-01\n", (1, "..."))
    add("expires-bad-entry", "203.0.113.5/24 expires=2027-01-31 # gw\n",
        (1, "... host bits are set below /24 (did you mean 203.0.113.0/24?)"))
    return c


def shown(entry):
    """The entry as a reason shows it (addr.c: \\xNN for other bytes, at most 56 bytes then ...)."""
    out = ""
    for ch in entry.encode():
        piece = "\\\\" if ch == 0x5c else chr(ch) if 0x20 <= ch < 0x7f else "\\x%02x" % ch
        if len(out) + len(piece) > 56:
            return out + "..."
        out += piece
    return out


def dropin_cases():
    """(name, bytes of approved.d/site.list, [(line, reason)])."""
    return [
        ("dropin-private", b"203.0.113.0/24\n10.1.2.3\n",
         [(2, "10.1.2.3: lies in 10.0.0.0/8 (private-use); only global addresses may be approved")]),
        ("dropin-host-bits", b"198.51.100.1/24\n",
         [(1, "198.51.100.1/24: host bits are set below /24 (did you mean 198.51.100.0/24?)")]),
        ("dropin-hostname", b"# office\nvpn.example.com\n", [(2, "vpn.example.com: not an IPv4 or IPv6 address")]),
        ("dropin-ipv6-link-local", b"fe80::/10\n",
         [(1, "fe80::/10: lies outside 2000::/3 (global unicast); only global addresses may be approved")]),
        ("dropin-nul", b"\0\n", [(1, "\\x00: contains a space, control or non-ASCII byte")]),
        ("dropin-crlf-garbage", b"203.0.113.0/24\r\nxyz\r\n", [(2, "xyz: not an IPv4 or IPv6 address")]),
        ("dropin-mapped", b"::ffff:198.51.100.0/120\n", [(1, "::ffff:198.51.100.0/120: ...")]),
        ("dropin-long", b"2" * 5000 + b"\n", [(1, "... the line is longer than 4096 bytes")]),
    ]


VALID = [
    # SPEC §1 (updated): expiry and comment are part of a valid entry
    ("expires-date-comment", "203.0.113.0/24  expires=2099-01-31  # Osaka office gateway\n"),
    ("expires-time", "198.51.100.7 expires=2099-01-31T18:00Z\n"),
    ("expires-past", "198.51.100.0/24 expires=2020-01-01 # expired: approves nothing, still valid\n"),
    ("comment-crlf-blank", "# list\r\n\r\n  203.0.113.0/24  \r\n\t2001:db8::/32\t# v6\r\n"),
    ("documentation-blocks", "192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n2001:db8::/32\n"),
]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for sub in ("conf", "approved", "dropin", "valid"):
        os.makedirs(os.path.join(OUT, sub))
    names = set()
    for name, data, reasons in conf_cases():
        assert ("conf", name) not in names, name
        names.add(("conf", name))
        write(os.path.join(OUT, "conf", name + ".conf"), data)
        write(os.path.join(OUT, "conf", name + ".expected"), ("\n".join(reasons) + "\n").encode())
    for sub, cases, where in (("approved", list_cases(), "{dir}/approved"),
                              ("dropin", dropin_cases(), "{dir}/approved.d/site.list")):
        for name, data, errors in cases:
            assert (sub, name) not in names, name
            names.add((sub, name))
            lines = []
            for line, reason in errors:
                lines.append("%s:%d: %s" % (where, line, INVALID))
                lines.append("%s:%d: %s" % (where, line, reason))
            write(os.path.join(OUT, sub, name + ".list"), data)
            write(os.path.join(OUT, sub, name + ".expected"), ("\n".join(lines) + "\n").encode())
    for name, text in VALID:
        write(os.path.join(OUT, "valid", name + ".list"), text.encode())
        write(os.path.join(OUT, "valid", name + ".expected"), b"VALID\n")
    print("%d broken files, %d valid" % (len(names), len(VALID)))


if __name__ == "__main__":
    main()
