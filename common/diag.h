/* SPDX-License-Identifier: MIT */
#pragma once

/* A list of user-facing diagnostics, one line each, already prefixed with
 * "file:line: " where a file is involved.  Parsers append to it; callers print
 * it (logonaclctl check), put it in a journal field (the module's config-error
 * entry) or stop at the first one.  Bounded so hostile input cannot grow it. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "macro.h"

#define DIAG_MAX_LINES 1000
#define DIAG_LINE_MAX 1024      /* bytes of one message after "where: "; longer is cut */

struct diag_list {
        char **lines;
        size_t n_lines;
        size_t n_dropped;   /* lines not kept past DIAG_MAX_LINES */
        size_t n_errors;    /* errors (an invalid entry is one error, two lines) */
};

/* Appends one line; "where" may be NULL (no prefix).  Never fails visibly:
 * on allocation failure the line is counted in n_dropped. */
void diag_add(struct diag_list *d, const char *where, const char *fmt, ...) _printf_(3, 4);
void diag_addv(struct diag_list *d, const char *where, const char *fmt, va_list ap) _printf_(3, 0);
/* diag_add and diag_count_error: a line that is one error by itself. */
void diag_error(struct diag_list *d, const char *where, const char *fmt, ...) _printf_(3, 4);
void diag_errorv(struct diag_list *d, const char *where, const char *fmt, va_list ap) _printf_(3, 0);
/* Marks that one more error was reported (the lines were added with diag_add). */
void diag_count_error(struct diag_list *d);
bool diag_has_errors(const struct diag_list *d);
/* Joins all lines with '\n' into a new string (NULL on allocation failure). */
char *diag_join(const struct diag_list *d);
void diag_free(struct diag_list *d);
