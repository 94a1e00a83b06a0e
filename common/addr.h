/* SPDX-License-Identifier: MIT */
#pragma once

/* Strict IPv4/IPv6 text <-> 128-bit value, CIDR blocks, and the global-only rule
 * of SPEC §1.  IPv4 is held as the IPv4-mapped IPv6 value ::ffff:a.b.c.d so one
 * ordered number line holds both families.  Written from the grammar: no
 * inet_aton (octal, short forms), no locale, ASCII only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reason.h"

typedef struct addr128 {
        uint64_t hi, lo;
} addr128;

struct ip_block {
        addr128 first, last;    /* inclusive */
        uint8_t family;         /* 4 or 6 */
        uint8_t prefix;         /* 0..32 for IPv4, 0..128 for IPv6 */
};

/* Longest text of a block: full IPv6 + "/128". */
#define IP_BLOCK_TEXT_MAX 64

static inline int addr128_cmp(addr128 a, addr128 b) {
        if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
        if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
        return 0;
}

/* Parses an address ("203.0.113.7", "2001:db8::1": a single-address block) or a
 * CIDR block ("203.0.113.0/24").  text need not be NUL-terminated.  On error
 * returns -EINVAL and writes the reason that follows the entry, e.g.
 * "203.0.113.5/24: host bits are set below /24 (did you mean 203.0.113.0/24?)".
 * Does not apply the global-only rule. */
int ip_block_parse(const char *text, size_t len, struct ip_block *ret, char reason[REASON_MAX]);

/* The common case of ip_block_parse in one pass, for a parser of many lines:
 * a valid "a.b.c.d" or "a.b.c.d/p" (no leading zeros, no host bits) at the
 * start of text, followed by the end or by a character that cannot continue
 * it.  Returns its length and the block, or 0 when text does not start so
 * (then ip_block_parse decides, with its reason).  What it accepts,
 * ip_block_parse accepts the same. */
size_t ip_block_scan_ipv4(const char *text, size_t len, struct ip_block *ret);

/* Parses one address only (no prefix), same strictness; family 4 or 6 in *family. */
int addr_parse(const char *text, size_t len, addr128 *ret, int *family);

/* The global-only rule: -EINVAL with reason "<entry>: ... lies in 10.0.0.0/8 (private-use)"
 * when any address of the block is outside the global ranges of SPEC §1. */
int ip_block_check_global(const struct ip_block *b, char reason[REASON_MAX]);
/* The same, with the reason starting with text[0..len) (the entry as written). */
int ip_block_check_global_as(const struct ip_block *b, const char *text, size_t len, char reason[REASON_MAX]);

/* SPEC §1: an IPv6 block that overlaps ::ffff:0:0/96 or ::/96 is invalid even with
 * allow_private: -EINVAL with a reason that names the IPv4 form to write. */
int ip_block_check_ipv4_space(const struct ip_block *b, const char *text, size_t len, char reason[REASON_MAX]);

/* "<entry>: <what>" into reason, the entry escaped (\xNN for control and
 * non-ASCII bytes) and capped; returns -EINVAL.  For callers that reject an
 * entry for reasons of their own (an overlong line). */
int addr_reason_format(char reason[REASON_MAX], const char *text, size_t len, const char *fmt, ...) _printf_(4, 5);

/* Canonical text: "203.0.113.0/24", "203.0.113.7" for /32, "2001:db8::/32", RFC 5952 for IPv6. */
void ip_block_format(const struct ip_block *b, char buf[IP_BLOCK_TEXT_MAX]);
void addr_format(addr128 a, int family, char buf[IP_BLOCK_TEXT_MAX]);
