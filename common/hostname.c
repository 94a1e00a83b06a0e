/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostname.h"

static bool is_ascii_digit(char c) {
        return c >= '0' && c <= '9';
}

bool hostname_char_is_ldh(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_ascii_digit(c) || c == '-';
}

/* One label, without its dot. */
static bool label_is_valid(const char *s, size_t len) {
        if (len == 0 || len > HOSTNAME_LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!hostname_char_is_ldh(s[i]))
                        return false;
        return true;
}

static bool all_digits(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (!is_ascii_digit(s[i]))
                        return false;
        return true;
}

bool hostname_is_valid(const char *s, size_t len, unsigned flags) {
        if ((flags & HOSTNAME_TRAILING_DOT) && len > 0 && s[len - 1] == '.')
                len--;
        if (len == 0 || len > HOSTNAME_MAX)
                return false;

        size_t start = 0;
        for (;;) {
                const char *dot = memchr(s + start, '.', len - start);
                size_t end = dot ? (size_t) (dot - s) : len;
                if (!label_is_valid(s + start, end - start))
                        return false;
                if (!dot)
                        return !all_digits(s + start, end - start);
                start = end + 1;
        }
}

void hostname_or_localhost(char *buf, size_t size) {
        char host[HOST_NAME_MAX + 1] = "";

        /* gethostname() may cut a long name without a NUL: the last byte stays 0. */
        if (gethostname(host, sizeof host - 1) < 0 || !hostname_is_valid(host, strlen(host), 0) ||
            strlen(host) >= size)
                snprintf(buf, size, "localhost");
        else
                snprintf(buf, size, "%s", host);
}
