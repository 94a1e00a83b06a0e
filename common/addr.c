/* SPDX-License-Identifier: MIT */
/* Strict address and CIDR parsing, written from the grammar of SPEC §1 (dotted
 * quad without leading zeros, RFC 4291 text form of IPv6).  Every reason starts
 * with the entry as written, escaped and capped, so a reason is one safe line. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "macro.h"
#include "reason.h"

#define ENTRY_SHOWN_MAX 56      /* escaped entry bytes shown in a reason */

static const addr128 IPV4_MAPPED_BASE = { .hi = 0, .lo = UINT64_C(0x0000ffff00000000) };

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Hex digit value + 1, 0 for other bytes: one load per character in the hot loop. */
static const uint8_t hex_digit_plus1[256] = {
        ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
        ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
        ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hex_value(char c) {
        return (int) hex_digit_plus1[(unsigned char) c] - 1;
}

/* The entry as written, made safe for one log line: printable ASCII as is,
 * backslash doubled, every other byte \xNN; "..." when longer than the cap. */
static size_t escape_entry(const char *text, size_t len, char *buf, size_t size) {
        size_t o = 0;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = text[i];
                char piece[5];

                if (c == '\\')
                        memcpy(piece, "\\\\", 3);
                else if (c >= 0x20 && c < 0x7f)
                        piece[0] = c, piece[1] = 0;
                else
                        snprintf(piece, sizeof piece, "\\x%02x", c);

                size_t n = strlen(piece);
                if (o + n > ENTRY_SHOWN_MAX || o + n + 4 > size) {
                        memcpy(buf + o, "...", 4);
                        return o + 3;
                }
                memcpy(buf + o, piece, n + 1);
                o += n;
        }
        buf[o] = 0;
        return o;
}

int addr_reason_format(char reason[REASON_MAX], const char *text, size_t len, const char *fmt, ...) {
        va_list ap;

        if (!reason)
                return -EINVAL;
        size_t o = escape_entry(text, len, reason, REASON_MAX);
        if (len == 0)
                o = (size_t) snprintf(reason, REASON_MAX, "\"\"");
        o += (size_t) snprintf(reason + o, REASON_MAX - o, ": ");
        va_start(ap, fmt);
        vsnprintf(reason + o, REASON_MAX - o, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static addr128 ipv4_mapped(uint32_t v4) {
        return (addr128) { .hi = 0, .lo = IPV4_MAPPED_BASE.lo | v4 };
}

/* Host-bit mask of a prefix over 128 bits: the bits below the prefix set. */
static addr128 host_mask(unsigned prefix) {
        addr128 m;

        if (prefix == 0)
                return (addr128) { .hi = UINT64_MAX, .lo = UINT64_MAX };
        if (prefix < 64) {
                m.hi = UINT64_MAX >> prefix;
                m.lo = UINT64_MAX;
        } else if (prefix < 128) {
                m.hi = 0;
                m.lo = UINT64_MAX >> (prefix - 64);
        } else
                m.hi = m.lo = 0;
        return m;
}

/* One dotted quad at text[0..len), nothing else.  On error fills what with a
 * reason fragment (what is wrong, without the entry). */
static int parse_ipv4(const char *text, size_t len, uint32_t *ret, char what[REASON_MAX]) {
        uint32_t value = 0;
        unsigned n_octets = 0;
        size_t i = 0;

        for (;;) {
                size_t start = i;
                unsigned octet = 0;

                while (i < len && is_digit(text[i]) && i - start < 6) {
                        octet = octet * 10 + (unsigned) (text[i] - '0');
                        i++;
                }
                size_t n_digits = i - start;

                if (n_digits == 0) {
                        if (i < len && text[i] != '.')
                                return reason_set(what, EINVAL, "unexpected character '%c'", text[i]);
                        return reason_set(what, EINVAL, "has an empty octet");
                }
                if (i < len && is_digit(text[i]))
                        return reason_set(what, EINVAL, "an octet is out of range (0-255)");
                if (n_digits > 1 && text[start] == '0')
                        return reason_set(what, EINVAL, "octet \"%.*s\" has a leading zero", (int) n_digits,
                                          text + start);
                if (octet > 255)
                        return reason_set(what, EINVAL, "octet %u is out of range (0-255)", octet);
                if (n_octets == 4)
                        return reason_set(what, EINVAL, "has more than 4 octets");
                value = value << 8 | octet;
                n_octets++;

                if (i == len)
                        break;
                if (text[i] != '.') {
                        if (n_octets == 4)
                                return reason_set(what, EINVAL, "trailing garbage after the address");
                        return reason_set(what, EINVAL, "unexpected character '%c'", text[i]);
                }
                i++;
                if (i == len)
                        return reason_set(what, EINVAL, "%s",
                                          n_octets == 4 ? "trailing garbage after the address" : "has an empty octet");
        }

        if (n_octets != 4)
                return reason_set(what, EINVAL, "has %u octet%s, an IPv4 address has 4", n_octets,
                                  n_octets == 1 ? "" : "s");
        *ret = value;
        return 0;
}

/* RFC 4291 §2.2 text form: groups of 1-4 hex digits, one "::", optional dotted
 * quad in the last 32 bits.  No zone. */
static int parse_ipv6(const char *text, size_t len, addr128 *ret, char what[REASON_MAX]) {
        uint16_t groups[8] = {};
        unsigned n = 0;
        int gap = -1;           /* group index where "::" stands */
        size_t i = 0;

        if (len >= 2 && text[0] == ':' && text[1] == ':') {
                gap = 0;
                i = 2;
        } else if (len >= 1 && text[0] == ':')
                return reason_set(what, EINVAL, "starts with a single ':'");

        while (i < len) {
                size_t start = i;
                unsigned value = 0;

                int digit;
                while (i < len && (digit = hex_value(text[i])) >= 0 && i - start < 5) {
                        value = value << 4 | (unsigned) digit;
                        i++;
                }

                if (i < len && text[i] == '.') {
                        /* Embedded IPv4: must be the last 32 bits. */
                        uint32_t v4;
                        if (n > 6)
                                return reason_set(what, EINVAL, "too many groups before the embedded IPv4 address");
                        if (parse_ipv4(text + start, len - start, &v4, what) < 0)
                                return -EINVAL;
                        groups[n++] = (uint16_t) (v4 >> 16);
                        groups[n++] = (uint16_t) v4;
                        i = len;
                        break;
                }
                if (i == start) {
                        if (i < len && text[i] == '%')
                                return reason_set(what, EINVAL, "a zone ('%%') is not allowed here");
                        if (i < len && text[i] == ':')
                                return reason_set(what, EINVAL, "has an empty IPv6 group");
                        return reason_set(what, EINVAL, "unexpected character '%c'", text[i]);
                }
                if (i - start > 4)
                        return reason_set(what, EINVAL, "an IPv6 group has more than 4 hex digits");
                if (n == 8)
                        return reason_set(what, EINVAL, "has more than 8 IPv6 groups");
                groups[n++] = (uint16_t) value;

                if (i == len)
                        break;
                if (text[i] != ':') {
                        if (text[i] == '%')
                                return reason_set(what, EINVAL, "a zone ('%%') is not allowed here");
                        return reason_set(what, EINVAL, "unexpected character '%c'", text[i]);
                }
                i++;
                if (i < len && text[i] == ':') {
                        if (gap >= 0)
                                return reason_set(what, EINVAL, "\"::\" appears more than once");
                        gap = (int) n;
                        i++;
                } else if (i == len)
                        return reason_set(what, EINVAL, "ends with a single ':'");
        }

        if (gap >= 0 && n > 7)
                return reason_set(what, EINVAL, "\"::\" stands for no group in a full address");
        if (gap < 0 && n != 8)
                return reason_set(what, EINVAL, "has %u IPv6 groups, expected 8 (or \"::\")", n);

        uint16_t full[8] = {};
        if (gap < 0)
                memcpy(full, groups, sizeof full);
        else {
                unsigned tail = n - (unsigned) gap;
                memcpy(full, groups, (size_t) gap * sizeof(uint16_t));
                memcpy(full + 8 - tail, groups + gap, tail * sizeof(uint16_t));
        }

        ret->hi = ret->lo = 0;
        for (unsigned k = 0; k < 4; k++) {
                ret->hi = ret->hi << 16 | full[k];
                ret->lo = ret->lo << 16 | full[k + 4];
        }
        return 0;
}

static bool is_ascii_printable(const char *text, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) text[i] < 0x21 || (unsigned char) text[i] > 0x7e)
                        return false;
        return true;
}

/* Address only; family from the presence of ':'. */
static int parse_address(const char *text, size_t len, addr128 *ret, int *family, char what[REASON_MAX]) {
        if (len == 0)
                return reason_set(what, EINVAL, "no address before '/'");
        if (memchr(text, ':', len)) {
                if (parse_ipv6(text, len, ret, what) < 0)
                        return -EINVAL;
                *family = 6;
                return 0;
        }
        if (!is_digit(text[0]))
                return reason_set(what, EINVAL, "not an IPv4 or IPv6 address");
        uint32_t v4;
        if (parse_ipv4(text, len, &v4, what) < 0)
                return -EINVAL;
        *ret = ipv4_mapped(v4);
        *family = 4;
        return 0;
}

int addr_parse(const char *text, size_t len, addr128 *ret, int *family) {
        char what[REASON_MAX];

        if (!text || len == 0 || !is_ascii_printable(text, len))
                return -EINVAL;
        return parse_address(text, len, ret, family, what);
}

static int parse_prefix(const char *text, size_t len, unsigned max, unsigned *ret, char what[REASON_MAX]) {
        unsigned value = 0;

        if (len == 0)
                return reason_set(what, EINVAL, "the prefix after '/' is empty");
        for (size_t i = 0; i < len; i++)
                if (!is_digit(text[i]))
                        return reason_set(what, EINVAL, "the prefix after '/' is not a decimal number");
        if (len > 1 && text[0] == '0')
                return reason_set(what, EINVAL, "prefix /%.*s has a leading zero", (int) (len > 5 ? 5 : len), text);
        if (len > 3)
                return reason_set(what, EINVAL, "prefix is out of range (0-%u)", max);
        for (size_t i = 0; i < len; i++)
                value = value * 10 + (unsigned) (text[i] - '0');
        if (value > max)
                return reason_set(what, EINVAL, "prefix /%u is out of range (0-%u)", value, max);
        *ret = value;
        return 0;
}

size_t ip_block_scan_ipv4(const char *text, size_t len, struct ip_block *ret) {
        uint32_t value = 0;
        unsigned prefix = 32;
        size_t i = 0;

        for (unsigned k = 0; k < 4; k++) {
                if (k > 0) {
                        if (i >= len || text[i] != '.')
                                return 0;
                        i++;
                }
                if (i >= len || !is_digit(text[i]))
                        return 0;
                unsigned part = (unsigned) (text[i++] - '0');
                if (part != 0 && i < len && is_digit(text[i])) {
                        part = part * 10 + (unsigned) (text[i++] - '0');
                        if (i < len && is_digit(text[i]))
                                part = part * 10 + (unsigned) (text[i++] - '0');
                }
                /* a fourth digit, a digit after a leading zero, or over 255 */
                if (part > 255 || (i < len && is_digit(text[i])))
                        return 0;
                value = value << 8 | part;
        }
        if (i < len && text[i] == '/') {
                size_t k = i + 1;
                prefix = 0;
                while (k < len && text[k] >= '0' && text[k] <= '9' && k - i <= 2)
                        prefix = prefix * 10 + (unsigned) (text[k++] - '0');
                if (k == i + 1 || (k - i - 1 > 1 && text[i + 1] == '0') || prefix > 32 ||
                    (k < len && text[k] >= '0' && text[k] <= '9'))
                        return 0;
                i = k;
        }
        if (i < len && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.' || text[i] == '/'))
                return 0;               /* more of an address: the full parser's business */
        uint32_t host = prefix == 32 ? 0 : UINT32_MAX >> prefix;
        if (value & host)
                return 0;
        if (ret)
                *ret = (struct ip_block) {
                        .first = ipv4_mapped(value),
                        .last = ipv4_mapped(value | host),
                        .family = 4,
                        .prefix = (uint8_t) prefix,
                };
        return i;
}

int ip_block_parse(const char *text, size_t len, struct ip_block *ret, char reason[REASON_MAX]) {
        char what[REASON_MAX];

        if (text && len > 0 && ip_block_scan_ipv4(text, len, ret) == len)
                return 0;
        addr128 a;
        int family;
        unsigned prefix = 0;    /* set on every path; for -Wmaybe-uninitialized */

        if (!text || len == 0)
                return addr_reason_format(reason, "", 0, "empty entry");
        if (!is_ascii_printable(text, len))
                return addr_reason_format(reason, text, len, "contains a space, control or non-ASCII byte");

        const char *slash = memchr(text, '/', len);
        size_t addr_len = slash ? (size_t) (slash - text) : len;

        if (parse_address(text, addr_len, &a, &family, what) < 0)
                return addr_reason_format(reason, text, len, "%s", what);

        unsigned max = family == 4 ? 32 : 128;
        if (!slash)
                prefix = max;
        else if (parse_prefix(slash + 1, len - addr_len - 1, max, &prefix, what) < 0)
                return addr_reason_format(reason, text, len, "%s", what);

        unsigned prefix128 = family == 4 ? prefix + 96 : prefix;
        addr128 m = host_mask(prefix128);
        if ((a.hi & m.hi) || (a.lo & m.lo)) {
                struct ip_block suggested = {
                        .first = { a.hi & ~m.hi, a.lo & ~m.lo },
                        .family = (uint8_t) family,
                        .prefix = (uint8_t) prefix,
                };
                char fixed[IP_BLOCK_TEXT_MAX];
                addr_format(suggested.first, family, fixed);
                return addr_reason_format(reason, text, len, "host bits are set below /%u (did you mean %s/%u?)",
                                          prefix, fixed, prefix);
        }

        if (ret)
                *ret = (struct ip_block) {
                        .first = a,
                        .last = { a.hi | m.hi, a.lo | m.lo },
                        .family = (uint8_t) family,
                        .prefix = (uint8_t) prefix,
                };
        return 0;
}

struct special_range {
        uint32_t base;
        uint8_t prefix;
        const char *text, *name;
};

/* SPEC §1, in the order a reason names them. */
static const struct special_range ipv4_not_global[] = {
        { 0x00000000, 8,  "0.0.0.0/8",      "this network" },
        { 0x0a000000, 8,  "10.0.0.0/8",     "private-use" },
        { 0x64400000, 10, "100.64.0.0/10",  "shared address space" },
        { 0x7f000000, 8,  "127.0.0.0/8",    "loopback" },
        { 0xa9fe0000, 16, "169.254.0.0/16", "link-local" },
        { 0xac100000, 12, "172.16.0.0/12",  "private-use" },
        { 0xc0000000, 24, "192.0.0.0/24",   "IETF protocol assignments" },
        { 0xc0a80000, 16, "192.168.0.0/16", "private-use" },
        { 0xc6120000, 15, "198.18.0.0/15",  "benchmarking" },
        { 0xe0000000, 4,  "224.0.0.0/4",    "multicast" },
        { 0xf0000000, 4,  "240.0.0.0/4",    "reserved" },
};

/* Whether a range of ipv4_not_global lies in (or covers) the /8 a.0.0.0: their
 * first octets, 224-255 for the last two.  The unit tests probe both ends of
 * every range, so a range missing here fails them. */
static bool ipv4_special_octet(uint32_t a) {
        return a == 0 || a == 10 || a == 100 || a == 127 || a == 169 || a == 172 || a == 192 || a == 198 || a >= 224;
}

int ip_block_check_global_as(const struct ip_block *b, const char *text, size_t len, char reason[REASON_MAX]) {
        static const char tail[] = "only global addresses may be approved";

        if (b->family == 4) {
                uint32_t first = (uint32_t) b->first.lo, last = (uint32_t) b->last.lo;
                /* Most blocks lie in a /8 that no special range touches. */
                if (first >> 24 == last >> 24 && !ipv4_special_octet(first >> 24))
                        return 0;
                for (size_t k = 0; k < ELEMENTSOF(ipv4_not_global); k++) {
                        const struct special_range *r = &ipv4_not_global[k];
                        uint32_t r_last = r->base | (UINT32_MAX >> r->prefix);
                        if (last < r->base || first > r_last)
                                continue;
                        bool inside = first >= r->base && last <= r_last;
                        return addr_reason_format(reason, text, len, "%s %s (%s); %s",
                                                  inside ? "lies in" : "overlaps", r->text, r->name, tail);
                }
                return 0;
        }

        /* 2000::/3: the top three bits are 001. */
        bool first_in = b->first.hi >> 61 == 1, last_in = b->last.hi >> 61 == 1;
        if (first_in && last_in)
                return 0;
        return addr_reason_format(reason, text, len, "%s 2000::/3 (global unicast); %s",
                                  first_in || last_in || b->prefix < 3 ? "reaches outside" : "lies outside", tail);
}

/* One number line holds both families (IPv4 at ::ffff:a.b.c.d), so an IPv6
 * block reaching into ::ffff:0:0/96 would approve IPv4 clients, and ::/96 (the
 * deprecated IPv4-compatible form) is IPv4 in disguise too, but for :: and
 * ::1 (RFC 4291 keeps them out of it). */
int ip_block_check_ipv4_space(const struct ip_block *b, const char *text, size_t len, char reason[REASON_MAX]) {
        static const struct {
                uint64_t lo_top;        /* bits 32..63 of the low half */
                const char *name;
        } spaces[] = {
                { 0xffff, "::ffff:0:0/96 (IPv4-mapped)" },
                { 0,      "::/96 (IPv4-compatible)" },
        };

        if (b->family != 6)
                return 0;
        for (size_t k = 0; k < ELEMENTSOF(spaces); k++) {
                addr128 first = { 0, spaces[k].lo_top << 32 }, last = { 0, first.lo | UINT32_MAX };
                if (addr128_cmp(b->last, first) < 0 || addr128_cmp(b->first, last) > 0)
                        continue;
                /* :: and ::1 are IPv6's own (unspecified, loopback), not IPv4 in disguise. */
                if (spaces[k].lo_top == 0 && b->last.hi == 0 && b->last.lo <= 1)
                        continue;
                if (b->prefix >= 96) {
                        char v4[IP_BLOCK_TEXT_MAX];
                        struct ip_block as_v4 = {
                                .first = ipv4_mapped((uint32_t) b->first.lo),
                                .family = 4,
                                .prefix = (uint8_t) (b->prefix - 96),
                        };
                        ip_block_format(&as_v4, v4);
                        return addr_reason_format(reason, text, len,
                                                  "lies in %s; an IPv6 entry never approves IPv4 clients: write %s",
                                                  spaces[k].name, v4);
                }
                return addr_reason_format(reason, text, len,
                                          "overlaps %s; an IPv6 entry never approves IPv4 clients: "
                                          "write IPv4 entries (0.0.0.0/0 is all of IPv4)", spaces[k].name);
        }
        return 0;
}

int ip_block_check_global(const struct ip_block *b, char reason[REASON_MAX]) {
        char text[IP_BLOCK_TEXT_MAX];

        ip_block_format(b, text);
        return ip_block_check_global_as(b, text, strlen(text), reason);
}

static void format_ipv6(addr128 a, char *buf) {
        uint16_t g[8];
        for (unsigned k = 0; k < 4; k++) {
                g[k] = (uint16_t) (a.hi >> (48 - 16 * k));
                g[k + 4] = (uint16_t) (a.lo >> (48 - 16 * k));
        }

        /* RFC 5952 §5: ::ffff:a.b.c.d for IPv4-mapped addresses. */
        if (a.hi == 0 && (a.lo >> 32) == 0xffff) {
                uint32_t v4 = (uint32_t) a.lo;
                sprintf(buf, "::ffff:%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 0xff, (v4 >> 8) & 0xff, v4 & 0xff);
                return;
        }

        /* RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie. */
        int best = -1, best_len = 1;
        for (int k = 0; k < 8;) {
                if (g[k] != 0) {
                        k++;
                        continue;
                }
                int run = k;
                while (run < 8 && g[run] == 0)
                        run++;
                if (run - k > best_len) {
                        best = k;
                        best_len = run - k;
                }
                k = run;
        }

        char *p = buf;
        for (int k = 0; k < 8; k++) {
                if (k == best) {
                        p = stpcpy(p, "::");
                        k += best_len - 1;
                        continue;
                }
                if (k > 0 && k != best + best_len)
                        *p++ = ':';
                p += sprintf(p, "%x", g[k]);
        }
        *p = 0;
}

void addr_format(addr128 a, int family, char buf[IP_BLOCK_TEXT_MAX]) {
        if (family == 4) {
                uint32_t v4 = (uint32_t) a.lo;
                snprintf(buf, IP_BLOCK_TEXT_MAX, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 0xff, (v4 >> 8) & 0xff, v4 & 0xff);
        } else
                format_ipv6(a, buf);
}

void ip_block_format(const struct ip_block *b, char buf[IP_BLOCK_TEXT_MAX]) {
        addr_format(b->first, b->family, buf);
        if (b->prefix != (b->family == 4 ? 32 : 128)) {
                size_t n = strlen(buf);
                snprintf(buf + n, IP_BLOCK_TEXT_MAX - n, "/%u", b->prefix);
        }
}
