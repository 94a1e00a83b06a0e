/* SPDX-License-Identifier: MIT */
#pragma once

/* alertd's clocks in microseconds: monotonic for intervals (watchdog, rate limits,
 * save pacing), realtime for what is compared with journal timestamps. */

#include <stdint.h>

/* CLOCK_MONOTONIC now: never steps, so intervals measured with it are true. */
uint64_t now_monotonic_usec(void);
/* CLOCK_REALTIME now: the clock journal timestamps are written in. */
uint64_t now_realtime_usec(void);
