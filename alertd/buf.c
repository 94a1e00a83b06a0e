/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static bool buf_reserve(struct buf *b, size_t extra) {
        if (b->oom)
                return false;
        if (b->len + extra + 1 <= b->size)
                return true;
        size_t want = b->size ? b->size : 256;
        while (want < b->len + extra + 1) {
                if (want > SIZE_MAX / 2) {
                        b->oom = true;
                        return false;
                }
                want *= 2;
        }
        char *p = realloc(b->data, want);
        if (!p) {
                b->oom = true;
                return false;
        }
        b->data = p;
        b->size = want;
        return true;
}

void buf_append(struct buf *b, const void *data, size_t len) {
        if (!buf_reserve(b, len))
                return;
        memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s) {
        buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !buf_reserve(b, (size_t) n)) {
                b->oom = true;
                return;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

char *buf_steal(struct buf *b, size_t *ret_len) {
        if (b->oom || !buf_reserve(b, 0)) {
                buf_free(b);
                return NULL;
        }
        b->data[b->len] = '\0';
        char *d = b->data;
        if (ret_len)
                *ret_len = b->len;
        *b = (struct buf) {};
        return d;
}

void buf_free(struct buf *b) {
        free(b->data);
        *b = (struct buf) {};
}
