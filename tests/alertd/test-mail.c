/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mail.h"

#define V(s) { s, sizeof(s) - 1 }

static char *to_items[] = { "secops@example.com", "oncall@example.com" };
static const struct string_list to = { to_items, 2 };

static struct alert_entry example_entry(void) {
        return (struct alert_entry) {
                .user = V("john@example.com"),
                .client_ip = V("198.51.100.1"),
                .rhost = V("198.51.100.1"),
                .service = V("dovecot"),
                .hostname = V("host.example.com"),
                .boot_id = V("0123456789abcdef0123456789abcdef"),
                .channel = CHANNEL_ENDUSER,
                .sso = false,
                .action = ACTION_ALLOW_AND_LOG,
                .realtime_usec = 1698809206000000ULL,    /* 2023-11-01 03:26:46 UTC */
                .monotonic_usec = 5000000ULL,
        };
}

static const struct mail_params utc_params = {
        .from = "no-reply@host.example.com", .to = &to, .timezone_name = "UTC", .utc_offset = 0,
};

/* SPEC §5's example, byte for byte. */
static const char expected_example[] =
        "From: no-reply@host.example.com\r\n"
        "To: secops@example.com, oncall@example.com\r\n"
        "Subject: host.example.com detected access from an unapproved IP address\r\n"
        "Date: Wed, 01 Nov 2023 03:26:46 +0000\r\n"
        "Message-ID: <logonacl.0123456789abcdef0123456789abcdef.4c4b40.6090ed743c980@host.example.com>\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        "This alert is triggered because of the following access activity from an unapproved IP address:\r\n"
        "\r\n"
        "Account: john@example.com\r\n"
        "Time: 2023-11-01 03:26:46 (UTC +0)\r\n"
        "Client IP: 198.51.100.1\r\n"
        "Access Activity: Logon to End User Console\r\n"
        "Action Taken: Allow and log\r\n"
        "Host: host.example.com\r\n"
        "Service: dovecot\r\n"
        "\r\n"
        "If you want to allow the access from this IP address, add it to the approved IP address list:\r\n"
        "logonaclctl add 198.51.100.1\r\n";

static char *compose(const struct alert_entry *e, const struct mail_params *p, size_t *len) {
        char *m = NULL;
        assert_int_equal(mail_compose(e, p, &m, len), 0);
        assert_int_equal(strlen(m), *len);
        return m;
}

static void test_example_exact(void **state) {
        struct alert_entry e = example_entry();
        size_t len;
        char *m = compose(&e, &utc_params, &len);
        assert_string_equal(m, expected_example);
        free(m);
}

/* Every line ends in CRLF, no bare CR or LF, no line is ".", no line over 998
 * octets; returns the number of header lines (to see none was added). */
static int check_wire_form(const char *m, size_t len) {
        int headers = -1;
        size_t line_start = 0;
        for (size_t i = 0; i < len; i++) {
                if (m[i] == '\r')
                        assert_true(i + 1 < len && m[i + 1] == '\n');
                if (m[i] == '\n') {
                        assert_true(i > 0 && m[i - 1] == '\r');
                        size_t l = i - 1 - line_start;
                        assert_true(l <= 998);
                        assert_false(l == 1 && m[line_start] == '.');
                        if (l == 0 && headers < 0) {
                                headers = 0;
                                for (size_t k = 0; k < line_start; k++)
                                        headers += m[k] == '\n' && k + 1 < line_start && m[k + 1] != ' ';
                                headers++;
                        }
                        line_start = i + 1;
                }
                assert_true(m[i] != '\0');
                assert_true((unsigned char) m[i] < 0x80);
        }
        assert_true(len >= 2 && m[len - 2] == '\r' && m[len - 1] == '\n');
        return headers;
}

static void test_hostile_values(void **state) {
        static const struct field_value hostile[] = {
                V("x\r\nBcc: evil@example.net"),
                V("x\n.\nRCPT TO:<evil@example.net>"),
                V("x\n.\r\nMAIL FROM:<evil@example.net>"),
                V("bin\0ary\x01\x7f\xff\xfe"),
                V("\r\n\r\n.\r\n"),
                V(".leading dot"),
                V("trailing space "),
                V("\xe2\x80\xae" "bidi override"),
                V("a\\x41"),
        };
        for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
                struct alert_entry e = example_entry();
                e.user = hostile[i];
                e.rhost = hostile[i];
                e.service = hostile[i];
                e.hostname = hostile[i];
                e.client_ip = (struct field_value) V("");
                size_t len;
                char *m = compose(&e, &utc_params, &len);
                assert_int_equal(check_wire_form(m, len), 9);
                assert_null(strstr(m, "\nBcc:"));
                assert_null(strstr(m, "\r\n.\r\n"));
                assert_null(strstr(m, "logonaclctl add"));      /* no IP: nothing to add */
                free(m);
        }
}

static void test_escaping_is_readable(void **state) {
        struct alert_entry e = example_entry();
        e.user = (struct field_value) V("x\r\nBcc: a\\b");
        size_t len;
        char *m = compose(&e, &utc_params, &len);
        assert_non_null(strstr(m, "\r\nAccount: x\\x0d\\x0aBcc: a\\\\b\r\n"));
        free(m);
        e = example_entry();
        e.user = (struct field_value) V("\xe5\xb1\xb1\xe7\x94\xb0");     /* valid UTF-8: kept, QP-encoded */
        m = compose(&e, &utc_params, &len);
        assert_non_null(strstr(m, "\r\nAccount: =E5=B1=B1=E7=94=B0\r\n"));
        assert_non_null(strstr(m, "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
        free(m);
}

static void test_long_utf8_user(void **state) {
        char big[10240];
        for (size_t i = 0; i + 3 <= sizeof(big); i += 3)
                memcpy(big + i, "\xe3\x81\x82", 3);      /* あ */
        struct alert_entry e = example_entry();
        e.user = (struct field_value) { big, sizeof(big) - sizeof(big) % 3 };
        size_t len;
        char *m = compose(&e, &utc_params, &len);
        assert_int_equal(check_wire_form(m, len), 9);
        assert_non_null(strstr(m, "[cut: 10239 bytes in all]"));
        free(m);
}

static void test_hostname_encoded_in_subject(void **state) {
        struct alert_entry e = example_entry();
        e.hostname = (struct field_value) V("h\xc3\xa9te\r\nBcc: x");
        size_t len;
        char *m = compose(&e, &utc_params, &len);
        assert_int_equal(check_wire_form(m, len), 9);
        assert_non_null(strstr(m, "Subject: =?UTF-8?B?aMOpdGVceDBkXHgwYUJjYzogeA==?=\r\n detected access"));
        /* The Message-ID keeps only host-name characters. */
        assert_non_null(strstr(m, "@hteBccx>"));
        free(m);
}

static void test_time_zones(void **state) {
        static const struct {
                int32_t offset;
                const char *text;
        } cases[] = {
                { 0, "(UTC +0)" }, { 9 * 3600, "(UTC +9)" }, { 5 * 3600 + 1800, "(UTC +5:30)" },
                { -3 * 3600, "(UTC -3)" }, { -(3 * 3600 + 1800), "(UTC -3:30)" }, { 5 * 3600 + 2700, "(UTC +5:45)" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char buf[32];
                mail_format_utc_offset(cases[i].offset, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].text);
        }
        struct alert_entry e = example_entry();
        struct mail_params p = utc_params;
        p.timezone_name = "Asia/Tokyo";
        p.utc_offset = 9 * 3600;
        size_t len;
        char *m = compose(&e, &p, &len);
        assert_non_null(strstr(m, "\r\nTime: 2023-11-01 12:26:46 (UTC +9)\r\n"));
        assert_non_null(strstr(m, "\r\nTime (UTC): 2023-11-01 03:26:46 (UTC +0)\r\n"));
        free(m);
}

static void test_activities_and_actions(void **state) {
        static const struct {
                enum channel channel;
                bool sso;
                const char *line;
        } kinds[] = {
                { CHANNEL_ADMIN, false, "Access Activity: Logon to Administrator Console" },
                { CHANNEL_ADMIN, true, "Access Activity: Logon to SSO Portal" },
                { CHANNEL_ENDUSER, false, "Access Activity: Logon to End User Console" },
                { CHANNEL_API, false, "Access Activity: API Access" },
        };
        for (size_t i = 0; i < 4; i++)
                for (int blocked = 0; blocked < 2; blocked++) {
                        struct alert_entry e = example_entry();
                        e.channel = kinds[i].channel;
                        e.sso = kinds[i].sso;
                        e.action = blocked ? ACTION_BLOCK_AND_LOG : ACTION_ALLOW_AND_LOG;
                        size_t len;
                        char *m = compose(&e, &utc_params, &len);
                        assert_non_null(strstr(m, kinds[i].line));
                        assert_non_null(strstr(m, blocked ? "\r\nAction Taken: Block and log\r\n"
                                                          : "\r\nAction Taken: Allow and log\r\n"));
                        free(m);
                }
}

static void test_dropped_note_and_ipv6(void **state) {
        struct alert_entry e = example_entry();
        e.client_ip = (struct field_value) V("2001:db8::7");
        struct mail_params p = utc_params;
        p.journal_dropped = 12;
        size_t len;
        char *m = compose(&e, &p, &len);
        assert_non_null(strstr(m, "\r\nClient IP: 2001:db8::7\r\n"));
        assert_non_null(strstr(m, "\r\nlogonaclctl add 2001:db8::7\r\n"));
        assert_non_null(strstr(m, "journald dropped 12 message(s)"));
        free(m);
}

static void test_message_id_is_stable(void **state) {
        struct alert_entry e = example_entry();
        char *a = mail_message_id(&e), *b = mail_message_id(&e);
        assert_string_equal(a, b);
        e.realtime_usec++;
        char *c = mail_message_id(&e);
        assert_string_not_equal(a, c);
        free(a);
        free(b);
        free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_example_exact),
                cmocka_unit_test(test_hostile_values),
                cmocka_unit_test(test_escaping_is_readable),
                cmocka_unit_test(test_long_utf8_user),
                cmocka_unit_test(test_hostname_encoded_in_subject),
                cmocka_unit_test(test_time_zones),
                cmocka_unit_test(test_activities_and_actions),
                cmocka_unit_test(test_dropped_note_and_ipv6),
                cmocka_unit_test(test_message_id_is_stable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
