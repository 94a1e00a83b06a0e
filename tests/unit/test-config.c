/* SPDX-License-Identifier: MIT */
/* logonacl.conf (SPEC §2): every key, every error message, the permission walk. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config.h"
#include "logonacl-build.h"

static char tmpdir[] = "/tmp/test-config-XXXXXX";
static char conf_path[256];

static int setup_dir(void **state) {
        assert_non_null(mkdtemp(tmpdir));
        snprintf(conf_path, sizeof conf_path, "%s/logonacl.conf", tmpdir);
        return 0;
}

static int remove_dir(void **state) {
        unlink(conf_path);
        rmdir(tmpdir);
        return 0;
}

static void write_bytes(const char *data, size_t len) {
        unlink(conf_path);
        int fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static int load_text(const char *text, struct config *c, struct diag_list *d) {
        write_bytes(text, strlen(text));
        return config_load(conf_path, true, 0, c, d);
}

/* text must give exactly one error line: "<conf_path>:<expected>". */
static void expect_error(const char *text, const char *expected) {
        struct config c;
        struct diag_list d = {};
        char want[1024];

        snprintf(want, sizeof want, "%s:%s", conf_path, expected);
        int r = load_text(text, &c, &d);
        if (d.n_lines != 1 || strcmp(d.lines[0], want) != 0) {
                for (size_t i = 0; i < d.n_lines; i++)
                        print_error("got:  %s\n", d.lines[i]);
                print_error("want: %s\n", want);
                fail();
        }
        assert_int_equal(r, -EINVAL);
        assert_int_equal(d.n_errors, 1);
        config_free(&c);
        diag_free(&d);
}

static void expect_ok(const char *text, struct config *c) {
        struct diag_list d = {};
        int r = load_text(text, c, &d);
        for (size_t i = 0; i < d.n_lines; i++)
                print_error("unexpected: %s\n", d.lines[i]);
        assert_int_equal(r, 0);
        assert_int_equal(d.n_lines, 0);
        diag_free(&d);
}

static void assert_list(const struct string_list *l, size_t n, ...) {
        va_list ap;
        assert_int_equal(l->n, n);
        va_start(ap, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(l->items[i], va_arg(ap, const char *));
        va_end(ap);
}

static void test_defaults(void **state) {
        struct config c;
        config_init_defaults(&c);
        /* The build's sysconfdir: /etc with the default prefix /usr. */
        assert_string_equal(c.approved_file, LOGONACL_APPROVED_PATH);
        assert_string_equal(c.approved_dir, LOGONACL_APPROVED_DIR);
        assert_false(c.allow_private);
        for (enum channel ch = 0; ch < _CHANNEL_MAX; ch++) {
                assert_int_equal(c.channel[ch].action, ACTION_NONE);
                assert_int_equal(c.channel[ch].services.n, 0);
                assert_int_equal(c.channel[ch].missing_rhost,
                                 ch == CHANNEL_API ? MISSING_RHOST_UNAPPROVED : MISSING_RHOST_LOCAL);
        }
        assert_false(c.channel[CHANNEL_ENDUSER].apply_to_inline);
        assert_int_equal(c.alert.email.n, 0);
        assert_int_equal(c.alert.threshold, 5);
        assert_null(c.alert.from);
        assert_string_equal(c.alert.smtp_url, "smtp://localhost:25");
        assert_int_equal(c.alert.smtp_starttls, SMTP_STARTTLS_TRY);
        assert_null(c.alert.smtp_user);
        assert_null(c.alert.smtp_password_file);
        assert_null(c.alert.smtp_ca_file);
        assert_string_equal(c.alert.timezone, "UTC");
        assert_list(&c.alert.trusted_users, 1, "root");
        config_free(&c);
}

static void test_empty_file_is_defaults(void **state) {
        struct config c;
        expect_ok("", &c);
        assert_string_equal(c.path, conf_path);
        assert_int_equal(c.alert.threshold, 5);
        assert_int_equal(c.channel[CHANNEL_API].missing_rhost, MISSING_RHOST_UNAPPROVED);
        config_free(&c);
}

/* The example of SPEC §2, comments and all. */
static const char spec_example[] =
        "[general]\n"
        "approved_file = /etc/logonacl/approved\n"
        "approved_dir = /etc/logonacl/approved.d   # *.list files, name order; missing folder = none\n"
        "allow_private = no\n"
        "\n"
        "[admin]                      # administrator console: sshd, cockpit, su ...\n"
        "action = allow-and-log       # none | allow-and-log | block-and-log   (default none)\n"
        "services = sshd cockpit      # PAM service names in this channel\n"
        "sso_services =               # admin services whose events read \"SSO portal user logon\"\n"
        "missing_rhost = local        # local | unapproved   (default local)\n"
        "\n"
        "[enduser]                    # end-user console: dovecot, webmail ...\n"
        "action = none\n"
        "services = dovecot\n"
        "inline_services = webmail-inline   # quarantine-notification inline actions\n"
        "apply_to_inline = no         # seed option \"apply to notification inline actions\" (default no)\n"
        "missing_rhost = local\n"
        "\n"
        "[api]                        # API access: HTTP APIs that authenticate through PAM\n"
        "action = none\n"
        "services = restapi\n"
        "missing_rhost = unapproved   # (default unapproved for api)\n"
        "\n"
        "[alert]\n"
        "email = secops@example.com, oncall@example.com   # empty: no alert mail\n"
        "threshold = 5                # 5 | 20 | 50 | 100 only (default 5)\n"
        "from = logonacl@host.example.com   # default no-reply@<hostname>\n"
        "smtp_url = smtp://localhost:25     # smtp:// or smtps://\n"
        "smtp_starttls = try          # required | try | no  (smtp:// only)\n"
        "smtp_user =\n"
        "smtp_password_file =         # file of its own, root:logonacl 0640\n"
        "smtp_ca_file =               # default: system CAs; peer verification is never off\n"
        "timezone = UTC               # IANA name, for the \"Time:\" line of the mail\n"
        "trusted_users = root         # users whose processes may write logonacl entries (dovecot, www-data ...)\n";

static void test_spec_example(void **state) {
        struct config c;
        expect_ok(spec_example, &c);
        assert_string_equal(c.approved_file, "/etc/logonacl/approved");
        assert_string_equal(c.approved_dir, "/etc/logonacl/approved.d");
        assert_false(c.allow_private);
        assert_int_equal(c.channel[CHANNEL_ADMIN].action, ACTION_ALLOW_AND_LOG);
        assert_list(&c.channel[CHANNEL_ADMIN].services, 2, "sshd", "cockpit");
        assert_list(&c.channel[CHANNEL_ADMIN].sso_services, 0);
        assert_int_equal(c.channel[CHANNEL_ADMIN].missing_rhost, MISSING_RHOST_LOCAL);
        assert_int_equal(c.channel[CHANNEL_ENDUSER].action, ACTION_NONE);
        assert_list(&c.channel[CHANNEL_ENDUSER].services, 1, "dovecot");
        assert_list(&c.channel[CHANNEL_ENDUSER].inline_services, 1, "webmail-inline");
        assert_false(c.channel[CHANNEL_ENDUSER].apply_to_inline);
        assert_list(&c.channel[CHANNEL_API].services, 1, "restapi");
        assert_int_equal(c.channel[CHANNEL_API].missing_rhost, MISSING_RHOST_UNAPPROVED);
        assert_list(&c.alert.email, 2, "secops@example.com", "oncall@example.com");
        assert_int_equal(c.alert.threshold, 5);
        assert_string_equal(c.alert.from, "logonacl@host.example.com");
        assert_string_equal(c.alert.smtp_url, "smtp://localhost:25");
        assert_int_equal(c.alert.smtp_starttls, SMTP_STARTTLS_TRY);
        assert_null(c.alert.smtp_user);
        assert_null(c.alert.smtp_password_file);
        assert_null(c.alert.smtp_ca_file);
        assert_string_equal(c.alert.timezone, "UTC");
        assert_list(&c.alert.trusted_users, 1, "root");
        config_free(&c);
}

static void test_every_value(void **state) {
        struct config c;
        expect_ok("[general]\n"
                  "approved_file=/srv/acl/approved\n"
                  "approved_dir  =  /srv/acl/approved.d\n"
                  "allow_private = yes\n"
                  "[admin]\n"
                  "action = block-and-log\n"
                  "services = sshd,su , cockpit\n"
                  "sso_services = sso-portal\n"
                  "missing_rhost = unapproved\n"
                  "[enduser]\n"
                  "action = allow-and-log\n"
                  "services=dovecot\n"
                  "inline_services = webmail-inline\n"
                  "apply_to_inline = yes\n"
                  "[api]\n"
                  "action = block-and-log\n"
                  "missing_rhost = local\n"
                  "[alert]\n"
                  "email = a.b+c@example.com\n"
                  "threshold = 100\n"
                  "from = x#y@mail.example.org\n"
                  "smtp_url = smtps://[2001:db8::25]:465/client.example.com\n"
                  "smtp_starttls = required\n"
                  "smtp_user = mailer@example.com\n"
                  "smtp_password_file = /etc/logonacl/smtp-password\n"
                  "smtp_ca_file = /etc/ssl/certs/ca.pem\n"
                  "timezone = Asia/Tokyo\n"
                  "trusted_users = root, dovecot www-data\n",
                  &c);
        assert_string_equal(c.approved_file, "/srv/acl/approved");
        assert_string_equal(c.approved_dir, "/srv/acl/approved.d");
        assert_true(c.allow_private);
        assert_int_equal(c.channel[CHANNEL_ADMIN].action, ACTION_BLOCK_AND_LOG);
        assert_list(&c.channel[CHANNEL_ADMIN].services, 3, "sshd", "su", "cockpit");
        assert_list(&c.channel[CHANNEL_ADMIN].sso_services, 1, "sso-portal");
        assert_int_equal(c.channel[CHANNEL_ADMIN].missing_rhost, MISSING_RHOST_UNAPPROVED);
        assert_int_equal(c.channel[CHANNEL_ENDUSER].action, ACTION_ALLOW_AND_LOG);
        assert_true(c.channel[CHANNEL_ENDUSER].apply_to_inline);
        assert_int_equal(c.channel[CHANNEL_API].action, ACTION_BLOCK_AND_LOG);
        assert_int_equal(c.channel[CHANNEL_API].missing_rhost, MISSING_RHOST_LOCAL);
        assert_list(&c.alert.email, 1, "a.b+c@example.com");
        assert_int_equal(c.alert.threshold, 100);
        assert_string_equal(c.alert.from, "x#y@mail.example.org");
        assert_string_equal(c.alert.smtp_url, "smtps://[2001:db8::25]:465/client.example.com");
        assert_int_equal(c.alert.smtp_starttls, SMTP_STARTTLS_REQUIRED);
        assert_string_equal(c.alert.smtp_user, "mailer@example.com");
        assert_string_equal(c.alert.smtp_password_file, "/etc/logonacl/smtp-password");
        assert_string_equal(c.alert.smtp_ca_file, "/etc/ssl/certs/ca.pem");
        assert_string_equal(c.alert.timezone, "Asia/Tokyo");
        assert_list(&c.alert.trusted_users, 3, "root", "dovecot", "www-data");
        config_free(&c);

        static const char *const thresholds[] = { "5", "20", "50", "100" };
        for (size_t i = 0; i < ELEMENTSOF(thresholds); i++) {
                char text[64];
                snprintf(text, sizeof text, "[alert]\nthreshold = %s\n", thresholds[i]);
                expect_ok(text, &c);
                assert_int_equal(c.alert.threshold, (unsigned) atoi(thresholds[i]));
                config_free(&c);
        }
        expect_ok("[alert]\nsmtp_starttls = no\nsmtp_url = smtp://mail.example.com\n", &c);
        assert_int_equal(c.alert.smtp_starttls, SMTP_STARTTLS_NO);
        config_free(&c);
        /* An IPv4 address is a server too (not a host name: its last label is all digits). */
        expect_ok("[alert]\nsmtp_url = smtp://127.0.0.1:2525/client.example.com\n", &c);
        config_free(&c);
        expect_ok("[alert]\nemail =\n", &c);
        assert_int_equal(c.alert.email.n, 0);
        config_free(&c);
}

static void test_syntax_errors(void **state) {
        expect_error("[general]\n[nosuch]\nkey = x\n",
                     "2: unknown section [nosuch] (expected general, admin, enduser, api or alert)");
        expect_error("[admin]\nfoo = bar\n", "2: unknown key \"foo\" in section [admin]");
        expect_error("[enduser]\nsso_services = x\n",
                     "2: unknown key \"sso_services\" in section [enduser] (it belongs in [admin])");
        expect_error("[admin]\ninline_services = x\n",
                     "2: unknown key \"inline_services\" in section [admin] (it belongs in [enduser])");
        expect_error("[api]\napply_to_inline = yes\n",
                     "2: unknown key \"apply_to_inline\" in section [api] (it belongs in [enduser])");
        expect_error("# top\naction = none\n", "2: key \"action\" outside of a section");
        expect_error("[admin]\naction = none\n\naction = block-and-log\n",
                     "4: key \"action\" repeated in section [admin] (first at line 2)");
        expect_error("[admin]\naction = none\n[api]\n[admin]\nservices = sshd\n",
                     "4: section [admin] repeated (first at line 1)");
        expect_error("[admin]\njust words\n", "2: expected \"key = value\" or \"[section]\"");
        expect_error("[admin]\n= none\n", "2: expected \"key = value\" or \"[section]\"");
        expect_error("[admin\n", "1: expected \"[section]\"");
        expect_error("[admin] x\n", "1: expected \"[section]\"");
        expect_error("[admin]\nAction = none\n", "2: unknown key \"Action\" in section [admin]");
}

static void test_comments_and_blanks(void **state) {
        struct config c;
        expect_ok("  # indented comment\n"
                  "\t\n"
                  "[admin]# comment glued to a header\n"
                  "  [ api ]   \n"
                  "\taction\t=\tblock-and-log\t\n"
                  "\n\n",
                  &c);
        assert_int_equal(c.channel[CHANNEL_API].action, ACTION_BLOCK_AND_LOG);
        config_free(&c);
}

static void test_comment_rules(void **state) {
        struct config c;
        /* A '#' after a blank starts a comment; glued to the value it is part of it. */
        expect_error("[admin]\naction = none#x\n",
                     "2: action: \"none#x\" is not one of none, allow-and-log, block-and-log");
        expect_ok("[admin]\naction = none\t# tab before the comment\n[alert]\nemail = a#b@example.com # c\n", &c);
        assert_int_equal(c.channel[CHANNEL_ADMIN].action, ACTION_NONE);
        assert_list(&c.alert.email, 1, "a#b@example.com");
        config_free(&c);
        expect_ok("[admin]\nsso_services = # nothing\n[alert]\nfrom =# nothing either\n", &c);
        assert_int_equal(c.channel[CHANNEL_ADMIN].sso_services.n, 0);
        assert_null(c.alert.from);
        config_free(&c);
}

static void test_missing_final_newline(void **state) {
        struct config c;
        expect_ok("[admin]\naction = block-and-log", &c);
        assert_int_equal(c.channel[CHANNEL_ADMIN].action, ACTION_BLOCK_AND_LOG);
        config_free(&c);
        expect_error("[admin]\naction = block", "2: action: \"block\" is not one of none, allow-and-log, block-and-log");
}

static void test_bad_values(void **state) {
        expect_error("[general]\napproved_file = etc/approved\n",
                     "2: approved_file: \"etc/approved\" is not an absolute path");
        expect_error("[general]\napproved_file =\n", "2: approved_file: \"\" is not an absolute path");
        expect_error("[general]\napproved_dir = approved.d\n",
                     "2: approved_dir: \"approved.d\" is not an absolute path");
        expect_error("[general]\nallow_private = true\n", "2: allow_private: \"true\" is not yes or no");
        expect_error("[general]\nallow_private = YES\n", "2: allow_private: \"YES\" is not yes or no");
        expect_error("[admin]\naction = block\n",
                     "2: action: \"block\" is not one of none, allow-and-log, block-and-log");
        expect_error("[api]\naction =\n", "2: action: \"\" is not one of none, allow-and-log, block-and-log");
        expect_error("[enduser]\nmissing_rhost = remote\n", "2: missing_rhost: \"remote\" is not local or unapproved");
        expect_error("[enduser]\napply_to_inline = 1\n", "2: apply_to_inline: \"1\" is not yes or no");
        expect_error("[admin]\nservices = sshd ss/hd\n",
                     "2: services: \"ss/hd\" is not a valid PAM service name (letters, digits, \"._+@-\", at most 64)");
        expect_error("[admin]\nsso_services = \xc3\xa9t\xc3\xa9\n",
                     "2: sso_services: \"\xc3\xa9t\xc3\xa9\" is not a valid PAM service name (letters, digits, \"._+@-\", at most 64)");

        expect_error("[enduser]\ninline_services = webmail;inline\n",
                     "2: inline_services: \"webmail;inline\" is not a valid PAM service name (letters, digits, \"._+@-\", at most 64)");
        expect_error("[api]\nservices = rest\\api\n",
                     "2: services: \"rest\\api\" is not a valid PAM service name (letters, digits, \"._+@-\", at most 64)");
        expect_error("[api]\nservices = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                     "2: services: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" is not a valid PAM service "
                     "name (letters, digits, \"._+@-\", at most 64)");

        static const char *const thresholds[] = { "0", "4", "6", "05", "+5", "5.0", "1000", "-5", "", "five" };
        for (size_t i = 0; i < ELEMENTSOF(thresholds); i++) {
                char text[64], want[128];
                snprintf(text, sizeof text, "[alert]\nthreshold = %s\n", thresholds[i]);
                snprintf(want, sizeof want, "2: threshold: \"%s\" is not one of 5, 20, 50, 100", thresholds[i]);
                expect_error(text, want);
        }
        expect_error("[alert]\nsmtp_starttls = yes\n", "2: smtp_starttls: \"yes\" is not one of required, try, no");
        expect_error("[alert]\nsmtp_url = http://mail.example.com\n",
                     "2: smtp_url: \"http://mail.example.com\" must start with smtp:// or smtps://");
        expect_error("[alert]\nsmtp_url = SMTP://mail.example.com\n",
                     "2: smtp_url: \"SMTP://mail.example.com\" must start with smtp:// or smtps://");
        expect_error("[alert]\nsmtp_url = smtp://user:pw@mail.example.com\n",
                     "2: smtp_url: \"smtp://user:pw@mail.example.com\" must not contain a user name or password "
                     "(use smtp_user and smtp_password_file)");
        expect_error("[alert]\nsmtp_url = smtp://\n", "2: smtp_url: \"smtp://\": bad host name");
        expect_error("[alert]\nsmtp_url = smtp://mail.example.com:0\n",
                     "2: smtp_url: \"smtp://mail.example.com:0\": port must be 1 to 65535");
        expect_error("[alert]\nsmtp_url = smtp://mail.example.com:65536\n",
                     "2: smtp_url: \"smtp://mail.example.com:65536\": port must be 1 to 65535");
        expect_error("[alert]\nsmtp_url = smtp://mail.example.com:25x\n",
                     "2: smtp_url: \"smtp://mail.example.com:25x\": port must be 1 to 65535");
        expect_error("[alert]\nsmtp_url = smtp://mail_x.example.com\n",
                     "2: smtp_url: \"smtp://mail_x.example.com\": bad host name");
        expect_error("[alert]\nsmtp_url = smtp://192.0.2.256\n", "2: smtp_url: \"smtp://192.0.2.256\": bad host name");
        expect_error("[alert]\nsmtp_url = smtp://[zz::1]\n", "2: smtp_url: \"smtp://[zz::1]\": bad [IPv6] host");
        expect_error("[alert]\nsmtp_url = smtp://mail.example.com/a?b\n",
                     "2: smtp_url: \"smtp://mail.example.com/a?b\": after the host only a /name for EHLO may follow");
        expect_error("[alert]\nsmtp_url =\n", "2: smtp_url: \"\" must start with smtp:// or smtps://");
        expect_error("[alert]\nsmtp_user = two words\n",
                     "2: smtp_user: \"two words\": blanks and non-ASCII characters are not allowed");
        expect_error("[alert]\nsmtp_password_file = secret\n",
                     "2: smtp_password_file: \"secret\" is not an absolute path");
        expect_error("[alert]\nsmtp_ca_file = ca.pem\n", "2: smtp_ca_file: \"ca.pem\" is not an absolute path");
        expect_error("[alert]\ntrusted_users =\n", "2: trusted_users: must name at least one user (root)");
        expect_error("[alert]\ntrusted_users = root, 1abc\n", "2: trusted_users: \"1abc\" is not a valid user name");
        expect_error("[alert]\ntrusted_users = -rf\n", "2: trusted_users: \"-rf\" is not a valid user name");
        expect_error("[alert]\ntrusted_users = abcdefghijklmnopqrstuvwxyz0123456\n",
                     "2: trusted_users: \"abcdefghijklmnopqrstuvwxyz0123456\" is not a valid user name");
}

static void test_bad_emails(void **state) {
        static const struct { const char *value, *reason; } cases[] = {
                { "secops", "no '@'" },
                { "@example.com", "the part before '@' must be 1 to 64 bytes" },
                { "a@", "bad domain after '@'" },
                { "a@-x.example.com", "bad domain after '@'" },
                { "a@x-.example.com", "bad domain after '@'" },
                { "a@x..example.com", "bad domain after '@'" },
                { "a@example.com.", "bad domain after '@'" },
                { "a@[192.0.2.1]", "bad domain after '@'" },
                { "a@192.0.2.1", "bad domain after '@'" },
                { "a@ex_ample.com", "bad domain after '@'" },
                { ".a@example.com", "misplaced '.'" },
                { "a.@example.com", "misplaced '.'" },
                { "a..b@example.com", "misplaced '.'" },
                { "<a@example.com>", "character '<' not allowed" },
                { "\"a\"@example.com", "character '\"' not allowed" },
                { "a(b)@example.com", "character '(' not allowed" },
                { "a\\b@example.com", "character '\\' not allowed" },
                { "j\xc3\xb6rg@example.com", "character '?' not allowed" },
                { "a@b@example.com", "character '@' not allowed" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char text[256], want[512];
                snprintf(text, sizeof text, "[alert]\nemail = ok@example.com, %s\n", cases[i].value);
                snprintf(want, sizeof want, "2: email: \"%s\" is not a valid e-mail address: %s", cases[i].value,
                         cases[i].reason);
                expect_error(text, want);
                snprintf(text, sizeof text, "[alert]\nfrom = %s\n", cases[i].value);
                snprintf(want, sizeof want, "2: from: \"%s\" is not a valid e-mail address: %s", cases[i].value,
                         cases[i].reason);
                expect_error(text, want);
        }
        /* A display name or two addresses in from: the blank makes them two words. */
        expect_error("[alert]\nfrom = Logon ACL <a@example.com>\n",
                     "2: from: \"Logon ACL <a@example.com>\" is not a valid e-mail address: character ' ' not allowed");

        char local[80], text[700], want[800];
        memset(local, 'a', 65);
        local[65] = 0;
        snprintf(text, sizeof text, "[alert]\nemail = %s@example.com\n", local);
        snprintf(want, sizeof want, "2: email: \"%s@example.com\" is not a valid e-mail address: "
                 "the part before '@' must be 1 to 64 bytes", local);
        expect_error(text, want);

        /* 64 + 1 + 4 labels of 63 = 321 > 254 */
        char domain[400], longest[500];
        snprintf(domain, sizeof domain, "%s.%s.%s.%s", local + 2, local + 2, local + 2, local + 2);
        snprintf(longest, sizeof longest, "a@%s", domain);
        snprintf(text, sizeof text, "[alert]\nemail = %s\n", longest);
        snprintf(want, sizeof want, "2: email: \"%.80s...\" is not a valid e-mail address: longer than 254 bytes",
                 longest);
        expect_error(text, want);
}

static void test_timezones(void **state) {
        struct config c;
        expect_ok("[alert]\ntimezone = America/Argentina/Buenos_Aires\n", &c);
        assert_string_equal(c.alert.timezone, "America/Argentina/Buenos_Aires");
        config_free(&c);
        expect_ok("[alert]\ntimezone = Etc/GMT+3\n", &c);
        config_free(&c);
        expect_ok("[alert]\ntimezone = UTC\n", &c);
        config_free(&c);

        expect_error("[alert]\ntimezone = Mars/Olympus_Mons\n",
                     "2: timezone: \"Mars/Olympus_Mons\" is not a time zone in /usr/share/zoneinfo");
        expect_error("[alert]\ntimezone = Asia\n", "2: timezone: \"Asia\" is not a time zone in /usr/share/zoneinfo");
        expect_error("[alert]\ntimezone = zone.tab\n",
                     "2: timezone: \"zone.tab\" is not a time zone in /usr/share/zoneinfo");
        expect_error("[alert]\ntimezone = ../../../etc/passwd\n",
                     "2: timezone: \"../../../etc/passwd\" is not a time zone name (like Asia/Tokyo)");
        expect_error("[alert]\ntimezone = Asia/../Asia/Tokyo\n",
                     "2: timezone: \"Asia/../Asia/Tokyo\" is not a time zone name (like Asia/Tokyo)");
        expect_error("[alert]\ntimezone = /usr/share/zoneinfo/UTC\n",
                     "2: timezone: \"/usr/share/zoneinfo/UTC\" is not a time zone name (like Asia/Tokyo)");
        expect_error("[alert]\ntimezone = Asia//Tokyo\n",
                     "2: timezone: \"Asia//Tokyo\" is not a time zone name (like Asia/Tokyo)");
        expect_error("[alert]\ntimezone = UTC+9\n", "2: timezone: \"UTC+9\" is not a time zone in /usr/share/zoneinfo");
        expect_error("[alert]\ntimezone =\n", "2: timezone: \"\" is not a time zone name");
}

static void test_service_in_two_channels(void **state) {
        expect_error("[admin]\nservices = sshd cockpit\n[enduser]\nservices = dovecot sshd\n",
                     "4: service \"sshd\" is in [enduser] and already in [admin] (line 2): "
                     "a service may stand in one channel only");
        expect_error("[api]\nservices = restapi\n[admin]\nsso_services = restapi\n",
                     "4: service \"restapi\" is in [admin] and already in [api] (line 2): "
                     "a service may stand in one channel only");
        expect_error("[enduser]\ninline_services = webmail\n[api]\nservices = webmail\n",
                     "4: service \"webmail\" is in [api] and already in [enduser] (line 2): "
                     "a service may stand in one channel only");

        /* The same channel twice (services and sso_services) is one channel. */
        struct config c;
        expect_ok("[admin]\nservices = sshd portal\nsso_services = portal\n"
                  "[enduser]\nservices = webmail\ninline_services = webmail\n", &c);
        config_free(&c);
}

static void test_bytes(void **state) {
        struct config c;
        struct diag_list d = {};
        char want[512];

        write_bytes("[admin]\naction = no\0ne\n", 23);
        assert_int_equal(config_load(conf_path, true, 0, &c, &d), -EINVAL);
        assert_int_equal(d.n_lines, 1);
        snprintf(want, sizeof want, "%s:2: contains a NUL byte", conf_path);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);

        expect_error("[admin]\n# caf\xe9 in Latin-1\n", "2: not valid UTF-8");
        expect_error("# \xc0\xaf overlong\n", "1: not valid UTF-8");
        expect_error("# \xed\xa0\x80 surrogate\n", "1: not valid UTF-8");
        expect_error("# \xf4\x90\x80\x80 above U+10FFFF\n", "1: not valid UTF-8");
        expect_error("# cut \xe2\x82\n", "1: not valid UTF-8");
        expect_error("[admin]\r\n", "1: contains a control character (0x0d): use Unix line ends");
        expect_error("[admin]\naction = none\x1b[2J\n", "2: contains a control character (0x1b)");
        expect_error("# bell \x07\n", "1: contains a control character (0x07)");
        expect_error("# del \x7f\n", "1: contains a control character (0x7f)");

        expect_error("\xef\xbb\xbf[admin]\n", "1: starts with a UTF-8 byte order mark: save the file without one");

        /* UTF-8 in comments is fine. */
        expect_ok("# 管理者コンソール — ok\n[admin]\n", &c);
        config_free(&c);
}

static void test_long_lines(void **state) {
        static char text[4096 + 64];
        size_t len = 4096;

        /* Exactly the limit is fine ... */
        strcpy(text, "[admin]\n#");
        memset(text + 9, 'x', len - 1);
        strcpy(text + 8 + len, "\n");
        struct config c;
        expect_ok(text, &c);
        config_free(&c);

        /* ... one more byte is an error, and the next line is still read. */
        strcpy(text, "[admin]\n#");
        memset(text + 9, 'x', len);
        strcpy(text + 9 + len, "\naction = bad\n");
        struct diag_list d = {};
        write_bytes(text, strlen(text));
        assert_int_equal(config_load(conf_path, true, 0, &c, &d), -EINVAL);
        assert_int_equal(d.n_lines, 2);
        char want[512];
        snprintf(want, sizeof want, "%s:2: line longer than 4096 bytes", conf_path);
        assert_string_equal(d.lines[0], want);
        snprintf(want, sizeof want, "%s:3: action: \"bad\" is not one of none, allow-and-log, block-and-log",
                 conf_path);
        assert_string_equal(d.lines[1], want);
        config_free(&c);
        diag_free(&d);

        /* A bad value is quoted only in part. */
        char value[200], line[300], expected[300];
        memset(value, 'v', 150);
        value[150] = 0;
        snprintf(line, sizeof line, "[admin]\naction = %s\n", value);
        snprintf(expected, sizeof expected, "2: action: \"%.80s...\" is not one of none, allow-and-log, block-and-log",
                 value);
        expect_error(line, expected);
}

static void test_big_file(void **state) {
        size_t size = 1024 * 1024 + 1;
        char *text = malloc(size);
        assert_non_null(text);
        memset(text, '\n', size);
        write_bytes(text, size);
        free(text);

        struct config c;
        struct diag_list d = {};
        assert_int_equal(config_load(conf_path, true, 0, &c, &d), -EFBIG);
        char want[512];
        snprintf(want, sizeof want, "%s: file larger than 1048576 bytes", conf_path);
        assert_int_equal(d.n_lines, 1);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);
}

static void test_all_errors_and_max_errors(void **state) {
        const char *text = "stray = 1\n"
                           "[admin]\n"
                           "action = maybe\n"
                           "colour = blue\n"
                           "[alert]\n"
                           "threshold = 7\n"
                           "timezone = Nowhere/Land\n";
        struct config c;
        struct diag_list d = {};
        write_bytes(text, strlen(text));
        assert_int_equal(config_load(conf_path, true, 0, &c, &d), -EINVAL);
        assert_int_equal(d.n_lines, 5);
        assert_int_equal(d.n_errors, 5);
        config_free(&c);
        diag_free(&d);

        assert_int_equal(config_load(conf_path, true, 2, &c, &d), -EINVAL);
        assert_int_equal(d.n_lines, 2);
        char want[512];
        snprintf(want, sizeof want, "%s:1: key \"stray\" outside of a section", conf_path);
        assert_string_equal(d.lines[0], want);
        snprintf(want, sizeof want, "%s:3: action: \"maybe\" is not one of none, allow-and-log, block-and-log",
                 conf_path);
        assert_string_equal(d.lines[1], want);
        config_free(&c);
        diag_free(&d);

        /* Keys of an unknown section are not reported one by one. */
        expect_error("[nosuch]\na = 1\nb = 2\n",
                     "1: unknown section [nosuch] (expected general, admin, enduser, api or alert)");
}

static void test_permissions(void **state) {
        struct config c;
        struct diag_list d = {};
        char want[512];

        write_bytes("[admin]\n", 8);
        assert_int_equal(chown(conf_path, 65534, 0), 0);
        assert_int_equal(config_load(conf_path, true, 0, &c, &d), -EPERM);
        snprintf(want, sizeof want, "%s: owned by uid 65534, must be owned by root", conf_path);
        assert_int_equal(d.n_lines, 1);
        assert_string_equal(d.lines[0], want);
        assert_true(diag_has_errors(&d));
        config_free(&c);
        diag_free(&d);

        /* check_perms = false: read anyway (logonaclctl test on a draft, the fuzzer). */
        assert_int_equal(config_load(conf_path, false, 0, &c, &d), 0);
        config_free(&c);
        diag_free(&d);

        assert_int_equal(chown(conf_path, 0, 0), 0);
        assert_int_equal(chmod(conf_path, 0664), 0);
        assert_int_equal(config_load(conf_path, true, 0, &c, &d), -EPERM);
        snprintf(want, sizeof want, "%s: writable by group or others", conf_path);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);
        assert_int_equal(chmod(conf_path, 0644), 0);

        /* A symlink to a good file is refused. */
        char link_path[300];
        snprintf(link_path, sizeof link_path, "%s/link.conf", tmpdir);
        assert_int_equal(symlink(conf_path, link_path), 0);
        assert_int_equal(config_load(link_path, true, 0, &c, &d), -EPERM);
        snprintf(want, sizeof want, "%s: is a symbolic link, must be the real path", link_path);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);
        unlink(link_path);

        /* Missing file. */
        char missing[300];
        snprintf(missing, sizeof missing, "%s/missing.conf", tmpdir);
        assert_int_equal(config_load(missing, true, 0, &c, &d), -ENOENT);
        snprintf(want, sizeof want, "%s: No such file or directory", missing);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);
        assert_int_equal(config_load(missing, false, 0, &c, &d), -ENOENT);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);

        /* A folder in place of the file. */
        assert_int_equal(config_load(tmpdir, false, 0, &c, &d), -EINVAL);
        snprintf(want, sizeof want, "%s: not a regular file", tmpdir);
        assert_string_equal(d.lines[0], want);
        config_free(&c);
        diag_free(&d);
}

static void test_channel_of(void **state) {
        struct config c;
        bool sso, inl;
        expect_ok("[admin]\nservices = sshd\nsso_services = portal\n"
                  "[enduser]\nservices = dovecot\ninline_services = webmail-inline\n"
                  "[api]\nservices = restapi\n", &c);
        assert_int_equal(config_channel_of(&c, "sshd", &sso, &inl), CHANNEL_ADMIN);
        assert_false(sso);
        assert_false(inl);
        assert_int_equal(config_channel_of(&c, "portal", &sso, &inl), CHANNEL_ADMIN);
        assert_true(sso);
        assert_false(inl);
        assert_int_equal(config_channel_of(&c, "dovecot", &sso, &inl), CHANNEL_ENDUSER);
        assert_false(sso);
        assert_false(inl);
        assert_int_equal(config_channel_of(&c, "webmail-inline", &sso, &inl), CHANNEL_ENDUSER);
        assert_false(sso);
        assert_true(inl);
        assert_int_equal(config_channel_of(&c, "restapi", &sso, &inl), CHANNEL_API);
        assert_false(sso);
        assert_false(inl);
        sso = inl = true;
        assert_int_equal(config_channel_of(&c, "login", &sso, &inl), CHANNEL_INVALID);
        assert_false(sso);
        assert_false(inl);
        assert_int_equal(config_channel_of(&c, NULL, NULL, NULL), CHANNEL_INVALID);
        /* libpam lower-cases PAM_SERVICE; logonaclctl test --service SSHD asks the same */
        assert_int_equal(config_channel_of(&c, "SSHD", NULL, NULL), CHANNEL_ADMIN);
        assert_int_equal(config_channel_of(&c, "", NULL, NULL), CHANNEL_INVALID);
        config_free(&c);

        /* Listed in services too: still sso / inline. */
        expect_ok("[admin]\nservices = portal\nsso_services = portal\n"
                  "[enduser]\nservices = webmail\ninline_services = webmail\n", &c);
        assert_int_equal(config_channel_of(&c, "portal", &sso, &inl), CHANNEL_ADMIN);
        assert_true(sso);
        assert_int_equal(config_channel_of(&c, "webmail", &sso, &inl), CHANNEL_ENDUSER);
        assert_true(inl);
        config_free(&c);
}

static void test_strings(void **state) {
        assert_string_equal(channel_to_string(CHANNEL_ADMIN), "admin");
        assert_string_equal(channel_to_string(CHANNEL_ENDUSER), "enduser");
        assert_string_equal(channel_to_string(CHANNEL_API), "api");
        assert_null(channel_to_string(CHANNEL_INVALID));
        assert_null(channel_to_string(_CHANNEL_MAX));
        assert_int_equal(channel_from_string("admin"), CHANNEL_ADMIN);
        assert_int_equal(channel_from_string("enduser"), CHANNEL_ENDUSER);
        assert_int_equal(channel_from_string("api"), CHANNEL_API);
        assert_int_equal(channel_from_string("Admin"), CHANNEL_INVALID);
        assert_int_equal(channel_from_string(""), CHANNEL_INVALID);
        assert_int_equal(channel_from_string(NULL), CHANNEL_INVALID);
        assert_string_equal(action_to_string(ACTION_NONE), "none");
        assert_string_equal(action_to_string(ACTION_ALLOW_AND_LOG), "allow-and-log");
        assert_string_equal(action_to_string(ACTION_BLOCK_AND_LOG), "block-and-log");
        assert_null(action_to_string(ACTION_INVALID));
        assert_int_equal(action_from_string("none"), ACTION_NONE);
        assert_int_equal(action_from_string("allow-and-log"), ACTION_ALLOW_AND_LOG);
        assert_int_equal(action_from_string("block-and-log"), ACTION_BLOCK_AND_LOG);
        assert_int_equal(action_from_string("block"), ACTION_INVALID);
        assert_int_equal(action_from_string(NULL), ACTION_INVALID);
}

static void test_alert_from_and_uids(void **state) {
        struct config c;
        char *from = NULL, host[256] = "", want[600];

        config_init_defaults(&c);
        assert_int_equal(config_alert_from(&c, &from), 0);
        assert_int_equal(gethostname(host, sizeof host), 0);
        snprintf(want, sizeof want, "no-reply@%s", host);
        assert_string_equal(from, want);
        free(from);
        config_free(&c);

        expect_ok("[alert]\nfrom = logonacl@host.example.com\ntrusted_users = root nosuchuser42 nobody\n", &c);
        assert_int_equal(config_alert_from(&c, &from), 0);
        assert_string_equal(from, "logonacl@host.example.com");
        free(from);

        uid_t *uids = NULL;
        size_t n = 0;
        struct diag_list warnings = {};
        assert_int_equal(config_trusted_uids(&c, &uids, &n, &warnings), 0);
        assert_int_equal(n, 2);
        assert_int_equal(uids[0], 0);
        assert_int_equal(uids[1], 65534);
        assert_int_equal(warnings.n_lines, 1);
        assert_false(diag_has_errors(&warnings));
        snprintf(want, sizeof want, "%s:3: trusted_users: unknown user \"nosuchuser42\", ignored", conf_path);
        assert_string_equal(warnings.lines[0], want);
        free(uids);
        diag_free(&warnings);
        config_free(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_empty_file_is_defaults),
                cmocka_unit_test(test_spec_example),
                cmocka_unit_test(test_every_value),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_comments_and_blanks),
                cmocka_unit_test(test_comment_rules),
                cmocka_unit_test(test_missing_final_newline),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_bad_emails),
                cmocka_unit_test(test_timezones),
                cmocka_unit_test(test_service_in_two_channels),
                cmocka_unit_test(test_bytes),
                cmocka_unit_test(test_long_lines),
                cmocka_unit_test(test_big_file),
                cmocka_unit_test(test_all_errors_and_max_errors),
                cmocka_unit_test(test_permissions),
                cmocka_unit_test(test_channel_of),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_alert_from_and_uids),
        };
        return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
