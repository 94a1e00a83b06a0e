/* SPDX-License-Identifier: MIT */
#pragma once

/* The 24-hour alert cap of SPEC §5 — pure: (window, entry time) -> send | suppress.
 * The clock is the entry's __REALTIME_TIMESTAMP, never the time alertd reads it,
 * so a replay after downtime reaches the same decisions. */

#include <stdbool.h>
#include <stdint.h>

#define ALERT_WINDOW_USEC (24ULL * 3600ULL * 1000000ULL)

struct alert_window {
        bool open;
        uint64_t start_usec;    /* realtime of the access that opened it */
        unsigned sent;          /* slots used (sent, pending or failed with 5xx) */
        uint64_t suppressed;    /* accesses over the threshold in this window */
};

enum cap_decision {
        CAP_SEND,
        CAP_SUPPRESS,
};

#define CLOCK_AHEAD_TOLERANCE_USEC (5ULL * 60ULL * 1000000ULL)

/* The time an access counts at (SPEC §5): its own, unless it is later than
 * now + 5 minutes (a host whose clock runs ahead); then the time the access
 * counted before it counted at (last_counted_usec), or now when there was none.
 * So no host opens a window in the future and holds it over everyone's
 * accesses.  *ret_ahead_usec: how far ahead the host's clock is (0: not). */
uint64_t cap_counted_time(uint64_t entry_usec, uint64_t now_usec, uint64_t last_counted_usec, uint64_t *ret_ahead_usec);

/* Applies one unapproved access at entry_usec: opens a new window when none is
 * open or entry_usec >= start + 24 h (an older entry counts in the open window),
 * then takes a slot if fewer than threshold are used.  *ret_opened tells whether
 * this access opened the window (may be NULL). */
enum cap_decision cap_apply(struct alert_window *w, uint64_t entry_usec, unsigned threshold, bool *ret_opened);
