/* SPDX-License-Identifier: MIT */
#include <systemd/sd-daemon.h>

#include "clock.h"
#include "watchdog.h"

void watchdog_init(struct watchdog *w) {
        *w = (struct watchdog) {};
        if (sd_watchdog_enabled(0, &w->interval_usec) <= 0)
                w->interval_usec = 0;
        w->last_usec = now_monotonic_usec();
}

void watchdog_feed(struct watchdog *w) {
        if (w->interval_usec == 0)
                return;
        uint64_t now = now_monotonic_usec();
        if (now - w->last_usec >= w->interval_usec / 4) {
                sd_notify(0, "WATCHDOG=1");
                w->last_usec = now;
        }
}

uint64_t watchdog_due_in(const struct watchdog *w) {
        if (w->interval_usec == 0)
                return UINT64_MAX;
        uint64_t next = w->last_usec + w->interval_usec / 4, now = now_monotonic_usec();
        return next > now ? next - now : 0;
}
