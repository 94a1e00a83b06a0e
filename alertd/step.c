/* SPDX-License-Identifier: MIT */
#include "cap.h"
#include "step.h"

int step_resend_pending(struct alertd_state *s, const struct step_ops *ops, enum step_outcome *ret) {
        enum delivery d = ops->send(ops->userdata);
        if (d == DELIVERY_INTERRUPTED || d == DELIVERY_GAVE_UP) {
                *ret = STEP_PENDING;
                return 0;
        }
        s->pending = false;
        *ret = d == DELIVERY_DONE ? STEP_SENT : STEP_FAILED;
        return ops->save(ops->userdata);
}

int step_counted_access(struct alertd_state *s, uint64_t counted_usec, unsigned threshold, const struct step_ops *ops,
                        enum step_outcome *ret) {
        if (cap_apply(&s->window, counted_usec, threshold, NULL) == CAP_SUPPRESS) {
                *ret = STEP_SUPPRESSED;
                return 0;
        }
        /* Reserve the slot first. */
        s->pending = true;
        int r = ops->save(ops->userdata);
        if (r < 0) {
                *ret = STEP_PENDING;
                return r;
        }
        return step_resend_pending(s, ops, ret);
}
