/* SPDX-License-Identifier: MIT */
#pragma once

/* systemd's watchdog (WatchdogSec=): WATCHDOG=1 every quarter of the interval,
 * so that a caller that looks only about once a second (libcurl's progress
 * callback during a transaction) still pings well within it. */

#include <stdint.h>

struct watchdog {
        uint64_t interval_usec;         /* 0: no watchdog */
        uint64_t last_usec;
};

void watchdog_init(struct watchdog *w);
/* Pings when a quarter of the interval has passed since the last ping. */
void watchdog_feed(struct watchdog *w);
/* How long until the next ping is due (UINT64_MAX: never). */
uint64_t watchdog_due_in(const struct watchdog *w);
