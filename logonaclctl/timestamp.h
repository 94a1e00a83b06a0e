/* SPDX-License-Identifier: MIT */
#pragma once

/* The times of --since and --until, and how times are printed.  Microseconds
 * since the epoch throughout, as the journal's __REALTIME_TIMESTAMP. */

#include <stdint.h>

#define TIMESTAMP_TEXT_MAX 40

/* Accepts "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" (also with 'T'
 * between date and time; local time, or UTC with a " UTC" suffix), "now",
 * "today", "yesterday", "tomorrow", "@SECONDS", and relative forms "-30m",
 * "-24h", "-7d", "-2w", "+1h" (units s, m or min, h, d, w).  0 or -EINVAL. */
int timestamp_parse(const char *text, uint64_t now_usec, uint64_t *ret);

/* "2023-11-01 12:26:46", local time (for tables). */
void timestamp_format_local(uint64_t usec, char buf[TIMESTAMP_TEXT_MAX]);
/* "2023-11-01T03:26:46.000000Z" (for JSON). */
void timestamp_format_iso_utc(uint64_t usec, char buf[TIMESTAMP_TEXT_MAX]);

/* Now, from CLOCK_REALTIME. */
uint64_t timestamp_now(void);
