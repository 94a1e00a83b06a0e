/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cap.h"

#define SEC 1000000ULL
#define T0 1698809206000000ULL  /* 2023-11-01 03:26:46 UTC */

static unsigned sends(struct alert_window *w, uint64_t start, uint64_t step, unsigned n, unsigned threshold) {
        unsigned sent = 0;
        for (unsigned i = 0; i < n; i++)
                sent += cap_apply(w, start + i * step, threshold, NULL) == CAP_SEND;
        return sent;
}

static void test_threshold_edges(void **state) {
        static const unsigned thresholds[] = { 5, 20, 50, 100 };
        for (size_t t = 0; t < 4; t++) {
                unsigned n = thresholds[t];
                struct alert_window w = {};
                assert_int_equal(sends(&w, T0, SEC, n - 1, n), n - 1);
                assert_int_equal(w.sent, n - 1);
                assert_int_equal(cap_apply(&w, T0 + n * SEC, n, NULL), CAP_SEND);            /* the Nth */
                assert_int_equal(cap_apply(&w, T0 + (n + 1) * SEC, n, NULL), CAP_SUPPRESS);   /* N+1 */
                assert_int_equal(w.sent, n);
                assert_int_equal(w.suppressed, 1);
        }
}

static void test_rollover_exactly_24h(void **state) {
        struct alert_window w = {};
        bool opened;
        assert_int_equal(cap_apply(&w, T0, 5, &opened), CAP_SEND);
        assert_true(opened);
        assert_int_equal(sends(&w, T0 + SEC, SEC, 4, 5), 4);
        /* 24 h - 1 µs after the start: still the same window, over the threshold. */
        assert_int_equal(cap_apply(&w, T0 + ALERT_WINDOW_USEC - 1, 5, &opened), CAP_SUPPRESS);
        assert_false(opened);
        /* Exactly 24 h: a new window opens at this access. */
        assert_int_equal(cap_apply(&w, T0 + ALERT_WINDOW_USEC, 5, &opened), CAP_SEND);
        assert_true(opened);
        assert_int_equal(w.start_usec, T0 + ALERT_WINDOW_USEC);
        assert_int_equal(w.sent, 1);
        assert_int_equal(w.suppressed, 0);
}

static void test_older_entries_count_in_open_window(void **state) {
        struct alert_window w = {};
        assert_int_equal(sends(&w, T0, SEC, 5, 5), 5);
        /* A lagging fleet clock: two days older, still counts (and is suppressed). */
        assert_int_equal(cap_apply(&w, T0 - 2 * ALERT_WINDOW_USEC, 5, NULL), CAP_SUPPRESS);
        assert_int_equal(w.start_usec, T0);
        struct alert_window w2 = {};
        assert_int_equal(cap_apply(&w2, T0, 5, NULL), CAP_SEND);
        assert_int_equal(cap_apply(&w2, T0 - SEC, 5, NULL), CAP_SEND);
        assert_int_equal(w2.start_usec, T0);
        assert_int_equal(w2.sent, 2);
}

/* SPEC §5's worked example, threshold 5: mails 1-5, 9-13 and 15. */
static void test_counted_time_clamps_clocks_far_ahead(void **state) {
        const uint64_t now = 1700000000000000ULL, min = 60000000ULL;
        uint64_t ahead;
        /* In the past or up to 5 minutes ahead: its own time. */
        assert_true(cap_counted_time(now - 10 * min, now, 0, &ahead) == now - 10 * min && ahead == 0);
        assert_true(cap_counted_time(now + 5 * min, now, 0, &ahead) == now + 5 * min && ahead == 0);
        /* Further ahead: the time the access before it counted at, or now. */
        assert_true(cap_counted_time(now + 5 * min + 1, now, now - min, &ahead) == now - min);
        assert_true(ahead == 5 * min + 1);
        assert_true(cap_counted_time(UINT64_MAX, now, 0, &ahead) == now && ahead == UINT64_MAX - now);
}

static void test_seed_example(void **state) {
        static const char *const jst[] = {
                "2023-11-01 12:26:46", "2023-11-01 12:35:19", "2023-11-01 14:03:56", "2023-11-02 04:23:10",
                "2023-11-02 06:00:00", "2023-11-02 08:46:35", "2023-11-02 10:13:50", "2023-11-02 11:50:41",
                "2023-11-02 14:13:50", "2023-11-02 14:23:58", "2023-11-02 17:36:10", "2023-11-02 19:33:49",
                "2023-11-03 06:42:58", "2023-11-03 11:23:04", "2023-11-03 14:50:29",
        };
        static const int expected[] = { 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1 };
        struct alert_window w = {};
        for (size_t i = 0; i < 15; i++) {
                int y, mo, d, h, mi, s;
                assert_int_equal(sscanf(jst[i], "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s), 6);
                /* days since 2023-11-01 (all in November) */
                uint64_t t = 1698796800ULL + (uint64_t) (d - 1) * 86400 + (uint64_t) h * 3600 + (uint64_t) mi * 60 + (uint64_t) s - 9 * 3600;
                assert_int_equal(cap_apply(&w, t * SEC, 5, NULL) == CAP_SEND, expected[i]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_threshold_edges),
                cmocka_unit_test(test_rollover_exactly_24h),
                cmocka_unit_test(test_older_entries_count_in_open_window),
                cmocka_unit_test(test_seed_example),
                cmocka_unit_test(test_counted_time_clamps_clocks_far_ahead),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
