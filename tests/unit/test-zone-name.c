/* SPDX-License-Identifier: MIT */
/* zone_name_is_valid: the one time-zone-name check (logonacl.conf's timezone,
 * alertd's zone loader).  A valid name never leaves ZONEINFO_DIR. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "macro.h"
#include "zone_name.h"

static void test_accepted(void **state) {
        static const char *const names[] = {
                "UTC", "Etc/UTC", "Asia/Tokyo", "Etc/GMT+3", "Etc/GMT-14", "America/Argentina/Buenos_Aires",
                "America/Port-au-Prince", "zone.tab", "posix/Asia/Tokyo", "a",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                assert_true(zone_name_is_valid(names[i]));
}

static void test_rejected(void **state) {
        static const char *const names[] = {
                "", "/etc/localtime", "Asia/", "Asia//Tokyo", ".", "..", "../etc/passwd", "Asia/../Asia/Tokyo",
                "Asia/./Tokyo", ".hidden", "Asia/.hidden", "Asia/To kyo", "Asia\\Tokyo", "Asia/Tokyo\n",
                "Asia/T\xc3\xb6kyo", "UTC;rm", "*", "Asia/Tok?o",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                assert_false(zone_name_is_valid(names[i]));
        assert_false(zone_name_is_valid(NULL));
}

static void test_length(void **state) {
        char name[ZONE_NAME_MAX + 2];

        memset(name, 'a', ZONE_NAME_MAX);
        name[ZONE_NAME_MAX] = '\0';
        assert_true(zone_name_is_valid(name));
        name[ZONE_NAME_MAX] = 'a';
        name[ZONE_NAME_MAX + 1] = '\0';
        assert_false(zone_name_is_valid(name));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_rejected),
                cmocka_unit_test(test_length),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
