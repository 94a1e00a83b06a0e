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

static int parse_absolute(const char *p, uint64_t *ret) {
        struct tm tm = {};
        int year, month, day, hour = 0, minute = 0, second = 0;

        if (!take_digits(&p, 4, &year) || !take_char(&p, '-') || !take_digits(&p, 2, &month) ||
            !take_char(&p, '-') || !take_digits(&p, 2, &day))
                return -EINVAL;
        if (take_char(&p, ' ') || take_char(&p, 'T')) {
                if (!take_digits(&p, 2, &hour) || !take_char(&p, ':') || !take_digits(&p, 2, &minute))
                        return -EINVAL;
                if (take_char(&p, ':') && !take_digits(&p, 2, &second))
                        return -EINVAL;
        }
        bool utc = strcmp(p, " UTC") == 0;
        if (*p && !utc)
                return -EINVAL;
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = second;
        int64_t s = seconds_of(&tm, utc);
        if (s < 0)
                return -EINVAL;
        *ret = (uint64_t) s * USEC_PER_SEC;
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

static int parse_relative(const char *p, uint64_t now_usec, uint64_t *ret) {
        static const struct {
                const char *name;
                uint64_t seconds;
        } units[] = {
                { "s", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 }, { "w", 604800 },
        };
        bool back = *p == '-';
        uint64_t n = 0;
        const char *digits = ++p;

        while (*p >= '0' && *p <= '9') {
                n = n * 10 + (uint64_t) (*p - '0');
                if (n > UINT64_C(1) << 40)
                        return -EINVAL;
                p++;
        }
        if (p == digits)
                return -EINVAL;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
                if (strcmp(p, units[i].name) == 0) {
                        uint64_t delta = n * units[i].seconds;
                        if (delta > (uint64_t) SECONDS_MAX)
                                return -EINVAL;
                        delta *= USEC_PER_SEC;
                        if (back)
                                *ret = delta > now_usec ? 0 : now_usec - delta;
                        else
                                *ret = now_usec + delta;
                        return 0;
                }
        return -EINVAL;
}

static int parse_epoch(const char *p, uint64_t *ret) {
        uint64_t s = 0;

        if (!*p)
                return -EINVAL;
        for (; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                s = s * 10 + (uint64_t) (*p - '0');
                if (s > (uint64_t) SECONDS_MAX)
                        return -EINVAL;
        }
        *ret = s * USEC_PER_SEC;
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
        if (text[0] == '-' || text[0] == '+')
                return parse_relative(text, now_usec, ret);
        if (text[0] == '@')
                return parse_epoch(text + 1, ret);
        return parse_absolute(text, ret);
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
