/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "tz.h"
#include "zone_name.h"

#define TZIF_MAX_SIZE (256 * 1024)
#define TZIF_HEADER_SIZE 44

static uint32_t be32(const unsigned char *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
        return (int64_t) ((uint64_t) be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
        uint32_t isut, isstd, leap, time, type, chars;
};

static int read_counts(const unsigned char *h, size_t avail, struct tzif_counts *c) {
        if (avail < TZIF_HEADER_SIZE || memcmp(h, "TZif", 4) != 0)
                return -EBADMSG;
        *c = (struct tzif_counts) { be32(h + 20), be32(h + 24), be32(h + 28), be32(h + 32), be32(h + 36), be32(h + 40) };
        if (c->type == 0 || c->type > 256 || c->time > 100000 || c->chars > 100000 || c->leap > 100000 ||
            c->isut > c->type || c->isstd > c->type)
                return -EBADMSG;
        return 0;
}

static size_t block_size(const struct tzif_counts *c, size_t time_size) {
        return c->time * time_size + c->time + c->type * 6 + c->chars + c->leap * (time_size + 4) + c->isstd + c->isut;
}

/* Parses the std offset of a POSIX TZ footer without DST ("JST-9", "<+0530>-5:30").
 * Returns 1 when fixed, 0 when it has a DST rule (the fat TZif data covers to 2037). */
static int footer_fixed_offset(const char *s, int32_t *ret) {
        if (*s == '<') {
                s = strchr(s, '>');
                if (!s)
                        return 0;
                s++;
        } else
                while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
                        s++;
        int sign = 1;
        if (*s == '+' || *s == '-')
                sign = *s++ == '-' ? 1 : -1;    /* POSIX: positive is west of UTC */
        long h = 0, m = 0, sec = 0;
        char *end;
        h = strtol(s, &end, 10);
        if (end == s || h > 24)
                return 0;
        s = end;
        if (*s == ':') {
                m = strtol(s + 1, &end, 10);
                s = end;
                if (*s == ':') {
                        sec = strtol(s + 1, &end, 10);
                        s = end;
                }
        }
        if (*s != '\0')
                return 0;        /* a DST part follows */
        *ret = (int32_t) (sign * (h * 3600 + m * 60 + sec));
        return 1;
}

static int parse_tzif(const unsigned char *data, size_t size, struct time_zone *tz) {
        struct tzif_counts c;
        int r = read_counts(data, size, &c);
        if (r < 0)
                return r;
        size_t v1 = TZIF_HEADER_SIZE + block_size(&c, 4);
        if (v1 > size)
                return -EBADMSG;
        if (data[4] < '2')
                return -EBADMSG;        /* version 1 files are not shipped any more */
        const unsigned char *h2 = data + v1;
        r = read_counts(h2, size - v1, &c);
        if (r < 0)
                return r;
        size_t need = TZIF_HEADER_SIZE + block_size(&c, 8);
        if (need > size - v1)
                return -EBADMSG;

        const unsigned char *times = h2 + TZIF_HEADER_SIZE;
        const unsigned char *idx = times + c.time * 8;
        const unsigned char *types = idx + c.time;
        const unsigned char *footer = h2 + need;

        tz->transitions = calloc(c.time ? c.time : 1, sizeof(*tz->transitions));
        if (!tz->transitions)
                return -ENOMEM;
        for (uint32_t i = 0; i < c.time; i++) {
                if (idx[i] >= c.type)
                        return -EBADMSG;
                tz->transitions[i].at = be64(times + 8 * i);
                tz->transitions[i].offset = (int32_t) be32(types + 6 * idx[i]);
                if (i > 0 && tz->transitions[i].at <= tz->transitions[i - 1].at)
                        return -EBADMSG;
        }
        tz->n_transitions = c.time;
        tz->initial_offset = (int32_t) be32(types);

        /* Footer: "\nTZSTRING\n". */
        size_t left = size - (size_t) (footer - data);
        if (left >= 2 && footer[0] == '\n') {
                const unsigned char *nl = memchr(footer + 1, '\n', left - 1);
                if (nl && nl - footer - 1 < 64) {
                        char s[64];
                        memcpy(s, footer + 1, (size_t) (nl - footer - 1));
                        s[nl - footer - 1] = '\0';
                        tz->footer_fixed = footer_fixed_offset(s, &tz->footer_offset);
                }
        }
        return 0;
}

int tz_load(const char *dir, const char *name, struct time_zone *ret, char reason[REASON_MAX]) {
        *ret = (struct time_zone) {};
        if (!zone_name_is_valid(name))
                return reason_set(reason, EINVAL, "timezone \"%s\" is not a valid IANA zone name", name ? name : "");
        ret->name = strdup(name);
        if (!ret->name)
                return reason_set(reason, ENOMEM, "timezone \"%s\": out of memory", name);
        if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
                ret->footer_fixed = 1;
                return 0;
        }

        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir ? dir : ZONEINFO_DIR, name) < 0) {
                tz_free(ret);
                return reason_set(reason, ENOMEM, "timezone \"%s\": out of memory", name);
        }
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > TZIF_MAX_SIZE) {
                int e = fd < 0 ? errno : EINVAL;
                tz_free(ret);
                return reason_set(reason, e, "timezone \"%s\": cannot read %s", name, path);
        }
        _cleanup_free_ unsigned char *data = malloc((size_t) st.st_size + 1);
        if (!data) {
                tz_free(ret);
                return reason_set(reason, ENOMEM, "timezone \"%s\": out of memory", name);
        }
        ssize_t n = read(fd, data, (size_t) st.st_size);
        int r = n == st.st_size ? parse_tzif(data, (size_t) n, ret) : -EIO;
        if (r < 0) {
                tz_free(ret);
                return reason_set(reason, -r, "timezone \"%s\": %s is not a valid TZif file", name, path);
        }
        return 0;
}

int32_t tz_offset(const struct time_zone *tz, int64_t t) {
        if (tz->n_transitions == 0)
                return tz->footer_fixed ? tz->footer_offset : tz->initial_offset;
        if (t < tz->transitions[0].at)
                return tz->initial_offset;
        if (t >= tz->transitions[tz->n_transitions - 1].at && tz->footer_fixed)
                return tz->footer_offset;
        /* Last transition at or before t. */
        size_t lo = 0, hi = tz->n_transitions;
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (tz->transitions[mid].at <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        return tz->transitions[lo].offset;
}

void tz_free(struct time_zone *tz) {
        free(tz->name);
        free(tz->transitions);
        *tz = (struct time_zone) {};
}
