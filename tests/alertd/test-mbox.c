/* SPDX-License-Identifier: MIT */
/* mbox.c: --print writes an mbox (SPEC §5): From_ lines, LF line ends, mboxrd quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mbox.h"

static void test_mbox(void **unused) {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        static const char m[] = "Subject: x\r\n\r\nFrom here\r\n>From there\r\nFrom\r\n.\r\nend";
        assert_int_equal(mbox_write(f, "no-reply@host.example.com", 1698809207000000ULL, m, strlen(m)), 0);
        assert_int_equal(mbox_write(f, "", 0, "a\r\n", 3), 0);
        fclose(f);
        assert_string_equal(out,
                            "From no-reply@host.example.com Wed Nov  1 03:26:47 2023\n"
                            "Subject: x\n\n>From here\n>>From there\nFrom\n.\nend\n\n"
                            "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\na\n\n");
        free(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mbox),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
