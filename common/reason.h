/* SPDX-License-Identifier: MIT */
#pragma once

/* The one way a function tells its caller why it failed: the caller owns a
 * buffer of REASON_MAX bytes, the failing function writes one line into it (no
 * newline, truncated to fit) and returns a negative errno.  The caller decides
 * where the line goes: after "file:line: " in a diag_list, into a journal field,
 * onto stderr.  A whole file's worth of diagnostics is a diag_list (diag.h). */

#include "macro.h"

#define REASON_MAX 512

/* Writes the reason and returns -error (error is a positive errno). */
int reason_set(char reason[REASON_MAX], int error, const char *fmt, ...) _printf_(3, 4);
