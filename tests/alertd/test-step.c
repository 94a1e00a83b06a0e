/* SPDX-License-Identifier: MIT */
/* step.c: the order of SPEC §5 for one counted access — the slot is reserved
 * and saved as pending before the alert is sent, and saved again after. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "step.h"

#define HOUR 3600000000ULL
#define T0 1698796800000000ULL

struct fake {
        struct alertd_state *s;
        char log[256];                  /* "save(pending,sent) send ..." */
        enum delivery outcome;
        int save_result;
};

static int fake_save(void *userdata) {
        struct fake *f = userdata;
        size_t n = strlen(f->log);
        snprintf(f->log + n, sizeof(f->log) - n, "save(%s,%u) ", f->s->pending ? "pending" : "done",
                 f->s->window.sent);
        return f->save_result;
}

static enum delivery fake_send(void *userdata) {
        struct fake *f = userdata;
        strcat(f->log, "send ");
        return f->outcome;
}

static enum step_outcome run(struct fake *f, uint64_t t, unsigned threshold, int expect_r) {
        const struct step_ops ops = { fake_save, fake_send, f };
        enum step_outcome o;
        f->log[0] = '\0';
        assert_int_equal(step_counted_access(f->s, t, threshold, &ops, &o), expect_r);
        return o;
}

static void test_reserve_before_send(void **unused) {
        struct alertd_state s = {};
        struct fake f = { .s = &s, .outcome = DELIVERY_DONE };
        assert_int_equal(run(&f, T0, 2, 0), STEP_SENT);
        assert_string_equal(f.log, "save(pending,1) send save(done,1) ");
        assert_false(s.pending);
}

static void test_suppressed_does_no_io(void **unused) {
        struct alertd_state s = {};
        struct fake f = { .s = &s, .outcome = DELIVERY_DONE };
        run(&f, T0, 1, 0);
        assert_int_equal(run(&f, T0 + HOUR, 1, 0), STEP_SUPPRESSED);
        assert_string_equal(f.log, "");
        assert_int_equal(s.window.suppressed, 1);
}

static void test_interrupted_stays_pending(void **unused) {
        struct alertd_state s = {};
        struct fake f = { .s = &s, .outcome = DELIVERY_INTERRUPTED };
        assert_int_equal(run(&f, T0, 5, 0), STEP_PENDING);
        /* Saved once, as pending: a restart resends it and the slot is counted. */
        assert_string_equal(f.log, "save(pending,1) send ");
        assert_true(s.pending);
        f.outcome = DELIVERY_GAVE_UP;
        assert_int_equal(run(&f, T0, 5, 0), STEP_PENDING);
        assert_true(s.pending);
}

static void test_failed_uses_the_slot(void **unused) {
        struct alertd_state s = {};
        struct fake f = { .s = &s, .outcome = DELIVERY_FAILED };
        assert_int_equal(run(&f, T0, 1, 0), STEP_FAILED);
        assert_string_equal(f.log, "save(pending,1) send save(done,1) ");
        f.outcome = DELIVERY_DONE;
        assert_int_equal(run(&f, T0 + HOUR, 1, 0), STEP_SUPPRESSED);
}

static void test_no_send_when_the_reservation_is_not_saved(void **unused) {
        struct alertd_state s = {};
        struct fake f = { .s = &s, .outcome = DELIVERY_DONE, .save_result = -EROFS };
        run(&f, T0, 5, -EROFS);
        assert_string_equal(f.log, "save(pending,1) ");
}

static void test_resend_pending(void **unused) {
        struct alertd_state s = { .pending = true, .window = { true, T0, 3, 0 } };
        struct fake f = { .s = &s, .outcome = DELIVERY_DONE };
        const struct step_ops ops = { fake_save, fake_send, &f };
        enum step_outcome o;
        assert_int_equal(step_resend_pending(&s, &ops, &o), 0);
        assert_int_equal(o, STEP_SENT);
        /* No second slot for the resend. */
        assert_string_equal(f.log, "send save(done,3) ");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reserve_before_send),
                cmocka_unit_test(test_suppressed_does_no_io),
                cmocka_unit_test(test_interrupted_stays_pending),
                cmocka_unit_test(test_failed_uses_the_slot),
                cmocka_unit_test(test_no_send_when_the_reservation_is_not_saved),
                cmocka_unit_test(test_resend_pending),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
