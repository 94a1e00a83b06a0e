/* SPDX-License-Identifier: MIT */
#pragma once

/* UTC offsets of an IANA time zone, read from its TZif file with our own code:
 * setting TZ in the environment is not thread-safe once libcurl's resolver
 * threads exist, so the daemon never touches TZ. */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "reason.h"

struct tz_transition {
        int64_t at;             /* UTC seconds */
        int32_t offset;         /* seconds east of UTC from then on */
};

struct time_zone {
        char *name;
        int32_t initial_offset;         /* before the first transition */
        int32_t footer_offset;          /* after the last one, when the footer has no DST rule */
        int footer_fixed;               /* 1: footer_offset applies after the last transition */
        struct tz_transition *transitions;
        size_t n_transitions;
};

/* Loads zone "name" ("UTC", "Asia/Tokyo") from dir (NULL: ZONEINFO_DIR).  0, or a
 * negative errno with the reason. */
int tz_load(const char *dir, const char *name, struct time_zone *ret, char reason[REASON_MAX]);
/* Seconds east of UTC at time t. */
int32_t tz_offset(const struct time_zone *tz, int64_t t);
void tz_free(struct time_zone *tz);
