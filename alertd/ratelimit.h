/* SPDX-License-Identifier: MIT */
#pragma once

/* A burst/interval limiter for alertd's own log lines about entries others wrote
 * (untrusted writers, mail not sent, clock skew): a forger cannot flood the
 * journal through us, and the count of what was left out is said at the next. */

#include <stdbool.h>
#include <stdint.h>

/* At most burst events per interval (monotonic usec); counts the others. */
struct ratelimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin;
        unsigned num;
        uint64_t missed;
};

/* True when this event may be logged; *ret_missed gets (and resets) how many were not. */
bool ratelimit_below(struct ratelimit *rl, uint64_t now_usec, uint64_t *ret_missed);
