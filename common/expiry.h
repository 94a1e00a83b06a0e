/* SPDX-License-Identifier: MIT */
#pragma once

/* The expires= of an approved entry (SPEC §1): a date, meaning 00:00 UTC that
 * day, or a UTC time to the minute.  Held as Unix seconds, always a whole
 * minute; 0 means "never".  No time zone, no locale: the same text means the
 * same instant on every host of a fleet. */

#include <stddef.h>
#include <stdint.h>

/* "2027-01-31T18:00Z" and a NUL, with room for what gcc fears an int may print */
#define EXPIRY_TEXT_MAX 64
/* Entries expiring within this many days are named by logonaclctl check. */
#define EXPIRY_WARN_DAYS 7

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MMZ" (years 1970..9999, a real day of
 * the calendar); text need not be NUL-terminated.  -EINVAL when it is neither. */
int expiry_parse(const char *text, size_t len, int64_t *ret);

/* "2027-01-31" when t is at 00:00 UTC, else "2027-01-31T18:00Z". */
void expiry_format(int64_t t, char buf[EXPIRY_TEXT_MAX]);
