/* SPDX-License-Identifier: MIT */
#pragma once

/* The times of --since and --until, and how times are printed.  Microseconds
 * since the epoch throughout, as the journal's __REALTIME_TIMESTAMP. */

#include <stdint.h>

#define TIMESTAMP_TEXT_MAX 40

/* The one grammar of --since and --until, a subset of journalctl's
 * (systemd.time(7)), documented in logonaclctl(8) TIMES:
 *   now, today, yesterday, tomorrow (local midnight), @SECONDS[.FRACTION];
 *   YYYY-MM-DD, [YYYY-MM-DD ]HH:MM[:SS[.FRACTION]] ('T' for the blank), local
 *   time, or with " UTC", "Z" or an offset "+09:00", "+0900", "-03";
 *   -SPAN, +SPAN, "SPAN ago", "SPAN left", SPAN one or more NUMBER[ ]UNIT
 *   (us, ms, s/sec/second(s), m/min/minute(s), h/hr/hour(s), d/day(s),
 *   w/week(s), M/month(s) = 30.44 d, y/year(s) = 365.25 d; no unit: seconds).
 * 0 or -EINVAL. */
int timestamp_parse(const char *text, uint64_t now_usec, uint64_t *ret);

/* "2023-11-01 12:26:46", local time (for tables). */
void timestamp_format_local(uint64_t usec, char buf[TIMESTAMP_TEXT_MAX]);
/* "2023-11-01T03:26:46.000000Z" (for JSON). */
void timestamp_format_iso_utc(uint64_t usec, char buf[TIMESTAMP_TEXT_MAX]);

/* Now, from CLOCK_REALTIME. */
uint64_t timestamp_now(void);
