/* SPDX-License-Identifier: MIT */
#pragma once

/* PAM_RHOST normalisation (SPEC §3).  A numeric IPv4/IPv6 address is used as is,
 * ::ffff:a.b.c.d becomes a.b.c.d, an IPv6 zone (%eth0) is dropped.  Host names are
 * never resolved.  Anything else (empty, overlong, binary junk) is classified,
 * never trusted. */

#include "addr.h"

enum rhost_kind {
        RHOST_MISSING,          /* NULL or "" */
        RHOST_ADDRESS,          /* numeric address: client.addr is valid */
        RHOST_HOSTNAME,         /* looks like a DNS name: unapproved, never looked up */
        RHOST_INVALID,          /* junk, overlong, control bytes: unapproved */
};

struct client_address {
        enum rhost_kind kind;
        int family;                             /* 4 or 6 when kind == RHOST_ADDRESS */
        addr128 addr;
        char text[IP_BLOCK_TEXT_MAX];           /* normalised text, "" unless RHOST_ADDRESS */
};

void rhost_normalise(const char *rhost, struct client_address *ret);
