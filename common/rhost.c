/* SPDX-License-Identifier: MIT */
/* PAM_RHOST comes from the client side of a protocol (or from a proxy): classify
 * it without trusting it.  Only a strictly numeric address can be approved; a
 * host name is never resolved (slow, spoofable) and so is simply unapproved. */

#include <string.h>

#include "hostname.h"
#include "rhost.h"

#define RHOST_MAX 1024          /* longer PAM_RHOST values are junk */
#define ZONE_MAX 64

static bool is_alnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* An interface name or number after '%': what "ip" and getaddrinfo accept in practice. */
static bool is_zone(const char *text, size_t len) {
        if (len == 0 || len > ZONE_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(text[i]) && !strchr("-_.", text[i]))
                        return false;
        return true;
}

static bool is_printable_ascii(const char *text, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) text[i] < 0x21 || (unsigned char) text[i] > 0x7e)
                        return false;
        return true;
}

/* A numeric address, optionally in URI brackets and with an IPv6 zone, which is dropped. */
static bool parse_numeric(const char *text, size_t len, struct client_address *ret) {
        bool bracketed = len >= 2 && text[0] == '[' && text[len - 1] == ']';
        if (bracketed) {
                text++;
                len -= 2;
        }

        const char *percent = memchr(text, '%', len);
        size_t addr_len = percent ? (size_t) (percent - text) : len;
        if (percent && !is_zone(percent + 1, len - addr_len - 1))
                return false;

        addr128 a;
        int family;
        if (addr_parse(text, addr_len, &a, &family) < 0)
                return false;
        if ((percent || bracketed) && family != 6)
                return false;

        /* ::ffff:a.b.c.d is the IPv4 client of a dual-stack socket. */
        if (family == 6 && a.hi == 0 && (a.lo >> 32) == 0xffff)
                family = 4;

        ret->kind = RHOST_ADDRESS;
        ret->family = family;
        ret->addr = a;
        addr_format(a, family, ret->text);
        return true;
}

void rhost_normalise(const char *rhost, struct client_address *ret) {
        *ret = (struct client_address) { .kind = RHOST_MISSING };

        if (!rhost || rhost[0] == 0)
                return;

        size_t len = strnlen(rhost, RHOST_MAX + 1);
        if (len > RHOST_MAX || !is_printable_ascii(rhost, len)) {
                ret->kind = RHOST_INVALID;
                return;
        }
        if (parse_numeric(rhost, len, ret))
                return;
        ret->kind = hostname_is_valid(rhost, len, HOSTNAME_TRAILING_DOT) ? RHOST_HOSTNAME : RHOST_INVALID;
}
