/* SPDX-License-Identifier: MIT */
/* diag_list: prefixes, error counting, the bound on hostile input, joining;
 * and reason_set, the one-line reason a failing function hands its caller. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "reason.h"

static void test_lines_and_prefix(void **state) {
        struct diag_list d = {};

        assert_false(diag_has_errors(&d));
        diag_add(&d, "/etc/logonacl/approved:3", "IP address or CIDR block is invalid.");
        diag_add(&d, "/etc/logonacl/approved:3", "%s: host bits are set below /%d (did you mean %s?)",
                 "203.0.113.5/24", 24, "203.0.113.0/24");
        diag_count_error(&d);
        diag_add(&d, NULL, "no prefix %d", 42);

        assert_int_equal(d.n_lines, 3);
        assert_int_equal(d.n_errors, 1);
        assert_int_equal(d.n_dropped, 0);
        assert_true(diag_has_errors(&d));
        assert_string_equal(d.lines[0], "/etc/logonacl/approved:3: IP address or CIDR block is invalid.");
        assert_string_equal(d.lines[1],
                            "/etc/logonacl/approved:3: 203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)");
        assert_string_equal(d.lines[2], "no prefix 42");

        char *joined = diag_join(&d);
        assert_string_equal(joined,
                            "/etc/logonacl/approved:3: IP address or CIDR block is invalid.\n"
                            "/etc/logonacl/approved:3: 203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)\n"
                            "no prefix 42");
        free(joined);

        diag_free(&d);
        assert_int_equal(d.n_lines, 0);
        assert_int_equal(d.n_errors, 0);
        assert_null(d.lines);
        assert_false(diag_has_errors(&d));
}

static void test_warnings_are_not_errors(void **state) {
        struct diag_list d = {};
        diag_add(&d, "x.conf", "trusted_users: unknown user \"nosuch\", ignored");
        assert_int_equal(d.n_lines, 1);
        assert_false(diag_has_errors(&d));
        diag_free(&d);
}

static void test_join_empty(void **state) {
        struct diag_list d = {};
        char *joined = diag_join(&d);
        assert_string_equal(joined, "");
        free(joined);
}

static void test_bounded(void **state) {
        struct diag_list d = {};
        for (int i = 0; i < DIAG_MAX_LINES + 250; i++) {
                diag_add(&d, "f:1", "line %d", i);
                diag_count_error(&d);
        }
        assert_int_equal(d.n_lines, DIAG_MAX_LINES);
        assert_int_equal(d.n_dropped, 250);
        assert_int_equal(d.n_errors, DIAG_MAX_LINES + 250);
        assert_string_equal(d.lines[DIAG_MAX_LINES - 1], "f:1: line 999");
        diag_free(&d);
        assert_int_equal(d.n_dropped, 0);
}

static void test_long_message_truncated(void **state) {
        struct diag_list d = {};
        char big[5000];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = 0;
        diag_add(&d, "where", "%s", big);
        assert_int_equal(d.n_lines, 1);
        /* "where: " + the message cut to 1023 bytes */
        assert_int_equal(strlen(d.lines[0]), 7 + 1023);
        assert_memory_equal(d.lines[0], "where: xxx", 10);
        diag_free(&d);
}

static void test_diag_error_counts_one(void **state) {
        struct diag_list d = {};
        diag_error(&d, "logonacl.conf:7", "%s is not yes or no", "\"maybe\"");
        diag_add(&d, "logonacl.conf:8", "a note");
        assert_int_equal(d.n_lines, 2);
        assert_int_equal(d.n_errors, 1);
        assert_string_equal(d.lines[0], "logonacl.conf:7: \"maybe\" is not yes or no");
        diag_free(&d);
}

static void test_reason_set(void **state) {
        char reason[REASON_MAX];
        assert_int_equal(reason_set(reason, EPERM, "%s: folder writable by group or others", "/etc/x"), -EPERM);
        assert_string_equal(reason, "/etc/x: folder writable by group or others");

        char big[REASON_MAX * 2];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = 0;
        assert_int_equal(reason_set(reason, EINVAL, "p: %s", big), -EINVAL);
        assert_int_equal(strlen(reason), REASON_MAX - 1);       /* cut, still one terminated line */
        assert_memory_equal(reason, "p: xxx", 6);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lines_and_prefix),
                cmocka_unit_test(test_warnings_are_not_errors),
                cmocka_unit_test(test_join_empty),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_long_message_truncated),
                cmocka_unit_test(test_diag_error_counts_one),
                cmocka_unit_test(test_reason_set),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
