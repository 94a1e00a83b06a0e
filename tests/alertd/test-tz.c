/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tz.h"

#define NOV_1_2023 1698796800   /* 2023-11-01 00:00:00 UTC */
#define JUL_1_2023 1688169600   /* 2023-07-01 00:00:00 UTC */

static int32_t offset_of(const char *zone, int64_t t) {
        struct time_zone tz;
        char reason[REASON_MAX];
        assert_int_equal(tz_load(NULL, zone, &tz, reason), 0);
        int32_t o = tz_offset(&tz, t);
        tz_free(&tz);
        return o;
}

static void test_offsets(void **state) {
        assert_int_equal(offset_of("UTC", NOV_1_2023), 0);
        assert_int_equal(offset_of("Asia/Tokyo", NOV_1_2023), 9 * 3600);
        assert_int_equal(offset_of("Asia/Kolkata", NOV_1_2023), 5 * 3600 + 1800);
        assert_int_equal(offset_of("America/Sao_Paulo", NOV_1_2023), -3 * 3600);
        assert_int_equal(offset_of("America/New_York", JUL_1_2023), -4 * 3600);
        assert_int_equal(offset_of("America/New_York", NOV_1_2023 + 10 * 86400), -5 * 3600);
        assert_int_equal(offset_of("Asia/Tokyo", 4102444800LL), 9 * 3600);        /* 2100: past the data */
        assert_int_equal(offset_of("Asia/Tokyo", -3000000000LL), 9 * 3600 + 18 * 60 + 59); /* LMT, 1874 */
}

static void test_bad_names(void **state) {
        static const char *const bad[] = { "../../etc/passwd", "/etc/localtime", "", "Asia/Nowhere", "Asia/To kyo",
                                           "Asia//Tokyo", ".hidden" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct time_zone tz;
                char reason[REASON_MAX] = "";
                assert_true(tz_load(NULL, bad[i], &tz, reason) < 0);
                assert_true(reason[0] != '\0');
                assert_null(tz.transitions);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_offsets),
                cmocka_unit_test(test_bad_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
