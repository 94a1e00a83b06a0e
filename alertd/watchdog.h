/* SPDX-License-Identifier: MIT */
#pragma once

/* systemd's watchdog (WatchdogSec=): WATCHDOG=1 at half the interval. */

#include <stdint.h>

struct watchdog {
        uint64_t interval_usec;         /* 0: no watchdog */
        uint64_t last_usec;
};

void watchdog_init(struct watchdog *w);
/* Pings when half the interval has passed since the last ping. */
void watchdog_feed(struct watchdog *w);
/* How long until the next ping is due (UINT64_MAX: never). */
uint64_t watchdog_due_in(const struct watchdog *w);
