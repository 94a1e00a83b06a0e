/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <string.h>

#include "diag.h"

void diag_addv(struct diag_list *d, const char *where, const char *fmt, va_list ap) {
        char msg[DIAG_LINE_MAX];

        if (d->n_lines >= DIAG_MAX_LINES) {
                d->n_dropped++;
                return;
        }

        vsnprintf(msg, sizeof msg, fmt, ap);

        char *line = NULL;
        if (asprintf(&line, "%s%s%s", where ?: "", where ? ": " : "", msg) < 0) {
                d->n_dropped++;
                return;
        }

        char **n = realloc(d->lines, (d->n_lines + 1) * sizeof *n);
        if (!n) {
                free(line);
                d->n_dropped++;
                return;
        }
        d->lines = n;
        d->lines[d->n_lines++] = line;
}

void diag_add(struct diag_list *d, const char *where, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        diag_addv(d, where, fmt, ap);
        va_end(ap);
}

void diag_errorv(struct diag_list *d, const char *where, const char *fmt, va_list ap) {
        diag_addv(d, where, fmt, ap);
        diag_count_error(d);
}

void diag_error(struct diag_list *d, const char *where, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        diag_errorv(d, where, fmt, ap);
        va_end(ap);
}

void diag_count_error(struct diag_list *d) {
        d->n_errors++;
}

bool diag_has_errors(const struct diag_list *d) {
        return d->n_errors > 0;
}

char *diag_join(const struct diag_list *d) {
        size_t len = 1;
        for (size_t i = 0; i < d->n_lines; i++)
                len += strlen(d->lines[i]) + 1;

        char *s = malloc(len), *p = s;
        if (!s)
                return NULL;
        *p = 0;
        for (size_t i = 0; i < d->n_lines; i++) {
                if (i > 0)
                        *p++ = '\n';
                p = stpcpy(p, d->lines[i]);
        }
        return s;
}

void diag_free(struct diag_list *d) {
        for (size_t i = 0; i < d->n_lines; i++)
                free(d->lines[i]);
        free(d->lines);
        *d = (struct diag_list) {};
}
