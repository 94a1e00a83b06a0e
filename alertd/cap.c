/* SPDX-License-Identifier: MIT */
#include "cap.h"

static bool window_expired(const struct alert_window *w, uint64_t entry_usec) {
        /* Entries older than the start count in the open window (lagging fleet clocks). */
        return entry_usec >= w->start_usec && entry_usec - w->start_usec >= ALERT_WINDOW_USEC;
}

uint64_t cap_counted_time(uint64_t entry_usec, uint64_t now_usec, uint64_t last_counted_usec, uint64_t *ret_ahead_usec) {
        *ret_ahead_usec = 0;
        if (entry_usec <= now_usec || entry_usec - now_usec <= CLOCK_AHEAD_TOLERANCE_USEC)
                return entry_usec;
        *ret_ahead_usec = entry_usec - now_usec;
        return last_counted_usec ? last_counted_usec : now_usec;
}

enum cap_decision cap_apply(struct alert_window *w, uint64_t entry_usec, unsigned threshold, bool *ret_opened) {
        bool opened = false;

        if (!w->open || window_expired(w, entry_usec)) {
                *w = (struct alert_window) { .open = true, .start_usec = entry_usec };
                opened = true;
        }
        if (ret_opened)
                *ret_opened = opened;

        if (w->sent < threshold) {
                w->sent++;
                return CAP_SEND;
        }
        w->suppressed++;
        return CAP_SUPPRESS;
}
