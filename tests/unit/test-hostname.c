/* SPDX-License-Identifier: MIT */
/* hostname_is_valid: the edges of RFC 1123 LDH syntax, the one check behind
 * PAM_RHOST, the configuration's domains and alert mail's host names. */

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hostname.h"
#include "macro.h"

static bool valid(const char *s, unsigned flags) {
        return hostname_is_valid(s, strlen(s), flags);
}

/* A name of n bytes: labels of label_len 'a's joined by dots, cut to n. */
static void make_name(char *buf, size_t n, size_t label_len) {
        for (size_t i = 0; i < n; i++)
                buf[i] = (i + 1) % (label_len + 1) == 0 ? '.' : 'a';
        buf[n] = '\0';
}

static void test_accepted(void **state) {
        static const char *const names[] = {
                "a", "localhost", "host.example.com", "web-01.example.com", "1password.example",
                "203.0.113.5.nip.io", "xn--bcher-kva.example", "A-B.C", "0x7f000001", "tty1", "a.b1",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                assert_true(valid(names[i], 0));
                assert_true(valid(names[i], HOSTNAME_TRAILING_DOT));
        }
}

static void test_rejected(void **state) {
        static const char *const names[] = {
                "", ".", "..", ".a", "a..b", "-a", "a-", "a.-b", "a.b-", "a-.b", "ex_ample.com", "a b",
                "a/b", "a:b", "[::1]", "h\xc3\xa9te", "a\n", "127.0.0.1", "1.2.3", "123", "a.123",
                "host.example.com..",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                assert_false(valid(names[i], 0));
                assert_false(valid(names[i], HOSTNAME_TRAILING_DOT));
        }
}

static void test_trailing_dot(void **state) {
        assert_false(valid("host.example.com.", 0));
        assert_true(valid("host.example.com.", HOSTNAME_TRAILING_DOT));
        assert_false(valid("a.", 0));
        assert_true(valid("a.", HOSTNAME_TRAILING_DOT));
}

static void test_length_limits(void **state) {
        char name[HOSTNAME_MAX + 8];

        make_name(name, HOSTNAME_LABEL_MAX, HOSTNAME_LABEL_MAX);
        assert_true(valid(name, 0));
        make_name(name, HOSTNAME_LABEL_MAX + 1, HOSTNAME_LABEL_MAX + 1);
        assert_false(valid(name, 0));

        /* 253 bytes of 63-byte labels: the longest name; a trailing dot may follow. */
        make_name(name, HOSTNAME_MAX, HOSTNAME_LABEL_MAX);
        assert_int_equal(name[HOSTNAME_MAX - 1], 'a');
        assert_true(valid(name, 0));
        strcat(name, ".");
        assert_true(valid(name, HOSTNAME_TRAILING_DOT));
        make_name(name, HOSTNAME_MAX + 1, HOSTNAME_LABEL_MAX);
        assert_false(valid(name, 0));
        assert_false(valid(name, HOSTNAME_TRAILING_DOT));
}

/* The length given is the name: the bytes after it are not read. */
static void test_not_nul_terminated(void **state) {
        assert_true(hostname_is_valid("mail.example.com:25", 16, 0));
        assert_false(hostname_is_valid("mail.example.com:25", 17, 0));
        assert_false(hostname_is_valid("mail", 0, 0));
}

static void test_this_host(void **state) {
        char buf[HOSTNAME_MAX + 1], small[4];

        hostname_or_localhost(buf, sizeof buf);
        assert_true(valid(buf, 0));
        hostname_or_localhost(small, sizeof small);     /* a name that does not fit is never cut */
        assert_true(strcmp(small, "loc") == 0 || (strlen(small) < sizeof small && strcmp(small, buf) == 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_rejected),
                cmocka_unit_test(test_trailing_dot),
                cmocka_unit_test(test_length_limits),
                cmocka_unit_test(test_not_nul_terminated),
                cmocka_unit_test(test_this_host),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
