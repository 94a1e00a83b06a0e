/* SPDX-License-Identifier: MIT */
/* PAM_RHOST classification: what the module sees from sshd, Dovecot, nginx and
 * from a hostile client. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rhost.h"

static const struct {
        const char *rhost;
        enum rhost_kind kind;
        int family;
        const char *text;
} cases[] = {
        { NULL, RHOST_MISSING, 0, "" },
        { "", RHOST_MISSING, 0, "" },
        { "203.0.113.5", RHOST_ADDRESS, 4, "203.0.113.5" },
        { "127.0.0.1", RHOST_ADDRESS, 4, "127.0.0.1" },
        { "198.51.100.1", RHOST_ADDRESS, 4, "198.51.100.1" },
        { "::1", RHOST_ADDRESS, 6, "::1" },
        { "2001:db8::1", RHOST_ADDRESS, 6, "2001:db8::1" },
        { "2001:DB8:0:0:0:0:0:1", RHOST_ADDRESS, 6, "2001:db8::1" },
        { "::ffff:203.0.113.5", RHOST_ADDRESS, 4, "203.0.113.5" },
        { "::FFFF:203.0.113.5", RHOST_ADDRESS, 4, "203.0.113.5" },
        { "::ffff:cb00:7105", RHOST_ADDRESS, 4, "203.0.113.5" },
        { "0:0:0:0:0:ffff:203.0.113.5", RHOST_ADDRESS, 4, "203.0.113.5" },
        { "::203.0.113.5", RHOST_ADDRESS, 6, "::cb00:7105" },
        { "fe80::1%eth0", RHOST_ADDRESS, 6, "fe80::1" },
        { "fe80::1%2", RHOST_ADDRESS, 6, "fe80::1" },
        { "fe80::1%enp0s31f6", RHOST_ADDRESS, 6, "fe80::1" },
        { "[2001:db8::1]", RHOST_ADDRESS, 6, "2001:db8::1" },
        { "[fe80::1%eth0]", RHOST_ADDRESS, 6, "fe80::1" },
        { "[::ffff:203.0.113.5]", RHOST_ADDRESS, 4, "203.0.113.5" },
        { "[203.0.113.5]", RHOST_INVALID, 0, "" },
        { "203.0.113.5%eth0", RHOST_INVALID, 0, "" },
        { "fe80::1%", RHOST_INVALID, 0, "" },
        { "fe80::1%eth0%eth1", RHOST_INVALID, 0, "" },
        { "fe80::1%eth/0", RHOST_INVALID, 0, "" },
        { "[2001:db8::1]:22", RHOST_INVALID, 0, "" },
        { "[2001:db8::1", RHOST_INVALID, 0, "" },
        { "2001:db8::1]", RHOST_INVALID, 0, "" },
        { "203.0.113.5:22", RHOST_INVALID, 0, "" },
        { "203.0.113.5/32", RHOST_INVALID, 0, "" },
        { "host.example.com", RHOST_HOSTNAME, 0, "" },
        { "host.example.com.", RHOST_HOSTNAME, 0, "" },
        { "localhost", RHOST_HOSTNAME, 0, "" },
        { "a", RHOST_HOSTNAME, 0, "" },
        { "xn--bcher-kva.example", RHOST_HOSTNAME, 0, "" },
        { "web-01.example.com", RHOST_HOSTNAME, 0, "" },
        { "1password.example", RHOST_HOSTNAME, 0, "" },
        { "203.0.113.5.nip.io", RHOST_HOSTNAME, 0, "" },
        { "-host.example.com", RHOST_INVALID, 0, "" },
        { "host-.example.com", RHOST_INVALID, 0, "" },
        { "host..example.com", RHOST_INVALID, 0, "" },
        { ".example.com", RHOST_INVALID, 0, "" },
        { ".", RHOST_INVALID, 0, "" },
        { "host_1.example.com", RHOST_INVALID, 0, "" },
        { "host example.com", RHOST_INVALID, 0, "" },
        { "203.0.113.256", RHOST_INVALID, 0, "" },
        { "203.0.113", RHOST_INVALID, 0, "" },
        { "010.0.0.1", RHOST_INVALID, 0, "" },
        { "0x7f000001", RHOST_HOSTNAME, 0, "" },
        { "2130706433", RHOST_INVALID, 0, "" },
        { "203.0.113.5 ", RHOST_INVALID, 0, "" },
        { " 203.0.113.5", RHOST_INVALID, 0, "" },
        { "203.0.113.5\n", RHOST_INVALID, 0, "" },
        { "203.0.113.5\nLOGONACL_APPROVED=yes", RHOST_INVALID, 0, "" },
        { "\x1b[2J", RHOST_INVALID, 0, "" },
        { "b\xc3\xbc" "cher.example", RHOST_INVALID, 0, "" },
        { "\xff\xfe\xfd", RHOST_INVALID, 0, "" },
        { "ホスト", RHOST_INVALID, 0, "" },
        { "::1::", RHOST_INVALID, 0, "" },
        { "tty1", RHOST_HOSTNAME, 0, "" },
        { ":0", RHOST_INVALID, 0, "" },
};

static void test_cases(void **state) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct client_address c;
                memset(&c, 0xaa, sizeof c);
                rhost_normalise(cases[i].rhost, &c);
                if (c.kind != cases[i].kind)
                        print_error("case %zu \"%s\": kind %d, expected %d\n", i, cases[i].rhost ?: "(null)", c.kind, cases[i].kind);
                assert_int_equal(c.kind, cases[i].kind);
                assert_string_equal(c.text, cases[i].text);
                if (c.kind == RHOST_ADDRESS)
                        assert_int_equal(c.family, cases[i].family);
        }
}

static void test_mapped_value(void **state) {
        struct client_address a, b;
        rhost_normalise("::ffff:203.0.113.5", &a);
        rhost_normalise("203.0.113.5", &b);
        assert_true(addr128_cmp(a.addr, b.addr) == 0);
        assert_true(b.addr.hi == 0 && b.addr.lo == UINT64_C(0xffffcb007105));
}

static char *filled(size_t n, char c) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

static void test_lengths(void **state) {
        struct client_address c;

        /* 253 bytes of labels: a name; 254: junk */
        char *name = filled(253, 'a');
        for (size_t i = 63; i < 253; i += 64)
                name[i] = '.';
        rhost_normalise(name, &c);
        assert_int_equal(c.kind, RHOST_HOSTNAME);
        free(name);

        name = filled(254, 'a');
        for (size_t i = 63; i < 254; i += 64)
                name[i] = '.';
        rhost_normalise(name, &c);
        assert_int_equal(c.kind, RHOST_INVALID);
        free(name);

        /* a 64-byte label */
        name = filled(64, 'a');
        rhost_normalise(name, &c);
        assert_int_equal(c.kind, RHOST_INVALID);
        free(name);

        /* overlong values are junk whatever they hold; no read past a huge string */
        char *huge = filled(1 << 20, '1');
        rhost_normalise(huge, &c);
        assert_int_equal(c.kind, RHOST_INVALID);
        assert_string_equal(c.text, "");
        free(huge);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cases),
                cmocka_unit_test(test_mapped_value),
                cmocka_unit_test(test_lengths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
