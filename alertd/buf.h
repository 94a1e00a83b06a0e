/* SPDX-License-Identifier: MIT */
#pragma once

/* A growable byte buffer that remembers an allocation failure, so composing
 * code can append freely and check once at the end. */

#include <stdbool.h>
#include <stddef.h>
#include "macro.h"

struct buf {
        char *data;
        size_t len, size;
        bool oom;
};

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
/* NUL-terminates and hands over the data; NULL (and the buffer freed) after an allocation failure. */
char *buf_steal(struct buf *b, size_t *ret_len);
void buf_free(struct buf *b);
