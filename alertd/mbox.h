/* SPDX-License-Identifier: MIT */
#pragma once

/* --print writes the mails as an mbox (SPEC §5), so that `mutt -f` reads it:
 * a "From " separator line before each, LF line ends, mboxrd quoting (a line
 * that reads ">*From " gets one more '>'), an empty line after each. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes one message (CRLF text as mail_compose makes it) from sender, dated
 * usec (UTC).  0 or negative errno. */
int mbox_write(FILE *f, const char *sender, uint64_t usec, const char *message, size_t len);
