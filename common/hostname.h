/* SPDX-License-Identifier: MIT */
#pragma once

/* Host names: the one syntax check for every place a name is accepted (PAM_RHOST,
 * e-mail domains and the SMTP host in logonacl.conf) or passed on (the Subject,
 * EHLO and the default From of alert mail). */

#include <stdbool.h>
#include <stddef.h>

#define HOSTNAME_MAX 253                /* bytes, without a trailing dot (RFC 1035 §2.3.4) */
#define HOSTNAME_LABEL_MAX 63

enum hostname_flags {
        HOSTNAME_TRAILING_DOT = 1 << 0, /* "host.example.com." is accepted as the same name */
};

/* A letter, digit or hyphen: the characters of a label. */
bool hostname_char_is_ldh(char c);

/* RFC 1123 §2.1 LDH syntax: dot-separated labels of 1-63 ASCII letters, digits and
 * hyphens, no hyphen at either end of a label, at most 253 bytes, and the last
 * label not all digits (that is a malformed address, not a name).  No underscore,
 * no empty label, no trailing dot unless HOSTNAME_TRAILING_DOT.  s need not be
 * NUL-terminated. */
bool hostname_is_valid(const char *s, size_t len, unsigned flags);

/* This machine's name (gethostname()) when it is a valid host name, otherwise
 * "localhost": what alertd says in EHLO and in the default From address, so that
 * nothing but a valid name reaches an SMTP command.  buf holds size bytes. */
void hostname_or_localhost(char *buf, size_t size);
