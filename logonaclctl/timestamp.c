/* SPDX-License-Identifier: MIT */
/* Parsing --since/--until strictly and printing journal times. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timestamp.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define SECONDS_MAX  INT64_C(253402300799)      /* 9999-12-31 23:59:59 UTC */

uint64_t timestamp_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* Exactly n ASCII digits at *p; advances *p. */
static bool take_digits(const char **p, int n, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                char c = (*p)[i];
                if (c < '0' || c > '9')
                        return false;
                v = v * 10 + (c - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

static bool take_char(const char **p, char c) {
        if (**p != c)
                return false;
        (*p)++;
        return true;
}

/* Seconds since the epoch of a broken-down time, local or UTC; -1 when the
 * fields do not name a real time (2023-02-30, 25:00). */
static int64_t seconds_of(const struct tm *wanted, bool utc) {
        struct tm tm = *wanted;
        time_t t;

        tm.tm_isdst = -1;
        t = utc ? timegm(&tm) : mktime(&tm);
        if (t == (time_t) -1)
                return -1;
        /* mktime normalises out-of-range fields: refuse instead of guessing.
         * (The hour may move across a DST gap; the date may not.) */
        if (tm.tm_year != wanted->tm_year || tm.tm_mon != wanted->tm_mon || tm.tm_mday != wanted->tm_mday ||
            tm.tm_min != wanted->tm_min || tm.tm_sec != wanted->tm_sec)
                return -1;
        return (int64_t) t;
}

static const char *skip_blanks(const char *p) {
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* "HH:MM[:SS[.FRACTION]]" into tm and *usec. */
static bool take_time(const char **p, struct tm *tm, uint64_t *usec) {
        int hour, minute, second = 0;

        if (!take_digits(p, 2, &hour) || !take_char(p, ':') || !take_digits(p, 2, &minute))
                return false;
        if (take_char(p, ':')) {
                if (!take_digits(p, 2, &second))
                        return false;
                if (take_char(p, '.')) {
                        uint64_t scale = 100000;
                        if (**p < '0' || **p > '9')
                                return false;
                        for (; **p >= '0' && **p <= '9'; (*p)++, scale /= 10)
                                *usec += (uint64_t) (**p - '0') * scale;
                }
        }
        if (hour > 23 || minute > 59 || second > 59)
                return false;
        tm->tm_hour = hour;
        tm->tm_min = minute;
        tm->tm_sec = second;
        return true;
}

/* What follows the time: nothing (local time), " UTC", "Z", or an ISO offset
 * "+09:00", "+0900", "-03"; *offset_s is added to local-as-UTC fields. */
static bool take_zone(const char *p, bool *utc, int64_t *offset_s) {
        int hh, mm = 0;

        *utc = false;
        *offset_s = 0;
        if (!*p)
                return true;
        if (strcmp(p, " UTC") == 0 || strcmp(p, "Z") == 0 || strcmp(p, " Z") == 0) {
                *utc = true;
                return true;
        }
        p = skip_blanks(p);
        if (*p != '+' && *p != '-')
                return false;
        int sign = *p++ == '-' ? -1 : 1;
        if (!take_digits(&p, 2, &hh))
                return false;
        if (*p) {
                take_char(&p, ':');
                if (!take_digits(&p, 2, &mm) || *p)
                        return false;
        }
        if (hh > 14 || mm > 59)
                return false;
        *utc = true;
        *offset_s = -sign * (int64_t) (hh * 3600 + mm * 60);
        return true;
}

/* "YYYY-MM-DD", "[YYYY-MM-DD ]HH:MM[:SS[.F]]", 'T' for the blank, then a zone. */
static int parse_absolute(const char *p, uint64_t now_usec, uint64_t *ret) {
        struct tm tm = {};
        int year, month, day;
        uint64_t usec = 0;
        bool utc;
        int64_t offset_s;

        if (take_digits(&p, 4, &year)) {
                if (!take_char(&p, '-') || !take_digits(&p, 2, &month) || !take_char(&p, '-') ||
                    !take_digits(&p, 2, &day))
                        return -EINVAL;
                if (month < 1 || month > 12 || day < 1 || day > 31)
                        return -EINVAL;
                tm.tm_year = year - 1900;
                tm.tm_mon = month - 1;
                tm.tm_mday = day;
                if ((take_char(&p, ' ') || take_char(&p, 'T')) && *p != 'U' && *p != '+' && *p != '-' &&
                    !take_time(&p, &tm, &usec))
                        return -EINVAL;
                if (p[-1] == ' ' || p[-1] == 'T')
                        p--;    /* "2023-11-01 UTC": the blank belongs to the zone */
        } else {
                /* A time alone: today's (local, or the zone's). */
                if (!take_time(&p, &tm, &usec))
                        return -EINVAL;
        }
        if (!take_zone(p, &utc, &offset_s))
                return -EINVAL;
        if (tm.tm_mday == 0) {
                time_t now = (time_t) (now_usec / USEC_PER_SEC);
                struct tm today;
                if (!(utc ? gmtime_r(&now, &today) : localtime_r(&now, &today)))
                        return -EINVAL;
                tm.tm_year = today.tm_year;
                tm.tm_mon = today.tm_mon;
                tm.tm_mday = today.tm_mday;
        }
        int64_t s = seconds_of(&tm, utc);
        if (s < 0 || s + offset_s < 0 || s + offset_s > SECONDS_MAX)
                return -EINVAL;
        *ret = (uint64_t) (s + offset_s) * USEC_PER_SEC + usec;
        return 0;
}

/* Local midnight of today + days. */
static int parse_day(int days, uint64_t now_usec, uint64_t *ret) {
        time_t now = (time_t) (now_usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&now, &tm))
                return -EINVAL;
        tm.tm_mday += days;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        if (t == (time_t) -1 || t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

/* systemd's time span units (systemd.time(7)); a month is 30.44 days, a year
 * 365.25 days, as journalctl counts them.  Longest names first. */
static const struct {
        const char *name;
        uint64_t usec;
} span_units[] = {
        { "seconds", USEC_PER_SEC }, { "second", USEC_PER_SEC }, { "sec", USEC_PER_SEC },
        { "minutes", 60 * USEC_PER_SEC }, { "minute", 60 * USEC_PER_SEC }, { "min", 60 * USEC_PER_SEC },
        { "months", 2629800 * USEC_PER_SEC }, { "month", 2629800 * USEC_PER_SEC },
        { "msec", 1000 }, { "ms", 1000 }, { "usec", 1 }, { "us", 1 },
        { "hours", 3600 * USEC_PER_SEC }, { "hour", 3600 * USEC_PER_SEC }, { "hr", 3600 * USEC_PER_SEC },
        { "days", 86400 * USEC_PER_SEC }, { "day", 86400 * USEC_PER_SEC },
        { "weeks", 604800 * USEC_PER_SEC }, { "week", 604800 * USEC_PER_SEC },
        { "years", 31557600 * USEC_PER_SEC }, { "year", 31557600 * USEC_PER_SEC },
        { "s", USEC_PER_SEC }, { "m", 60 * USEC_PER_SEC }, { "h", 3600 * USEC_PER_SEC },
        { "d", 86400 * USEC_PER_SEC }, { "w", 604800 * USEC_PER_SEC }, { "M", 2629800 * USEC_PER_SEC },
        { "y", 31557600 * USEC_PER_SEC },
};

/* A span "1y 2w", "30min", "1 week", "90" (seconds) up to end; -EINVAL otherwise. */
static int parse_span(const char *p, const char *end, uint64_t *ret) {
        uint64_t total = 0;
        bool any = false;

        p = skip_blanks(p);
        while (p < end) {
                uint64_t n = 0;
                const char *digits = p;
                while (p < end && *p >= '0' && *p <= '9') {
                        n = n * 10 + (uint64_t) (*p - '0');
                        if (n > UINT64_C(1) << 40)
                                return -EINVAL;
                        p++;
                }
                if (p == digits)
                        return -EINVAL;
                p = skip_blanks(p);
                uint64_t unit = USEC_PER_SEC;   /* a bare number is seconds */
                for (size_t i = 0; i < sizeof span_units / sizeof span_units[0]; i++) {
                        size_t len = strlen(span_units[i].name);
                        const char *after = p + len;
                        if ((size_t) (end - p) >= len && memcmp(p, span_units[i].name, len) == 0 &&
                            (after == end || *after == ' ' || *after == '\t' || (*after >= '0' && *after <= '9'))) {
                                unit = span_units[i].usec;
                                p = after;
                                break;
                        }
                }
                if (p < end && !(*p == ' ' || *p == '\t' || (*p >= '0' && *p <= '9')))
                        return -EINVAL;
                if (n > (uint64_t) SECONDS_MAX * USEC_PER_SEC / unit)
                        return -EINVAL;
                total += n * unit;
                if (total > (uint64_t) SECONDS_MAX * USEC_PER_SEC)
                        return -EINVAL;
                any = true;
                p = skip_blanks(p);
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix) {
        size_t n = strlen(suffix);
        return len > n && memcmp(s + len - n, suffix, n) == 0;
}

/* "-SPAN", "+SPAN", "SPAN ago", "SPAN left"; 1 when text is none of these. */
static int parse_relative(const char *text, uint64_t now_usec, uint64_t *ret) {
        size_t len = strlen(text);
        const char *p = text, *end = text + len;
        bool back;
        uint64_t span;

        if (*p == '-' || *p == '+') {
                back = *p++ == '-';
        } else if (ends_with(text, len, " ago")) {
                back = true;
                end -= 4;
        } else if (ends_with(text, len, " left")) {
                back = false;
                end -= 5;
        } else
                return 1;
        if (parse_span(p, end, &span) < 0)
                return -EINVAL;
        if (back)
                *ret = span > now_usec ? 0 : now_usec - span;
        else
                *ret = now_usec + span;
        return 0;
}

/* "@SECONDS[.FRACTION]". */
static int parse_epoch(const char *p, uint64_t *ret) {
        uint64_t s = 0, usec = 0;

        if (*p < '0' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                s = s * 10 + (uint64_t) (*p - '0');
                if (s > (uint64_t) SECONDS_MAX)
                        return -EINVAL;
        }
        if (*p == '.') {
                uint64_t scale = 100000;
                if (*++p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
                        usec += (uint64_t) (*p - '0') * scale;
        }
        if (*p)
                return -EINVAL;
        *ret = s * USEC_PER_SEC + usec;
        return 0;
}

int timestamp_parse(const char *text, uint64_t now_usec, uint64_t *ret) {
        if (strcmp(text, "now") == 0) {
                *ret = now_usec;
                return 0;
        }
        if (strcmp(text, "today") == 0)
                return parse_day(0, now_usec, ret);
        if (strcmp(text, "yesterday") == 0)
                return parse_day(-1, now_usec, ret);
        if (strcmp(text, "tomorrow") == 0)
                return parse_day(1, now_usec, ret);
        if (text[0] == '@')
                return parse_epoch(text + 1, ret);
        int r = parse_relative(text, now_usec, ret);
        if (r <= 0)
                return r;
        return parse_absolute(text, now_usec, ret);
}

void timestamp_format_local(uint64_t usec, char buf[TIMESTAMP_TEXT_MAX]) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, TIMESTAMP_TEXT_MAX, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(buf, TIMESTAMP_TEXT_MAX, "@%llu", (unsigned long long) (usec / USEC_PER_SEC));
}

void timestamp_format_iso_utc(uint64_t usec, char buf[TIMESTAMP_TEXT_MAX]) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;
        char date[32];

        if (!gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                snprintf(date, sizeof date, "@%llu", (unsigned long long) (usec / USEC_PER_SEC));
        snprintf(buf, TIMESTAMP_TEXT_MAX, "%s.%06lluZ", date, (unsigned long long) (usec % USEC_PER_SEC));
}
