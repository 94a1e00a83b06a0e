/* SPDX-License-Identifier: MIT */
#pragma once

/* What one counted access does to the state (SPEC §5), with the I/O behind
 * ops so the order can be tested: take a slot in the window; for a send, save
 * the state with the alert pending *before* sending (a crash can then never
 * push a window over the threshold; a restart resends the pending alert),
 * and save again once the alert is delivered or given up. */

#include <stdint.h>

#include "deliver.h"
#include "state.h"

struct step_ops {
        int (*save)(void *userdata);                    /* writes the state file: 0 or negative errno */
        enum delivery (*send)(void *userdata);          /* composes and delivers the alert */
        void *userdata;
};

enum step_outcome {
        STEP_SUPPRESSED,        /* over the threshold: nothing sent, nothing saved */
        STEP_SENT,
        STEP_FAILED,            /* given up; the slot is used */
        STEP_PENDING,           /* not delivered yet (stopped, or --once gave up): resent at the next start */
};

/* One counted access at counted_usec.  0, or the save's negative errno
 * (nothing was sent when the first save failed). */
int step_counted_access(struct alertd_state *s, uint64_t counted_usec, unsigned threshold, const struct step_ops *ops,
                        enum step_outcome *ret);
/* Sends the alert a previous run left pending (its slot is already taken). */
int step_resend_pending(struct alertd_state *s, const struct step_ops *ops, enum step_outcome *ret);
