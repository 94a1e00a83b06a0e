/* SPDX-License-Identifier: MIT */
#pragma once

/* IANA time-zone names: the one check for the configuration's `timezone` key and
 * for alertd's zone loader, both of which turn the name into a path. */

#include <stdbool.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define ZONE_NAME_MAX 128               /* the longest IANA name is about 30 bytes */

/* "UTC", "Asia/Tokyo", "Etc/GMT+3", "America/Argentina/Buenos_Aires": 1-128 bytes
 * of ASCII letters, digits and "/_+-.", in segments separated by single '/', no
 * segment empty or starting with '.' (no "..", no hidden file, no leading or
 * trailing '/').  So the name can only name a file under ZONEINFO_DIR; whether
 * that file exists and is a zone is the caller's question. */
bool zone_name_is_valid(const char *name);
