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

/* Applies one unapproved access at entry_usec: opens a new window when none is
 * open or entry_usec >= start + 24 h (an older entry counts in the open window),
 * then takes a slot if fewer than threshold are used.  *ret_opened tells whether
 * this access opened the window (may be NULL). */
enum cap_decision cap_apply(struct alert_window *w, uint64_t entry_usec, unsigned threshold, bool *ret_opened);
