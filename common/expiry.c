/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "expiry.h"

/* Days from 1970-01-01 to the given day of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): no timegm, no TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned) (y - era * 400);
        unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t) doe - 719468;
}

static bool leap(unsigned y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n decimal digits at s into *ret. */
static bool digits(const char *s, unsigned n, unsigned *ret) {
        unsigned v = 0;
        for (unsigned i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        *ret = v;
        return true;
}

int expiry_parse(const char *text, size_t len, int64_t *ret) {
        static const unsigned month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        unsigned y, m, d, hh = 0, mm = 0;

        if (len != 10 && len != 17)
                return -EINVAL;
        if (!digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &m) || text[7] != '-' ||
            !digits(text + 8, 2, &d))
                return -EINVAL;
        if (len == 17 && (text[10] != 'T' || !digits(text + 11, 2, &hh) || text[13] != ':' ||
                          !digits(text + 14, 2, &mm) || text[16] != 'Z'))
                return -EINVAL;
        if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1] + (m == 2 && leap(y)) || hh > 23 || mm > 59)
                return -EINVAL;
        int64_t t = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
        if (t <= 0)
                return -EINVAL;         /* 0 means never */
        *ret = t;
        return 0;
}

void expiry_format(int64_t t, char buf[EXPIRY_TEXT_MAX]) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm)) {
                snprintf(buf, EXPIRY_TEXT_MAX, "@%lld", (long long) t);
                return;
        }
        if (tm.tm_hour == 0 && tm.tm_min == 0)
                snprintf(buf, EXPIRY_TEXT_MAX, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        else
                snprintf(buf, EXPIRY_TEXT_MAX, "%04d-%02d-%02dT%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min);
}
